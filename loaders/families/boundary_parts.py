"""Boundary files where one area is drawn as several features: merge the parts onto the area's first row."""
from __future__ import annotations

import json
from collections import Counter

import pyarrow as pa

PART_COL = "AREA_PART"


def _polygons(geom: dict) -> list:
    if geom.get("type") == "Polygon":
        return [geom["coordinates"]]
    if geom.get("type") == "MultiPolygon":
        return list(geom["coordinates"])
    raise ValueError(f"cannot merge a {geom.get('type')} boundary")


def merge_parts(table: pa.Table, id_col: str, geometry_col: str = "geometry") -> pa.Table:
    """Give the first feature of each area id a MultiPolygon of all its parts; mark the rest.

    AREA_PART is "first" on the row that carries the area and "merged into the first part" on the
    other features of the same id (the spec rejects those with a reason: their outline is not lost,
    it is part of the first row's geometry). Rows are never dropped, so every feature is accounted for.
    """
    ids = [None if v is None else str(v).strip().lstrip("0") or "0" for v in table[id_col].to_pylist()]
    geoms = table[geometry_col].to_pylist()
    first_at: dict[str, int] = {}
    parts: dict[str, list] = {}
    kind = []
    for i, (k, g) in enumerate(zip(ids, geoms)):
        if k is None:
            kind.append("first")
            continue
        if k not in first_at:
            first_at[k] = i
            kind.append("first")
        else:
            kind.append("merged into the first part")
        if g:
            parts.setdefault(k, []).extend(_polygons(json.loads(g)))
    merged = list(geoms)
    count = Counter(k for k in ids if k is not None)
    for k, i in first_at.items():
        if count[k] > 1 and parts.get(k):
            merged[i] = json.dumps({"type": "MultiPolygon", "coordinates": parts[k]}, separators=(",", ":"))
    idx = table.column_names.index(geometry_col)
    table = table.set_column(idx, geometry_col, pa.array(merged, pa.string()))
    return table.append_column(PART_COL, pa.array(kind, pa.string()))
