"""Spreadsheet-injection defence: neutralize text cells a spreadsheet would run as formulas, and write safe CSV."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

# First characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (or, for
# tab and CR, let one slip past a naive check), plus their full-width forms, which some
# spreadsheet apps also accept.
TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_BLANKS = " \n\u00a0\u3000"


def neutralize(value):
    """A text cell that a spreadsheet would treat as a formula gets a leading `'`; anything else is returned as is.

    Triggers are `=`, `+`, `-`, `@`, tab and carriage return (and their full-width forms) as the
    first character, also after leading blanks (" =1+1"). Text such as "-5" is prefixed too
    ("'-5"): in a text column it is a label, not a number. Numbers (int, float) and other
    non-strings are returned unchanged, so numeric columns stay numeric.
    """
    if not isinstance(value, str) or not value:
        return value
    first = value.lstrip(_BLANKS)[:1]
    if first in TRIGGERS or value[:1] in TRIGGERS:
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell and column name neutralized; numeric, boolean and date columns untouched."""
    out = frame.copy()
    for pos, col in enumerate(out.columns):
        s = out.iloc[:, pos]
        if (
            pd.api.types.is_numeric_dtype(s)
            or pd.api.types.is_bool_dtype(s)
            or pd.api.types.is_datetime64_any_dtype(s)
            or pd.api.types.is_timedelta64_dtype(s)
        ):
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        out.isetitem(pos, s.map(neutralize))
    out.columns = [neutralize(str(c)) for c in out.columns]
    return out


def write_safe_csv(frame: pd.DataFrame, path, *, index: bool = False) -> Path:
    """Write `frame` as CSV in UTF-8 with a byte-order mark (so Excel reads accents right), every text cell neutralized.

    With `index=True` the index is written as ordinary first column(s), neutralized like the rest.
    Numeric columns are written as numbers (a negative number stays `-5`); text columns holding
    "-5" get `'-5`. Returns the path written.
    """
    path = Path(path)
    data = frame.reset_index() if index else frame
    safe = neutralize_frame(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path
