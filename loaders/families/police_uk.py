"""data.police.uk street CSVs: rows without a Crime ID (anti-social behaviour) get a stable ID hashed from the row."""
from __future__ import annotations

import hashlib

import pyarrow as pa
import pyarrow.compute as pc

ID = "Crime ID"


def prepare(table: pa.Table) -> pa.Table:
    """Fill an empty `Crime ID` with `h-` + a hash of the row's values (+ `-n` for the n-th identical row)."""
    cols = [c for c in table.column_names if c != "__row__"]
    joined = pc.binary_join_element_wise(*[pc.fill_null(table[c], "") for c in cols], "\x1f").to_pylist()
    seen: dict[str, int] = {}
    gen = []
    for v in joined:
        h = hashlib.blake2b(v.encode("utf-8"), digest_size=8).hexdigest()
        n = seen[h] = seen.get(h, -1) + 1
        gen.append(f"h-{h}" + (f"-{n}" if n else ""))
    empty = pc.equal(pc.utf8_trim_whitespace(pc.fill_null(table[ID], "")), "")
    ids = pc.if_else(empty, pa.array(gen, pa.string()), table[ID])
    return table.set_column(table.column_names.index(ID), ID, ids)
