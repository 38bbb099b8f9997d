"""Quarter arithmetic on 'YYYYQn' labels (the canonical quarter format)."""
from __future__ import annotations

import datetime as dt
import re

_Q = re.compile(r"^(\d{4})Q([1-4])$")


def is_quarter(q: str | None) -> bool:
    return bool(q and _Q.match(q))


def shift(q: str, n: int) -> str:
    """The quarter n quarters after q (n < 0: before)."""
    m = _Q.match(q)
    if not m:
        raise ValueError(f"not a quarter: {q!r}")
    idx = int(m.group(1)) * 4 + int(m.group(2)) - 1 + n
    return f"{idx // 4}Q{idx % 4 + 1}"


def previous(q: str) -> str:
    return shift(q, -1)


def year_ago(q: str) -> str:
    return shift(q, -4)


def start(q: str) -> dt.date:
    y, n = int(q[:4]), int(q[5])
    return dt.date(y, 3 * (n - 1) + 1, 1)


def end(q: str) -> dt.date:
    """Last day of the quarter."""
    return start(shift(q, 1)) - dt.timedelta(days=1)


def full_range(quarters) -> list[str]:
    """Every quarter from the first to the last of `quarters` (a quarter with no data shows as a gap, not as zero)."""
    qs = sorted(q for q in quarters if is_quarter(q))
    if not qs:
        return []
    out, q = [], qs[0]
    while q <= qs[-1]:
        out.append(q)
        q = shift(q, 1)
    return out
