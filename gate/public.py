"""The publication step: canonical tables in, the only tables any public output may read out."""
from __future__ import annotations

import re
import secrets
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from model.fs import create_once, location
from model.public import ALL, ALL_AREAS, CLERY_COUNTS, FEEDBACK_COUNTS, INCIDENT_COUNTS, PUBLIC_FIELDS, SCANNED_FIELDS, TABLES, UNKNOWN_AREA  # noqa: F401 (re-exported for the gate's callers)
from model.schema import DATASETS, SENSITIVE_CATEGORIES, category_kind

from .batches import duckdb_cursor
from .clery import clery_counts
from .levels import ROWS, area_levels, areas_with_data, level_counts
from .location import Grid
from .scanner import default_scanner, scan_column
from .sensitive import mask_sensitive, sensitive_rows
from .suppression import suppress_long

@dataclass(frozen=True)
class PrivacyConfig:
    """The provider's privacy settings (data/privacy.toml overrides the defaults)."""

    k: int = 3
    cell_m: float = 200.0
    survey_min_respondents: int = 10
    sensitive_categories: frozenset = field(default_factory=lambda: frozenset(SENSITIVE_CATEGORIES))

    @classmethod
    def load(cls, data_dir: Path) -> "PrivacyConfig":
        p = location(data_dir) / "privacy.toml"
        if not p.exists():
            return cls()
        d = tomllib.loads(p.read_text(encoding="utf-8"))
        sens = frozenset(SENSITIVE_CATEGORIES) | frozenset(d.get("extra_sensitive_categories", []))
        return cls(int(d.get("k", 3)), float(d.get("cell_m", 200.0)), int(d.get("survey_min_respondents", 10)), sens)


def store_secret(data_dir: Path) -> bytes:
    """A per-store random key: public record ids are keyed hashes, so source ids never leave the store."""
    p = location(data_dir) / "secret.key"
    if not p.exists():
        create_once(p, secrets.token_bytes(32))  # two processes racing here keep the same key: the first one written
    return p.read_bytes()


def _record_ids(frame: pd.DataFrame, key: str, secret: bytes) -> pd.Series:
    """Keyed hash of (source, id), computed by DuckDB in bulk."""
    return pd.Series(pd.arrays.ArrowExtensionArray(record_ids(_arrow(frame["source"]), _arrow(frame[key]), secret)), index=frame.index)


def record_ids(source: pa.Array, key: pa.Array, secret: bytes) -> pa.Array:
    """The public record id of each (source, id): a keyed hash, computed by DuckDB in bulk (without the GIL)."""
    ids = pa.table({"s": source, "i": key})
    con = duckdb_cursor()
    try:
        out = con.sql("SELECT left(sha256($k || s || chr(31) || i), 16) AS h FROM ids", params={"k": secret.hex()}).to_arrow_table()
    finally:
        con.close()
    return out.column("h").combine_chunks()


def _arrow(s: pd.Series) -> pa.Array:
    arr = pa.array(s.array) if hasattr(s.array, "__arrow_array__") else pa.array(s.astype(str).to_numpy())
    return arr.cast(pa.string())


def _hidden_rows(frame: pd.DataFrame, dims: list[str], hidden: pd.DataFrame, candidates: np.ndarray) -> np.ndarray:
    """True for candidate rows whose (dims) cell is in `hidden` (a join, not a Python loop)."""
    out = np.zeros(len(frame), bool)
    idx = np.flatnonzero(candidates)
    if not len(idx) or hidden.empty:
        return out
    sub = pd.DataFrame({d: frame[d].to_numpy(dtype=object)[idx] for d in dims})
    key = hidden[dims].astype(object).drop_duplicates().assign(_hide=True)
    hit = sub.merge(key, how="left", on=dims)["_hide"].fillna(False).to_numpy(dtype=bool)
    out[idx[hit]] = True
    return out


def _area(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), UNKNOWN_AREA)


def public_incidents(inc: pd.DataFrame, cfg: PrivacyConfig, secret: bytes, areas: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Row-level public incidents and the suppressed count cube (quarter, scheme, area, category): the main areas, and with
    `areas` that have parents or incidents that have districts, every other level, suppressed across levels (gate.levels)."""
    cells = incident_cells(inc, cfg, areas)
    rows, counts = incident_rows(inc, cfg, secret, cells)
    return rows, cells.cube, cells.note(counts)


@dataclass
class IncidentCells:
    """The suppressed count cube of a release's incidents, and what it makes the row-level table hide."""

    cube: pd.DataFrame
    hidden: list  # frames of (quarter, area, category): cells hidden, whose sensitive rows lose their area
    levels: object  # gate.levels.Levels, or None for one level
    head: dict  # the privacy note's first entries (records, levels)
    n_primary: int
    n_comp: int

    def note(self, counts: dict) -> dict:
        """The privacy note, with the row-level counts of incident_rows (added up over batches)."""
        return {**self.head, **counts, "cells_suppressed": self.n_primary, "cells_suppressed_complementary": self.n_comp}


def _with_kind(inc: pd.DataFrame) -> pd.DataFrame:
    if "kind" not in inc.columns or inc["kind"].isna().any():  # rows stored before incidents had a kind: crime or service by group
        inc = inc.assign(kind=[category_kind(c) for c in inc["category"]])
    return inc


def incident_cells(inc: pd.DataFrame, cfg: PrivacyConfig, areas: pd.DataFrame | None = None) -> IncidentCells:
    """The count cube from the true values, before any masking, with its small cells suppressed. Only quarter, area,
    district, category and kind are read, so `inc` may be a compact frame of them with a column ROWS saying how many
    incidents each row stands for (gate.batches counts a release read in batches so)."""
    weighted = ROWS in inc.columns  # a compact frame: each row stands for ROWS incidents (gate.batches.count_frame)
    note = {"records": int(inc[ROWS].sum()) if weighted else int(len(inc))}
    inc = _with_kind(inc)
    # counts from the true values, before any masking
    g = inc.assign(area=_area(inc["area"])).groupby(["quarter", "area", "category"], observed=True)
    cube = (g[ROWS].sum() if weighted else g.size()).rename("n").reset_index()
    cube = cube.astype({"quarter": object, "category": object})  # plain labels, also when counted from categoricals (gate.batches)
    cube["n"] = cube["n"].astype("Int64")
    cube["suppressed"] = False
    hidden = []
    n_primary = n_comp = 0
    parts = [cube[~cube["category"].isin(cfg.sensitive_categories)]]
    for cat in sorted(cfg.sensitive_categories):
        sub = cube[cube["category"] == cat]
        if sub.empty:
            continue
        long, counts = suppress_long(sub, "area", "quarter", "n", cfg.k, margins_name=ALL, include_margins=True)
        n_primary += counts["primary"]
        n_comp += counts["complementary"]
        long = long[long["quarter"] != ALL]  # area totals over every quarter are not published as such
        long.loc[long["area"] == ALL, "area"] = ALL_AREAS  # all-areas total per quarter (suppressed if it would reveal)
        long = long[(long["n"].fillna(0) > 0) | long["suppressed"]]
        long["category"] = cat
        hidden.append(long.loc[long["suppressed"] & (long["area"] != ALL_AREAS), ["quarter", "area", "category"]])
        parts.append(long[["quarter", "area", "category", "n", "suppressed"]])
    # all-areas totals of the other categories (exact: nothing in them is suppressed)
    plain = parts[0]
    totals = plain.groupby(["quarter", "category"], observed=True)["n"].sum().reset_index().assign(area=ALL_AREAS, suppressed=False)
    parts.append(totals[["quarter", "area", "category", "n", "suppressed"]])
    cube = pd.concat(parts, ignore_index=True).sort_values(["quarter", "area", "category"]).reset_index(drop=True)
    # crime or service, from the group: a read side's crime total must never count a call for service
    cube.insert(2, "kind", [category_kind(c) for c in cube["category"]])
    levels = area_levels(inc, areas)
    if levels is None:  # one level: the main table as it always was
        cube.insert(1, "scheme", None)
    else:
        cube, more, n = level_counts(inc, cube, levels, cfg.k, cfg.sensitive_categories)
        hidden.append(more)
        n_primary += n["primary"]
        n_comp += n["complementary"]
        note["levels"] = levels.schemes
    return IncidentCells(cube, hidden, levels, note, n_primary, n_comp)


def incident_rows(inc: pd.DataFrame | pa.RecordBatch, cfg: PrivacyConfig, secret: bytes, cells: IncidentCells, ids: pa.Array | None = None) -> tuple[pd.DataFrame | pa.Table, dict]:
    """Row-level public incidents of some rows (a release's, or one batch of them): points and blocks generalised,
    sensitive rows masked, the area withheld where its cell is hidden, keyed record ids (`ids`: already worked out by
    record_ids, in the rows' order); and what was done, counted. A frame gives a frame; an Arrow batch (a release read
    in batches) gives the public Arrow table that _to_arrow makes of that frame, worked out in Arrow where
    gate.arrow_rows takes the batch's types."""
    if isinstance(inc, pa.RecordBatch):
        from .arrow_rows import handles, incident_batch
        from .batches import frame_of

        if ids is None:
            ids = record_ids(inc.column("source").cast(pa.string()), inc.column("incident_id").cast(pa.string()), secret)
        if handles(inc.schema):
            return incident_batch(inc, cfg, cells, ids)
        rows, counts = incident_rows(frame_of(inc, "incidents"), cfg, secret, cells, ids=ids)
        return _to_arrow("incidents", rows), counts
    inc = _with_kind(inc)
    sens = sensitive_rows(inc, cfg.sensitive_categories)
    hidden, levels = cells.hidden, cells.levels
    masked, counts = mask_sensitive(inc, cfg.sensitive_categories, grid=Grid(cell_m=cfg.cell_m))
    # sensitive rows whose cell is hidden lose their area and district in the row-level table
    withheld_area = np.zeros(len(masked), bool)
    if hidden:
        probe = pd.DataFrame({"quarter": masked["quarter"], "area": _area(masked["area"]), "category": masked["category"]})
        withheld_area = _hidden_rows(probe, ["quarter", "area", "category"], pd.concat(hidden), sens.to_numpy())
        masked.loc[withheld_area, [c for c in ("area", "district", "clery_geography") if c in masked.columns]] = None
    if levels is not None and "district" in masked.columns:  # counts at several levels: a sensitive row's district would tie them
        masked.loc[sens.to_numpy(), "district"] = None
    counts["areas_withheld"] = int(withheld_area.sum())
    masked["record_id"] = _record_ids(masked, "incident_id", secret) if ids is None else pd.Series(pd.arrays.ArrowExtensionArray(ids), index=masked.index)
    return masked[PUBLIC_FIELDS["incidents"]], counts


def public_feedback(fb: pd.DataFrame, cfg: PrivacyConfig, secret: bytes, areas: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Row-level public feedback and its count cube (quarter, scheme, area, topic), small cells suppressed per quarter; with
    `areas` that have parents, every parent level too, added up from the main areas and suppressed across levels as incident
    counts are (gate.levels, every topic as a sensitive group)."""
    note = {"records": int(len(fb)), "cells_suppressed": 0, "cells_suppressed_complementary": 0}
    fb = fb.copy()
    cube_parts, hidden = [], []
    base = fb.assign(area=_area(fb["area"]), topic=fb["topic"].astype(object))
    for q, sub in base.groupby("quarter", observed=True):
        counts_df = sub.groupby(["area", "topic"], observed=True).size().rename("n").reset_index()
        long, counts = suppress_long(counts_df, "area", "topic", "n", cfg.k, margins_name=ALL, include_margins=False)
        note["cells_suppressed"] += counts["primary"]
        note["cells_suppressed_complementary"] += counts["complementary"]
        long = long[(long["n"].fillna(0) > 0) | long["suppressed"]]
        long.insert(0, "quarter", q)
        cube_parts.append(long[["quarter", "area", "topic", "n", "suppressed"]])
        hidden.append(long.loc[long["suppressed"], ["quarter", "area", "topic"]])
    cube = pd.concat(cube_parts, ignore_index=True) if cube_parts else pd.DataFrame(columns=["quarter", "area", "topic", "n", "suppressed"])
    levels = area_levels(base, areas) if len(base) else None  # feedback has no district column: the areas' parents only
    if levels is not None:
        cube, newly, n = level_counts(base, cube, levels, cfg.k, None, group="topic")
        hidden.append(newly)
        note["cells_suppressed"] += n["primary"]
        note["cells_suppressed_complementary"] += n["complementary"]
        note["levels"] = levels.schemes
    else:
        cube.insert(1, "scheme", None)
    withheld = np.zeros(len(fb), bool)
    if hidden:
        withheld = _hidden_rows(base, ["quarter", "area", "topic"], pd.concat(hidden), np.ones(len(base), bool))
        fb.loc[withheld, "area"] = None
    note["areas_withheld"] = int(withheld.sum())
    fb["record_id"] = _record_ids(fb, "feedback_id", secret)
    return fb[PUBLIC_FIELDS["feedback"]], cube, note


def public_survey(sv: pd.DataFrame, cfg: PrivacyConfig) -> tuple[pd.DataFrame, dict]:
    """Survey scores, withheld where fewer than the minimum number of people answered."""
    sv = sv.copy()
    few = sv["respondents"].notna() & (sv["respondents"] < cfg.survey_min_respondents)
    sv["score"] = sv["score"].astype("Float64").mask(few)
    return sv[PUBLIC_FIELDS["survey"]], {"records": int(len(sv)), "scores_suppressed": int(few.sum())}


def scan_frame(frame: pd.DataFrame, dataset: str, row_col: str | None = None) -> list[dict]:
    """Every personal-data hit in a dataset's public free text: {row, column, value, kind, match}."""
    hits = []
    rows = frame[row_col] if row_col and row_col in frame.columns else None
    for col in SCANNED_FIELDS.get(dataset, []):
        if col not in frame.columns:
            continue
        if col == "block":  # blocks are generalized by the gate: what would be published is scanned
            found = _block_rows(frame[col])
        else:
            vals = frame[col]
            found = [(frame.index.get_loc(idx), vals.at[idx], f) for idx, f in scan_column(vals)]
        for pos, value, findings in found:
            row = frame.index[pos] if rows is None else rows.iat[pos]
            for h in findings:
                hits.append({"row": int(row) if row is not None and not pd.isna(row) else None, "index": int(pos),
                             "column": col, "value": str(value)[:300], "kind": h.kind, "match": h.match})
    return hits


def _block_rows(vals: pd.Series) -> list[tuple[int, str, tuple]]:
    """(position, block as published, findings) of each row whose generalized block holds personal data. Each distinct
    block is generalised and scanned once a process (a million rows hold a few thousand), from its Arrow dictionary."""
    arr = pa.array(vals.array) if hasattr(vals.array, "__arrow_array__") else pa.array(vals.to_numpy(dtype=object), from_pandas=True)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    enc = pc.dictionary_encode(arr)
    per = [_block_findings(u) for u in enc.dictionary.to_pylist()]
    flagged = np.array([bool(p) for p in per] + [False], dtype=bool)
    codes = pc.fill_null(enc.indices, len(per)).to_numpy(zero_copy_only=False)
    return [(int(i), *per[codes[i]]) for i in np.flatnonzero(flagged[codes])]


@lru_cache(maxsize=1 << 17)  # the same blocks come back in every batch of a long file
def _block_findings(value) -> tuple:
    """(the block as published, its findings) when the generalized block holds personal data, else (). The address
    finder's are left out: the block rule already cut every house number, so what it still sees is a numbered street
    ("35 AV SW"), not a home."""
    if not _block_needs_scan(value):
        return ()
    from .location import _generalize_cached

    text = _generalize_cached(value)
    if not isinstance(text, str):
        return ()
    found = tuple(h for h in default_scanner().scan(text) if h.kind != "address")
    return (text, found) if found else ()


_BLOCK_TOKEN = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1 << 17)  # the same blocks come back in every batch of a long file
def _block_needs_scan(value) -> bool:
    """Whether a block as it is stored may, once generalized, hold personal data (_block_may_hold_personal_data)."""
    from .location import _generalize_cached

    return _block_may_hold_personal_data(_generalize_cached(value))


@lru_cache(maxsize=1 << 17)  # the same blocks come back in every batch of a long file
def _block_may_hold_personal_data(value) -> bool:
    """Cheap pre-check for a generalized block: only an '@', seven digits or more, or a title or
    context word ("VICTIM", "MRS", "CALL"… the scanner's own lists, plus "at"/"dot" of a disguised
    email) can make the scanner find a phone, an email or a name in it."""
    if not isinstance(value, str):
        return False
    if "@" in value or sum(ch.isdigit() for ch in value) >= 7:
        return True
    return not _block_words().isdisjoint(_BLOCK_TOKEN.findall(value.lower()))


@lru_cache(maxsize=1)
def _block_words() -> frozenset:
    sc = default_scanner()
    return frozenset(w.lower() for w in (*sc.titles, *sc.titles_exact, *sc.ctx_before, *sc.ctx_before_sentence, *sc.ctx_after, "at", "dot"))


def build_public(tables: dict[str, pa.Table | None], cfg: PrivacyConfig, secret: bytes, stream: bool = False) -> tuple[dict[str, pa.Table], dict]:
    """All public tables of a release from its canonical tables, and the release's privacy note.

    Incidents may be given as batches (a pyarrow dataset, or anything with to_batches and schema: gate.batches): they are
    counted from their counted columns and masked batch by batch. With `stream`, their public rows come back as a
    RecordBatchReader to write as it is read (the privacy note's incident counts are complete once it is read); without,
    as a table."""
    from .batches import batched, clery as clery_batches, count_frame, public_rows, zero_counts

    counted: dict[str, pd.DataFrame] = {}
    out: dict[str, pa.Table] = {}
    note: dict = {"k": cfg.k, "cell_m": cfg.cell_m, "survey_min_respondents": cfg.survey_min_respondents,
                  "sensitive_categories": sorted(cfg.sensitive_categories)}

    def frame(name):
        t = tables.get(name)
        if t is None:
            return None
        if batched(t):  # read in batches: one row per record, the counted columns only
            if name not in counted:
                counted[name] = count_frame(t)
            return counted[name]
        f = t.to_pandas()
        for fd in DATASETS[name].fields:  # a table stored before a field existed reads it as empty
            if fd.name not in f.columns:
                f[fd.name] = None
        return f

    inc = frame("incidents")
    if inc is not None and batched(tables["incidents"]):
        cells = incident_cells(inc, cfg, frame("areas"))
        n = cells.note(zero_counts())  # completed as the rows are read
        out["incidents"], out[INCIDENT_COUNTS.name] = public_rows(tables["incidents"], cells, cfg, secret, n), cells.cube
        note["incidents"] = n
        clery, n = clery_batches(tables["incidents"])
        if clery is not None:
            out[CLERY_COUNTS.name], note["clery"] = clery, n
    elif inc is not None:
        rows, cube, n = public_incidents(inc, cfg, secret, frame("areas"))
        out["incidents"], out[INCIDENT_COUNTS.name] = rows, cube
        note["incidents"] = n
        clery, n = clery_counts(inc)  # a campus's Annual Security Report, from the true rows
        if clery is not None:
            out[CLERY_COUNTS.name], note["clery"] = clery, n
    fb = frame("feedback")
    if fb is not None:
        rows, cube, n = public_feedback(fb, cfg, secret, frame("areas"))
        out["feedback"], out[FEEDBACK_COUNTS.name] = rows, cube
        note["feedback"] = n
    sv = frame("survey")
    if sv is not None:
        out["survey"], note["survey"] = public_survey(sv, cfg)
    for name in DATASETS:  # the other datasets are published as stored, allowlisted fields only
        f = frame(name) if name not in note else None
        # with the areas the data names that the table lacks (a survey's districts and sectors, also with no incidents)
        if name == "areas" and (f is not None or inc is not None or (sv is not None and sv["scheme"].notna().any())):
            f = areas_with_data(f, {n: frame(n) for n in ("incidents", "engagement", "feedback", "survey")}, PUBLIC_FIELDS["areas"])
        if f is not None:
            out[name] = f[PUBLIC_FIELDS[name]]
            note[name] = {"records": int(len(f))}
    # last line of defence: nothing scanned as personal reaches a public table (incident blocks are scanned,
    # generalised, when they are ingested; a draft with a hit cannot be published)
    for name, cols in SCANNED_FIELDS.items():
        if cols and name in out and name != "incidents":
            hits = scan_frame(out[name], name)
            if hits:
                raise PublicTextError(name, hits)
    built = {k: v if isinstance(v, pa.RecordBatchReader) else _to_arrow(k, v) for k, v in out.items()}
    if not stream:
        built = {k: v.read_all() if isinstance(v, pa.RecordBatchReader) else v for k, v in built.items()}
    return built, note


class PublicTextError(Exception):
    """Public free text still holds personal data; publishing is blocked until it is redacted."""

    def __init__(self, dataset: str, hits: list[dict]):
        self.dataset, self.hits = dataset, hits
        first = hits[0]
        super().__init__(f"{len(hits)} piece(s) of personal data in {dataset} public text (first: {first['kind']} '{first['match']}' in column '{first['column']}'). Redact them in the draft before publishing.")


def _to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    """The public table as model.public declares it: its fields in order, each with its published type.

    Missing values become nulls (a suppressed count is a null in an int64 column, never a float NaN), and a
    timestamp published as a date loses its time of day."""
    schema = TABLES[name].arrow_schema()
    if list(frame.columns) != schema.names:
        raise ValueError(f"the gate built {name} with columns {list(frame.columns)}, but model.public declares {schema.names}")
    arrays = []
    for f in schema:
        s = frame[f.name]
        arr = pa.array(s.array if hasattr(s.array, "__arrow_array__") else s, from_pandas=True)
        if arr.type != f.type:
            arr = arr.cast(f.type, safe=not pa.types.is_date(f.type))
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema)
