"""What an analyst does to the store from the browser, each step written to the audit log (same Store code as the CLI)."""
from __future__ import annotations

from pathlib import Path

from accounts import audit
from model.errors import InputError
from store.versioned import Store, StoreBusy

PUBLISH_WAIT = 15.0  # seconds a publish waits for another one before saying "try again"
BUSY = "Another analyst is publishing right now, so nothing was changed and your draft is still waiting. Try again in a minute."


def ingest_upload(store: Store, path: Path, dataset: str, who: str, profile=None, quarter: str | None = None, sheet: str | None = None,
                  population: Path | None = None, population_profile=None, population_sheet: str | None = None) -> dict:
    """Ingest a staged upload into a draft (loaders.ingest, as the CLI does) and log it."""
    from loaders.ingest import ingest

    report = ingest(path, dataset, store, profile=profile, quarter=quarter or None, sheet=sheet, population=population,
                    population_profile=population_profile, population_sheet=population_sheet)
    audit.record(store.root, "draft", who, draft=report["draft"], file=report["file"], sha256=report["sha256"], dataset=dataset,
                 source=report["source"], rows_read=report["rows_read"], rows_accepted=report["rows_accepted"],
                 rows_rejected=report["rows_rejected"], privacy_hits=report.get("privacy_hit_count", 0))
    return report


def publish(store: Store, draft_ids: list[str], who: str, note: str, wait: float = PUBLISH_WAIT) -> dict:
    """Publish drafts as a new release; {'ok', 'message', 'release'}. A busy store is a clear 'try again', never a failure."""
    if not (note or "").strip():
        raise InputError("write a note for the release history (what this release is, e.g. 'Q3 2026 incidents').")
    metas = [store.draft(d) for d in draft_ids]
    try:
        m = store.publish(list(draft_ids), who, note.strip(), wait=wait)
    except StoreBusy:
        audit.record(store.root, "publish-busy", who, drafts=list(draft_ids))
        return {"ok": False, "busy": True, "message": BUSY, "release": None}
    audit.record(store.root, "publish", who, release=m["version"], note=m["note"], drafts=list(draft_ids),
                 files=[{"file": d.get("file"), "sha256": d.get("sha256"), "dataset": d.get("dataset")} for d in metas],
                 rows=m["row_counts"], corrections=len(m["corrections"]))
    return {"ok": True, "busy": False, "message": f"Release {m['version']} is published.", "release": m}


def rollback(store: Store, version: int, who: str, note: str, wait: float = PUBLISH_WAIT) -> dict:
    """Restore an earlier release as a new one (nothing is deleted); same outcome shape as publish."""
    if not (note or "").strip():
        raise InputError("write a note saying why the earlier release is restored.")
    try:
        m = store.rollback(int(version), who, note.strip(), wait=wait)
    except StoreBusy:
        audit.record(store.root, "publish-busy", who, restore=int(version))
        return {"ok": False, "busy": True, "message": BUSY.replace("your draft is still waiting", "the current release stays"), "release": None}
    audit.record(store.root, "rollback", who, release=m["version"], restores=int(version), note=m["note"])
    return {"ok": True, "busy": False, "message": f"Release {m['version']} restores release {version}.", "release": m}


def delete_draft(store: Store, draft_id: str, who: str, why: str = "deleted by the analyst") -> None:
    meta = store.draft(draft_id)
    store.delete_draft(draft_id)
    audit.record(store.root, "draft-deleted", who, draft=draft_id, file=meta.get("file"), sha256=meta.get("sha256"), why=why)


def redact(store: Store, draft_id: str, who: str, edits: list[dict] | None = None, redact_all: bool = False) -> list[dict]:
    """Fix personal data in a draft's public text (Store.redact_draft); returns the hits left."""
    left = store.redact_draft(draft_id, edits or [], redact_all=redact_all)
    audit.record(store.root, "redact", who, draft=draft_id, cells=len(edits or []), all=bool(redact_all), hits_left=len(left))
    return left
