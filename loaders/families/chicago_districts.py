"""Chicago police district boundaries: district 31 comes as three features, merged into one area."""
from __future__ import annotations

import pyarrow as pa

from .boundary_parts import merge_parts


def prepare(table: pa.Table) -> pa.Table:
    """One area per `dist_num`: the parts of a district become one MultiPolygon on its first row."""
    return merge_parts(table, "dist_num")
