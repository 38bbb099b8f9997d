"""What each column of an unknown export looks like, for `inspect`: normalised header and value sniffing."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import parse
from .mapping import DEFAULT_NULLS
from .suggest_headers import header_words
from .textio import ROW_COL, RawTable

RULES_PATH = Path(__file__).with_name("suggest_rules.toml")
SAMPLE = 5000  # values per column looked at (evenly spread over the file)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^(\+\d{1,3}[\s.-]?)?((\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}|0\d{2,4}\s\d{3,4}\s?\d{3,4})$")
_HHMM = re.compile(r"^\d{1,4}$")
_TIME_FORMATS = [
    (re.compile(r"^\d{1,2}:\d{2}$"), "%H:%M"),
    (re.compile(r"^\d{1,2}:\d{2}:\d{2}$"), "%H:%M:%S"),
    (re.compile(r"^\d{1,2}:\d{2}\s?[AP]M$"), "%I:%M %p"),
    (re.compile(r"^\d{1,2}:\d{2}:\d{2}\s?[AP]M$"), "%I:%M:%S %p"),
]
_BLOCK = re.compile(r"\b\d+X+\b|\bBLOCK OF\b|\b\d+\s+BLOCK\b|^X+\s", re.I)
_ADDRESS = re.compile(r"^\d+[A-Z]?\s+[A-Z]", re.I)
_MONTHS = {m.lower() for m in ("January February March April May June July August September October November December".split())}
_MONTHS_ABBR = {m[:3] for m in _MONTHS}
_TIME_IN_FORMAT = re.compile(r"[T ]?%[HI]:%M(:%S)?( %p)?")


@lru_cache(maxsize=1)
def rules() -> dict:
    """The synonym and keyword rules (loaders/suggest_rules.toml)."""
    return tomllib.loads(RULES_PATH.read_text(encoding="utf-8"))


def norm_header(h: str) -> str:
    """'OccDate' -> 'occ date', 'Case #' -> 'case number', 'LAT_WGS84' -> 'lat wgs84', 'occurrencedate' -> 'occurrence date',
    'Y Cordinate' -> 'y coordinate' (loaders.suggest_headers)."""
    return " ".join(header_words(h))


def norm_value(v: str) -> str:
    """Upper case, punctuation (but '&') to spaces: 'Veh-Theft/Auto' -> 'VEH THEFT AUTO'."""
    return " ".join(re.sub(r"[^A-Z0-9&]+", " ", str(v).upper()).split())


def contains_seq(tokens: list[str], sub: list[str]) -> bool:
    """True when `sub` appears in `tokens` as consecutive words."""
    n = len(sub)
    return n > 0 and any(tokens[i:i + n] == sub for i in range(len(tokens) - n + 1))


@lru_cache(maxsize=4096)
def _kw_pattern(keyword: str) -> re.Pattern:
    return re.compile(r"(?<![A-Z0-9])" + re.escape(norm_value(keyword)))


def match_rule(value: str, rule_list: list[dict], key: str) -> tuple[str, str] | None:
    """The first rule whose keyword starts a word of the value (or whose `exact` value it is): (canonical, keyword)."""
    v = norm_value(value)
    if not v:
        return None
    for rule in rule_list:
        for ex in rule.get("exact", []):
            if v == norm_value(ex):
                return rule[key], ex
        for kw in rule.get("keywords", []):
            if _kw_pattern(kw).search(v):
                return rule[key], kw
    return None


def strip_time(fmt: str) -> str:
    """'%Y-%m-%dT%H:%M:%S' -> '%Y-%m-%d'."""
    return _TIME_IN_FORMAT.sub("", fmt).strip()


def has_time(fmt: str) -> bool:
    return "%H" in fmt or "%I" in fmt


@dataclass
class Column:
    """One raw column and what its values look like."""

    name: str
    index: int
    norm: str
    rows: int
    filled: int = 0
    distinct: int = 0
    sample: list[str] = field(default_factory=list)
    numeric_rate: float = 0.0
    int_rate: float = 0.0
    vmin: float | None = None
    vmax: float | None = None
    nzmin: float | None = None  # range of the values that are not (nearly) 0, a redaction marker
    nzmax: float | None = None
    date_formats: list[str] = field(default_factory=list)
    date_rate: float = 0.0
    date_midnight: bool = False  # every parsed value has the time 00:00:00
    date_ambiguous: str | None = None  # the day-first / month-first alternative that fits as well
    time_format: str | None = None  # a time-of-day column: '%H%M' (HHMM), '%H:%M', …
    time_rate: float = 0.0
    time_short: bool = False  # HHMM values written without leading zeros (930)
    month_names: str | None = None  # '%B' or '%b' when the values are month names
    mean_len: float = 0.0
    point_rate: float = 0.0
    point_order: str = "lat,lon"
    point_ambiguous: bool = False
    email_rate: float = 0.0
    phone_rate: float = 0.0
    bool_rate: float = 0.0
    block_rate: float = 0.0
    address_rate: float = 0.0
    geometry_rate: float = 0.0
    _array: pa.ChunkedArray | None = None
    _counts: list[tuple[str, int]] | None = None

    @property
    def tokens(self) -> list[str]:
        return self.norm.split()

    @property
    def fill_rate(self) -> float:
        return self.filled / self.rows if self.rows else 0.0

    @property
    def unique(self) -> bool:
        return self.filled > 0 and self.distinct == self.filled

    def counts(self, limit: int | None = None) -> list[tuple[str, int]]:
        """Distinct values with their row counts, most frequent first (whole column)."""
        if self._counts is None:
            vc = pc.value_counts(pc.drop_null(self._array)) if self._array is not None else []
            pairs = [(d["values"], d["counts"]) for d in vc.to_pylist()] if len(vc) else []
            pairs.sort(key=lambda p: (-p[1], p[0]))
            self._counts = pairs
        return self._counts if limit is None else self._counts[:limit]

    def examples(self, k: int = 3, width: int = 40) -> list[str]:
        seen: list[str] = []
        for v in self.sample:
            if v not in seen:
                seen.append(v)
            if len(seen) >= k:
                break
        return [v if len(v) <= width else v[: width - 1] + "…" for v in seen]


def null_markers(raw: RawTable) -> list[str]:
    """Extra null markers (NA, N/A, '-' …) that occur as whole values somewhere in the file."""
    markers = rules().get("null_markers", [])
    found = []
    for name in raw.columns:
        col = pc.utf8_trim_whitespace(raw.table[name])
        hits = pc.is_in(col, value_set=pa.array(markers, pa.string()))
        if pc.sum(pc.cast(pc.fill_null(hits, False), pa.int64())).as_py():
            vals = set(pc.unique(pc.filter(col, pc.fill_null(hits, False))).to_pylist())
            found.extend(m for m in markers if m in vals and m not in found)
    return found


def _spread(arr: pa.ChunkedArray, k: int) -> pa.Array:
    n = len(arr)
    if n <= k:
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    idx = np.linspace(0, n - 1, k).astype(np.int64)
    return pc.take(arr, pa.array(idx)).combine_chunks()


def _rate(mask) -> float:
    a = np.asarray(mask, dtype=bool)
    return float(a.mean()) if a.size else 0.0


def date_cover(values: pa.Array) -> tuple[list[str], float]:
    """The fewest formats (from parse.guess_formats, best first) that read the values, and the share they read."""
    if len(values) == 0:
        return [], 0.0
    guessed = parse.guess_formats(values, sample=len(values))
    if guessed == ["excel"]:
        return ["excel"], 1.0
    clean = parse._strip_fraction(values)
    left = np.ones(len(values), dtype=bool)
    chosen = []
    for fmt in guessed:
        ok = pc.is_valid(pc.strptime(clean, format=fmt, unit="s", error_is_null=True)).to_numpy(zero_copy_only=False)
        new = ok & left
        if new.any():
            chosen.append(fmt)
            left &= ~ok
    return chosen, 1.0 - float(left.mean())


def profile(raw: RawTable, nulls: list[str]) -> list[Column]:
    """Profile every column of the raw table."""
    out = []
    for i, name in enumerate(raw.columns):
        arr = parse.clean_text(raw.table[name], DEFAULT_NULLS + nulls)
        c = Column(name=name, index=i, norm=norm_header(name), rows=len(arr), _array=arr)
        c.filled = len(arr) - arr.null_count
        if not c.filled:
            out.append(c)
            continue
        c.distinct = pc.count_distinct(arr).as_py()
        s = _spread(pc.drop_null(arr), SAMPLE)
        c.sample = s.to_pylist()
        sv = c.sample
        c.mean_len = float(np.mean([len(v) for v in sv]))
        nums = parse.parse_float(s)
        num_ok = pc.is_valid(nums).to_numpy(zero_copy_only=False)
        c.numeric_rate = _rate(num_ok)
        if num_ok.any():
            vals = nums.to_numpy(zero_copy_only=False)[num_ok]
            c.vmin, c.vmax = float(np.min(vals)), float(np.max(vals))
            c.int_rate = float(np.mean(np.floor(vals) == vals)) * c.numeric_rate
            nz = vals[np.abs(vals) >= 1]
            if nz.size:
                c.nzmin, c.nzmax = float(np.min(nz)), float(np.max(nz))
        c.email_rate = _rate([bool(_EMAIL.match(v)) for v in sv])
        c.phone_rate = 0.0 if c.numeric_rate > 0.5 else _rate([bool(_PHONE.match(v)) for v in sv])
        low = [v.strip().lower() for v in sv]
        c.bool_rate = _rate([v in parse.TRUE_WORDS or v in parse.FALSE_WORDS for v in low])
        c.block_rate = _rate([bool(_BLOCK.search(v)) for v in sv])
        c.address_rate = _rate([bool(_ADDRESS.match(v)) for v in sv])
        c.geometry_rate = _rate([v.lstrip().startswith("{") and '"coordinates"' in v or v.upper().startswith(("POLYGON", "MULTIPOLYGON")) for v in sv])
        if _rate([v in _MONTHS for v in low]) > 0.9:
            c.month_names = "%B"
        elif _rate([v in _MONTHS_ABBR for v in low]) > 0.9:
            c.month_names = "%b"
        _sniff_time(c, sv)
        _sniff_dates(c, s)
        _sniff_point(c, s)
        out.append(c)
    return out


def _sniff_time(c: Column, sv: list[str]) -> None:
    """A time-of-day column: HHMM (2130, 930) or HH:MM[:SS] [AM/PM]."""
    hhmm = [bool(_HHMM.match(v)) and int(v) // 100 <= 23 and int(v) % 100 <= 59 for v in sv]
    years = c.vmin is not None and c.vmin >= 1900 and c.vmax <= 2100  # 2016 is a year before it is 20:16
    if _rate(hhmm) >= 0.95 and c.vmax is not None and c.vmax >= 100 and not years:
        c.time_format, c.time_rate = "%H%M", _rate(hhmm)
        c.time_short = any(len(v) < 4 for v in sv)
        return
    for rx, fmt in _TIME_FORMATS:
        r = _rate([bool(rx.match(v.upper())) for v in sv])
        if r >= 0.9:
            c.time_format, c.time_rate = fmt, r
            return


def _sniff_dates(c: Column, s: pa.Array) -> None:
    if c.time_format or not any(ch.isdigit() for ch in "".join(c.sample[:50])):
        return
    uniq = pc.unique(s)
    uniq = uniq.slice(0, 3000) if len(uniq) > 3000 else uniq
    fmts, rate = date_cover(uniq)
    if not fmts or rate < 0.5:
        return
    if fmts == ["excel"] or fmts == ["%Y%m%d"]:
        # plain numbers: only a date when a header says so (checked by the caller)
        c.date_formats, c.date_rate = fmts, rate
        return
    c.date_formats, c.date_rate = fmts, rate
    ts = parse.parse_timestamp(uniq, fmts)
    secs = pc.drop_null(pc.add(pc.multiply(pc.hour(ts), 3600), pc.add(pc.multiply(pc.minute(ts), 60), pc.second(ts))))
    c.date_midnight = len(secs) > 0 and pc.max(secs).as_py() == 0
    for a, b in (("%m/%d", "%d/%m"), ("%d/%m", "%m/%d")):
        if a in fmts[0]:
            alt = fmts[0].replace(a, b)
            n1 = pc.is_valid(pc.strptime(uniq, format=fmts[0], unit="s", error_is_null=True)).to_numpy(zero_copy_only=False).sum()
            n2 = pc.is_valid(pc.strptime(uniq, format=alt, unit="s", error_is_null=True)).to_numpy(zero_copy_only=False).sum()
            if n1 == n2:
                c.date_ambiguous = alt
            break


def _sniff_point(c: Column, s: pa.Array) -> None:
    if c.numeric_rate > 0.5 or c.mean_len > 80:
        return
    a, b = parse.parse_point(s, "lat,lon")
    an, bn = a.to_numpy(zero_copy_only=False).astype(float), b.to_numpy(zero_copy_only=False).astype(float)
    ok = ~np.isnan(an) & ~np.isnan(bn)
    c.point_rate = _rate(ok)
    real = ok & ~((np.abs(an) < 1) & (np.abs(bn) < 1))
    if not real.any():
        return
    an, bn = an[real], bn[real]
    if np.nanmedian(np.abs(an)) > 90:
        c.point_order = "lon,lat"
    elif np.nanmedian(np.abs(bn)) > 90:
        c.point_order = "lat,lon"
    else:
        # both could be latitudes: the one outside the populated band (-60..72) is the longitude
        band_a = np.mean((an > -60) & (an < 72))
        band_b = np.mean((bn > -60) & (bn < 72))
        if band_a > 0.9 and band_b < 0.5:
            c.point_order = "lat,lon"
        elif band_b > 0.9 and band_a < 0.5:
            c.point_order = "lon,lat"
        else:
            c.point_order = "lat,lon" if np.nanmedian(np.abs(an)) >= np.nanmedian(np.abs(bn)) else "lon,lat"
            c.point_ambiguous = True


def personal_reason(c: Column, dataset: str | None) -> str | None:
    """Why a column looks personal (never mapped, never published), or None."""
    r = rules()["personal"]
    toks = c.tokens
    for ph in r["phrases"]:
        if contains_seq(toks, ph.split()):
            return f"its header says {ph!r}"
    for t in toks:
        if t in r["tokens"]:
            return f"its header says {t!r}"
    if any(t in r["name_tokens"] for t in toks):
        if not any(t in r["place_words"] for t in toks) and not (len(toks) == 1 and dataset in r["bare_name_ok_in"]):
            return "its header names a person"
    if c.email_rate > 0.2:
        return "its values are email addresses"
    if c.phone_rate > 0.2:
        return "its values are phone numbers"
    return None


def is_narrative(c: Column) -> bool:
    return c.mean_len > rules()["personal"]["narrative_mean_length"] and c.geometry_rate < 0.5


def usable(raw: RawTable) -> bool:
    return any(n != ROW_COL for n in raw.table.column_names)
