"""The mapping engine: a source spec or analyst profile (TOML) turns a raw text table into canonical rows."""
from __future__ import annotations

import csv
from collections import Counter
import datetime as dt
import hashlib
import importlib
import os
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import parse
from model.errors import InputError
from model.schema import Dataset, dataset as get_dataset
from .textio import ROW_COL, RawTable

HERE = Path(__file__).parent
SOURCES_DIR = HERE / "sources"
CROSSWALKS_DIR = HERE / "crosswalks"
DEFAULT_NULLS = ["NULL", "null", "None", "NaN", "nan", "#N/A"]
MAX_EXAMPLES = 1000


@dataclass
class Spec:
    """A column map: which raw columns give which canonical fields, and how to read them."""

    id: str
    dataset: str
    title: str = ""
    detect: list[str] = field(default_factory=list)
    fields: dict[str, dict] = field(default_factory=dict)
    coordinates: dict | None = None
    null_values: list[str] = field(default_factory=list)
    module: str | None = None
    time_precision: str | dict = "exact"
    crosswalks: dict[str, dict[str, str]] = field(default_factory=dict)  # inline crosswalks (profiles)
    filters: list[dict] = field(default_factory=list)  # rows to leave out, each with a reason
    duplicates: str = "reject"  # what to do with a repeated key: reject | suffix
    path: Path | None = None
    raw: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict, path: Path | None = None) -> "Spec":
        known = {"id", "dataset", "title", "detect", "fields", "coordinates", "null_values", "module", "time_precision", "crosswalks", "duplicates", "filters"}
        unknown = set(d) - known
        where = path.name if path else "the profile"
        if unknown:
            raise InputError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}. Allowed: {', '.join(sorted(known))}.")
        for k in ("id", "dataset"):
            if k not in d:
                raise InputError(f"{where}: the setting '{k}' is missing. Add `{k} = \"...\"` at the top.")
        get_dataset(d["dataset"])
        return cls(path=path, raw=d, **{k: v for k, v in d.items()})

    @classmethod
    def load(cls, path: str | Path) -> "Spec":
        path = Path(path)
        try:
            d = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: no such profile file.") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path.name}: the profile is not valid TOML ({exc}). Fix that line and try again.") from None
        return cls.from_dict(d, path)

    @property
    def ds(self) -> Dataset:
        return get_dataset(self.dataset)

    def columns_used(self) -> set[str]:
        used = set()
        for f in self.fields.values():
            c = f.get("column")
            used.update([c] if isinstance(c, str) else (c or []))
        if self.coordinates:
            for k in ("x", "y", "lat", "lon", "point"):
                if k in self.coordinates:
                    used.add(self.coordinates[k])
        return used


def builtin_specs() -> list[Spec]:
    """Every source family Bridges knows, from loaders/sources/*.toml."""
    return [Spec.load(p) for p in sorted(SOURCES_DIR.glob("*.toml"))]


_CW_CACHE: dict[str, dict[str, str]] = {}


def load_crosswalk(name: str) -> dict[str, str]:
    """A crosswalk CSV (columns `value,category`) as a dict; values are matched case-insensitively."""
    if name not in _CW_CACHE:
        path = CROSSWALKS_DIR / f"{name}.csv"
        if not path.exists():
            raise InputError(f"crosswalk '{name}' does not exist (expected {path}).")
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        _CW_CACHE[name] = {r["value"].strip().upper(): r["category"].strip() for r in rows if r.get("value") is not None}
    return _CW_CACHE[name]


@dataclass
class MapResult:
    """Canonical rows, the rows rejected with reasons, warnings and values no crosswalk knows."""

    frame: pd.DataFrame
    rejections: list[dict]
    rejected_count: int
    warnings: list[dict]
    unmapped: dict[str, dict[str, int]]  # field -> raw value -> count
    reason_counts: dict[str, int] = field(default_factory=dict)  # every rejection, grouped by reason


class _Rejects:
    """Collects rejected rows: each row is rejected once, with the first reason found.

    Only the first MAX_EXAMPLES rejections are written out (row, column, value, reason); the rest are
    counted. Values and reasons are looked up for those rows alone, so a file with a million bad rows
    costs no more than one with a thousand."""

    def __init__(self, rows: np.ndarray):
        self.rows = rows
        self.mask = np.zeros(len(rows), dtype=bool)
        self.items: list[dict] = []
        self.count = 0
        self.groups: Counter = Counter()  # reason (without row-specific parts) -> rows, over every rejection

    def add(self, bad: np.ndarray, column: str | None, values, reason, group: str | None = None) -> None:
        """`values`: None, a numpy array or an Arrow array; `reason`: a sentence, or a function of the
        row positions giving one sentence per position."""
        new = bad & ~self.mask
        if not new.any():
            return
        idx = np.flatnonzero(new)
        self.mask |= new
        self.count += len(idx)
        self.groups[group or (reason if isinstance(reason, str) else f"rejected ('{column}')")] += len(idx)
        room = MAX_EXAMPLES - len(self.items)
        if room <= 0:
            return
        ex = idx[:room]
        vals = [None] * len(ex) if values is None else _values_at(values, ex)
        reasons = [reason] * len(ex) if isinstance(reason, str) else list(reason(ex))
        for i, v, r in zip(ex, vals, reasons):
            self.items.append({"row": int(self.rows[i]), "column": column, "value": None if v is None else str(v)[:200], "reason": r})


def _values_at(values, idx: np.ndarray) -> list:
    """The values at some positions, as Python objects, without converting the whole column."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return pc.take(values, pa.array(idx, pa.int64())).to_pylist()
    return [values[i] for i in idx]


def _occurrences(keys) -> tuple[np.ndarray, np.ndarray | None]:
    """For each value, how many times it appeared before (0 for the first), and the position of its first
    appearance (None when every value is distinct). Vectorised: a hash pass and a stable integer sort."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64), None
    flat = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    enc = pc.dictionary_encode(flat, null_encoding="encode")
    if len(enc.dictionary) == n:
        return np.zeros(n, dtype=np.int64), None
    codes = enc.indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")  # equal values keep their row order
    sc = codes[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = sc[1:] != sc[:-1]
    pos = np.arange(n)
    group_start = np.maximum.accumulate(np.where(starts, pos, 0))
    occ = np.empty(n, dtype=np.int64)
    occ[order] = pos - group_start
    first = np.empty(n, dtype=np.int64)
    first[order] = order[group_start]
    return occ, first


def _np(arr) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False) if hasattr(arr, "to_numpy") else np.asarray(arr)


def _present(arr) -> np.ndarray:
    return _np(pc.is_valid(arr)).astype(bool)


def _column(table: pa.Table, name: str, where: str) -> pa.ChunkedArray:
    if name not in table.column_names:
        lower = {c.lower(): c for c in table.column_names}
        if name.lower() in lower:
            return table[lower[name.lower()]]
        found = [c for c in table.column_names if c != ROW_COL]
        shown = ", ".join(found[:30]) + (f" … ({len(found)} in all)" if len(found) > 30 else "")
        raise InputError(f"{where}: the column '{name}' named by the mapping is not in the file. Columns found: {shown}. Fix the profile, or run `python -m bridges inspect {where}` to suggest a new one.")
    return table[name]


def _combine(table: pa.Table, cols: list[str], sep: str, where: str) -> pa.ChunkedArray:
    arrays = [_column(table, c, where) for c in cols]
    if len(arrays) == 1:
        return arrays[0]
    return pc.binary_join_element_wise(*arrays, sep, null_handling="skip")


def _row_hash_ids(table: pa.Table, used: list[str], prefix: str) -> pa.Array:
    """Stable IDs for exports without one: a hash of the row's values, plus an occurrence number."""
    parts = [pc.fill_null(table[c], "") for c in used if c in table.column_names]
    joined = pc.binary_join_element_wise(*parts, "\x1f") if len(parts) > 1 else parts[0]
    b2 = hashlib.blake2b
    hashes = pa.array([b2(v, digest_size=8).hexdigest() for v in pc.cast(joined, pa.binary()).to_pylist()], pa.string())
    ids = pc.binary_join_element_wise(prefix, hashes, "-")
    occ, _ = _occurrences(hashes)
    return _with_occurrence(ids, occ)


def _with_occurrence(ids, occ: np.ndarray):
    """'x' for a first occurrence, 'x-1', 'x-2' … for the next ones."""
    if not occ.any():
        return ids
    suffix = pc.if_else(pa.array(occ > 0), pc.binary_join_element_wise("", pc.cast(pa.array(occ), pa.string()), "-"), "")
    return pc.binary_join_element_wise(ids, suffix, "")


def _text_steps(arr, fs: dict, nulls: list[str]):
    """Trim, empty markers to null, the field's regex replacements and leading zeros."""
    arr = parse.clean_text(arr, nulls + list(fs.get("null_values", [])))
    for pat, rep in (fs.get("replace") or {}).items():
        arr = pc.replace_substring_regex(arr, pattern=pat, replacement=rep)
    if fs.get("strip_zeros"):
        arr = pc.replace_substring_regex(arr, pattern=r"^0+([0-9])", replacement=r"\1")
    return arr


UNIQUE_MIN_ROWS = 50_000
PARALLEL_MIN_ROWS = 50_000
UNIQUE_SAMPLE = 20_000


def _per_unique(arr, fn):
    """fn(arr) for an element-wise, null-preserving fn; on a long column whose values repeat a lot
    (districts, offence types, flags, dates without time) fn runs once per distinct value instead."""
    n = len(arr)
    if n < UNIQUE_MIN_ROWS or pc.count_distinct(arr.slice(0, UNIQUE_SAMPLE)).as_py() > UNIQUE_SAMPLE // 10:
        return fn(arr)
    flat = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    enc = pc.dictionary_encode(flat)
    if len(enc.dictionary) > n // 4:
        return fn(arr)
    done = fn(enc.dictionary)
    done = done.combine_chunks() if isinstance(done, pa.ChunkedArray) else done
    return pa.chunked_array([pc.take(done, enc.indices)])


def _constant(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


EARLIEST = dt.datetime(1900, 1, 1)
FUTURE_OK = {"period_end"}  # a survey period may still be running; nothing else can have happened tomorrow


def _check_date_range(parsed, fname: str, reject: bool, colname, text, rej: "_Rejects", warn):
    """Dates before 1900 or after today are typos (a year keyed as 2204, 1024): reject the row when the
    field is required, otherwise leave the value empty with a warning."""
    latest = dt.datetime.now() + dt.timedelta(days=1)
    lo = pc.less(parsed, pa.scalar(EARLIEST, pa.timestamp("us")))
    bad = lo if fname in FUTURE_OK else pc.or_(lo, pc.greater(parsed, pa.scalar(latest, pa.timestamp("us"))))
    bad = _np(pc.fill_null(bad, False)).astype(bool)
    if not bad.any():
        return parsed
    reason = f"'{fname}' is out of range (before {EARLIEST:%Y-%m-%d}{'' if fname in FUTURE_OK else ' or in the future'}); check the date in the export"
    if reject:
        rej.add(bad, colname, text, reason)
        return parsed
    warn(colname, reason + "; left empty", bad, text)
    return pc.if_else(pa.array(bad), pa.scalar(None, pa.timestamp("us")), parsed)


def apply_spec(raw: RawTable, spec: Spec, quarter: str | None = None) -> MapResult:
    """Map a raw table through a spec: parse, cross-walk, check and account for every row."""
    ds = spec.ds
    where = raw.path.name
    table = raw.table
    if spec.module:
        mod = importlib.import_module(f"loaders.families.{spec.module}")
        table = mod.prepare(table)
    rows = _np(table[ROW_COL]).astype(np.int64)
    n = len(rows)
    rej = _Rejects(rows)
    warnings: dict[tuple, dict] = {}
    unmapped: dict[str, dict[str, int]] = {}
    nulls = DEFAULT_NULLS + list(spec.null_values)
    out: dict[str, pa.ChunkedArray | pa.Array | np.ndarray] = {}

    # filters: rows this dataset does not take (e.g. 311 requests for other agencies), each with its reason
    for flt in spec.filters:
        col = parse.clean_text(_column(table, flt["column"], where), nulls)
        up = pc.utf8_upper(col)
        if "keep" in flt:
            hit = _np(pc.fill_null(pc.is_in(up, value_set=pa.array([str(v).upper() for v in flt["keep"]])), False)).astype(bool)
            out_mask = ~hit
        else:
            out_mask = _np(pc.fill_null(pc.is_in(up, value_set=pa.array([str(v).upper() for v in flt["drop"]])), False)).astype(bool)
        rej.add(out_mask, flt["column"], col, flt.get("reason", f"left out by the filter on '{flt['column']}'"))

    def warn(column: str | None, reason: str, mask: np.ndarray, values=None):
        cnt = int(mask.sum())
        if not cnt:
            return
        key = (column, reason)
        w = warnings.setdefault(key, {"column": column, "reason": reason, "rows": 0, "examples": []})
        w["rows"] += cnt
        ex = np.flatnonzero(mask)[: 5 - len(w["examples"])]
        vals = [None] * len(ex) if values is None else _values_at(values, ex)
        for i, v in zip(ex, vals):
            w["examples"].append({"row": int(rows[i]), "value": None if v is None else str(v)[:100]})

    class _Events:
        """What a field found (warnings, rejections, unmapped values), replayed in spec order, so the
        fields can be worked out in parallel and still give the same report as one after the other."""

        def __init__(self):
            self.items = []

        def warn(self, *args):
            self.items.append(("warn", args))

        def add(self, *args):
            self.items.append(("rej", args))

        def unmapped(self, fname, counts):
            self.items.append(("unmapped", (fname, counts)))

    def field_task(fname: str, fs: dict):
        ev = _Events()
        try:
            fdef = ds.field(fname)
        except KeyError:
            raise InputError(f"{spec.path.name if spec.path else 'profile'}: '{fname}' is not a field of {ds.name}. Fields: {', '.join(ds.names)}.") from None
        if "value" in fs:
            arr = pa.chunked_array([_constant(str(fs["value"]), n)])
            colname = None
        else:
            cols = fs.get("column")
            if cols is None:
                return None, ev
            cols = [cols] if isinstance(cols, str) else list(cols)
            colname = "+".join(cols)
            arr = _combine(table, cols, fs.get("join", " "), where)
        arr = _per_unique(arr, lambda a: _text_steps(a, fs, nulls))
        present = _present(arr)
        raw_vals = None

        # value maps and crosswalks turn source words into canonical words
        mapping = None
        if "crosswalk" in fs:
            mapping = dict(load_crosswalk(fs["crosswalk"]))
            mapping.update({k.upper(): v for k, v in spec.crosswalks.get(fname, {}).items()})
        elif "map" in fs or fname in spec.crosswalks:
            mapping = {str(k).strip().upper(): v for k, v in {**fs.get("map", {}), **spec.crosswalks.get(fname, {})}.items()}
        if mapping is not None:
            keys = pa.array(list(mapping), pa.string())
            vals = pa.array(list(mapping.values()), pa.string())

            def lookup(a):
                return pc.take(vals, pc.index_in(pc.utf8_upper(a), value_set=keys))

            mapped = _per_unique(arr, lookup)
            if "crosswalk" in fs and "join" in fs and not isinstance(fs.get("column"), str):
                # "THEFT | RETAIL THEFT" falls back to "THEFT" when the detailed pair is not listed
                first = _per_unique(_column(table, fs["column"][0], where), lambda a: lookup(parse.clean_text(a, nulls)))
                mapped = pc.coalesce(mapped, first)
            missing = present & ~_present(mapped)
            if missing.any():
                raw_vals = arr
                counts = pc.value_counts(pc.filter(arr, pa.array(missing))).to_pylist()
                counts.sort(key=lambda c: -c["counts"])
                ev.unmapped(fname, {str(c["values"]): int(c["counts"]) for c in counts})
                if fs.get("unmapped") == "empty" or not fdef.required and fs.get("unmapped") != "reject":
                    ev.warn(colname, f"value not in the {'crosswalk' if 'crosswalk' in fs else 'value map'} for '{fname}'; left empty", missing, raw_vals)
                else:
                    ev.add(missing, colname, raw_vals, f"'{fname}' value is not in the {'crosswalk ' + repr(fs['crosswalk']) if 'crosswalk' in fs else 'value map'}; assign it a canonical value in the mapping profile and ingest again")
            if "" in mapping.values():  # a value mapped to "" is left empty on purpose ("Arrest = false" says nothing of the outcome)
                mapped = pc.if_else(pc.fill_null(pc.equal(mapped, ""), False), pa.scalar(None, pa.string()), mapped)
            if "default" in fs:
                mapped = pc.fill_null(mapped, str(fs["default"]))
            arr = mapped
            present = _present(arr)
        elif "default" in fs:
            arr = pc.fill_null(arr, str(fs["default"]))
            present = _present(arr)

        # parse to the canonical type
        t = fdef.type
        if t == "string":
            parsed = arr
        elif t == "timestamp":
            fmts = fs.get("format", "auto")
            fmts = parse.guess_formats(arr) if fmts in ("auto", ["auto"]) else fmts
            parsed = _per_unique(arr, lambda a: parse.parse_timestamp(a, fmts))
        elif t == "float":
            parsed = parse.parse_float(arr)
            if "scale" in fs:
                parsed = pc.multiply(parsed, float(fs["scale"]))
        elif t == "int":
            parsed = parse.parse_int(arr)
        elif t == "bool":
            parsed = parse.parse_bool(arr)
        else:
            parsed = arr
        failed = present & ~_present(parsed)
        if failed.any():
            raw_vals = arr
            what = {"timestamp": f"a date in the expected format ({fs.get('format', 'auto')})", "float": "a number", "int": "a whole number", "bool": "true or false"}.get(t, t)
            if fdef.required or fs.get("on_error") == "reject":
                ev.add(failed, colname, raw_vals, f"'{fname}' is not {what}")
            else:
                ev.warn(colname, f"'{fname}' is not {what}; left empty", failed, raw_vals)
        if t == "timestamp":
            parsed = _check_date_range(parsed, fname, fdef.required or fs.get("on_error") == "reject", colname, arr, ev, ev.warn)
        return parsed, ev

    def coordinates_task():
        # coordinates: a point column, lat/lon columns, or projected x/y
        co = spec.coordinates
        ev = _Events()
        if "point" in co:
            lat, lon = parse.parse_point(parse.clean_text(_column(table, co["point"], where), nulls), co.get("order", "lat,lon"))
        elif "x" in co:
            x = parse.parse_float(parse.clean_text(_column(table, co["x"], where), nulls))
            y = parse.parse_float(parse.clean_text(_column(table, co["y"], where), nulls))
            # a projected 0 is a redaction marker, not a place (it would project to the open ocean)
            zero = pc.or_(pc.equal(x, 0.0), pc.equal(y, 0.0))
            x = pc.if_else(pc.fill_null(zero, False), pa.scalar(None, pa.float64()), x)
            y = pc.if_else(pc.fill_null(zero, False), pa.scalar(None, pa.float64()), y)
            lat, lon = parse.project(x, y, co["crs"])
        else:
            lat = parse.parse_float(parse.clean_text(_column(table, co["lat"], where), nulls))
            lon = parse.parse_float(parse.clean_text(_column(table, co["lon"], where), nulls))
        ok = _np(parse.mappable(lat, lon)).astype(bool)
        ev.warn(None, "location unknown, withheld by the source or at 0,0: the row counts in area totals but has no point", ~ok)
        keep = pa.array(ok)
        return (pc.if_else(keep, lat, pa.scalar(None, pa.float64())), pc.if_else(keep, lon, pa.scalar(None, pa.float64()))), ev

    tasks = [(fname, field_task, (fname, fs)) for fname, fs in spec.fields.items()]
    if spec.coordinates:
        tasks.append((("lat", "lon"), coordinates_task, ()))
    if n >= PARALLEL_MIN_ROWS and len(tasks) > 1:
        # Arrow kernels release the GIL: on a long file the fields are worked out side by side
        pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="bridges-map")
        futures = [pool.submit(fn, *args) for _, fn, args in tasks]
        pool.shutdown(wait=False)
        results = (f.result() for f in futures)
    else:
        pool, futures = None, []
        results = (fn(*args) for _, fn, args in tasks)
    try:
        for (name, _, _), (value, ev) in zip(tasks, results):
            for kind, args in ev.items:
                if kind == "warn":
                    warn(*args)
                elif kind == "rej":
                    rej.add(*args)
                else:
                    unmapped[args[0]] = args[1]
            if value is None:
                continue
            if isinstance(name, tuple):
                out.update(zip(name, value))
            else:
                out[name] = value
    finally:
        for f in futures:
            f.cancel()

    # required fields must be present
    for f in ds.fields:
        if f.required and f.name in out and f.name not in ("quarter", ds.key):
            missing = ~_present(out[f.name]) if not isinstance(out[f.name], np.ndarray) else pd.isna(out[f.name])
            rej.add(missing, spec.fields.get(f.name, {}).get("column"), None, f"'{f.name}' is empty or unreadable; it is required")

    # the key: from a column, or a stable hash of the row when the export has none
    key = ds.key
    if key not in out or spec.fields.get(key, {}).get("generate") == "row_hash":
        # the hash covers the columns the spec maps, so it is stable when a vendor adds a column
        used = [c for c in table.column_names if c in spec.columns_used()] or [c for c in table.column_names if c != ROW_COL]
        out[key] = pa.array(_row_hash_ids(table, used, spec.id))
    keys = out[key]
    keys = pa.chunked_array([keys]) if isinstance(keys, pa.Array) else keys
    present_key = _present(keys)
    rej.add(~present_key, spec.fields.get(key, {}).get("column"), None, f"'{key}' is empty; every record needs an identifier")
    # a repeat of a row already rejected for another reason is not a duplicate of a kept row
    occ, first = _occurrences(pc.if_else(pa.array(~rej.mask), keys, pa.scalar(None, keys.type)))
    if spec.duplicates == "suffix":
        out[key] = _with_occurrence(keys, np.where(present_key, occ, 0))
    elif first is not None:
        dup = (occ > 0) & present_key
        rej.add(dup, spec.fields.get(key, {}).get("column"), keys, lambda ex: [f"duplicate '{key}' (first seen at row {rows[first[i]]}); only the first is kept" for i in ex], group=f"duplicate '{key}' (first seen earlier); only the first is kept")

    out["source"] = _constant(spec.id, n) if "source" not in out else out["source"]


    # time precision: fixed for the source, or per row from a rule
    if "time_precision" in {f.name for f in ds.fields} and "time_precision" not in out:
        tp = spec.time_precision
        if isinstance(tp, dict):  # e.g. { column = "OccTime", empty = "day" }: rows without a time are day-precise
            base = _constant(tp.get("value", "exact"), n)
            raw_col = parse.clean_text(_column(table, tp["column"], where), nulls)
            out["time_precision"] = pc.if_else(pc.is_valid(raw_col), base, pa.scalar(tp.get("empty", "day")))
        else:
            out["time_precision"] = _constant(tp, n)

    # derived: days to resolve
    if ds.name == "feedback" and "received_at" in out and "resolved_at" in out:
        days = pc.divide(pc.cast(pc.subtract(out["resolved_at"], out["received_at"]), pa.int64()), 86400e6)
        neg = _np(pc.fill_null(pc.less(days, 0), False)).astype(bool)
        warn("resolved_at", "resolved before it was received; days to resolve left empty", neg)
        out["days_to_resolve"] = pc.if_else(pa.array(neg), pa.scalar(None, pa.float64()), days)

    # quarter: given for the whole upload, or from the dataset's date fields
    if ds.quarter_from:
        derived = None
        for fname in ds.quarter_from:
            if fname in out:
                q = parse.quarter_of(out[fname])
                derived = q if derived is None else pc.coalesce(derived, q)
        if quarter:
            if derived is not None:
                outside = _np(pc.fill_null(pc.not_equal(derived, quarter), False)).astype(bool)
                warn(ds.quarter_from[0], f"date outside the quarter {quarter} given for this upload (late report or typo); kept under {quarter}", outside, derived)
            out["quarter"] = _constant(quarter, n)
        else:
            if derived is None:
                raise InputError(f"{where}: no date field is mapped, so the quarter cannot be worked out. Map {' or '.join(ds.quarter_from)}, or give --quarter.")
            out["quarter"] = derived
            rej.add(~_present(derived), None, None, "no date to place the row in a quarter")

    cols = {}
    for f in ds.fields:
        if f.name in out:
            a = out[f.name]
            a = a if isinstance(a, (pa.Array, pa.ChunkedArray)) else pa.array(a)
            cols[f.name] = a.cast(f.arrow_type) if a.type != f.arrow_type else a
        else:
            cols[f.name] = pa.nulls(n, f.arrow_type)
    cols[ROW_COL] = pa.array(rows)
    result = pa.table(cols)
    keep = pa.array(~rej.mask)
    frame = result.filter(keep).to_pandas(types_mapper=pd.ArrowDtype)
    return MapResult(frame, rej.items, rej.count, list(warnings.values()), unmapped, dict(rej.groups))
