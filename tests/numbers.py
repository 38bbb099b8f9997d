"""The "show the numbers" tables of a page drawn by AppTest (Markdown tables under each chart), as DataFrames of text."""
from __future__ import annotations

import re

import pandas as pd

_CELL = re.compile(r"(?<!\\)\|")  # a cell border: a pipe that is not escaped


def _cells(line: str) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", c).replace("\u2060", "").strip() for c in _CELL.split(line.strip())[1:-1]]


def markdown_tables(at) -> list[pd.DataFrame]:
    """Every Markdown table on the page, in page order (the first row names the columns)."""
    out = []
    for m in at.markdown:
        lines = [ln for ln in str(m.value).split("\n") if ln.startswith("|")]
        if len(lines) >= 2 and set(lines[1]) <= set("|-: "):
            out.append(pd.DataFrame([_cells(ln) for ln in lines[2:]], columns=_cells(lines[0])))
    return out


def tables(at) -> list[pd.DataFrame]:
    """The page's data grids (st.dataframe) and then its Markdown tables."""
    return [d.value for d in at.dataframe] + markdown_tables(at)
