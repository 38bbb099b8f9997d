"""What changed in a file since its profile was made: a column renamed or moved is found again by its header and its
values, and dates written another way are read the way this file writes them; each change is one sentence for the report."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import parse
from .textio import ROW_COL

SAME_HEADER = 0.85  # header similarity (loaders.suggest_headers.similarity) at which a column is taken on its header alone ...
LIKE_HEADER = 0.6  # ... and at which it is taken when its values also fit the field
SAMPLE = 2000
# Dates read again only when the new format reads at least this share of the column's values (and 2 rows): a publisher
# that changed its format changes it for many rows; one impossible date ('2025-02-30') is a typo, rejected with its reason.
MIN_DRIFT_SHARE = 0.01


def _sample(arr, nulls: list[str]) -> pa.Array:
    vals = pc.drop_null(parse.clean_text(arr, nulls))
    vals = vals.combine_chunks() if isinstance(vals, pa.ChunkedArray) else vals
    if len(vals) > SAMPLE:
        vals = pc.take(vals, pa.array(np.linspace(0, len(vals) - 1, SAMPLE).astype(np.int64)))
    return vals


def _share(mask_array) -> float:
    a = mask_array.to_numpy(zero_copy_only=False) if hasattr(mask_array, "to_numpy") else np.asarray(mask_array)
    return float(np.asarray(a, dtype=bool).mean()) if len(a) else 0.0


def values_fit(arr, kind: str | None, fs: dict, value_map: dict | None, nulls: list[str]) -> bool | None:
    """Whether a column's values fit what the profile reads from it: dates for a date, numbers for a number, the same code
    system, values its crosswalk knows. None when nothing can be said (free text, an identifier)."""
    vals = _sample(arr, nulls)
    if not len(vals):
        return False
    if kind == "timestamp":
        fmts = parse.guess_formats(vals)
        return _share(pc.is_valid(parse.parse_timestamp(vals, fmts))) >= 0.9
    if kind in ("float", "int", "coordinate"):
        return _share(pc.is_valid(parse.parse_float(vals))) >= 0.9
    if fs.get("codes"):
        from .codes import recognise_column

        return recognise_column(vals.to_pylist())[0] == fs["codes"]
    if value_map:
        return _share(pc.is_in(pc.utf8_upper(vals), value_set=pa.array(list(value_map), pa.string()))) >= 0.5
    return None


def find_renamed(table: pa.Table, wanted: list[tuple[str, str | None, dict, dict | None]], nulls: list[str]) -> tuple[dict[str, str], list[dict]]:
    """For each column a profile names that the file lacks, the file's column that holds it now: the most similar header
    among the columns the profile does not use, taken when the header is nearly the same, or alike and its values fit.
    `wanted`: (column, field kind, field settings, value map). Returns ({column in the file: name in the profile}, notes)."""
    from .suggest_headers import similarity

    have = [c for c in table.column_names if c != ROW_COL]
    lower = {c.casefold() for c in have}
    named = {w[0] for w in wanted}
    missing = [w for w in wanted if w[0] not in have and w[0].casefold() not in lower]
    free = [c for c in have if c not in named and c.casefold() not in {n.casefold() for n in named}]
    renames: dict[str, str] = {}
    notes = []
    for col, kind, fs, value_map in missing:
        best = None
        for cand in free:
            if cand in renames:
                continue
            sim = similarity(col, cand)
            if sim < LIKE_HEADER:
                continue
            fit = values_fit(table[cand], kind, fs, value_map, nulls)
            if fit is False or (fit is None and sim < SAME_HEADER) or (sim < SAME_HEADER and not fit):
                continue
            score = sim + (0.05 if fit else 0.0)
            if best is None or score > best[0]:
                best = (score, cand, fit)
        if best:
            renames[best[1]] = col
            why = "its header is nearly the same" + (" and its values fit" if best[2] else "")
            notes.append({"column": col, "found": best[1],
                          "note": f"'{col}' is not in this file; '{best[1]}' was read in its place ({why})"})
    return renames, notes


def reparse_dates(arr, parsed, formats: list[str], colname: str | None) -> tuple[pa.ChunkedArray, str | None]:
    """Dates the profile's formats could not read, read again with the formats this file's values show, and a sentence
    saying so ("'IncidentDate' now holds dates like 4/19/2024 12:00:00 AM; read with that format"). Values no format
    reads stay null (the row is then rejected or left empty as before)."""
    failed = (pc.is_valid(arr).to_numpy(zero_copy_only=False) & ~pc.is_valid(parsed).to_numpy(zero_copy_only=False))
    if not failed.any():
        return parsed, None
    bad = pc.filter(arr, pa.array(failed))
    new = [f for f in parse.guess_formats(bad) if f not in formats]
    if not new:
        return parsed, None
    again = parse.parse_timestamp(arr, new)
    gained = failed & pc.is_valid(again).to_numpy(zero_copy_only=False)
    if not _enough(gained, arr):
        return parsed, None
    out = pc.if_else(pa.array(gained), again, parsed)
    example = pc.filter(arr, pa.array(gained))[0].as_py()
    what = f"'{colname}'" if colname else "the date"
    return _chunked(out), (f"{what} now holds dates like {example} ({int(gained.sum()):,} rows); read with that format "
                           f"({new[0]}) instead of the profile's ({formats[0] if formats else 'auto'})")


def date_and_time_apart(date_text, time_text, parsed, cols: list[str]) -> tuple[pa.ChunkedArray, str | None]:
    """A date column joined to a time column that the profile's formats could not read: the date read alone (whatever
    format it now has, a midnight time in it ignored), plus the time of day where the time column holds one. A time
    column holding NULL or nothing leaves the date alone (day precision, by the profile's time_precision rule)."""
    failed = (pc.is_valid(date_text).to_numpy(zero_copy_only=False) & ~pc.is_valid(parsed).to_numpy(zero_copy_only=False))
    if not failed.any():
        return parsed, None
    dates = parse.parse_timestamp(date_text, parse.guess_formats(pc.filter(date_text, pa.array(failed))))
    day = pc.floor_temporal(dates, unit="day")
    tod = parse.parse_time_of_day(time_text)
    with_time = pc.if_else(pc.is_valid(tod), pc.add(day, pc.fill_null(tod, pa.scalar(0, pa.duration("us")))), dates)
    gained = failed & pc.is_valid(with_time).to_numpy(zero_copy_only=False)
    if not _enough(gained, date_text):
        return parsed, None
    out = pc.if_else(pa.array(gained), with_time, parsed)
    i = int(np.flatnonzero(gained)[0])
    example = f"{date_text[i].as_py()} + {time_text[i].as_py() or '(no time)'}"
    return _chunked(out), (f"'{cols[0]}' and '{cols[1]}' no longer read with the profile's format ({int(gained.sum()):,} rows, "
                           f"e.g. {example}); the date and the time were read apart")


def _enough(gained: np.ndarray, arr) -> bool:
    n = int(gained.sum())
    return n >= 2 and n >= MIN_DRIFT_SHARE * (len(arr) - arr.null_count)


def _chunked(a):
    return a if isinstance(a, pa.ChunkedArray) else pa.chunked_array([a])
