"""Vancouver VPD GeoDASH: X/Y of 0 mark a location withheld for privacy; blank them so no point is projected from them."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def prepare(table: pa.Table) -> pa.Table:
    """Set X and Y to empty where either is 0 (UTM 0,0 would project to a bogus point near the equator)."""
    zero = pc.or_(pc.equal(pc.cast(table["X"], pa.float64(), safe=False), 0.0), pc.equal(pc.cast(table["Y"], pa.float64(), safe=False), 0.0))
    zero = pc.fill_null(zero, False)
    for c in ("X", "Y"):
        table = table.set_column(table.column_names.index(c), c, pc.if_else(zero, pa.scalar(None, pa.string()), table[c]))
    return table
