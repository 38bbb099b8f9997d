"""Row validation derived from the schema module (pandera): types, allowed values, ranges, patterns."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pandera.pandas as pa_

from .schema import Dataset, dataset as get_dataset


@lru_cache(maxsize=None)
def pandera_schema(name: str) -> pa_.DataFrameSchema:
    """The pandera schema for a dataset, built from its field definitions."""
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


def failures(frame: pd.DataFrame, name: str, row_col: str) -> pd.DataFrame:
    """Every failing cell as rows of (index, row, column, value, reason); empty when all rows pass."""
    schema = pandera_schema(name)
    try:
        schema.validate(frame, lazy=True)
        return pd.DataFrame(columns=["index", "row", "column", "value", "reason"])
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
