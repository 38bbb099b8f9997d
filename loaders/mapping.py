"""The mapping engine: a source spec or analyst profile (TOML) turns a raw text table into canonical rows."""
from __future__ import annotations

import csv
from collections import Counter
import datetime as dt
import hashlib
import importlib
import math
import os
import tomllib
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import parse
from model.fs import location
from model.errors import InputError
from model.schema import CATEGORIES, CRIME, SERVICE, SERVICE_GROUPS, Dataset, dataset as get_dataset
from .textio import ROW_COL, RawTable

HERE = Path(__file__).parent
SOURCES_DIR = HERE / "sources"
CROSSWALKS_DIR = HERE / "crosswalks"
DEFAULT_NULLS = ["NULL", "null", "None", "NaN", "nan", "#N/A"]
MAX_EXAMPLES = 1000
DUPLICATES = ("reject", "suffix", "fold")
COUNTS = ("incidents", "offences")
# The reason group of a row whose standard code (NIBRS 999, 90I ...) or whose analyst's assignment says it is no offence.
NOT_AN_OFFENCE = "not an offence (its standard code, or the profile, says no offence)"
# What an analyst writes in a profile's crosswalk for a value that is no offence: its rows are set aside like NIBRS 999.
NO_OFFENCE_VALUE = "no_offence"
FOLDED = "further victims or offences of incidents already counted"


@dataclass
class Spec:
    """A column map: which raw columns give which canonical fields, and how to read them."""

    id: str
    dataset: str
    title: str = ""
    detect: list[str] = field(default_factory=list)
    detect_only: list[str] = field(default_factory=list)  # when given, a file with any header not listed here is not this source (a plain list whose headers are common words)
    fields: dict[str, dict] = field(default_factory=dict)
    coordinates: dict | None = None
    null_values: list[str] = field(default_factory=list)
    module: str | None = None
    time_precision: str | dict = "exact"
    crosswalks: dict[str, dict[str, str]] = field(default_factory=dict)  # inline crosswalks (profiles)
    filters: list[dict] = field(default_factory=list)  # rows to leave out, each with a reason
    duplicates: str = "reject"  # what to do with a repeated key: reject | suffix | fold (further rows of one incident)
    count: str = "incidents"  # with a key that repeats once per offence: count incidents (fold) or offences (each row)
    path: Path | None = None
    raw: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict, path: Path | None = None) -> "Spec":
        known = {"id", "dataset", "title", "detect", "detect_only", "fields", "coordinates", "null_values", "module", "time_precision", "crosswalks", "duplicates", "filters",
                 "count"}
        unknown = set(d) - known
        where = path.name if path else "the profile"
        if unknown:
            raise InputError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}. Allowed: {', '.join(sorted(known))}.")
        for k in ("id", "dataset"):
            if k not in d:
                raise InputError(f"{where}: the setting '{k}' is missing. Add `{k} = \"...\"` at the top.")
        get_dataset(d["dataset"])
        for k, allowed in (("duplicates", DUPLICATES), ("count", COUNTS)):
            if k in d and d[k] not in allowed:
                raise InputError(f"{where}: {k} = \"{d[k]}\" is not one of {', '.join(allowed)}.", f"Write {k} = \"{allowed[0]}\" or leave it out.")
        for fname, fs in (d.get("fields") or {}).items():
            if isinstance(fs, dict) and fs.get("codes"):
                from .codes import systems

                if fs["codes"] not in systems():
                    raise InputError(f"{where}: [fields.{fname}] names the code system '{fs['codes']}', which Bridges does not know.",
                                     f"Use one of {', '.join(systems())}.")
        return cls(path=path, raw=d, **{k: v for k, v in d.items()})

    @classmethod
    def load(cls, path: str | Path) -> "Spec":
        path = location(path)  # a file, or an object in a store shared by several servers (loaders.profiles)
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

    def columns_read(self) -> set[str]:
        """Every column of a file the mapping reads: its fields' and coordinates' (columns_used), its filters' and its
        time precision's (the same list _find_renamed looks for)."""
        read = self.columns_used() | {f["column"] for f in self.filters}
        if isinstance(self.time_precision, dict) and self.time_precision.get("column"):
            read.add(self.time_precision["column"])
        return read


def builtin_specs() -> list[Spec]:
    """Every source family Bridges knows, from loaders/sources/*.toml."""
    return [Spec.load(p) for p in sorted(SOURCES_DIR.glob("*.toml"))]


_CW_CACHE: dict[str, dict[str, str]] = {}


def load_crosswalk(name: str) -> dict[str, str]:
    """A crosswalk CSV (columns `value,category`, and an optional `kind`) as a dict; values are matched case-insensitively.

    `kind` says what a row's category is: `crime` (the default, also when the column is absent) names an offence group,
    `service` a service group of loaders/codes/service_groups.csv (`Fire alarm,alarm,service`). The incident's kind is
    then worked out from its category (loaders.derivations.kind); the column is checked here, so a row cannot say one
    thing and map to another."""
    if name not in _CW_CACHE:
        path = CROSSWALKS_DIR / f"{name}.csv"
        if not path.exists():
            raise InputError(f"crosswalk '{name}' does not exist (expected {path}).")
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        if rows and "kind" in rows[0]:
            for n, r in enumerate(rows, start=2):
                _check_crosswalk_kind(path, n, r)
        _CW_CACHE[name] = {r["value"].strip().upper(): r["category"].strip() for r in rows if r.get("value") is not None}
    return _CW_CACHE[name]


def _check_crosswalk_kind(path: Path, line: int, row: dict) -> None:
    kind, category = (row.get("kind") or "").strip() or CRIME, (row.get("category") or "").strip()
    groups = SERVICE_GROUPS if kind == SERVICE else CATEGORIES if kind == CRIME else None
    if groups is None:
        raise InputError(f"{path.name}, line {line}: the kind '{kind}' is neither {CRIME} nor {SERVICE}.", "Fix the kind column (empty means crime).")
    if category and category not in groups:
        what = "a service group" if kind == SERVICE else "an offence group"
        raise InputError(f"{path.name}, line {line}: '{row.get('value')}' is a {kind}, but '{category}' is not {what}.",
                         f"Use one of {', '.join(groups)}, or change its kind.")


@dataclass
class MapResult:
    """Canonical rows, the rows rejected with reasons, warnings and values no crosswalk knows."""

    frame: pd.DataFrame
    rejections: list[dict]
    rejected_count: int
    warnings: list[dict]
    unmapped: dict[str, dict[str, int]]  # field -> raw value -> count
    reason_counts: dict[str, int] = field(default_factory=dict)  # every rejection, grouped by reason
    folded_count: int = 0  # rows that are further victims or offences of an incident already counted (not rejected)
    folded_by: str | None = None  # the column whose repeated identifier folds them
    folded_rows: np.ndarray | None = None  # their source row numbers
    notes: list[dict] = field(default_factory=list)  # what changed in this file since the profile was made: {column, note}
    count: str = "incidents"  # what one accepted row is: an incident, or (count = "offences") one offence


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
        self.by_group: dict[str, np.ndarray] = {}  # the rows of the groups a later step may take back (release)

    def release(self, rows: np.ndarray, group: str) -> np.ndarray:
        """Take back the rows of `group` that `rows` marks (they are accounted elsewhere); returns the rows taken back."""
        held = self.by_group.get(group)
        if held is None:
            return np.zeros(len(self.rows), dtype=bool)
        back = held & rows
        if back.any():
            self.mask &= ~back
            held &= ~back
            self.count -= int(back.sum())
            self.groups[group] -= int(back.sum())
            if not self.groups[group]:
                del self.groups[group]
            gone = set(self.rows[back].tolist())
            self.items = [x for x in self.items if not (x["group"] == group and x["row"] in gone)]
        return back

    def add(self, bad: np.ndarray, column: str | None, values, reason, group: str | None = None) -> None:
        """`values`: None, a numpy array or an Arrow array; `reason`: a sentence, or a function of the
        row positions giving one sentence per position."""
        new = bad & ~self.mask
        if not new.any():
            return
        idx = np.flatnonzero(new)
        self.mask |= new
        self.count += len(idx)
        group = group or (reason if isinstance(reason, str) else f"rejected ('{column}')")
        self.groups[group] += len(idx)
        if group == NOT_AN_OFFENCE:  # a row of an incident counted from another row is folded, not rejected (_make_key)
            self.by_group[group] = self.by_group.get(group, np.zeros(len(self.rows), dtype=bool)) | new
        room = MAX_EXAMPLES - len(self.items)
        if room <= 0:
            return
        ex = idx[:room]
        vals = [None] * len(ex) if values is None else _values_at(values, ex)
        reasons = [reason] * len(ex) if isinstance(reason, str) else list(reason(ex))
        for i, v, r in zip(ex, vals, reasons):
            self.items.append({"row": int(self.rows[i]), "column": column, "value": None if v is None else str(v)[:200], "reason": r, "group": group})


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
        raise InputError(f"the column '{name}' named by the mapping is not in the file (columns found: {shown})", file=where,
                         cli=f"Fix the profile, or run `python -m bridges inspect {where}` to suggest a new one.",
                         browser="Fix the mapping on this page, then check the file again.")
    return table[name]


def _combine(table: pa.Table, cols: list[str], sep: str, where: str, nulls: list[str] | None = None) -> pa.ChunkedArray:
    """The column, or several joined by `sep`; with `nulls`, each part is cleaned first, so a time column holding NULL
    or a blank leaves the date alone instead of spoiling it."""
    arrays = [_column(table, c, where) for c in cols]
    if len(arrays) == 1:
        return arrays[0]
    few = _combine_distinct(arrays, sep, nulls)
    if few is not None:
        return few
    if nulls is not None:
        arrays = [parse.clean_text(a, nulls) for a in arrays]
    return _join_parts(arrays, sep)


def _join_parts(arrays: list, sep: str):
    """Parts joined by `sep`, a null part left out; null where every part is."""
    # pyarrow 26 leaves out the rows whose parts are all null under null_handling="skip" (found by tests/test_fuzz.py):
    # those rows are joined from an empty first part, so every row stays in place, and are null again afterwards
    empty = pc.is_null(arrays[0])
    for a in arrays[1:]:
        empty = pc.and_(empty, pc.is_null(a))
    joined = pc.binary_join_element_wise(pc.if_else(empty, "", arrays[0]), *arrays[1:], sep, null_handling="skip")
    return pc.if_else(empty, pa.scalar(None, joined.type), joined)


def _combine_distinct(arrays: list, sep: str, nulls: list[str] | None):
    """On a long file whose columns each hold few distinct values (an offence type and its description), the columns
    joined once per distinct combination and taken back to every row (as _per_unique's results are, so the field's
    next steps run on the combinations too); None when a column holds many values."""
    n = len(arrays[0])
    if n < UNIQUE_MIN_ROWS or any(_many_distinct(a) for a in arrays):
        return None
    parts, code, width = [], np.zeros(n, dtype=np.int64), 1
    for a in arrays:
        enc = pc.dictionary_encode(a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a)
        values = enc.dictionary if nulls is None else parse.clean_text(enc.dictionary, nulls)
        size = len(values) + 1  # the last code is a null cell
        if len(values) > n // 4 or width * size >= 1 << 62:
            return None
        code = code * size + _np(pc.fill_null(enc.indices.cast(pa.int64()), size - 1)).astype(np.int64)
        values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        parts.append((pa.concat_arrays([values, pa.nulls(1, values.type)]), size))
        width *= size
    combos = pc.dictionary_encode(pa.array(code))
    rest, columns = _np(combos.dictionary).astype(np.int64), []
    for values, size in reversed(parts):  # the last column's code is the lowest digit
        columns.append(pc.take(values, pa.array(rest % size)))
        rest = rest // size
    return _spread(_join_parts(columns[::-1], sep), combos.indices)


def _row_hash_ids(table: pa.Table, used: list[str], prefix: str, state=None) -> pa.Array:
    """Stable IDs for exports without one: a hash of the row's values, plus an occurrence number (counted over earlier
    batches too, with `state`)."""
    parts = [pc.fill_null(table[c], "") for c in used if c in table.column_names]
    joined = pc.binary_join_element_wise(*parts, "\x1f") if len(parts) > 1 else parts[0]
    b2 = hashlib.blake2b
    hashes = pa.array([b2(v, digest_size=8).hexdigest() for v in pc.cast(joined, pa.binary()).to_pylist()], pa.string())
    ids = pc.binary_join_element_wise(prefix, hashes, "-")
    if state is None:
        occ, _ = _occurrences(hashes)
    else:  # counted over the earlier batches too
        from .streaming import KeySet

        occ, _ = state.occurrences(state.row_hashes.setdefault(prefix, KeySet()), hashes, np.arange(len(hashes)))
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
    (districts, offence types, flags, dates without time) fn runs once per distinct value instead. A result made so
    remembers its distinct values, so the field's next step runs on them without encoding the column again."""
    known = _ENCODED.get(id(arr))
    if known is not None and known[0]() is arr:
        return _remember(fn(arr)) if known[1] is None else _spread(fn(known[2]), known[1])
    n = len(arr)
    if n < UNIQUE_MIN_ROWS:
        return fn(arr)
    if _many_distinct(arr):
        return _remember(fn(arr))
    flat = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    enc = pc.dictionary_encode(flat)
    if len(enc.dictionary) > n // 4:
        return _remember(fn(arr))
    return _spread(fn(enc.dictionary), enc.indices)


def _many_distinct(arr) -> bool:
    """Whether a column's first values are mostly distinct (identifiers, times): not worth working per distinct value."""
    return pc.count_distinct(arr.slice(0, UNIQUE_SAMPLE)).as_py() > UNIQUE_SAMPLE // 10


# id of a result of _per_unique -> (a weak reference to it, its indices and values, or None and None where its values
# are mostly distinct): dropped with the result, so an id used again by a later array is never taken for it
_ENCODED: dict[int, tuple] = {}


def _remember(out, indices=None, values=None):
    """`out`, remembered as made from `values` taken by `indices` (None: from mostly distinct values; _ENCODED)."""
    if isinstance(out, (pa.Array, pa.ChunkedArray)):
        key = id(out)
        _ENCODED[key] = (weakref.ref(out, lambda _ref, key=key: _ENCODED.pop(key, None)), indices, values)
    return out


def _spread(done, indices) -> pa.ChunkedArray:
    """Values worked out once per distinct value, taken back to every row; the result remembers both (_ENCODED)."""
    done = done.combine_chunks() if isinstance(done, pa.ChunkedArray) else done
    return _remember(pa.chunked_array([pc.take(done, indices)]), indices, done)


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


# ------------------------------------------------------------------------------------------------
# the engine: one mapping run, step by step; nothing here branches on a source or a dataset


@dataclass
class _Run:
    """One mapping run: the table (after the family hook), its row numbers, the canonical columns made so far
    (`out`), and what the steps found (rejected rows, warnings, values no crosswalk knows)."""

    spec: Spec
    ds: Dataset
    where: str
    table: pa.Table
    rows: np.ndarray
    nulls: list[str]
    rej: _Rejects
    warnings: _Warnings
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)
    out: dict = field(default_factory=dict)
    folded: np.ndarray | None = None  # rows folded into an incident counted from an earlier row
    notes: list[dict] = field(default_factory=list)  # what changed in this file since the profile was made
    state: object = None  # a file read in batches: what earlier batches saw (loaders.streaming.StreamState)

    @property
    def n(self) -> int:
        return len(self.rows)


class _Warnings:
    """Rows kept with something the analyst should check, by (column, reason), with up to five examples each."""

    def __init__(self, rows: np.ndarray):
        self.rows = rows
        self.items: dict[tuple, dict] = {}

    def add(self, column: str | None, reason: str, mask: np.ndarray, values=None) -> None:
        cnt = int(mask.sum())
        if not cnt:
            return
        w = self.items.setdefault((column, reason), {"column": column, "reason": reason, "rows": 0, "examples": []})
        w["rows"] += cnt
        ex = np.flatnonzero(mask)[: 5 - len(w["examples"])]
        vals = [None] * len(ex) if values is None else _values_at(values, ex)
        for i, v in zip(ex, vals):
            w["examples"].append({"row": int(self.rows[i]), "value": None if v is None else str(v)[:100]})


class _Events:
    """What one field's step found (warnings, rejections, unmapped values), replayed later in spec order, so the
    fields can be worked out side by side and still give the same report as one after the other."""

    def __init__(self):
        self.items: list[tuple[str, tuple]] = []

    def warn(self, *args) -> None:
        self.items.append(("warn", args))

    def add(self, *args) -> None:
        self.items.append(("rej", args))

    def unmapped(self, fname: str, counts: dict[str, int]) -> None:
        self.items.append(("unmapped", (fname, counts)))

    def note(self, column: str | None, note: str) -> None:
        """Something that changed in this file since the profile was made, and how it was read."""
        self.items.append(("note", (column, note)))

    def replay(self, run: _Run) -> None:
        for kind, args in self.items:
            if kind == "warn":
                run.warnings.add(*args)
            elif kind == "rej":
                run.rej.add(*args)
            elif kind == "note":
                run.notes.append({"column": args[0], "note": args[1]})
            else:
                run.unmapped[args[0]] = args[1]


def apply_spec(raw: RawTable, spec: Spec, quarter: str | None = None, state=None) -> MapResult:
    """Map a raw table through a spec: parse, cross-walk, check and account for every row. `state`
    (loaders.streaming.StreamState) carries what earlier batches of the same file saw, so that an identifier repeated
    across batches is treated as it is within one."""
    return finish_spec(prepare_spec(raw, spec), quarter, state)


def prepare_spec(raw: RawTable, spec: Spec) -> _Run:
    """The part of a mapping run that needs nothing from other batches: rows filtered, fields mapped, required fields
    checked. A file read in batches has the next batch prepared while this one is finished (loaders.ingest)."""
    run = _start(raw, spec)
    _apply_filters(run)
    _map_fields(run)
    _require_fields(run)
    return run


def finish_spec(run: _Run, quarter: str | None = None, state=None) -> MapResult:
    """The rest of a mapping run, in the file's order: identifiers counted (with `state`, over the earlier batches
    too), the derived fields and the quarter, and the result."""
    run.state = state
    _make_key(run)
    _add_source(run)
    _add_time_precision(run)
    _derive_fields(run)
    _add_quarter(run, quarter)
    return _result(run)


def _start(raw: RawTable, spec: Spec) -> _Run:
    """The run's state, after the source family's hook (if the spec names one) has prepared the table."""
    table = raw.table
    if spec.module:
        try:
            table = importlib.import_module(f"loaders.families.{spec.module}").prepare(table)
        except InputError as exc:  # a hook that refuses the file names the row and column; the file is named here
            if exc.file is None:
                exc.file = raw.path.name
            raise
    rows = _np(table[ROW_COL]).astype(np.int64)
    nulls = DEFAULT_NULLS + list(spec.null_values)
    table, notes = _find_renamed(table, spec, nulls)
    run = _Run(spec, spec.ds, raw.path.name, table, rows, nulls, _Rejects(rows), _Warnings(rows))
    run.notes.extend(notes)
    return run


def _find_renamed(table: pa.Table, spec: Spec, nulls: list[str]) -> tuple[pa.Table, list[dict]]:
    """A column the spec names that this file lacks, found again under its new name by its header and values
    (loaders.drift); the table's column takes the spec's name, and a note says so."""
    wanted = []
    for fname, fs in spec.fields.items():
        cols = fs.get("column")
        cols = [cols] if isinstance(cols, str) else list(cols or [])
        try:
            kind = spec.ds.field(fname).type
        except KeyError:
            kind = None
        for i, c in enumerate(cols):
            wanted.append((c, kind if i == 0 else None, fs, _value_map(spec, fname, fs) if not fs.get("codes") else None))
    for k in ("lat", "lon", "x", "y", "point"):
        if k in (spec.coordinates or {}):
            wanted.append((spec.coordinates[k], None if k == "point" else "coordinate", {}, None))
    for flt in spec.filters:
        wanted.append((flt["column"], None, {}, None))
    if isinstance(spec.time_precision, dict) and spec.time_precision.get("column"):
        wanted.append((spec.time_precision["column"], None, {}, None))
    names = set(table.column_names)
    lower = {c.casefold() for c in names}
    if all(w[0] in names or w[0].casefold() in lower for w in wanted):
        return table, []
    from .drift import find_renamed

    renames, notes = find_renamed(table, wanted, nulls)
    if renames:
        table = table.rename_columns([renames.get(c, c) for c in table.column_names])
    return table, notes


def _apply_filters(run: _Run) -> None:
    """Rows this dataset does not take (e.g. 311 requests for other agencies) are rejected, each with the filter's reason."""
    for flt in run.spec.filters:
        col = parse.clean_text(_column(run.table, flt["column"], run.where), run.nulls)
        up = pc.utf8_upper(col)
        listed = flt["keep"] if "keep" in flt else flt["drop"]
        hit = _np(pc.fill_null(pc.is_in(up, value_set=pa.array([str(v).upper() for v in listed])), False)).astype(bool)
        run.rej.add(~hit if "keep" in flt else hit, flt["column"], col, flt.get("reason", f"left out by the filter on '{flt['column']}'"))


def _map_fields(run: _Run) -> None:
    """Every field the spec maps, and the coordinates, into `run.out`; on a long file they are worked out side by side
    (Arrow kernels release the GIL), and what each found is replayed in spec order."""
    names: list = list(run.spec.fields)
    steps = [partial(_map_field, run, fname, fs) for fname, fs in run.spec.fields.items()]
    if run.spec.coordinates:
        names.append(("lat", "lon"))
        steps.append(partial(_map_coordinates, run))
    for name, (value, ev) in zip(names, _results(steps, parallel=run.n >= PARALLEL_MIN_ROWS and len(steps) > 1)):
        ev.replay(run)
        if value is None:
            continue
        if isinstance(name, tuple):
            run.out.update(zip(name, value))
        else:
            run.out[name] = value


def _results(steps: list, parallel: bool) -> list:
    """Each step's result, in order: one after the other, or in a few threads."""
    if not parallel:
        return [step() for step in steps]
    pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="bridges-map")
    futures = [pool.submit(step) for step in steps]
    pool.shutdown(wait=False)
    try:
        return [f.result() for f in futures]
    finally:  # a step that failed (an InputError) leaves the ones not started unstarted
        for f in futures:
            f.cancel()


def _map_field(run: _Run, fname: str, fs: dict) -> tuple:
    """One canonical field from its column(s) (or a constant): text clean-up, value map or crosswalk, canonical type.
    Returns (values, events), or (None, events) when the spec gives the field no column."""
    ev = _Events()
    try:
        fdef = run.ds.field(fname)
    except KeyError:
        raise InputError(f"{run.spec.path.name if run.spec.path else 'profile'}: '{fname}' is not a field of {run.ds.name}. Fields: {', '.join(run.ds.names)}.") from None
    if "value" in fs:
        arr, colname = pa.chunked_array([_constant(str(fs["value"]), run.n)]), None
    elif fs.get("column") is None:
        return None, ev
    else:
        cols = [fs["column"]] if isinstance(fs["column"], str) else list(fs["column"])
        arr, colname = _combine(run.table, cols, fs.get("join", " "), run.where, run.nulls), "+".join(cols)
    arr = _per_unique(arr, partial(_text_steps, fs=fs, nulls=run.nulls))
    arr = _translate(run, fname, fs, fdef, arr, colname, ev)
    parts = None
    if fdef.type == "timestamp" and "value" not in fs and len(cols) == 2:  # a date and its time: read apart if the join fails
        parts = (cols, [parse.clean_text(_column(run.table, c, run.where), run.nulls) for c in cols])
    return _parse_field(fname, fs, fdef, arr, colname, ev, parts), ev


def _value_map(spec: Spec, fname: str, fs: dict) -> dict[str, str] | None:
    """The field's source words → canonical words (upper-cased keys): a crosswalk file or an inline map, plus the
    profile's own assignments; None when the field has neither."""
    if "crosswalk" in fs:
        mapping = dict(load_crosswalk(fs["crosswalk"]))
        mapping.update({k.upper(): v for k, v in spec.crosswalks.get(fname, {}).items()})
        return mapping
    if "map" in fs or fname in spec.crosswalks:
        return {str(k).strip().upper(): v for k, v in {**fs.get("map", {}), **spec.crosswalks.get(fname, {})}.items()}
    return None


def _lookup(keys: pa.Array, vals: pa.Array, arr, nulls: list[str] | None = None):
    """Each value's canonical word, matched case-insensitively (null where the map has none); `nulls`: clean the text first."""
    if nulls is not None:
        arr = parse.clean_text(arr, nulls)
    return pc.take(vals, pc.index_in(pc.utf8_upper(arr), value_set=keys))


def _code_map(spec: Spec, fname: str, fs: dict, arr) -> dict[str, str]:
    """The values of a column of standard codes (`codes = "nibrs"`: 23H, `ASSAULT (NIBRS 90Z)`, 1430/100) → groups, by
    loaders.codes.classify: every valid code of the system maps; one that means no offence (NIBRS 999, 90I) maps to
    NO_OFFENCE_VALUE. The profile's own assignments ([crosswalks.X]) are read first, for values that hold no code.
    With `keep = "code"` a value maps to the system's own code instead of its group (`Aggravated assault` → `aggravated_assault`
    for the Clery fields), so a field can hold a standard's categories as they are."""
    from .codes import classify

    own = {str(k).strip().upper(): str(v) for k, v in spec.crosswalks.get(fname, {}).items()}
    out = dict(own)
    for v in pc.drop_null(pc.unique(arr)).to_pylist():
        key = v.upper()
        if key in out:
            continue
        hit = classify(v, fs["codes"])
        if hit is not None:
            category, kind, code = hit
            out[key] = NO_OFFENCE_VALUE if kind == "no_offence" else code if fs.get("keep") == "code" else category
    return out


def _translate(run: _Run, fname: str, fs: dict, fdef, arr, colname: str | None, ev: _Events):
    """Source words to canonical words through the field's value map, then its default. A value the map does not know
    is listed as unmapped and rejects the row (or is left empty with a warning): it never becomes 'other'. A value that
    means no offence (a standard code's, or the analyst's `no_offence`) sets its row aside under its own reason."""
    mapping = _code_map(run.spec, fname, fs, arr) if fs.get("codes") else _value_map(run.spec, fname, fs)
    if mapping is None:
        return pc.fill_null(arr, str(fs["default"])) if "default" in fs else arr
    lookup = partial(_lookup, pa.array(list(mapping), pa.string()), pa.array(list(mapping.values()), pa.string()))
    mapped = _per_unique(arr, lookup)
    if "crosswalk" in fs and "join" in fs and not isinstance(fs.get("column"), str):
        # "THEFT | RETAIL THEFT" falls back to "THEFT" when the detailed pair is not listed
        first = _per_unique(_column(run.table, fs["column"][0], run.where), partial(lookup, nulls=run.nulls))
        mapped = pc.coalesce(mapped, first)
    missing = _present(arr) & ~_present(mapped)
    if missing.any():
        counts = pc.value_counts(pc.filter(arr, pa.array(missing))).to_pylist()
        counts.sort(key=lambda c: -c["counts"])
        ev.unmapped(fname, {str(c["values"]): int(c["counts"]) for c in counts})
        where = f"the {fs['codes']} codes" if fs.get("codes") else "the crosswalk" if "crosswalk" in fs else "the value map"
        if fs.get("unmapped") == "empty" or not fdef.required and fs.get("unmapped") != "reject":
            ev.warn(colname, f"value not in {'the crosswalk' if 'crosswalk' in fs else 'the value map'} for '{fname}'; left empty", missing, arr)
        elif fs.get("codes"):
            ev.add(missing, colname, arr, f"'{fname}' value holds no code of {where}; assign it a canonical value in the mapping profile and ingest again")
        else:
            ev.add(missing, colname, arr, f"'{fname}' value is not in the {'crosswalk ' + repr(fs['crosswalk']) if 'crosswalk' in fs else 'value map'}; assign it a canonical value in the mapping profile and ingest again")
    if NO_OFFENCE_VALUE in mapping.values():
        none = _np(pc.fill_null(pc.equal(mapped, NO_OFFENCE_VALUE), False)).astype(bool)
        if none.any():
            why = (f"its {fs['codes']} code says no offence (e.g. NIBRS 999 'No offense'); set aside, not counted" if fs.get("codes")
                   else "the mapping profile says this value is no offence; set aside, not counted")
            ev.add(none, colname, arr, why, NOT_AN_OFFENCE)
            mapped = pc.if_else(pa.array(none), pa.scalar(None, pa.string()), mapped)
    if "" in mapping.values():  # a value mapped to "" is left empty on purpose ("Arrest = false" says nothing of the outcome)
        mapped = pc.if_else(pc.fill_null(pc.equal(mapped, ""), False), pa.scalar(None, pa.string()), mapped)
    if "default" in fs:
        mapped = pc.fill_null(mapped, str(fs["default"]))
    return mapped


def _parse_as(t: str, fs: dict, arr):
    """Text parsed to a canonical type (null where it does not parse)."""
    if t == "timestamp":
        fmts = fs.get("format", "auto")
        fmts = parse.guess_formats(arr) if fmts in ("auto", ["auto"]) else fmts
        return _per_unique(arr, partial(parse.parse_timestamp, formats=fmts))
    if t == "float":
        parsed = parse.parse_float(arr)
        return pc.multiply(parsed, float(fs["scale"])) if "scale" in fs else parsed
    if t == "int":
        return parse.parse_int(arr)
    if t == "bool":
        return parse.parse_bool(arr)
    return arr


def _parse_field(fname: str, fs: dict, fdef, arr, colname: str | None, ev: _Events, parts=None):
    """The field's values in its canonical type. A value that does not parse rejects the row when the field is required
    (or the spec says on_error = "reject"), else it is left empty with a warning; dates must also be plausible.
    Dates the profile's formats do not read are sniffed again (the publisher changed its format; loaders.drift), with a
    note; `parts` ((date column, time column), their cleaned values) lets a joined date and time be read apart."""
    t = fdef.type
    parsed = _parse_as(t, fs, arr)
    if t == "timestamp" and fs.get("format", "auto") not in ("auto", ["auto"]):
        from . import drift

        fmts = [fs["format"]] if isinstance(fs["format"], str) else list(fs["format"])
        if parts is not None:
            parsed, note = drift.date_and_time_apart(parts[1][0], parts[1][1], parsed, parts[0])
        else:
            parsed, note = drift.reparse_dates(arr, parsed, fmts, colname)
        if note:
            ev.note(colname, note)
    reject = fdef.required or fs.get("on_error") == "reject"
    failed = _present(arr) & ~_present(parsed)
    if failed.any():
        what = {"timestamp": f"a date in the expected format ({fs.get('format', 'auto')})", "float": "a number", "int": "a whole number", "bool": "true or false"}.get(t, t)
        if reject:
            ev.add(failed, colname, arr, f"'{fname}' is not {what}")
        else:
            ev.warn(colname, f"'{fname}' is not {what}; left empty", failed, arr)
    if t == "timestamp":
        parsed = _check_date_range(parsed, fname, reject, colname, arr, ev, ev.warn)
    return parsed


def _map_coordinates(run: _Run) -> tuple:
    """(lat, lon) from a point column, lat/lon columns or projected x/y; a row that cannot be placed keeps counting in
    area totals, with a warning. Returns ((lat, lon), events)."""
    co, table, where, nulls = run.spec.coordinates, run.table, run.where, run.nulls
    ev = _Events()
    if "point" in co:
        lat, lon = parse.parse_point(parse.clean_text(_column(table, co["point"], where), nulls), co.get("order", "lat,lon"))
    elif "x" in co:
        x, y = _numbers(_column(table, co["x"], where), nulls), _numbers(_column(table, co["y"], where), nulls)
        # a projected 0 is a redaction marker, not a place (it would project to the open ocean)
        zero = pc.or_(pc.equal(x, 0.0), pc.equal(y, 0.0))
        x = pc.if_else(pc.fill_null(zero, False), pa.scalar(None, pa.float64()), x)
        y = pc.if_else(pc.fill_null(zero, False), pa.scalar(None, pa.float64()), y)
        lat, lon = parse.project(x, y, co["crs"])
    else:
        lat, lon = _numbers(_column(table, co["lat"], where), nulls), _numbers(_column(table, co["lon"], where), nulls)
    ok = _np(parse.mappable(lat, lon)).astype(bool)
    ev.warn(None, "location unknown, withheld by the source or at 0,0: the row counts in area totals but has no point", ~ok)
    keep = pa.array(ok)
    return (pc.if_else(keep, lat, pa.scalar(None, pa.float64())), pc.if_else(keep, lon, pa.scalar(None, pa.float64()))), ev


def _numbers(arr, nulls: list[str]):
    """parse.parse_float of the column cleaned of its null markers; a column of plain finite numbers only (most
    coordinates) is read as it is: no marker can be in it unless a marker is itself such a number ("0", "-1")."""
    fast = None if any(_is_finite_number(v) for v in nulls) else parse.plain_floats(arr)
    return fast if fast is not None else parse.parse_float(parse.clean_text(arr, nulls))


def _is_finite_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _require_fields(run: _Run) -> None:
    """A row whose required field is empty or unreadable is rejected (the key and the quarter are checked apart)."""
    for f in run.ds.fields:
        if f.required and f.name in run.out and f.name not in ("quarter", run.ds.key):
            v = run.out[f.name]
            missing = pd.isna(v) if isinstance(v, np.ndarray) else ~_present(v)
            run.rej.add(missing, run.spec.fields.get(f.name, {}).get("column"), None, f"'{f.name}' is empty or unreadable; it is required")


def _make_key(run: _Run) -> None:
    """The key: from a column, or a stable hash of the row when the export has none (`empty = "row_hash"`: for the rows
    whose identifier is empty). A row without one is rejected. A repeat is rejected (only the first is kept); with
    duplicates = "suffix" or count = "offences" it is numbered and kept; with duplicates = "fold" it is a further victim
    or offence of an incident already counted: folded into it, neither accepted nor rejected. A row set aside as no
    offence whose incident is counted from another row is folded too."""
    key, spec = run.ds.key, run.spec
    fs = spec.fields.get(key, {})
    used = [c for c in run.table.column_names if c in spec.columns_used()] or [c for c in run.table.column_names if c != ROW_COL]
    if key not in run.out or fs.get("generate") == "row_hash":
        # the hash covers the columns the spec maps, so it is stable when a vendor adds a column
        run.out[key] = pa.array(_row_hash_ids(run.table, used, spec.id, run.state))
    keys = run.out[key]
    keys = pa.chunked_array([keys]) if isinstance(keys, pa.Array) else keys
    present = _present(keys)
    column = fs.get("column")
    if fs.get("empty") == "row_hash" and not present.all():
        # e.g. data.police.uk gives anti-social behaviour no Crime ID: such a row is its own incident, named by its values
        hashed = pa.chunked_array([_row_hash_ids(run.table, [c for c in used if c != column] or used, f"{spec.id}-h", run.state)])
        keys = pc.if_else(pa.array(present), keys, hashed)
        keys = pa.chunked_array([keys]) if isinstance(keys, pa.Array) else keys
        run.out[key] = keys
        present = _present(keys)
    run.rej.add(~present, column, None, f"'{key}' is empty; every record needs an identifier")
    # a repeat of a row already rejected for another reason is not a duplicate of a kept row
    counting = pc.if_else(pa.array(~run.rej.mask), keys, pa.scalar(None, keys.type)) if run.rej.mask.any() else keys
    if run.state is None:
        occ, first = _occurrences(counting)
        first = None if first is None else run.rows[first]  # the row each value was first seen on
    else:  # in this batch and the earlier ones of the file
        occ, first = run.state.occurrences(run.state.keys, counting, run.rows)
        first = first if occ.any() else None
    if spec.duplicates == "suffix" or spec.count == "offences":
        run.out[key] = _with_occurrence(keys, np.where(present, occ, 0))
    elif spec.duplicates == "fold":
        run.folded = (occ > 0) & present & ~run.rej.mask
        counted = present & ~run.rej.mask & ~run.folded
        aside = run.rej.by_group.get(NOT_AN_OFFENCE)
        if aside is not None and aside.any() and (counted.any() or run.state is not None):
            of_counted = _np(pc.fill_null(pc.is_in(keys, value_set=pc.unique(pc.filter(keys, pa.array(counted)))), False)).astype(bool)
            if run.state is not None:
                of_counted |= run.state.counted(keys)
            run.folded |= run.rej.release(aside & of_counted, NOT_AN_OFFENCE)
        if run.state is not None and aside is not None:  # its incident may still be counted from a later batch
            run.state.set_aside(keys, aside & run.rej.mask & present, run.rows)
    elif first is not None:
        run.rej.add((occ > 0) & present, column, keys, partial(_duplicate_reasons, key, first),
                    group=f"duplicate '{key}' (first seen earlier); only the first is kept")


def _duplicate_reasons(key: str, first_rows: np.ndarray, positions: np.ndarray) -> list[str]:
    return [f"duplicate '{key}' (first seen at row {first_rows[i]}); only the first is kept" for i in positions]


def _add_source(run: _Run) -> None:
    """Every row names the source it came from: the spec's id, unless the spec maps a column to it."""
    run.out.setdefault("source", _constant(run.spec.id, run.n))


def _add_time_precision(run: _Run) -> None:
    """How exact each time is: fixed for the source, or per row from a rule (e.g. rows without a time are day-precise)."""
    if "time_precision" not in run.ds.names or "time_precision" in run.out:
        return
    tp = run.spec.time_precision
    if isinstance(tp, dict):  # e.g. { column = "OccTime", empty = "day" }
        base = _constant(tp.get("value", "exact"), run.n)
        raw_col = parse.clean_text(_column(run.table, tp["column"], run.where), run.nulls)
        run.out["time_precision"] = pc.if_else(pc.is_valid(raw_col), base, pa.scalar(tp.get("empty", "day")))
    else:
        run.out["time_precision"] = _constant(tp, run.n)


def _derive_fields(run: _Run) -> None:
    """Fields the schema declares as derived (Field.derived) are worked out by loaders.derivations from the mapped ones."""
    from .derivations import DERIVATIONS

    for f in run.ds.fields:
        if f.derived:
            value = DERIVATIONS[f.derived](run.out, run.warnings.add)
            if value is not None:
                run.out[f.name] = value


def _add_quarter(run: _Run, quarter: str | None) -> None:
    """The quarter: given for the whole upload (a date outside it is a warning), or from the dataset's date fields
    (a row with none of them is rejected)."""
    ds = run.ds
    if not ds.quarter_from:
        return
    derived = None
    for fname in ds.quarter_from:
        if fname in run.out:
            q = parse.quarter_of(run.out[fname])
            derived = q if derived is None else pc.coalesce(derived, q)
    if quarter:
        if derived is not None:
            outside = _np(pc.fill_null(pc.not_equal(derived, quarter), False)).astype(bool)
            run.warnings.add(ds.quarter_from[0], f"date outside the quarter {quarter} given for this upload (late report or typo); kept under {quarter}", outside, derived)
        run.out["quarter"] = _constant(quarter, run.n)
        return
    if derived is None:
        dates = " or ".join(ds.quarter_from)
        raise InputError("no date field is mapped, so the quarter cannot be worked out", file=run.where,
                         cli=f"Map {dates}, or give --quarter.", browser=f"Map {dates} on this page, or type the quarter above.")
    run.out["quarter"] = derived
    run.rej.add(~_present(derived), None, None, "no date to place the row in a quarter")


def _result(run: _Run) -> MapResult:
    """The canonical table (every field of the dataset, in its Arrow type) with the rejected rows left out."""
    cols = {}
    for f in run.ds.fields:
        if f.name in run.out:
            a = run.out[f.name]
            a = a if isinstance(a, (pa.Array, pa.ChunkedArray)) else pa.array(a)
            cols[f.name] = a.cast(f.arrow_type) if a.type != f.arrow_type else a
        else:
            cols[f.name] = pa.nulls(run.n, f.arrow_type)
    cols[ROW_COL] = pa.array(run.rows)
    folded = run.folded if run.folded is not None else np.zeros(run.n, dtype=bool)
    keep = ~run.rej.mask & ~folded
    table = pa.table(cols)
    frame = (table if keep.all() else table.filter(pa.array(keep))).to_pandas(types_mapper=pd.ArrowDtype)  # a filter copies every column
    key_fs = run.spec.fields.get(run.ds.key, {}) if run.ds.key else {}
    return MapResult(frame, run.rej.items, run.rej.count, list(run.warnings.items.values()), run.unmapped, dict(run.rej.groups),
                     folded_count=int(folded.sum()), folded_by=key_fs.get("column") if folded.any() else None, folded_rows=run.rows[folded],
                     notes=list(run.notes),
                     count=run.spec.count)
