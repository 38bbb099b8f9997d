"""Row validation derived from the schema module (pandera): types, allowed values, ranges, patterns."""
from __future__ import annotations

from functools import lru_cache, partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from model.schema import Dataset, dataset as get_dataset


@lru_cache(maxsize=None)
def pandera_schema(name: str) -> "pa_.DataFrameSchema":
    """The pandera schema for a dataset, built from its field definitions."""
    import pandera.pandas as pa_  # imported when first needed: it costs a sixth of a second

    ds: Dataset = get_dataset(name)
    cols = {}
    for f in ds.fields:
        checks = []
        if f.allowed:
            checks.append(pa_.Check.isin(list(f.allowed), error=f"must be one of: {', '.join(f.allowed)}"))
        if f.minimum is not None:
            checks.append(pa_.Check.ge(f.minimum, error=f"must be at least {f.minimum:g}"))
        if f.maximum is not None:
            checks.append(pa_.Check.le(f.maximum, error=f"must be at most {f.maximum:g}"))
        if f.pattern:
            checks.append(pa_.Check.str_matches(f.pattern, error=f"must match {f.pattern}"))
        cols[f.name] = pa_.Column(nullable=not f.required, checks=checks, coerce=False, required=True)
    return pa_.DataFrameSchema(cols, strict=False, unique=None, name=name)


def _column_arrow(series: pd.Series) -> pa.Array:
    arr = series.array
    if hasattr(arr, "__arrow_array__"):
        out = pa.array(arr)
    else:
        out = pa.array(series.to_numpy(dtype=object) if series.dtype == object else series, from_pandas=True)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def suspects(frame: pd.DataFrame, name: str) -> np.ndarray | None:
    """Rows that break a rule of the schema, found with vectorised Arrow checks built from the same
    field definitions as the pandera schema (required, allowed values, minimum, maximum, pattern).
    None when the frame cannot be checked this way (a missing column, a column of the wrong type):
    pandera then checks every row itself."""
    ds = get_dataset(name)
    bad = np.zeros(len(frame), dtype=bool)
    for f in ds.fields:
        if f.name not in frame.columns:
            return None
        if not (f.required or f.allowed or f.minimum is not None or f.maximum is not None or f.pattern):
            continue
        try:
            arr = _column_arrow(frame[f.name])
            if arr.null_count == len(arr) and not f.required:  # an empty column breaks no rule (most of a police export's)
                continue
            valid = pc.is_valid(arr)
            if pa.types.is_floating(arr.type):
                valid = pc.and_(valid, pc.fill_null(pc.invert(pc.is_nan(arr)), False))  # pandas counts NaN as missing
            fails = pa.array(np.zeros(len(arr), dtype=bool))
            # a text column's rules are first tried on its distinct values: when they all pass, so does every row
            distinct = pc.unique(arr) if (f.allowed or f.pattern) and pa.types.is_string(arr.type) else None
            allowed = partial(pc.is_in, value_set=pa.array(list(f.allowed), arr.type)) if f.allowed else None
            if allowed and not (distinct is not None and _every(distinct, allowed)):
                fails = pc.or_(fails, pc.invert(allowed(arr)))
            if f.minimum is not None:
                fails = pc.or_(fails, pc.less(arr, pa.scalar(f.minimum).cast(arr.type)))
            if f.maximum is not None:
                fails = pc.or_(fails, pc.greater(arr, pa.scalar(f.maximum).cast(arr.type)))
            # pandera's str_matches is re.match: anchored at the start
            matches = partial(pc.match_substring_regex, pattern="^(?:" + f.pattern.lstrip("^") + ")") if f.pattern else None
            if matches and not (distinct is not None and _every(distinct, matches)):
                fails = pc.or_(fails, pc.invert(matches(arr)))
            fails = pc.and_(pc.fill_null(fails, False), valid)
            if f.required:
                fails = pc.or_(fails, pc.invert(valid))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, TypeError, ValueError):
            return None
        bad |= pc.fill_null(fails, False).to_numpy(zero_copy_only=False).astype(bool)
    return bad


def _every(distinct: pa.Array, check) -> bool:
    """Whether every value (nulls aside) passes an element-wise check."""
    return pc.all(check(pc.drop_null(distinct))).as_py() is not False


def failures(frame: pd.DataFrame, name: str, row_col: str) -> pd.DataFrame:
    """Every failing cell as rows of (index, row, column, value, reason); empty when all rows pass.

    Every row is screened by `suspects` (fast, vectorised); pandera then validates the rows screened
    out (all rows when screening is not possible) and words the failures."""
    empty = pd.DataFrame(columns=["index", "row", "column", "value", "reason"])
    sus = suspects(frame, name)
    if sus is not None and not sus.any():
        return empty
    import pandera.pandas as pa_

    schema = pandera_schema(name)
    try:
        schema.validate(frame if sus is None else frame[sus], lazy=True)
        return empty
    except pa_.errors.SchemaErrors as exc:
        fc = exc.failure_cases
    fc = fc[fc["index"].notna()].copy()
    reasons = fc["check"].astype(str).str.replace(r"^not_nullable$", "is empty but required", regex=True)
    out = pd.DataFrame({
        "index": fc["index"].astype(np.int64).to_numpy(),
        "column": fc["column"].astype(str).to_numpy(),
        "value": fc["failure_case"].astype(str).to_numpy(),
        "reason": reasons.to_numpy(),
    })
    out["row"] = frame.loc[out["index"], row_col].to_numpy()
    return out
