"""Vectorised parsers from text columns to typed Arrow arrays: dates, numbers, booleans, points."""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TRUE_WORDS = ["true", "t", "yes", "y", "1"]
FALSE_WORDS = ["false", "f", "no", "n", "0"]
EXCEL_EPOCH = np.datetime64("1899-12-30")

# Formats tried, in order, when a spec or profile says `format = "auto"`.
AUTO_FORMATS = [
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%y %I:%M:%S %p", "%m/%d/%y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
    "%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d",
    "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M", "%m/%d/%y", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m", "%Y%m%d",
]


def clean_text(arr: pa.ChunkedArray | pa.Array, null_values: list[str]) -> pa.ChunkedArray:
    """Trim whitespace and turn empty strings and the given null markers into nulls."""
    arr = pc.utf8_trim_whitespace(arr)
    nulls = pa.array(["", *null_values], pa.string())
    return pc.if_else(pc.is_in(arr, value_set=nulls), pa.scalar(None, pa.string()), arr)


def _strip_fraction(arr):
    """'2015-12-22T10:00:00.000' -> '2015-12-22T10:00:00' (sub-second parts are dropped, 7-digit .NET ones too), and a
    UTC marker after an ISO time ('...T10:00:00Z', '+00:00') is dropped: times are kept as the export wrote them."""
    if not len(arr):
        return arr
    if pc.any(pc.match_substring(arr, ".")).as_py():  # the regex costs 10x the check
        arr = pc.replace_substring_regex(arr, pattern=r"(\d{2}:\d{2}:\d{2})\.\d+", replacement=r"\1")
    # a UTC marker ends in Z or 00: most values (AM/PM times, dates alone) show at once that they have none
    if (pc.any(pc.ends_with(arr, "Z")).as_py() or pc.any(pc.ends_with(arr, "00")).as_py()) and \
            pc.any(pc.match_substring_regex(arr, r"\d(Z|[+-]00:?00)$")).as_py():
        arr = pc.replace_substring_regex(arr, pattern=r"(\d{2}:\d{2}(?::\d{2})?)(?:Z|[+-]00:?00)$", replacement=r"\1")
    return arr


_NUMERIC_DIRECTIVES = set("YmdHMSIpyjf%")
_ROLLED_OVER = pa.array([301, 302, 303, 501, 701, 1001, 1201], pa.int64())
_LEADING_ZEROS = r"(^|[^0-9])0+([0-9])"


def _strptime_strict(arr, fmt: str):
    """strptime that refuses impossible dates. Arrow's parser rolls '02/30/2024' over to 1 March and
    '04/31' to 1 May; such a value is a typo, not a date, so it becomes null. A rolled-over value lands on
    day 1-3 of the next month, so only those rows are re-rendered in the same format and compared."""
    parsed = _four_digit_years(pc.strptime(arr, format=fmt, unit="us", error_is_null=True), fmt)
    if set(re.findall(r"%(.)", fmt)) - _NUMERIC_DIRECTIVES:
        return parsed  # month names and the like: no numeric day to compare against
    # 29-31 February land on 1-3 March; 31 April, June, September, November on the 1st of the next month: only the
    # first three days of a month are looked at further
    early = pc.indices_nonzero(pc.fill_null(pc.less_equal(pc.day(parsed), 3), False))
    if not len(early):
        return parsed
    some = pc.take(parsed, early)
    month_day = pc.add(pc.multiply(pc.month(some), 100), pc.day(some))
    idx = pc.filter(early, pc.is_in(month_day, value_set=_ROLLED_OVER))
    if not len(idx):
        return parsed
    text = pc.take(arr, idx)
    again = pc.strftime(pc.cast(pc.take(parsed, idx), pa.timestamp("s"), safe=False), format=fmt)  # seconds: no '.000000'


    def norm(a):
        a = pc.utf8_upper(pc.utf8_trim_whitespace(a))
        return pc.replace_substring_regex(pc.replace_substring_regex(a, r"\s+", " "), _LEADING_ZEROS, r"\1\2")

    same = pc.fill_null(pc.equal(norm(text), norm(again)), False)
    bad = pc.filter(idx, pc.invert(same))
    if not len(bad):
        return parsed
    mask = np.zeros(len(arr), dtype=bool)
    mask[bad.to_numpy()] = True
    return pc.if_else(pa.array(mask), pa.scalar(None, pa.timestamp("us")), parsed)


_YEAR_1000 = dt.datetime(1000, 1, 1)


def _four_digit_years(parsed, fmt: str):
    """Arrow reads '%Y' from one to four digits, so '8/27/06' is 27 August 6 AD under '%m/%d/%Y': with '%Y', a year
    before 1000 is not the format (the two-digit '%y' reads it)."""
    if "%Y" not in fmt:
        return parsed
    low = pc.min(parsed)
    if not low.is_valid or not pc.less(low, pa.scalar(_YEAR_1000, parsed.type)).as_py():  # the earliest says if any is
        return parsed
    early = pc.fill_null(pc.less(pc.year(parsed), 1000), False)
    return pc.if_else(early, pa.scalar(None, parsed.type), parsed)


TIME_FORMATS = ["%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%I:%M:%S%p", "%I:%M%p", "%H%M"]


def parse_time_of_day(arr) -> pa.ChunkedArray:
    """Times of day ('14:30', '2:30 PM', '1430', '14:30:00.0000000') as durations since midnight; anything else null."""
    text = pc.utf8_upper(pc.utf8_trim_whitespace(_strip_fraction(arr)))
    text = pc.if_else(pc.fill_null(pc.match_substring_regex(text, r"^\d{3}$"), False), pc.binary_join_element_wise("0", text, ""), text)
    dated = pc.binary_join_element_wise("1970-01-01 ", text, "")
    out = None
    for fmt in TIME_FORMATS:
        t = pc.strptime(dated, format=f"%Y-%m-%d {fmt}", unit="us", error_is_null=True)
        out = t if out is None else pc.coalesce(out, t)
    out = pc.subtract(out, pa.scalar(0, pa.timestamp("us")))
    return out if isinstance(out, pa.ChunkedArray) else pa.chunked_array([out])


def parse_timestamp(arr, formats: list[str] | str) -> pa.ChunkedArray:
    """Parse text with each strptime format in turn (first that fits wins); `excel` reads serial day numbers."""
    if isinstance(formats, str):
        formats = [formats]
    if formats == ["auto"]:
        formats = guess_formats(arr)
    arr = _strip_fraction(arr)
    out = None
    for fmt in formats:
        if fmt == "excel":
            parsed = parse_excel_serial(arr)
        else:
            parsed = _strptime_strict(arr, fmt)
        out = parsed if out is None else pc.coalesce(out, parsed)
    if out is None:
        return pa.chunked_array([pa.nulls(len(arr), pa.timestamp("us"))]) if len(arr) else pa.chunked_array([], pa.timestamp("us"))
    return out if isinstance(out, pa.ChunkedArray) else pa.chunked_array([out])


def parse_excel_serial(arr) -> pa.ChunkedArray:
    """Excel serial day numbers (44339 = 2021-05-22) to timestamps; anything else is null."""
    nums = parse_float(arr)
    np_nums = nums.to_numpy(zero_copy_only=False)
    valid = ~np.isnan(np_nums) & (np_nums > 0) & (np_nums < 2958466)
    us = np.where(valid, np.round(np.nan_to_num(np_nums) * 86400e6), 0).astype("int64")
    base = EXCEL_EPOCH.astype("datetime64[us]").astype("int64")
    ts = pa.array(base + us, type=pa.int64()).cast(pa.timestamp("us"))
    return pa.chunked_array([pc.if_else(pa.array(valid), ts, pa.scalar(None, pa.timestamp("us")))])


def guess_formats(arr, sample: int = 2000) -> list[str]:
    """The formats that fit a sample of values, best first; day-first only when a value proves it."""
    vals = pc.drop_null(arr)
    if len(vals) == 0:
        return ["%Y-%m-%d"]
    vals = vals.slice(0, sample) if len(vals) > sample else vals
    vals = _strip_fraction(vals)
    scores = []
    for fmt in AUTO_FORMATS:
        n = len(vals) - _four_digit_years(pc.strptime(vals, format=fmt, unit="s", error_is_null=True), fmt).null_count
        if n:
            scores.append((n, fmt))
    if not scores:
        nums = parse_float(vals)
        if nums.null_count == 0 and pc.min(nums).as_py() > 20000 and pc.max(nums).as_py() < 80000:
            return ["excel"]
        return ["%Y-%m-%d"]
    scores.sort(key=lambda s: -s[0])
    best = scores[0][0]
    # keep every format that fits some values: a file can mix date-only and date-time values
    return [f for n, f in scores if n >= best * 0.001] if best else [scores[0][1]]


_THOUSANDS = r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$"


def plain_floats(arr) -> pa.ChunkedArray | None:
    """The column as numbers when every value is a plain finite number (most numeric columns), else None."""
    try:
        fast = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if len(fast) and pc.all(pc.is_finite(fast)).as_py() is False:
        return None
    return fast if isinstance(fast, pa.ChunkedArray) else pa.chunked_array([fast])


def parse_float(arr) -> pa.ChunkedArray:
    """Numbers as written in exports: thousands separators, percentages and currency signs are dropped."""
    fast = plain_floats(arr)  # anything unusual takes the careful path below
    if fast is not None:
        return fast
    s = pc.utf8_trim_whitespace(arr)
    has_thousands = pc.match_substring_regex(s, _THOUSANDS)
    s = pc.if_else(pc.fill_null(has_thousands, False), pc.replace_substring(s, ",", ""), s)
    s = pc.replace_substring_regex(s, r"^[$£€]|%$", "")
    ok = pc.match_substring_regex(s, r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
    s = pc.if_else(pc.fill_null(ok, False), s, pa.scalar(None, pa.string()))
    return pc.cast(s, pa.float64())


def parse_int(arr) -> pa.ChunkedArray:
    """Whole numbers (a value like 12.0 is accepted; 12.5 is not)."""
    f = parse_float(arr)
    # a whole number a 64-bit integer holds exactly (1E20 or inf is no count: found by tests/test_fuzz.py)
    whole = pc.and_(pc.equal(pc.floor(f), f), pc.less_equal(pc.abs(f), 2.0 ** 53))
    f = pc.if_else(pc.fill_null(whole, False), f, pa.scalar(None, pa.float64()))
    return pc.cast(f, pa.int64())


def parse_bool(arr) -> pa.ChunkedArray:
    """true/false, TRUE/FALSE, yes/no, Y/N, 1/0 to booleans; anything else is null."""
    low = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    t = pc.is_in(low, value_set=pa.array(TRUE_WORDS))
    f = pc.is_in(low, value_set=pa.array(FALSE_WORDS))
    return pc.if_else(t, True, pc.if_else(f, False, pa.scalar(None, pa.bool_())))


_POINT = re.compile(r"^\s*(?:POINT\s*)?[(\[]?\s*(?:c\()?\s*([-+0-9.eE]+)\s*[, ]\s*([-+0-9.eE]+)\s*\)?[)\]]?\s*$")


def parse_point(arr, order: str = "lat,lon") -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """'(41.8, -87.6)', 'POINT (-87.6 41.8)' or 'c(-79.5, 43.7)' to (lat, lon) arrays; `order` says which comes first."""
    parts = pc.extract_regex(pc.utf8_trim_whitespace(arr), r"^\s*(?:POINT\s*)?[(\[]?\s*(?:c\()?\s*(?P<a>[-+0-9.eE]+)\s*[, ]\s*(?P<b>[-+0-9.eE]+)\s*\)?[)\]]?\s*$")
    a = parse_float(pc.struct_field(parts, "a"))
    b = parse_float(pc.struct_field(parts, "b"))
    return (a, b) if order == "lat,lon" else (b, a)


def project(x, y, crs: str) -> tuple[pa.Array, pa.Array]:
    """Projected coordinates (UTM, state plane, British grid) to WGS84 (lat, lon)."""
    from pyproj import Transformer

    tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    xs = x.to_numpy(zero_copy_only=False).astype(float)
    ys = y.to_numpy(zero_copy_only=False).astype(float)
    lon, lat = tr.transform(xs, ys)
    return pa.array(lat, pa.float64(), from_pandas=True), pa.array(lon, pa.float64(), from_pandas=True)


def mappable(lat, lon) -> pa.Array:
    """True where a point is a real location: not missing, not 0,0 (a redaction marker), within range."""
    lat_n = lat.to_numpy(zero_copy_only=False).astype(float)
    lon_n = lon.to_numpy(zero_copy_only=False).astype(float)
    with np.errstate(invalid="ignore"):
        ok = ~np.isnan(lat_n) & ~np.isnan(lon_n) & (np.abs(lat_n) <= 90) & (np.abs(lon_n) <= 180)
        ok &= ~((np.abs(lat_n) < 1e-6) & (np.abs(lon_n) < 1e-6))
        ok &= ~((np.abs(lat_n) < 1.0) & (np.abs(lon_n) < 1.0))  # R's c(5.68e-14, 5.09e-14) and similar
    return pa.array(ok)


def quarter_of(ts: pa.ChunkedArray) -> pa.ChunkedArray:
    """'2024Q3' for each timestamp (null stays null)."""
    code = pc.add(pc.multiply(pc.year(ts), 10), pc.quarter(ts))  # 20243: few distinct values, labelled once each
    uniq = pc.drop_null(pc.unique(code))
    labels = pa.array([f"{c // 10}Q{c % 10}" for c in uniq.to_pylist()], pa.string())
    out = pc.take(labels, pc.index_in(code, value_set=uniq))
    return out if isinstance(out, pa.ChunkedArray) else pa.chunked_array([out], pa.string())
