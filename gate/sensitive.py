"""Location and time masking of incident rows: generalize every point and block, withhold them for sensitive incidents."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from model.schema import SENSITIVE_CATEGORIES

from .location import DEFAULT_GRID, Grid, generalize_blocks

COUNT_KEYS = ("generalized_points", "generalized_blocks", "withheld_locations", "dates_only")


def sensitive_rows(frame: pd.DataFrame, sensitive_categories: Iterable[str] = SENSITIVE_CATEGORIES) -> pd.Series:
    """Boolean Series: the row's category is sensitive, its `domestic` flag is True (missing counts as False), or it has a
    VAWA offense."""
    if "category" not in frame.columns:
        raise KeyError("the frame has no 'category' column: sensitive incidents cannot be told apart")
    cats = {str(c) for c in sensitive_categories}
    sens = frame["category"].isin(cats).fillna(False).astype(bool)
    if "domestic" in frame.columns:
        dom = frame["domestic"]
        if dom.dtype == object or pd.api.types.is_string_dtype(dom):
            try:  # True/False/None objects (a nullable bool column read from Arrow): vectorised
                dom = pd.array(dom, dtype="boolean")
                dom = pd.Series(dom, index=frame.index)
            except (TypeError, ValueError):
                dom = dom.map(lambda v: v is True or (isinstance(v, (bool, np.bool_)) and bool(v)))
        sens = sens | dom.eq(True).fillna(False).astype(bool)
    if "vawa_offense" in frame.columns:  # domestic violence, dating violence, stalking (a campus's Clery export)
        sens = sens | frame["vawa_offense"].notna().astype(bool)
    return sens


def _date_only(col: pd.Series, rows: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The column with the time of day cut off on `rows`, and where that changed a value."""
    if not pd.api.types.is_datetime64_any_dtype(col):
        if col.isna().all():
            return col, pd.Series(False, index=col.index)
        raise TypeError(f"column '{col.name}' must hold timestamps (datetime64), got {col.dtype}; parse it before masking")
    day = col.dt.normalize()
    changed = rows & col.notna() & (day != col)
    return col.where(~rows, day), changed.fillna(False).astype(bool)


def mask_sensitive(
    frame: pd.DataFrame,
    sensitive_categories: Iterable[str] = SENSITIVE_CATEGORIES,
    *,
    grid: Grid = DEFAULT_GRID,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Apply the location and time rules to canonical incident rows; return (masked copy, counts).

    Every row: `lat`/`lon` are snapped to the centre of a `grid` cell (never within
    `grid.guard_m` of the true point), `block` is cut to a hundred-block.
    Sensitive rows (category in `sensitive_categories`, `domestic` True, or a VAWA offense): no point
    (`lat`, `lon` NaN), no block (missing), and a date without a time (`occurred_at`,
    `occurred_end`, `reported_at` cut to midnight; `time_precision` "exact" becomes "day", "month" stays).
    Columns that are absent are left absent; the input frame is not modified; `category`, `area`
    and every other column are kept as they are, so counts by area stay right.

    counts:
      generalized_points: non-sensitive rows with a valid point, now snapped;
      generalized_blocks: non-sensitive rows whose block held a house number, now cut;
      withheld_locations: sensitive rows that had a point or a block, now without;
      dates_only: sensitive rows that lost a time of day (precision "exact" or a time set).
    """
    out = frame.copy()
    sens = sensitive_rows(out, sensitive_categories)
    counts = dict.fromkeys(COUNT_KEYS, 0)
    had_location = pd.Series(False, index=out.index)

    if "lat" in out.columns and "lon" in out.columns:
        lat = pd.to_numeric(out["lat"], errors="coerce").to_numpy(dtype=float)
        lon = pd.to_numeric(out["lon"], errors="coerce").to_numpy(dtype=float)
        valid = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        s = sens.to_numpy()
        new_lat, new_lon = grid.snap(np.where(s, np.nan, lat), np.where(s, np.nan, lon))
        out["lat"], out["lon"] = new_lat, new_lon
        counts["generalized_points"] = int((valid & ~s).sum())
        had_location |= pd.Series(valid, index=out.index)
    elif "lat" in out.columns or "lon" in out.columns:
        raise KeyError("the frame has only one of 'lat' and 'lon': give both or neither")

    if "block" in out.columns:
        block = out["block"]
        has_block = block.notna() & block.astype("string").str.strip().ne("").fillna(False).astype(bool)
        general = generalize_blocks(block)  # a sensitive row's is dropped below (masking it first costs more than its text)
        counts["generalized_blocks"] = int((~sens & has_block & (general != block).fillna(False)).sum())
        out["block"] = general.where(~sens, None)
        had_location |= has_block
    counts["withheld_locations"] = int((sens & had_location).sum())

    lost_time = pd.Series(False, index=out.index)
    for col in ("occurred_at", "occurred_end", "reported_at"):
        if col in out.columns:
            out[col], changed = _date_only(out[col], sens)
            lost_time |= changed
    if "time_precision" in out.columns:
        exact = sens & out["time_precision"].eq("exact").fillna(False).astype(bool)
        lost_time |= exact
        out["time_precision"] = out["time_precision"].where(~exact, "day")
    counts["dates_only"] = int((sens & lost_time).sum())
    return out, counts
