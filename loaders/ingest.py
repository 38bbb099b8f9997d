"""Ingest one raw export: read, recognise, map, validate, account for every row and stage a draft."""
from __future__ import annotations

from typing import TYPE_CHECKING

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .accounting import account, reason_group
from .detect import detect
from model.errors import InputError, Say
from .mapping import MAX_EXAMPLES, Spec, apply_spec
from model.schema import dataset as get_dataset
from .textio import ROW_COL, read_any

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
    return spec, raw, apply_spec(raw, spec, quarter)


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
           population_profile=None, population_sheet: str | None = None) -> dict:
    """Ingest a file into a draft and return the report (a dict, also written beside the draft).
    `progress(stage)`, if given, is called as each of STAGES begins (the CLI draws a bar from it).
    `population_profile` maps the population file when no built-in source knows it; `population_sheet` picks its sheet."""
    path = Path(path)
    _stage = progress or (lambda stage: None)
    _check_args(path, dataset, quarter)
    copy = store.keep_raw_async(path) if path.is_file() else None  # hashed and copied while the file is mapped
    try:
        return _ingest(path, dataset, store, copy, profile, quarter, sheet, population, _stage, population_profile, population_sheet)
    except BaseException:
        if copy is not None:
            copy.discard()
        raise


def _ingest(path: Path, dataset: str, store: Store, copy, profile, quarter, sheet, population, stage, population_profile=None, population_sheet=None) -> dict:
    stage(STAGES[0])
    spec, raw, res = map_file(path, dataset, profile, quarter, sheet)
    warnings = list(res.warnings)
    stage(STAGES[1])
    acc = account(raw, res, dataset)  # the schema's own checks are the last gate; every row is accounted for here
    if acc.rows_read and not acc.rows_accepted:
        _refuse_empty(path, spec, acc)
    frame = acc.frame

    pop_meta = None
    if population:
        if dataset != "areas":
            raise InputError("a population file goes only with area boundaries", file=Path(population).name,
                             cli=Say(what="--population goes with --dataset areas (boundaries plus their population)", todo=""),
                             browser="Choose 'areas' as the dataset above to add a population file.")
        frame, pop_meta = _merge_population(frame, Path(population), population_sheet, warnings, population_profile)

    # public free text is scanned now, so the analyst sees every personal-data hit before publishing
    from gate.public import scan_frame

    frame = frame.reset_index(drop=True)
    stage(STAGES[2])
    privacy_hits = scan_frame(frame, dataset, ROW_COL)

    sha, _ = copy.result()
    extra_raw = []
    if population:
        psha, _ = store.keep_raw(Path(population))
        pop_meta["sha256"] = psha
        extra_raw.append(psha)

    report = {
        "draft": None,
        "file": path.name,
        "sha256": sha,
        "dataset": dataset,
        "source": spec.id,
        "source_title": spec.title,
        "encoding": raw.encoding,
        "sheet": raw.sheet,
        "rows_read": acc.rows_read,
        "rows_accepted": acc.rows_accepted,
        "rows_folded": acc.rows_folded,
        "folded_by": acc.folded_by,
        "rows_rejected": acc.rows_rejected,
        "counts": res.count,  # what one published row is: an incident, or one offence (count = "offences")
        "changes": res.notes,  # what changed in this file since its profile was made, and how it was read
        "records_out": int(len(frame)),
        "rejections": acc.examples,
        "rejection_reasons": acc.reasons,
        "warnings": warnings,
        "unmapped": res.unmapped,
        "privacy_hits": privacy_hits[:MAX_EXAMPLES],
        "privacy_hit_count": len(privacy_hits),
        "quarters": {},
        "date_range": None,
        "population": {k: v for k, v in pop_meta.items() if k != "spec_doc"} if pop_meta else None,
    }
    if "quarter" in frame.columns and len(frame):
        report["quarters"] = {str(k): int(v) for k, v in frame["quarter"].value_counts().sort_index().items()}
    ds = get_dataset(dataset)
    if ds.quarter_from and len(frame):
        col = frame[ds.quarter_from[0]]
        for other in ds.quarter_from[1:]:  # e.g. feedback closed but never dated as received
            col = col.fillna(frame[other])
        col = col.dropna()
        if len(col):
            report["date_range"] = [str(col.min()), str(col.max())]
    meta = {
        "file": path.name,
        "sha256": sha,
        "source": spec.id,
        "spec": spec.raw,
        "quarter": quarter,
        "sheet": raw.sheet,
        "population": pop_meta,
        "privacy_hits": privacy_hits,
        "report": {k: v for k, v in report.items() if k not in ("rejections", "privacy_hits")},
    }
    stage(STAGES[3])
    draft_id = store.new_draft(dataset, sha, frame.drop(columns=[ROW_COL], errors="ignore"), meta)
    report["draft"] = draft_id
    return report


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
