"""The row-level rules of gate.public.incident_rows over one Arrow batch: the same public rows and counts, without the batch
going to pandas and back (at 3M rows that round trip and pandas' setitems cost more than the rules themselves)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from model.public import TABLES, UNKNOWN_AREA
from model.schema import category_kind

from .location import Grid, _generalize_cached
from .sensitive import COUNT_KEYS

DATES = ("occurred_at", "occurred_end", "reported_at")
_TEXT = ("category", "kind", "vawa_offense", "block", "time_precision", "area", "district", "clery_geography", "quarter")


def _text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_null(t)


def handles(schema: pa.Schema) -> bool:
    """Whether incident_batch takes batches of this schema; where not (text timestamps, a non-boolean `domestic`,
    a timezone, ...) the pandas path of gate.public.incident_rows does, with its own checks and messages."""
    have = {f.name: f.type for f in schema}
    if "category" not in have or ("lat" in have) != ("lon" in have):
        return False
    for name in _TEXT:
        if name in have and not _text(have[name]):
            return False
    for name in ("lat", "lon"):
        if name in have and not (pa.types.is_floating(have[name]) or pa.types.is_null(have[name])):
            return False
    if "domestic" in have and not (pa.types.is_boolean(have["domestic"]) or pa.types.is_null(have["domestic"])):
        return False
    for name in DATES:  # a column of another type is taken (as empty) only where all of it is missing: left to pandas
        if name in have and not (pa.types.is_timestamp(have[name]) and have[name].tz is None):
            return False
    return True


def _strings(a: pa.Array) -> pa.Array:
    return a if pa.types.is_string(a.type) else a.cast(pa.string())


def _kinds(category: pa.Array, kind: pa.Array | None) -> pa.Array:
    """As gate.public._with_kind: the stored kinds where every row has one, else every row's worked out from its category."""
    if kind is not None and kind.null_count == 0:
        return kind
    enc = pc.dictionary_encode(category)
    worked = pa.array([category_kind(c) for c in enc.dictionary.to_pylist()], pa.string())
    return pc.fill_null(pc.take(worked, enc.indices), category_kind(None))


_seen: list = [None]  # the distinct blocks generalised lately, as Arrow columns: the same come back in every batch
SEEN_MAX = 1 << 18  # past this many, the memo starts again from the batch's own


def _blocks(block: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """(each row's block generalised, whether it held a block, whether generalising changed it), a distinct value done
    once and remembered for the next batches; `has` strips as pandas' Arrow-backed str.strip does (Arrow's Unicode
    whitespace)."""
    enc = pc.dictionary_encode(block)
    values = enc.dictionary
    if not len(values):  # every row missing
        return pa.nulls(len(block), pa.string()), np.zeros(len(block), bool), np.zeros(len(block), bool)
    seen = _seen[0]
    pos = pc.index_in(values, value_set=seen.column("value")) if seen is not None else None
    if pos is not None and pos.null_count and seen.num_rows + pos.null_count > SEEN_MAX:
        seen = pos = None  # start again from this batch's blocks
    if pos is None or pos.null_count:
        fresh = values if pos is None else values.filter(pc.is_null(pos))
        general = pa.array([_generalize_cached(v) for v in fresh.to_pylist()], pa.string())
        more = pa.table({"value": fresh, "general": general, "has": pc.not_equal(pc.utf8_trim_whitespace(fresh), ""),
                         "changed": pc.not_equal(general, fresh)})
        seen = more if seen is None else pa.concat_tables([seen, more]).combine_chunks()
        _seen[0] = seen  # a whole table swapped in: a publish in another thread sees the old memo or the new, never half
        pos = pc.index_in(values, value_set=seen.column("value"))
    rows = pc.take(pos, enc.indices)  # each row's place in the memo; null where the row has no block
    valid = pc.is_valid(rows).to_numpy(zero_copy_only=False)
    has = _bools(pc.take(seen.column("has"), rows))
    changed = _bools(pc.take(seen.column("changed"), rows))
    return pc.take(seen.column("general"), rows).combine_chunks(), valid & has, valid & changed


def _bools(a) -> np.ndarray:
    return pc.fill_null(a, False).to_numpy(zero_copy_only=False)


def incident_batch(batch: pa.RecordBatch, cfg, cells, ids: pa.Array) -> tuple[pa.Table, dict]:
    """gate.public.incident_rows of one batch whose schema `handles` takes, as the public Arrow table (_to_arrow of the
    pandas path's frame) and the same counts: points snapped and blocks cut to hundred-blocks; sensitive rows (a
    sensitive category, `domestic` true, a VAWA offense) without point or block and with dates without a time; the area,
    district and Clery geography withheld where a sensitive row's cell is hidden; a sensitive row's district withheld
    where counts have several levels; `ids` the rows' record ids."""
    n = batch.num_rows
    names = batch.schema.names
    col = {c: _strings(batch.column(c)) if c in _TEXT else batch.column(c) for c in names}  # a stored table's text may be of another type
    counts = dict.fromkeys(COUNT_KEYS, 0)

    category = col["category"]
    kind = _kinds(category, col.get("kind"))
    cats = pa.array(sorted({str(c) for c in cfg.sensitive_categories}), pa.string())
    sens = _bools(pc.is_in(category, value_set=cats))
    if "domestic" in col:
        sens |= _bools(col["domestic"].cast(pa.bool_()))
    if "vawa_offense" in col:
        sens |= pc.is_valid(col["vawa_offense"]).to_numpy(zero_copy_only=False)
    out = dict(col, category=category, kind=kind)
    any_sens = bool(sens.any())
    had_location = np.zeros(n, bool)

    if "lat" in col:
        lat = col["lat"].cast(pa.float64()).to_numpy(zero_copy_only=False)
        lon = col["lon"].cast(pa.float64()).to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore"):
            valid = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        grid = Grid(cell_m=cfg.cell_m)
        if any_sens:
            lat, lon = np.where(sens, np.nan, lat), np.where(sens, np.nan, lon)
        new_lat, new_lon = grid.snap(lat, lon)
        out["lat"], out["lon"] = pa.array(new_lat, from_pandas=True), pa.array(new_lon, from_pandas=True)  # NaN: no point
        counts["generalized_points"] = int((valid & ~sens).sum())
        had_location |= valid

    if "block" in col:
        general, has_block, changed = _blocks(col["block"])
        counts["generalized_blocks"] = int((~sens & has_block & changed).sum())
        out["block"] = pc.if_else(pa.array(sens), pa.scalar(None, pa.string()), general) if any_sens else general
        had_location |= has_block
    counts["withheld_locations"] = int((sens & had_location).sum())

    if any_sens:  # a batch without sensitive rows keeps its dates and precisions as they are
        mask = pa.array(sens)
        lost_time = np.zeros(n, bool)
        for c in DATES:
            if c in col and pa.types.is_timestamp(col[c].type):
                day = pc.floor_temporal(col[c], unit="day")
                lost_time |= _bools(pc.not_equal(day, col[c]))
                out[c] = pc.if_else(mask, day, col[c])
        if "time_precision" in col:
            tp = col["time_precision"]
            exact = sens & _bools(pc.equal(tp, "exact"))
            lost_time |= exact
            out["time_precision"] = pc.if_else(pa.array(exact), pa.scalar("day"), tp)
        counts["dates_only"] = int((sens & lost_time).sum())

    withheld = np.zeros(n, bool)
    if cells.hidden and any_sens:
        withheld = _hidden(out, cells.hidden, sens)
        if withheld.any():
            drop = pa.array(withheld)
            for c in ("area", "district", "clery_geography"):
                if c in out:
                    out[c] = pc.if_else(drop, pa.scalar(None, out[c].type), out[c])
    if cells.levels is not None and "district" in out and any_sens:  # counts at several levels: a sensitive row's district would tie them
        out["district"] = pc.if_else(pa.array(sens), pa.scalar(None, out["district"].type), out["district"])
    counts["areas_withheld"] = int(withheld.sum())
    out["record_id"] = ids
    return _public(out, n), counts


def _hidden(out: dict, hidden: list, sens: np.ndarray) -> np.ndarray:
    """gate.public._hidden_rows over the sensitive rows: True where the (quarter, area, category) cell is hidden."""
    from .public import _hidden_rows  # the same join as the pandas path, on the sensitive rows only

    idx = np.flatnonzero(sens)
    take = pa.array(idx)
    area = out["area"] if "area" in out else pa.nulls(len(sens), pa.string())
    probe = pd.DataFrame({
        "quarter": _column(out, "quarter", len(sens)).take(take).to_pandas(),
        "area": pc.fill_null(area, UNKNOWN_AREA).take(take).to_pandas(),
        "category": out["category"].take(take).to_pandas(),
    })
    hit = _hidden_rows(probe, ["quarter", "area", "category"], pd.concat(hidden), np.ones(len(idx), bool))
    res = np.zeros(len(sens), bool)
    res[idx[hit]] = True
    return res


def _column(out: dict, name: str, n: int) -> pa.Array:
    return out[name] if name in out else pa.nulls(n, pa.string())


def _public(out: dict, n: int) -> pa.Table:
    """The columns as gate.public._to_arrow makes them from the pandas path's frame: the published fields in order and
    type, a missing field as nulls, and NaN in a float column a null (pandas reads both as missing)."""
    schema = TABLES["incidents"].arrow_schema()
    arrays = []
    for f in schema:
        arr = out.get(f.name)
        if arr is None:
            arr = pa.nulls(n, f.type)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if pa.types.is_floating(arr.type) and arr.null_count < n:
            arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, arr.type), arr)
        if arr.type != f.type:
            arr = arr.cast(f.type, safe=not pa.types.is_date(f.type))
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema)
