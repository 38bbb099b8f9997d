"""Chicago Police Sentiment Scores: one wide row per geography and period becomes one row per measure."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from loaders.textio import ROW_COL

# the overall scores only; the S_*/T_* demographic breakdowns are never mapped
MEASURES = ("SAFETY", "TRUST", "T_LISTEN", "T_RESPECT")


def _blank(arr) -> pa.ChunkedArray:
    """True where a cell is empty (null or only spaces)."""
    return pc.fill_null(pc.equal(pc.utf8_trim_whitespace(arr), ""), True)


def _iso(arr):
    """'05/01/2018' -> '2018-05-01' for the identifier (anything else is kept as written)."""
    return pc.replace_substring_regex(pc.fill_null(pc.utf8_trim_whitespace(arr), ""), pattern=r"^(\d{1,2})/(\d{1,2})/(\d{4})$", replacement=r"\3-\1-\2")


def prepare(table: pa.Table) -> pa.Table:
    """Unpivot the four overall measures into MEASURE/SCORE rows, repeating `__row__` per output row.

    Each output row also gets COPY_OF_EARLIER_ROW (yes when every column repeats an earlier row),
    LEVEL (city, area, district or sector: which of AREA/DISTRICT/SECTOR are filled), AREA_ID (empty
    citywide, the district number for district rows, the CPD area or sector code otherwise), AREA_SCHEME
    (the area scheme of AREA_ID: `district` or `sector`, empty citywide), AREA_PARENT (a sector row's DISTRICT, which the
    row names itself: the sector's parent; empty for the other levels) and
    SURVEY_ID (start..end|level id|measure, e.g. `2018-05-01..2018-05-31|district 15|TRUST`).
    An empty measure is not emitted; a source row with no measure at all gives one row with MEASURE
    and SCORE empty, so the engine rejects it with a reason instead of losing it.
    """
    area, district, sector = (pc.utf8_trim_whitespace(pc.cast(table[c], pa.string())) for c in ("AREA", "DISTRICT", "SECTOR"))
    has_area, has_district, has_sector = (pc.invert(_blank(a)) for a in (area, district, sector))
    level = pc.if_else(has_sector, "sector", pc.if_else(has_district, "district", pc.if_else(has_area, "area", "city")))
    district_id = pc.replace_substring_regex(district, pattern=r"^0+([0-9])", replacement=r"\1")
    area_id = pc.if_else(has_sector, sector, pc.if_else(has_district, district_id, pc.if_else(has_area, area, pa.scalar(None, pa.string()))))
    scheme = pc.if_else(pc.is_in(level, value_set=pa.array(["district", "sector"])), level, pa.scalar(None, pa.string()))
    parent = pc.if_else(pc.and_(has_sector, has_district), district_id, pa.scalar(None, pa.string()))
    label = pc.if_else(pc.equal(level, "city"), "city", pc.binary_join_element_wise(level, pc.fill_null(area_id, ""), " "))

    # the export repeats whole rows: mark exact copies of an earlier row (every column the same)
    body = [c for c in table.column_names if c != ROW_COL]
    copy = table.select(body).to_pandas().duplicated(keep="first").to_numpy()
    copy_col = pa.array(["yes" if c else "no" for c in copy], pa.string())

    keep_cols = [ROW_COL, "START_DATE", "END_DATE"]
    parts = []
    emitted = None
    for m in MEASURES:
        score = pc.utf8_trim_whitespace(table[m])
        present = pc.invert(_blank(score))
        emitted = present if emitted is None else pc.or_(emitted, present)
        parts.append((present, m, score))
    nothing = pc.invert(emitted)
    if pc.any(nothing).as_py():
        parts.append((nothing, None, pa.nulls(table.num_rows, pa.string())))

    out = []
    for mask, name, score in parts:
        idx = pc.indices_nonzero(mask)
        if len(idx) == 0:
            continue
        meas = pa.array([name] * len(idx), pa.string())
        start, end = (_iso(pc.take(table[c], idx)) for c in ("START_DATE", "END_DATE"))
        sid = pc.binary_join_element_wise(
            pc.binary_join_element_wise(start, end, ".."), pc.take(label, idx), meas if name else pa.array(["(no measure)"] * len(idx)), "|"
        )
        cols = {c: pc.take(table[c], idx) for c in keep_cols}
        cols.update(LEVEL=pc.take(level, idx), AREA_SCHEME=pc.take(scheme, idx), AREA_PARENT=pc.take(parent, idx), COPY_OF_EARLIER_ROW=pc.take(copy_col, idx), AREA_ID=pc.take(area_id, idx), MEASURE=meas, SCORE=pc.take(score, idx), SURVEY_ID=sid)
        out.append(pa.table(cols))
    result = pa.concat_tables(out)
    # keep the source order: all measures of one source row together
    return result.take(pc.sort_indices(result, sort_keys=[(ROW_COL, "ascending")]))
