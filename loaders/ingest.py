"""Ingest one raw export: read, recognise, map, validate, account for every row and stage a draft."""
from __future__ import annotations

from typing import TYPE_CHECKING

import itertools
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from gate.batches import ahead, arrow_pool  # ahead: the next batch read in a thread while this one is mapped (Arrow reads without the GIL)
from .accounting import account, reason_group
from .detect import detect
from model.errors import InputError, Say
from .mapping import MAX_EXAMPLES, Spec, apply_spec, finish_spec, prepare_spec
from model.schema import dataset as get_dataset
from .textio import BATCH_ROWS, ROW_COL, csv_batches, read_any

if TYPE_CHECKING:  # the caller's store stages the draft; loaders never import the store at run time
    from store.versioned import Store

QUARTER_RE = re.compile(r"^\d{4}Q[1-4]$")


def _area_key(s) -> str | None:
    if s is None or (isinstance(s, float) and np.isnan(s)) or s is pd.NA:
        return None
    return re.sub(r"[^0-9a-z]", "", str(s).casefold())


def _check_args(path, dataset: str, quarter: str | None) -> None:
    get_dataset(dataset)
    if quarter and not QUARTER_RE.match(quarter):
        raise InputError(f"the quarter '{quarter}' is not a quarter", "Write it like 2026Q3 (year, Q, 1 to 4).", file=Path(path).name,
                         cli=Say(what=f"--quarter '{quarter}' is not a quarter"))


def map_file(path: Path, dataset: str, profile: str | Path | Spec | None = None, quarter: str | None = None, sheet: str | None = None):
    """Read and map one file; returns (spec, raw, MapResult). Raises InputError for unusable input."""
    _check_args(path, dataset, quarter)
    raw = read_any(path, sheet)
    if raw.table.num_rows == 0 and not raw.bad_rows:
        raise InputError("the file has a header row but no records", "Export the quarter's data again.", file=Path(path).name)
    spec = _spec_for(raw, path, dataset, profile)
    return spec, raw, apply_spec(raw, spec, quarter)


def _spec_for(raw, path: Path, dataset: str, profile) -> Spec:
    """The mapping of a file: the profile given, or the built-in source its headers match."""
    if isinstance(profile, Spec):
        spec = profile
    elif profile:
        spec = Spec.load(profile)
    else:
        spec = detect(raw, dataset)
        if spec is None:
            raise InputError("the columns do not match any known export", file=Path(path).name,
                             cli=f"Run `python -m bridges inspect {Path(path).name} --output profile.toml`, check the suggested mapping, "
                                 "then ingest with --profile profile.toml.",
                             browser="Make a mapping for it on this page.")
    if spec.dataset != dataset:
        raise InputError(f"the mapping '{spec.id}' is for {spec.dataset}, not {dataset}", file=Path(path).name,
                         cli=f"Choose --dataset {spec.dataset}.", browser=f"Choose '{spec.dataset}' as the dataset above.")
    return spec


def _merge_population(frame: pd.DataFrame, pop_path: Path, sheet: str | None, warnings: list, profile=None) -> tuple[pd.DataFrame, dict]:
    """Join a population file onto areas by identifier or name (case and punctuation ignored); `profile` maps a file
    no built-in source knows (a saved mapping profile)."""
    pspec, praw, pres = map_file(pop_path, "areas", profile, None, sheet)
    pop = pres.frame
    if pop.empty:
        raise InputError("no population rows could be read", "Check that the file has a row per area with its name or ID and its population.",
                         file=pop_path.name)
    pop = pop.reset_index(drop=True)
    by_key: dict[str, int] = {}
    for i, (aid, name) in enumerate(zip(pop["area_id"], pop["name"])):
        for k in (aid, name):
            if _area_key(k):
                by_key[_area_key(k)] = i
    hits = []
    for aid, name in zip(frame["area_id"], frame["name"]):
        j = by_key.get(_area_key(aid)) if _area_key(aid) else None
        if j is None and _area_key(name):
            j = by_key.get(_area_key(name))
        hits.append(j)
    matched = sum(j is not None for j in hits)
    frame = frame.copy()
    for col in ("population", "population_source", "population_year"):
        src = pop[col].astype(object).where(pop[col].notna(), None).tolist()
        frame[col] = pd.Series([src[j] if j is not None else None for j in hits], index=frame.index, dtype=object)
    unmatched = len(frame) - matched
    if unmatched:
        warnings.append({"column": "population", "reason": f"{unmatched} area(s) have no population in {pop_path.name}; no rate will be shown for them", "rows": unmatched, "examples": [{"row": None, "value": str(v)} for v in frame.loc[frame["population"].isna(), "name"].head(5)]})
    frame = frame.astype({"population": "Int64", "population_year": "Int64"})
    return frame, {"spec": pspec.id, "spec_doc": pspec.raw, "file": pop_path.name, "sheet": sheet, "rows": int(len(pop)), "matched": matched}


STAGES = ("read and map", "validate", "scan public text", "stage draft")


def ingest(path: str | Path, dataset: str, store: Store, profile=None, quarter: str | None = None, sheet: str | None = None, population: str | Path | None = None, progress=None,
           population_profile=None, population_sheet: str | None = None, batch_rows: int | None = None) -> dict:
    """Ingest a file into a draft and return the report (a dict, also written beside the draft).
    `progress(stage)`, if given, is called as each of STAGES begins (the CLI draws a bar from it).
    `population_profile` maps the population file when no built-in source knows it; `population_sheet` picks its sheet.
    A UTF-8 CSV is read, mapped, checked and staged `batch_rows` records at a time (loaders.textio.BATCH_ROWS), so memory
    stays bounded however long the file; its report is the one reading it whole gives."""
    path = Path(path)
    arrow_pool()  # batches of a long file reuse their memory (gate.batches.arrow_pool)
    _stage = progress or (lambda stage: None)
    _check_args(path, dataset, quarter)
    copy = store.keep_raw_async(path) if path.is_file() else None  # hashed and copied while the file is mapped
    try:
        return _ingest(path, dataset, store, copy, profile, quarter, sheet, population, _stage, population_profile, population_sheet,
                       batch_rows or BATCH_ROWS)
    except BaseException:
        if copy is not None:
            copy.discard()
        raise


class _Totals:
    """What the batches of one file add up to: the accounting, the report's lists (first examples only) and the quarters."""

    def __init__(self):
        self.rows_read = self.rows_accepted = self.rows_rejected = self.rows_folded = self.records_out = 0
        self.folded_by = None
        self.reasons: Counter = Counter()
        self.examples: list[dict] = []
        self.warnings: dict[tuple, dict] = {}
        self.unmapped: dict[str, Counter] = {}
        self.notes: dict[tuple, dict] = {}
        self.hits: list[dict] = []
        self.quarters: Counter = Counter()
        self.lo = self.hi = None
        self.count = "incidents"

    def add(self, res, acc, frame: pd.DataFrame, hits: list[dict], dataset: str) -> None:
        self.rows_read += acc.rows_read
        self.rows_accepted += acc.rows_accepted
        self.rows_rejected += acc.rows_rejected
        self.rows_folded += acc.rows_folded
        self.folded_by = self.folded_by or acc.folded_by
        self.reasons.update(acc.reasons)
        self.examples.extend(acc.examples[: max(0, MAX_EXAMPLES - len(self.examples))])
        for w in res.warnings:
            have = self.warnings.setdefault((w["column"], w["reason"]), {**w, "rows": 0, "examples": []})
            have["rows"] += w["rows"]
            have["examples"].extend(w["examples"][: max(0, 5 - len(have["examples"]))])
        for f, vals in res.unmapped.items():
            self.unmapped.setdefault(f, Counter()).update(vals)
        for n in res.notes:
            self.notes.setdefault((n.get("column"), n.get("note")), n)
        self.count = res.count
        self.hits.extend({**h, "index": h["index"] + self.records_out} for h in hits)  # the row's place in the whole draft
        self.records_out += len(frame)
        if "quarter" in frame.columns and len(frame):
            self.quarters.update({str(k): int(v) for k, v in frame["quarter"].value_counts().items()})
        ds = get_dataset(dataset)
        if ds.quarter_from and len(frame):
            col = frame[ds.quarter_from[0]]
            for other in ds.quarter_from[1:]:  # e.g. feedback closed but never dated as received
                col = col.fillna(frame[other])
            col = col.dropna()
            if len(col):
                lo, hi = col.min(), col.max()
                self.lo = lo if self.lo is None or lo < self.lo else self.lo
                self.hi = hi if self.hi is None or hi > self.hi else self.hi

    def fold_late(self, rows) -> None:
        """Rows set aside as no offence whose incident was counted from a later batch: folded, not rejected."""
        from .mapping import NOT_AN_OFFENCE

        late = set(int(r) for r in rows)
        if not late:
            return
        self.rows_rejected -= len(late)
        self.rows_folded += len(late)
        self.reasons[NOT_AN_OFFENCE] -= len(late)
        if self.reasons[NOT_AN_OFFENCE] <= 0:
            del self.reasons[NOT_AN_OFFENCE]
        self.examples = [x for x in self.examples if not (reason_group(x) == NOT_AN_OFFENCE and x.get("row") in late)]

    def accounting(self):
        """rows_read and the reasons, most frequent first (what _refuse_empty reads)."""
        from types import SimpleNamespace

        return SimpleNamespace(rows_read=self.rows_read, reasons=dict(self.reasons.most_common()))

    def unmapped_sorted(self) -> dict:
        return {f: dict(sorted(c.items(), key=lambda kv: -kv[1])) for f, c in self.unmapped.items()}


def _ingest(path: Path, dataset: str, store: Store, copy, profile, quarter, sheet, population, stage, population_profile=None, population_sheet=None,
            batch_rows: int = BATCH_ROWS) -> dict:
    from .streaming import StreamState
    from .textio import _NotUtf8

    stage(STAGES[0])
    batches = csv_batches(path, batch_rows) if not population and sheet is None else None
    if batches is not None:
        known = _header_spec(batches, path, dataset, profile)
        if known is not None:
            profile, batches.columns = known, sorted(known.columns_read(), key=batches.names.index)
        try:
            return _ingest_batches(path, dataset, store, copy, profile, quarter, stage, ahead(iter(batches), "bridges-read-ahead"), StreamState(), batches)
        except _NotUtf8:  # bytes further on are not UTF-8: read whole, decoded
            pass
        except _WholeFile:  # a family hook sees the whole file at once
            pass
    raw = read_any(path, sheet)
    return _ingest_batches(path, dataset, store, copy, profile, quarter, stage, iter([raw]), None, None, sheet, population, population_profile, population_sheet)


def _header_spec(batches, path: Path, dataset: str, profile) -> Spec | None:
    """The mapping of a CSV found from its header alone (detection reads only the header), when the batches need read
    no other columns than the mapping's: every column it reads is in the header as named (so no renamed column is looked
    for among the others, and a row's hash covers the same columns), and no family hook sees the whole file. None
    otherwise, or when the mapping is refused: the file is then read as before, and refused in the same order."""
    try:
        spec = _spec_for(batches.header(), path, dataset, profile)
    except InputError:
        return None
    wanted = spec.columns_read()
    if spec.module or not spec.columns_used() or not wanted <= set(batches.names) or len(set(batches.names)) != len(batches.names):
        return None
    return spec


class _WholeFile(Exception):
    """The file must be mapped in one piece (its source family's hook works over the whole file)."""


def _ingest_batches(path: Path, dataset: str, store: Store, copy, profile, quarter, stage, batches, state, reader, sheet=None, population=None,
                    population_profile=None, population_sheet=None) -> dict:
    """Map, check, scan and stage each batch as it comes; only the totals and the first examples stay in memory."""
    from gate.public import scan_frame  # public free text is scanned now, so the analyst sees every personal-data hit before publishing

    first = next(batches)
    if first.table.num_rows == 0 and not first.bad_rows:
        raise InputError("the file has a header row but no records", "Export the quarter's data again.", file=Path(path).name)
    spec = _spec_for(first, path, dataset, profile)
    if state is not None and spec.module:
        raise _WholeFile
    warnings_extra: list = []
    pop_meta = None
    tot = _Totals()
    writer = store.draft_writer(dataset)
    prepared = None
    try:
        said = set()
        # the next batch's fields are mapped in a thread while this one's identifiers are counted, checked, scanned and written
        prepared = ((raw, prepare_spec(raw, spec)) for raw in itertools.chain([first], batches))
        prepared = ahead(prepared, "bridges-map-ahead") if state is not None else prepared
        for raw, run in prepared:
            res = finish_spec(run, quarter, state)
            if STAGES[1] not in said:
                said.add(STAGES[1])
                stage(STAGES[1])
            acc = account(raw, res, dataset)  # the schema's own checks are the last gate; every row is accounted for here
            frame = acc.frame
            if population:
                if acc.rows_read and not acc.rows_accepted:
                    _refuse_empty(path, spec, acc)
                if dataset != "areas":
                    raise InputError("a population file goes only with area boundaries", file=Path(population).name,
                                     cli=Say(what="--population goes with --dataset areas (boundaries plus their population)", todo=""),
                                     browser="Choose 'areas' as the dataset above to add a population file.")
                if acc.rows_accepted:
                    frame, pop_meta = _merge_population(frame, Path(population), population_sheet, warnings_extra, population_profile)
            frame = frame.reset_index(drop=True)
            if STAGES[2] not in said:
                said.add(STAGES[2])
                stage(STAGES[2])
            hits = scan_frame(frame, dataset, ROW_COL)
            tot.add(res, acc, frame, hits, dataset)
            if len(frame):
                writer.write(frame.drop(columns=[ROW_COL], errors="ignore"))
            del frame, acc, res, run
        if state is not None:
            tot.fold_late(state.late_folds())
        if tot.rows_read == 0:
            raise InputError("the file has a header row but no records", "Export the quarter's data again.", file=Path(path).name)
        assert tot.rows_read == tot.rows_accepted + tot.rows_folded + tot.rows_rejected, (tot.rows_read, tot.rows_accepted, tot.rows_folded, tot.rows_rejected)
        if tot.rows_read and not tot.rows_accepted:
            _refuse_empty(path, spec, tot.accounting())

        sha, _ = copy.result()
        extra_raw = []
        if population:
            psha, _ = store.keep_raw(Path(population))
            pop_meta["sha256"] = psha
            extra_raw.append(psha)
        privacy_hits = tot.hits
        report = {
            "draft": None,
            "file": path.name,
            "sha256": sha,
            "dataset": dataset,
            "source": spec.id,
            "source_title": spec.title,
            "encoding": first.encoding,
            "sheet": first.sheet,
            "rows_read": tot.rows_read,
            "rows_accepted": tot.rows_accepted,
            "rows_folded": tot.rows_folded,
            "folded_by": tot.folded_by,
            "rows_rejected": tot.rows_rejected,
            "counts": tot.count,  # what one published row is: an incident, or one offence (count = "offences")
            "changes": list(tot.notes.values()),  # what changed in this file since its profile was made, and how it was read
            "records_out": tot.records_out,
            "rejections": tot.examples,
            "rejection_reasons": dict(tot.reasons.most_common()),
            "warnings": list(tot.warnings.values()) + warnings_extra,
            "unmapped": tot.unmapped_sorted(),
            "privacy_hits": privacy_hits[:MAX_EXAMPLES],
            "privacy_hit_count": len(privacy_hits),
            "quarters": {k: tot.quarters[k] for k in sorted(tot.quarters)},
            "date_range": [str(tot.lo), str(tot.hi)] if tot.lo is not None else None,
            "population": {k: v for k, v in pop_meta.items() if k != "spec_doc"} if pop_meta else None,
        }
        meta = {
            "file": path.name,
            "sha256": sha,
            "source": spec.id,
            "spec": spec.raw,
            "quarter": quarter,
            "sheet": first.sheet,
            "population": pop_meta,
            "privacy_hits": privacy_hits,
            "report": {k: v for k, v in report.items() if k not in ("rejections", "privacy_hits")},
        }
        stage(STAGES[3])
        report["draft"] = writer.commit(sha, meta)
        return report
    except BaseException:
        writer.discard()
        if state is not None:  # the threads reading and mapping ahead stop now, not when the failure is forgotten
            for it in (prepared, batches):
                if hasattr(it, "close"):
                    it.close()
        raise


def _refuse_empty(path: Path, spec: Spec, acc) -> None:
    """A draft that would publish nothing is not staged: say why, with the commonest reason."""
    ds = spec.ds
    given = {f for f, fs in spec.fields.items() if fs.get("column") or "value" in fs or fs.get("generate")}
    unmapped = [f.name for f in ds.fields if f.required and not f.derived and f.name not in given
                and f.name not in (ds.key, "source", "quarter", "time_precision")]
    top = next(iter(acc.reasons.items()), None)
    if unmapped:  # say the cause, not what follows from it (a field derived from the missing one)
        why = f": the mapping gives no column for {', '.join(unmapped)}, which every row needs"
    else:
        why = f"; the commonest reason ({top[1]:,} rows): {top[0]}" if top else ""
    raise InputError(f"none of the {acc.rows_read:,} rows could be accepted with the mapping '{spec.id}', so no draft was staged{why}",
                     file=Path(path).name,
                     cli="Fix the profile (run `python -m bridges inspect` on this file to see what it holds), then ingest again.",
                     browser="Fix the mapping of this file (Edit this mapping), then check the file again.")


def accounting_line(r: dict) -> str:
    """'Rows read 3,000 = accepted 1,000 + folded 1,967 + rejected 33.' (folded only when there are any)."""
    folded = f" + folded {r['rows_folded']:,}" if r.get("rows_folded") else ""
    return f"Rows read {r['rows_read']:,} = accepted {r['rows_accepted']:,}{folded} + rejected {r['rows_rejected']:,}."


def format_report(r: dict) -> str:
    """The report in plain words, for the terminal."""
    from .accounting import folded_sentence

    lines = [
        f"{r['file']}: recognised as {r['source_title'] or r['source']} ({r['dataset']}).",
        accounting_line(r),
    ]
    if r.get("rows_folded"):
        lines.append(folded_sentence(r["rows_folded"], r.get("folded_by")))
    if r.get("counts") == "offences":
        lines.append("Each row is counted as one offence (count = \"offences\" in the profile): the pages say offences, not incidents.")
    for c in r.get("changes") or []:
        lines.append(f"Changed since the profile was made: {c['note']}.")
    if r.get("date_range"):
        lines.append(f"Dates from {r['date_range'][0]} to {r['date_range'][1]}; quarters: {', '.join(f'{q} ({n:,})' for q, n in r['quarters'].items())}.")
    if r["rejection_reasons"]:
        lines.append("Rejected rows, by reason:")
        for reason, n in r["rejection_reasons"].items():
            ex = next((x for x in r["rejections"] if reason_group(x) == reason), None)
            where = ""
            if ex and ex.get("row"):
                where = f" e.g. row {ex['row']}" + (f", column '{ex['column']}'" if ex.get("column") else "") + f", value {ex['value']!r}"
            lines.append(f"  - {n:,} × {reason}{where}")
    if r["unmapped"]:
        for f, vals in r["unmapped"].items():
            lines.append(f"Values of '{f}' that no crosswalk maps ({len(vals)}): " + ", ".join(f"{v!r} ×{n}" for v, n in list(vals.items())[:10]))
    if r.get("privacy_hit_count"):
        lines.append(f"Personal data found in public text ({r['privacy_hit_count']:,}); publishing is blocked until it is redacted:")
        for h in r["privacy_hits"][:10]:
            lines.append(f"  - row {h['row']}, column '{h['column']}': {h['kind']} '{h['match']}'")
        lines.append(f"  Redact with: python -m bridges redact {r.get('draft') or 'DRAFT'} --all   (or fix the export and ingest again)")
    for w in r["warnings"]:
        lines.append(f"Warning: {w['rows']:,} row(s): {w['reason']}" + (f" (column '{w['column']}')" if w.get("column") else ""))
    if r.get("draft"):
        lines.append(f"Draft {r['draft']} is staged (not public). Publish it with: python -m bridges publish {r['draft']} --by NAME --note TEXT")
    return "\n".join(lines)
