"""The mapping engine: a source spec or analyst profile (TOML) turns a raw text table into canonical rows."""
from __future__ import annotations

import csv
import hashlib
import importlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import parse
from .errors import InputError
from .schema import Dataset, dataset as get_dataset
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


class _Rejects:
    """Collects rejected rows: each row is rejected once, with the first reason found."""

    def __init__(self, rows: np.ndarray):
        self.rows = rows
        self.mask = np.zeros(len(rows), dtype=bool)
        self.items: list[dict] = []

    def add(self, bad: np.ndarray, column: str | None, values, reason: str | list[str]) -> None:
        new = bad & ~self.mask
        if not new.any():
            return
        idx = np.flatnonzero(new)
        self.mask |= new
        vals = values if values is not None else None
        for i in idx[: MAX_EXAMPLES - min(len(self.items), MAX_EXAMPLES)]:
            v = None if vals is None else vals[i]
            self.items.append({"row": int(self.rows[i]), "column": column, "value": None if v is None else str(v)[:200], "reason": reason if isinstance(reason, str) else reason[i]})
        self._count = getattr(self, "_count", 0) + len(idx)

    @property
    def count(self) -> int:
        return getattr(self, "_count", 0)


def _np(arr) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False) if hasattr(arr, "to_numpy") else np.asarray(arr)


def _present(arr) -> np.ndarray:
    return _np(pc.is_valid(arr)).astype(bool)


def _column(table: pa.Table, name: str, where: str) -> pa.ChunkedArray:
    if name not in table.column_names:
        lower = {c.lower(): c for c in table.column_names}
        if name.lower() in lower:
            return table[lower[name.lower()]]
        raise InputError(f"{where}: the column '{name}' is not in the file. Columns found: {', '.join(c for c in table.column_names if c != ROW_COL)}.")
    return table[name]


def _combine(table: pa.Table, cols: list[str], sep: str, where: str) -> pa.ChunkedArray:
    arrays = [_column(table, c, where) for c in cols]
    if len(arrays) == 1:
        return arrays[0]
    return pc.binary_join_element_wise(*arrays, sep, null_handling="skip")


def _row_hash_ids(table: pa.Table, used: list[str], prefix: str) -> np.ndarray:
    """Stable IDs for exports without one: a hash of the row's values, plus an occurrence number."""
    parts = [pc.fill_null(table[c], "") for c in used if c in table.column_names]
    joined = pc.binary_join_element_wise(*parts, "\x1f") if len(parts) > 1 else parts[0]
    vals = _np(joined)
    hashes = np.array([hashlib.blake2b(v.encode("utf-8"), digest_size=8).hexdigest() for v in vals], dtype=object)
    occ = pd.Series(hashes).groupby(hashes).cumcount().to_numpy()
    return np.array([f"{prefix}-{h}" + (f"-{o}" if o else "") for h, o in zip(hashes, occ)], dtype=object)


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
        rej.add(out_mask, flt["column"], _np(col), flt.get("reason", f"left out by the filter on '{flt['column']}'"))

    def warn(column: str | None, reason: str, mask: np.ndarray, values=None):
        cnt = int(mask.sum())
        if not cnt:
            return
        key = (column, reason)
        w = warnings.setdefault(key, {"column": column, "reason": reason, "rows": 0, "examples": []})
        w["rows"] += cnt
        for i in np.flatnonzero(mask)[: 5 - len(w["examples"])]:
            w["examples"].append({"row": int(rows[i]), "value": None if values is None or values[i] is None else str(values[i])[:100]})

    for fname, fs in spec.fields.items():
        try:
            fdef = ds.field(fname)
        except KeyError:
            raise InputError(f"{spec.path.name if spec.path else 'profile'}: '{fname}' is not a field of {ds.name}. Fields: {', '.join(ds.names)}.") from None
        if "value" in fs:
            arr = pa.chunked_array([pa.array([str(fs["value"])] * n, pa.string())])
            colname = None
        else:
            cols = fs.get("column")
            if cols is None:
                continue
            cols = [cols] if isinstance(cols, str) else list(cols)
            colname = "+".join(cols)
            arr = _combine(table, cols, fs.get("join", " "), where)
        arr = parse.clean_text(arr, nulls + list(fs.get("null_values", [])))
        for pat, rep in (fs.get("replace") or {}).items():
            arr = pc.replace_substring_regex(arr, pattern=pat, replacement=rep)
        if fs.get("strip_zeros"):
            arr = pc.replace_substring_regex(arr, pattern=r"^0+([0-9])", replacement=r"\1")
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
            upper = pc.utf8_upper(arr)
            keys = pa.array(list(mapping), pa.string())
            vals = pa.array(list(mapping.values()), pa.string())
            idx = pc.index_in(upper, value_set=keys)
            mapped = pc.take(vals, idx)
            if "crosswalk" in fs and "join" in fs and not isinstance(fs.get("column"), str):
                # "THEFT | RETAIL THEFT" falls back to "THEFT" when the detailed pair is not listed
                first = pc.utf8_upper(parse.clean_text(_column(table, fs["column"][0], where), nulls))
                mapped = pc.coalesce(mapped, pc.take(vals, pc.index_in(first, value_set=keys)))
            missing = present & ~_present(mapped)
            if missing.any():
                raw_vals = _np(arr)
                counts = pd.Series(raw_vals[missing]).value_counts()
                unmapped[fname] = {str(k): int(v) for k, v in counts.items()}
                if fs.get("unmapped") == "empty" or not fdef.required and fs.get("unmapped") != "reject":
                    warn(colname, f"value not in the {'crosswalk' if 'crosswalk' in fs else 'value map'} for '{fname}'; left empty", missing, raw_vals)
                else:
                    rej.add(missing, colname, raw_vals, f"'{fname}' value is not in the {'crosswalk ' + repr(fs['crosswalk']) if 'crosswalk' in fs else 'value map'}; assign it a canonical value in the mapping profile and ingest again")
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
            parsed = parse.parse_timestamp(arr, fs.get("format", "auto"))
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
            raw_vals = _np(arr)
            what = {"timestamp": f"a date in the expected format ({fs.get('format', 'auto')})", "float": "a number", "int": "a whole number", "bool": "true or false"}.get(t, t)
            if fdef.required or fs.get("on_error") == "reject":
                rej.add(failed, colname, raw_vals, f"'{fname}' is not {what}")
            else:
                warn(colname, f"'{fname}' is not {what}; left empty", failed, raw_vals)
        out[fname] = parsed

    # coordinates: a point column, lat/lon columns, or projected x/y
    co = spec.coordinates
    if co:
        if "point" in co:
            lat, lon = parse.parse_point(parse.clean_text(_column(table, co["point"], where), nulls), co.get("order", "lat,lon"))
        elif "x" in co:
            x = parse.parse_float(parse.clean_text(_column(table, co["x"], where), nulls))
            y = parse.parse_float(parse.clean_text(_column(table, co["y"], where), nulls))
            lat, lon = parse.project(x, y, co["crs"])
        else:
            lat = parse.parse_float(parse.clean_text(_column(table, co["lat"], where), nulls))
            lon = parse.parse_float(parse.clean_text(_column(table, co["lon"], where), nulls))
        ok = _np(parse.mappable(lat, lon)).astype(bool)
        warn(None, "location unknown, withheld by the source or at 0,0: the row counts in area totals but has no point", ~ok)
        out["lat"] = pc.if_else(pa.array(ok), lat, pa.scalar(None, pa.float64()))
        out["lon"] = pc.if_else(pa.array(ok), lon, pa.scalar(None, pa.float64()))

    # the key: from a column, or a stable hash of the row when the export has none
    key = ds.key
    if key not in out or spec.fields.get(key, {}).get("generate") == "row_hash":
        used = [c for c in table.column_names if c != ROW_COL]
        out[key] = pa.array(_row_hash_ids(table, used, spec.id))
    keys = _np(out[key]).astype(object)
    present_key = pd.notna(keys)
    rej.add(~present_key, spec.fields.get(key, {}).get("column"), None, f"'{key}' is empty; every record needs an identifier")
    if spec.duplicates == "suffix":
        occ = pd.Series(keys).groupby(keys, dropna=False).cumcount().to_numpy()
        keys = np.array([k if o == 0 or k is None else f"{k}-{o}" for k, o in zip(keys, occ)], dtype=object)
        out[key] = pa.array(keys, pa.string())
    else:
        dup = pd.Series(keys).duplicated(keep="first").to_numpy() & present_key
        if dup.any():
            first = pd.Series(rows, index=keys).groupby(level=0).first()
            reasons = np.array([f"duplicate '{key}' (first seen at row {first.get(k, '?')}); only the first is kept" if d else "" for k, d in zip(keys, dup)], dtype=object)
            rej.add(dup, spec.fields.get(key, {}).get("column"), keys, list(reasons))

    out["source"] = pa.array([spec.id] * n, pa.string()) if "source" not in out else out["source"]

    # required fields must be present
    for f in ds.fields:
        if f.required and f.name in out and f.name not in ("quarter",):
            missing = ~_present(out[f.name]) if not isinstance(out[f.name], np.ndarray) else pd.isna(out[f.name])
            rej.add(missing, spec.fields.get(f.name, {}).get("column"), None, f"'{f.name}' is empty or unreadable; it is required")

    # time precision: fixed for the source, or per row from a rule
    if "time_precision" in {f.name for f in ds.fields} and "time_precision" not in out:
        tp = spec.time_precision
        out["time_precision"] = pa.array([tp if isinstance(tp, str) else "exact"] * n, pa.string())

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
                warn(ds.quarter_from[0], f"date outside the quarter {quarter} given for this upload (late report or typo); kept under {quarter}", outside, _np(derived))
            out["quarter"] = pa.array([quarter] * n, pa.string())
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
    return MapResult(frame, rej.items, rej.count, list(warnings.values()), unmapped)
