"""Recognise an export as a built-in source, or draft a mapping profile (TOML) for one never seen before."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .accounting import account
from .detect import detect, score as detect_score
from model.errors import InputError
from .mapping import Spec, apply_spec, builtin_specs
from model.schema import DATASETS, dataset as get_dataset
from .suggest_columns import (
    Column, contains_seq, has_time, is_narrative, match_rule, norm_header, null_markers,
    personal_reason, profile, rules, strip_time,
)
from .placement import place_category
from .suggest_incidents import place_offence
from .suggest_toml import render
from .textio import RawTable, read_any

MIN_SCORE = 0.3  # a candidate below this is not suggested
MAX_CROSSWALK = 300  # distinct values listed in a drafted crosswalk
DATE_PARTS = ("year", "month", "day", "hour", "minute")
PART_FORMATS = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M"}


@dataclass
class Pick:
    """One canonical field and the raw column(s) suggested for it."""

    field: str
    columns: list[str]
    confidence: float
    how: str
    settings: dict = field(default_factory=dict)  # extra keys of [fields.X]: join, format, replace, scale …
    checks: list[str] = field(default_factory=list)  # CHECK lines for the analyst
    samples: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """Everything inspect found, before it is written as TOML."""

    raw: RawTable
    dataset: str
    dataset_scores: dict[str, float]
    dataset_given: bool
    columns: list[Column]
    picks: dict[str, Pick] = field(default_factory=dict)
    coordinates: dict | None = None
    coordinates_hint: dict | None = None  # projected x/y whose CRS the analyst must give
    crosswalks: dict[str, dict] = field(default_factory=dict)  # field -> {column, entries, more}
    time_precision: str | dict | None = None  # or a rule: {column = time column, empty = "day"}
    null_values: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required fields with no column
    recommended: dict[str, str] = field(default_factory=dict)  # optional fields worth filling in: field -> hint
    personal: list[dict] = field(default_factory=list)  # {column, reason}
    unused: list[dict] = field(default_factory=list)  # {column, note}
    checks: list[str] = field(default_factory=list)  # file-level CHECK lines
    generate_key: bool = False
    duplicates_hint: str | None = None
    duplicates: str | None = None  # "fold" when the key repeats once per victim or offence (loaders.suggest_incidents)
    folds: int = 0  # rows the key folds
    codes: dict | None = None  # the standard code column found: {column, system, title, share, local}
    constants: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (one value for every row, why)
    trial: dict | None = None
    near_builtin: dict | None = None


# ------------------------------------------------------------------------------------------------
# header and value scores

_NORM_CACHE: dict[str, list[str]] = {}


def _toks(s: str) -> list[str]:
    if s not in _NORM_CACHE:
        _NORM_CACHE[s] = norm_header(s).split()
    return _NORM_CACHE[s]


def header_score(c: Column, fspec: dict) -> tuple[float, str | None]:
    """How well a header names a field: exact strong synonym 1.0, inside a longer header less, weak 0.6."""
    toks = c.tokens
    best, syn = 0.0, None
    for key, exact, part in (("strong", 1.0, 0.85), ("weak", 0.6, 0.45)):
        for s in fspec.get(key, []):
            st = _toks(s)
            if toks == st:
                sc = exact
            elif contains_seq(toks, st):
                sc = max(part - 0.05 * (len(toks) - len(st)), part - 0.3)
            else:
                continue
            if sc > best:
                best, syn = sc, s
    if best:
        for a in fspec.get("avoid", []):
            at = _toks(a)
            if contains_seq(toks, at) and not contains_seq(_toks(syn), at):
                best *= 0.3
                break
    return best, syn


def _category_coverage(c: Column) -> float:
    counts = c.counts(2000)
    total = sum(n for _, n in counts)
    if not total:
        return 0.0
    hit = sum(n for v, n in counts if place_category(v))  # offence words, or call types of a service log
    return hit / total


def value_fit(kind: str, c: Column, fname: str, header: float) -> tuple[float, str]:
    """How well the values fit a field of this kind (0 = impossible), and a few words saying why."""
    if not c.filled:
        return 0.0, "empty"
    fill = 0.6 + 0.4 * c.fill_rate
    if kind == "id":
        if c.unique and c.fill_rate >= 0.99:
            return 1.0, "every value unique"
        share = c.distinct / c.filled
        return (0.6 if share >= 0.9 else 0.15) * fill, f"{c.filled - c.distinct:,} repeated values"
    if kind == "timestamp":
        numeric_only = c.date_formats in (["excel"], ["%Y%m%d"])
        if numeric_only and header < 0.8:
            return 0.0, "numbers"
        if c.date_rate >= 0.9:
            return fill, f"dates ({', '.join(c.date_formats[:3])})"
        if c.date_rate >= 0.5:
            return 0.7 * fill, f"mostly dates ({c.date_rate:.0%})"
        return 0.0, "not dates"
    if kind in ("category", "enum"):
        if is_narrative(c):
            return 0.0, "long free text"
        if c.numeric_rate > 0.5:
            return 0.3 * fill, "numeric codes"
        if c.date_rate > 0.9:
            return 0.1, "dates"
        fit = 1.0 if c.distinct <= (2000 if kind == "category" else 100) else 0.35
        how = f"{c.distinct:,} distinct values"
        if fname == "category":
            cov = _category_coverage(c)
            fit *= 0.4 + 0.6 * cov
            how += f", {cov:.0%} of rows recognised by the offence keyword rules"
        return fit * fill, how
    if kind == "code":
        if c.date_rate > 0.9 or c.time_format:
            return 0.1, "dates or times"
        if is_narrative(c):
            return 0.0, "long free text"
        return (1.0 if c.mean_len < 60 else 0.3) * fill, f"{c.distinct:,} distinct values"
    if kind in ("text", "freetext"):
        return fill, "text"
    if kind == "float":
        if c.numeric_rate >= 0.9:
            return fill, f"numbers {c.vmin:g} to {c.vmax:g}"
        return 0.0, "not numbers"
    if kind == "int":
        if c.int_rate >= 0.9:
            return fill, f"whole numbers {c.vmin:g} to {c.vmax:g}"
        return (0.4 * fill, "numbers") if c.numeric_rate >= 0.9 else (0.0, "not numbers")
    if kind == "bool":
        return (fill, "yes/no values") if c.bool_rate >= 0.9 else (0.2, "not yes/no values")
    if kind in ("lat", "lon"):
        limit = 90 if kind == "lat" else 180
        if c.numeric_rate < 0.9 or c.vmin is None:
            return 0.0, "not numbers"
        if c.vmin >= -limit and c.vmax <= limit and max(abs(c.vmin), abs(c.vmax)) >= 1:
            return fill, f"degrees {c.vmin:g} to {c.vmax:g}"
        return 0.0, "not degrees"
    if kind == "point":
        return (fill, f"points ({c.point_order})") if c.point_rate >= 0.8 else (0.0, "not points")
    if kind == "block":
        if c.block_rate >= 0.5:
            return fill, "hundred-block addresses"
        if c.address_rate >= 0.5:
            return 0.8 * fill, "street addresses (cut to hundred-blocks by a replace rule)"
        if header >= 0.95 and c.numeric_rate < 0.5 and c.mean_len >= 4:
            # a header that says so ('General Location'): a campus names buildings and lots, beside hundred-blocks
            return 0.8 * fill, "places named (buildings, lots) or hundred-blocks"
        return 0.0, "not addresses"
    if kind == "geometry":
        return (fill, "geometries") if c.geometry_rate >= 0.8 else (0.0, "not geometries")
    return 0.0, kind


def _excluded(cols: list[Column], dataset: str) -> tuple[dict[str, str], set[str]]:
    """Columns never mapped for this dataset: personal ones (with why) and narratives."""
    personal = {}
    for c in cols:
        why = personal_reason(c, dataset)
        if why:
            personal[c.name] = why
    narrative = {c.name for c in cols if is_narrative(c) and c.name not in personal}
    return personal, narrative


def assign(cols: list[Column], dataset: str) -> tuple[dict[str, Pick], float]:
    """Greedy best-first matching of columns to the dataset's fields; returns picks and a dataset score."""
    ds_rules = rules()["datasets"][dataset]["fields"]
    primary = get_dataset(dataset).quarter_from[:1]
    personal, narrative = _excluded(cols, dataset)
    cands = []
    for fname, fs in ds_rules.items():
        kind = fs["kind"]
        for c in cols:
            if c.name in personal:
                continue
            hs, syn = header_score(c, fs)
            if c.name in narrative and not (kind == "freetext" and hs >= 0.8):
                continue
            if hs == 0:
                if kind == "timestamp" and fname in primary and c.date_rate >= 0.95 and c.date_formats not in (["excel"], ["%Y%m%d"]):
                    hs, syn = 0.45, None  # a column whose values are dates
                else:
                    continue
            fit, how = value_fit(kind, c, fname, hs)
            sc = hs * fit
            if sc >= MIN_SCORE:
                said = f"header {c.name!r} matches {syn!r}" if syn else f"values of {c.name!r} are dates"
                cands.append((round(sc, 3), hs, fname, c, f"{said}; {how}"))
    cands.sort(key=lambda t: (-t[0], -t[1], t[3].index))
    picks: dict[str, Pick] = {}
    used: set[str] = set()
    for sc, _hs, fname, c, how in cands:
        if fname in picks or c.name in used:
            continue
        picks[fname] = Pick(fname, [c.name], min(sc, 1.0), how, samples=[] if ds_rules[fname]["kind"] == "geometry" else c.examples())
        used.add(c.name)
    g = rules()["guess"]
    core = any(ds_rules[f]["weight"] >= g["core_weight"] and p.confidence >= g["core_confidence"] for f, p in picks.items())
    total = sum(ds_rules[f]["weight"] * p.confidence for f, p in picks.items()) if core else 0.0
    return picks, total


# ------------------------------------------------------------------------------------------------
# dates: formats, a time column beside a date column, dates split over several columns


def _col(draft: Draft, name: str) -> Column:
    return next(c for c in draft.columns if c.name == name)


def _used(draft: Draft) -> set[str]:
    used = {n for p in draft.picks.values() for n in p.columns}
    for d in (draft.coordinates or {}, draft.coordinates_hint or {}):
        used.update(v for k, v in d.items() if k in ("lat", "lon", "x", "y", "point"))
    return used


def _free(draft: Draft) -> list[Column]:
    used = _used(draft)
    bad = {p["column"] for p in draft.personal}
    return [c for c in draft.columns if c.name not in used and c.name not in bad and not is_narrative(c)]


def _time_column(draft: Draft, date_col: Column) -> Column | None:
    """A time-of-day column that belongs with this date column: named like a time, or right beside it."""
    words = set(rules()["date_parts"]["time"])
    best, best_score = None, 0
    date_words = set(date_col.tokens) - {"date", "dt", "day"}
    for c in _free(draft):
        hour_only = "hour" in c.tokens and c.int_rate >= 0.95 and c.vmin is not None and 0 <= c.vmin and c.vmax <= 23
        if not c.time_format and not hour_only:
            continue
        sc = 0
        if words & set(c.tokens) or any(contains_seq(c.tokens, w.split()) for w in words):
            sc += 2
        if date_words & (set(c.tokens) - words):
            sc += 1
        if abs(c.index - date_col.index) == 1:
            sc += 1
        if c.time_format == "%H%M" and sc < 2:
            continue  # bare 4-digit numbers are a time only beside the date or named like one
        if sc >= 2 and sc > best_score:
            best, best_score = c, sc
    return best


def _date_settings(draft: Draft, pick: Pick) -> None:
    """Explicit formats for a date field; join a time column when the date has no time of day."""
    c = _col(draft, pick.columns[0])
    fmts = list(c.date_formats)
    if not fmts:
        pick.checks.append(f"the values of {c.name!r} could not be read as dates: write the format (strptime codes)")
        return
    if c.date_ambiguous:
        pick.checks.append(f"no value has a day above 12, so {fmts[0]!r} and {c.date_ambiguous!r} both fit; "
                           f"{fmts[0]!r} was assumed: confirm whether the day or the month comes first")
    if any("%d/%m" in f for f in fmts) and any("%m/%d" in f for f in fmts):
        pick.checks.append("the file mixes day-first and month-first dates; a value like 03/04 is read with the first format that fits")
    if any("%y" in f for f in fmts):
        pick.checks.append("two-digit years: 25 is read as 2025 and 69 as 1969")
    date_only = not any(has_time(f) for f in fmts) or c.date_midnight
    timec = _time_column(draft, c) if date_only and fmts != ["excel"] else None
    precision = "exact"
    if timec is not None:
        tf = timec.time_format or "%H"
        base = list(dict.fromkeys(strip_time(f) for f in fmts))
        replace = {}
        if c.date_midnight and any(has_time(f) for f in fmts):
            if any(re.search(r"[T ]%H:%M:%S$", f) for f in fmts):
                replace[r"[T ]00:00:00(\.0+)? "] = " "
            else:
                timec = None
        if timec is not None:
            if tf == "%H%M" and timec.time_short:
                replace.update({r" (\d)$": r" 000\1", r" (\d\d)$": r" 00\1", r" (\d\d\d)$": r" 0\1"})
            pick.columns = [c.name, timec.name]
            precision = {"column": timec.name, "empty": "day"}  # a row whose time is NULL or blank keeps its date, day-precise
            pick.settings["join"] = " "
            pick.settings["format"] = [f"{b} {tf}" for b in base] + fmts
            if replace:
                pick.settings["replace"] = replace
            what = {"%H%M": "4-digit HHMM times", "%H": "hours only"}.get(tf, f"times ({tf})")
            pick.how += f"; {timec.name!r} beside it holds {what}, joined to the date"
            pick.samples = [f"{a} + {b}" for a, b in zip(c.examples(2), timec.examples(2))]
            if tf == "%H":
                pick.checks.append(f"{timec.name!r} gives the hour only; minutes are read as :00")
            if timec.fill_rate < 0.999:
                pick.checks.append(f"{timec.name!r} is empty in {timec.rows - timec.filled:,} rows; those rows get midnight")
    if timec is None:
        pick.settings["format"] = fmts if len(fmts) > 1 else fmts[0]
        if not any("%d" in strip_time(f) or f == "excel" for f in fmts):
            precision = "month"
        elif date_only:
            precision = "day"
    if pick.field in ("occurred_at",):
        draft.time_precision = precision


def _split_date(draft: Draft, fname: str) -> Pick | None:
    """A date written in several columns (YEAR, MONTH, DAY, HOUR, MINUTE): join them in one format."""
    words = rules()["date_parts"]
    found: dict[str, Column] = {}
    limits = {"year": (1900, 2100), "month": (1, 12), "day": (1, 31), "hour": (0, 23), "minute": (0, 59)}
    free = _free(draft)
    for part in DATE_PARTS:
        best = None
        for c in free:
            if c in found.values():
                continue
            toks = c.tokens
            if not any(contains_seq(toks, w.split()) for w in words[part]):
                continue
            if part == "day" and any(contains_seq(toks, w.split()) for w in words["not_day"]):
                continue
            if part == "month" and c.month_names:
                best = c
                break
            lo, hi = limits[part]
            if c.int_rate >= 0.95 and c.vmin is not None and c.vmin >= lo and c.vmax <= hi:
                if best is None or len(toks) < len(best.tokens):
                    best = c
        if best is not None:
            found[part] = best
    if "year" not in found or "month" not in found:
        return None
    parts = [p for p in DATE_PARTS if p in found]
    if "day" not in found:
        parts = ["year", "month"]
    if "hour" not in parts:
        parts = [p for p in parts if p != "minute"]
    fmt = [PART_FORMATS[p] if not (p == "month" and found[p].month_names) else found[p].month_names for p in parts]
    formats = [" ".join(fmt[:k]) for k in range(len(fmt), 2, -1)] or [" ".join(fmt)]
    cols = [found[p].name for p in parts]
    pick = Pick(fname, cols, 0.8, f"the date is split over {', '.join(repr(c) for c in cols)}; they are joined with spaces",
                settings={"join": " ", "format": formats if len(formats) > 1 else formats[0]})
    ex = list(zip(*[found[p].examples(2) for p in parts]))
    pick.samples = [" ".join(t) for t in ex]
    if fname == "occurred_at":
        draft.time_precision = "exact" if "hour" in parts else "day" if "day" in parts else "month"
    return pick


# ------------------------------------------------------------------------------------------------
# coordinates, crosswalks, keys


def _coordinates(draft: Draft) -> None:
    lat, lon, point = (draft.picks.pop(k, None) for k in ("lat", "lon", "point"))
    if lat and lon:
        draft.coordinates = {"lat": lat.columns[0], "lon": lon.columns[0], "confidence": round(min(lat.confidence, lon.confidence), 2),
                             "how": f"{lat.how}; {lon.how}"}
        return
    if draft.dataset != "incidents":
        return
    # projected x/y in metres: the CRS cannot be told from the numbers, so only a hint
    fs = rules()["datasets"]["incidents"]["fields"]
    xs, ys = [], []
    for c in _free(draft) + [_col(draft, p.columns[0]) for p in (lat, lon) if p]:
        if c.numeric_rate < 0.9 or c.nzmax is None or max(abs(c.nzmin), abs(c.nzmax)) < 1000:
            continue
        if header_score(c, fs["lon"])[0]:
            xs.append(c)
        elif header_score(c, fs["lat"])[0]:
            ys.append(c)
    if xs and ys:
        draft.coordinates_hint = {"x": xs[0].name, "y": ys[0].name, "range": [xs[0].nzmin, xs[0].nzmax, ys[0].nzmin, ys[0].nzmax]}
        return
    if point:
        c = _col(draft, point.columns[0])
        draft.coordinates = {"point": c.name, "order": c.point_order, "confidence": round(point.confidence, 2), "how": point.how}
        if c.point_ambiguous:
            draft.checks.append(f"the points in {c.name!r} could be (lat, lon) or (lon, lat); {c.point_order!r} was assumed from the numbers")


def merged_counts(c: Column) -> list[list]:
    """A crosswalk's values: the column's distinct values, those differing only in case or surrounding spaces merged
    (the first spelling kept, stripped), each [value, rows], most rows first."""
    merged: dict[str, list] = {}
    for v, n in c.counts():
        k = v.strip().upper()
        if k in merged:
            merged[k][1] += n
        else:
            merged[k] = [v.strip(), n]
    return sorted(merged.values(), key=lambda e: -e[1])


def _crosswalk(draft: Draft, fname: str, rule_list: list[dict], key: str, limit: int) -> None:
    pick = draft.picks[fname]
    c = _col(draft, pick.columns[0])
    merged = merged_counts(c)
    entries = []
    for v, n in merged[:limit]:
        hit = place_offence(v, place_category) if fname == "category" else match_rule(v, rule_list, key)
        entries.append({"value": v, "rows": n, "to": hit[0] if hit else None, "rule": hit[1] if hit else None})
    more = max(0, len(merged) - limit)
    draft.crosswalks[fname] = {"column": c.name, "entries": entries, "more": more, "more_rows": sum(e[1] for e in merged[limit:])}


def _finish(draft: Draft) -> None:
    """Dates, coordinates, crosswalks, key, per-field checks, and the lists of columns left out."""
    from . import suggest_clery, suggest_incidents

    ds = get_dataset(draft.dataset)
    if draft.dataset == "incidents":
        suggest_incidents.choose_dates(draft)
    for f in ds.fields:
        if f.type == "timestamp":
            if f.name in draft.picks:
                _date_settings(draft, draft.picks[f.name])
            elif f.name in ds.quarter_from[:1]:
                split = _split_date(draft, f.name)
                if split:
                    draft.picks[f.name] = split
    if draft.dataset == "incidents" and "occurred_at" not in draft.picks and "reported_at" in draft.picks:
        rep = draft.picks["reported_at"]
        draft.picks["occurred_at"] = Pick("occurred_at", list(rep.columns), rep.confidence * 0.7,
                                          f"no occurrence date was found, so the report date is used: {rep.how}",
                                          settings=dict(rep.settings), samples=rep.samples,
                                          checks=["this is the REPORT date: if the export has an occurrence date, name that column instead"])
        if draft.time_precision is None:
            c = _col(draft, rep.columns[0])
            fm = rep.settings.get("format", [])
            fm = [fm] if isinstance(fm, str) else fm
            draft.time_precision = "exact" if len(rep.columns) > 1 or (any(has_time(f) for f in fm) and not c.date_midnight) else "day"
    _coordinates(draft)

    if draft.dataset == "incidents":
        draft.codes = suggest_incidents.standard_codes(draft)
        suggest_clery.campus_fields(draft)  # a campus: its Clery columns, and the Clery code column back to clery_category
        suggest_incidents.category_from_name(draft)
    if draft.codes:
        if "offence_raw" not in draft.picks:
            draft.picks["offence_raw"] = Pick("offence_raw", list(draft.picks["category"].columns), draft.picks["category"].confidence,
                                              "the same column as category, kept for traceability (never published as is)")
        suggest_incidents.code_crosswalk(draft, draft.codes, MAX_CROSSWALK, place_category)
    elif draft.dataset == "incidents" and "category" in draft.picks:
        draft.picks["offence_raw"] = Pick("offence_raw", list(draft.picks["category"].columns), draft.picks["category"].confidence,
                                          "the same column as category, kept for traceability (never published as is)")
        _crosswalk(draft, "category", rules()["category"], "group", MAX_CROSSWALK)
    enums = rules().get("enums", {}).get(draft.dataset, {})
    for fname, rule_list in enums.items():
        if fname in draft.picks:
            _crosswalk(draft, fname, rule_list, "value", 100)

    key = ds.key
    if draft.dataset == "incidents":
        suggest_incidents.incident_key(draft)
    if key in draft.picks:
        c = _col(draft, draft.picks[key].columns[0])
        if draft.duplicates == "fold" or draft.picks[key].settings.get("empty"):
            pass  # the key's repeats are folded and its blanks hashed: suggest_incidents said so in its checks
        elif not c.unique:
            draft.duplicates_hint = (f"{c.name!r} repeats ({c.filled - c.distinct:,} rows share an identifier with an earlier row); "
                                     "by default only the first is kept and the others are rejected. If each row is a separate "
                                     "offence of one incident, set duplicates = \"suffix\" above")
        if c.fill_rate < 1 and not draft.picks[key].settings.get("empty"):
            draft.picks[key].checks.append(f"{c.rows - c.filled:,} rows have no {c.name!r}; they are rejected")
    elif draft.dataset != "areas":
        draft.generate_key = True

    if draft.dataset == "areas":
        if "area_id" not in draft.picks and "name" in draft.picks:
            draft.picks["area_id"] = Pick("area_id", list(draft.picks["name"].columns), draft.picks["name"].confidence * 0.8,
                                          "no identifier column: the area name is used as its identifier")
        if "name" not in draft.picks and "area_id" in draft.picks:
            draft.picks["name"] = Pick("name", list(draft.picks["area_id"].columns), draft.picks["area_id"].confidence * 0.8,
                                       "no name column: the identifier is shown as the name")

    if draft.dataset == "areas" and "population" in draft.picks:
        if "population_source" not in draft.picks:
            draft.recommended["population_source"] = ('where the population figures come from; it is shown beside every rate, '
                                                      'e.g. value = "Statistics Canada, 2021 Census"')
        if "population_year" not in draft.picks:
            draft.recommended["population_year"] = "the year the population figures refer to, e.g. value = 2021"

    for fname, p in draft.picks.items():
        c = _col(draft, p.columns[0])
        if fname == "block" and c.block_rate < 0.5:
            p.settings["replace"] = {r"^(\d*?)\d{1,2}(\s)": r"\1XX\2"}
            if c.address_rate >= 0.5:
                p.checks.append(f"{c.name!r} holds exact street addresses; the replace rule cuts the house number to a hundred-block (1234 MAIN ST -> 12XX MAIN ST)")
            else:
                p.checks.append(f"{c.name!r} names places (buildings, lots) and is published as written, scanned for names at ingest; "
                                "the replace rule cuts any house number to a hundred-block (1234 MAIN ST -> 12XX MAIN ST). CHECK no value "
                                "is a room or a home address")
        if fname == "score" and c.vmax is not None:
            if c.vmax <= 1:
                p.settings["scale"] = 100
                p.checks.append("scores look like shares from 0 to 1; scale = 100 turns them into 0-100")
            elif c.vmax <= 10:
                p.checks.append(f"scores run from {c.vmin:g} to {c.vmax:g}: convert them to 0-100 before ingesting (e.g. agree-share in percent)")
        if fname == "response_minutes" and c.vmax is not None and c.vmax > 24 * 60:
            p.checks.append("some response times exceed a day: are they seconds? Add scale = 0.016666667 if so")
        if fname in ("area", "district") and c.distinct > 500:
            p.checks.append(f"{c.distinct:,} distinct values is a lot for an area: check it is not an address or a grid cell")
        if p.confidence < 0.6:
            p.checks.append("low confidence: confirm this column is right")

    for f in ds.fields:
        if f.required and f.name not in draft.picks and f.name not in draft.constants and f.name not in ("source", "quarter", "time_precision") \
                and not f.derived and not (f.name == ds.key and draft.generate_key):
            draft.missing.append(f.name)

    used = _used(draft)
    for c in draft.columns:
        if c.name in used or any(p["column"] == c.name for p in draft.personal):
            continue
        if is_narrative(c):
            draft.personal.append({"column": c.name, "reason": f"long free text (about {c.mean_len:.0f} characters): it may hold names or other personal details"})
            continue
        draft.unused.append({"column": c.name, "note": _describe(c)})


def _describe(c: Column) -> str:
    if not c.filled:
        return "empty in every row"
    if c.date_rate >= 0.9 and c.date_formats not in (["excel"], ["%Y%m%d"]):
        return f"dates ({c.date_formats[0]})"
    if c.time_format:
        return "times of day"
    if c.address_rate >= 0.5 and c.numeric_rate < 0.5:
        return "exact street addresses: publish them only as hundred-blocks ([fields.block] with a replace rule)"
    if c.numeric_rate >= 0.9:
        return f"numbers {c.vmin:g} to {c.vmax:g}" + (", every value unique" if c.unique else "")
    return f"text, {c.distinct:,} distinct values" + (" (every value unique)" if c.unique else "")


# ------------------------------------------------------------------------------------------------
# entry point


def _known(raw: RawTable, spec: Spec) -> dict:
    name = raw.path.name
    used = spec.columns_used()
    low = {u.casefold() for u in used}
    fields = [{"field": f, "column": fs.get("column", fs.get("value")), "confidence": 1.0, "how": "built-in source spec"}
              for f, fs in spec.fields.items()]
    return {
        "file": name,
        "kind": raw.kind,
        "rows": raw.rows_read,
        "dataset": spec.dataset,
        "detected_source": spec.id,
        "source_title": spec.title,
        "message": f"{name} is a known export, {spec.title} (built-in source '{spec.id}', {spec.dataset}), so no profile is needed: "
                   f"ingest it with python -m bridges ingest {name} --dataset {spec.dataset}.",
        "toml": None,
        "fields": fields,
        "coordinates": spec.coordinates,
        "unmapped_columns": [{"column": c, "note": "not used by the built-in source"} for c in raw.columns if c.casefold() not in low],
    }


def _trial(draft: Draft, text: str) -> dict:
    """Map the file with the drafted profile, as ingest will: how many rows it accepts and why others fail."""
    try:
        spec = Spec.from_dict(tomllib.loads(text))
        res = apply_spec(draft.raw, spec)
        acc = account(draft.raw, res, draft.dataset)
    except InputError as exc:  # what went wrong, not what to do: the profile being drafted is the thing to fix
        return {"error": exc.happened()}
    except Exception as exc:  # the draft must still be written; the analyst sees why the trial failed
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "rows_read": acc.rows_read,
        "rows_accepted": acc.rows_accepted,
        "rows_folded": acc.rows_folded,
        "folded_by": acc.folded_by,
        "rows_rejected": acc.rows_rejected,
        "rejection_reasons": acc.reasons,
        "unmapped": {f: dict(list(v.items())[:20]) for f, v in res.unmapped.items()},
        "warnings": [{"column": w["column"], "reason": w["reason"], "rows": w["rows"]} for w in res.warnings],
    }


def _near_builtin(raw: RawTable) -> dict | None:
    best = None
    for spec in builtin_specs():
        s = detect_score(spec, raw.columns)
        if s >= 0.5 and (best is None or s > best[0]):
            best = (s, spec)
    if not best:
        return None
    s, spec = best
    have = {" ".join(h.split()).casefold() for h in raw.columns}
    missing = [d for d in spec.detect if " ".join(d.split()).casefold() not in have]
    return {"source": spec.id, "title": spec.title, "share": round(s, 2), "missing_headers": missing}


def build_draft(raw: RawTable, dataset: str | None = None) -> Draft:
    """Guess the dataset (unless given) and match the columns to its fields."""
    nulls = null_markers(raw)
    cols = profile(raw, nulls)
    scores: dict[str, float] = {}
    results = {}
    for name in DATASETS:
        picks, total = assign(cols, name)
        if raw.kind == "geojson" and name == "areas":
            total += 3
        scores[name] = round(total, 2)
        results[name] = picks
    if dataset:
        get_dataset(dataset)
        chosen = dataset
    else:
        chosen = max(scores, key=scores.get)
        if scores[chosen] <= 0:
            raise InputError(f"none of the columns ({', '.join(raw.columns[:8])}{' …' if len(raw.columns) > 8 else ''}) looks like a field of "
                             "incidents, engagement, feedback, survey or areas data", file=raw.path.name,
                             cli="Check that this is the export you meant, or name the dataset with --dataset.",
                             browser="Check that this is the export you meant, and choose the dataset above.")
    draft = Draft(raw, chosen, scores, bool(dataset), cols, picks=results[chosen], null_values=nulls)
    personal, _ = _excluded(cols, chosen)
    draft.personal = [{"column": k, "reason": v} for k, v in personal.items()]
    _finish(draft)
    return draft


def inspect_file(path: str | Path, sheet: str | None = None, dataset: str | None = None) -> dict:
    """Recognise a built-in source (no profile needed), or draft a mapping profile for an unknown export."""
    path = Path(path)
    if dataset:
        get_dataset(dataset)
    raw = read_any(path, sheet)
    if raw.table.num_rows == 0:
        raise InputError(f"{path.name}: the file has a header row but no records that could be read. Export the data again.")
    spec = detect(raw, dataset)
    if spec is not None:
        return _known(raw, spec)
    draft = build_draft(raw, dataset)
    draft.near_builtin = _near_builtin(raw)
    text = render(draft)
    draft.trial = _trial(draft, text)
    text = render(draft)
    return _result(draft, text)


def _result(d: Draft, text: str) -> dict:
    name = d.raw.path.name
    fields = []
    for fname, p in d.picks.items():
        fields.append({"field": fname, "column": p.columns[0] if len(p.columns) == 1 else p.columns, "confidence": round(p.confidence, 2),
                       "how": p.how, **({"format": p.settings["format"]} if "format" in p.settings else {}),
                       **({"codes": p.settings["codes"]} if "codes" in p.settings else {}),
                       "samples": p.samples, "checks": p.checks})
    for fname, (value, why) in d.constants.items():
        fields.append({"field": fname, "column": None, "value": value, "confidence": 0.5, "how": why, "samples": [], "checks": []})
    if d.generate_key:
        fields.append({"field": get_dataset(d.dataset).key, "column": None, "confidence": None, "generate": "row_hash",
                       "how": "no column holds a unique identifier: each row gets a stable hash of its values", "samples": [], "checks": []})
    mapped = len({c for p in d.picks.values() for c in p.columns} | ({v for k, v in (d.coordinates or {}).items() if k in ("lat", "lon", "point")}))
    parts = [f"{name} is not a known export; it looks like {d.dataset} data" + (" (as you said)" if d.dataset_given else ""),
             f"{mapped} of {len(d.columns)} columns were matched to fields"]
    for fname, cw in d.crosswalks.items():
        n = sum(e["to"] is None for e in cw["entries"]) + cw["more"]
        if n and fname == "category":
            parts.append(f"{n:,} offence value{'s need' if n > 1 else ' needs'} a group")
        elif n:
            parts.append(f"{n:,} value{'s' if n > 1 else ''} of {cw['column']!r} need{'' if n > 1 else 's'} a canonical {fname}")
    if d.missing:
        parts.append(f"no column was found for {', '.join(d.missing)}")
    if d.personal:
        parts.append(f"{len(d.personal)} personal column{'s are' if len(d.personal) > 1 else ' is'} left out")
    t = d.trial or {}
    if d.codes:
        parts.insert(2, f"{d.codes['column']!r} holds {d.codes['title']} codes, used for the offence group")
    if d.duplicates == "fold":
        parts.insert(2, f"{d.picks[get_dataset(d.dataset).key].columns[0]!r} repeats once per victim or offence, so each incident is counted once")
    if "rows_read" in t and not t["rows_accepted"]:
        parts.append(f"a trial run accepts none of the {t['rows_read']:,} rows, so ingest would refuse it: do the TODO lines first")
    elif "rows_read" in t:
        folded = f" (and folds {t['rows_folded']:,} further rows into their incidents)" if t.get("rows_folded") else ""
        parts.append(f"a trial run accepts {t['rows_accepted']:,} of {t['rows_read']:,} rows{folded}")
    elif t.get("error"):
        parts.append(f"a trial run failed ({t['error'][:120]})")
    message = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] + "."
    return {
        "file": name,
        "kind": d.raw.kind,
        "encoding": d.raw.encoding,
        "sheet": d.raw.sheet,
        "rows": d.raw.rows_read,
        "dataset": d.dataset,
        "dataset_scores": d.dataset_scores,
        "detected_source": None,
        "near_builtin": d.near_builtin,
        "message": message,
        "toml": text,
        "fields": fields,
        "coordinates": d.coordinates,
        "coordinates_hint": d.coordinates_hint,
        "time_precision": d.time_precision,
        "null_values": d.null_values,
        "missing_required": d.missing,
        "recommended": d.recommended,
        "crosswalks": {f: {"column": x["column"], "assigned": sum(e["to"] is not None for e in x["entries"]),
                           "todo": [e["value"] for e in x["entries"] if e["to"] is None], "not_listed": x["more"],
                           **({"codes": x["codes"], "coded_values": x["coded_values"]} if x.get("codes") else {})}
                       for f, x in d.crosswalks.items()},
        "duplicates": d.duplicates,
        "codes": d.codes,
        "unmapped_columns": d.unused,
        "personal_columns": [{"column": p["column"], "reason": p["reason"], "published": False} for p in d.personal],
        "checks": d.checks + [f"{p.field}: {c}" for p in d.picks.values() for c in p.checks],
        "trial": d.trial,
    }

