"""What an analyst does to the store, from the browser or the command line: one function per action, each writing the
same audit entry whichever way it came (the entry's origin says which)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from filelock import FileLock

from accounts import audit, users
from model.errors import InputError, Say
from store.versioned import Store, StoreBusy, write_json_atomic

PUBLISH_WAIT = 15.0  # seconds a publish waits for another one before saying "try again"
BUSY = "Another analyst is publishing right now, so nothing was changed and your draft is still waiting. Try again in a minute."


def command_line_who(root, by: str | None, need_account: bool = True) -> str:
    """The name a command-line action is recorded under.

    With --by: when the store has accounts it must name one (the account's own spelling is returned), so a typo or a
    made-up name never reaches the release history; with no accounts yet, any printable name. Without --by: the
    operating-system user, which must itself be an account when the store has accounts and `need_account` (add-user and
    remove-user are the administrator's commands, run at the server's shell, so they fall back to the OS user).
    This names who acted; it is not a password check, and the entry also keeps the OS user that ran the command."""
    accounts = users.load(root)
    if by is not None:
        name = users.check_name(by)
        if not accounts:
            return name
        found = users.find(root, name)
        if found is None:
            raise InputError(f"'{name}' is not an account of this store, so nothing was changed", "Give your own account name.",
                             cli=Say(what=f"--by '{name}' is not an account of this store, so nothing was changed",
                                     todo="Give your own account name (`python -m bridges users` lists them), or add one first with "
                                          "`python -m bridges add-user NAME --role analyst`."))
        return found[0]
    me = audit.os_user()
    if not accounts or not need_account:
        return me
    found = users.find(root, me)
    if found is None:
        raise InputError(f"the operating-system user '{me}' is not an account of this store, so nothing was changed",
                         "Say who does this: one of this store's accounts.",
                         cli=Say(what=f"say who does this with --by NAME, one of this store's accounts (`python -m bridges users` lists "
                                      f"them); the operating-system user '{me}' is not an account, so nothing was changed", todo=""))
    return found[0]


def ingest_upload(store: Store, path: Path, dataset: str, who: str, profile=None, quarter: str | None = None, sheet: str | None = None,
                  population: Path | None = None, population_profile=None, population_sheet: str | None = None, *, progress=None,
                  origin: str = audit.BROWSER) -> dict:
    """Ingest an export into a draft (loaders.ingest) and log it. The file is read, mapped and staged in a worker process with
    the store's memory and time limits (store.worker), so a hostile file ends that process, never the server."""
    from store import worker

    report = worker.run(store.root, "loaders.ingest:ingest", path, dataset, store, profile=profile, quarter=quarter or None, sheet=sheet,
                        population=population, progress=progress, population_profile=population_profile, population_sheet=population_sheet)
    audit.record(store.root, "draft", who, origin, draft=report["draft"], file=report["file"], sha256=report["sha256"], dataset=dataset,
                 source=report["source"], rows_read=report["rows_read"], rows_accepted=report["rows_accepted"],
                 rows_rejected=report["rows_rejected"], privacy_hits=report.get("privacy_hit_count", 0))
    return report


def publish(store: Store, draft_ids: list[str], who: str, note: str, wait: float = PUBLISH_WAIT, *, origin: str = audit.BROWSER) -> dict:
    """Publish drafts as a new release; {'ok', 'message', 'release'}. A busy store is a clear 'try again', never a failure."""
    if not (note or "").strip():
        raise InputError("write a note for the release history (what this release is, e.g. 'Q3 2026 incidents').")
    metas = [store.draft(d) for d in draft_ids]
    try:
        m = store.publish(list(draft_ids), who, note.strip(), wait=wait)
    except StoreBusy:
        audit.record(store.root, "publish-busy", who, origin, drafts=list(draft_ids))
        return {"ok": False, "busy": True, "message": BUSY, "release": None}
    audit.record(store.root, "publish", who, origin, release=m["version"], note=m["note"], drafts=list(draft_ids),
                 files=[{"file": d.get("file"), "sha256": d.get("sha256"), "dataset": d.get("dataset")} for d in metas],
                 rows=m["row_counts"], corrections=len(m["corrections"]))
    return {"ok": True, "busy": False, "message": f"Release {m['version']} is published.", "release": m}


def rollback(store: Store, version: int, who: str, note: str, wait: float = PUBLISH_WAIT, *, origin: str = audit.BROWSER) -> dict:
    """Restore an earlier release as a new one (nothing is deleted); same outcome shape as publish."""
    if not (note or "").strip():
        raise InputError("write a note saying why the earlier release is restored.")
    try:
        m = store.rollback(int(version), who, note.strip(), wait=wait)
    except StoreBusy:
        audit.record(store.root, "publish-busy", who, origin, restore=int(version))
        return {"ok": False, "busy": True, "message": BUSY.replace("your draft is still waiting", "the current release stays"), "release": None}
    audit.record(store.root, "rollback", who, origin, release=m["version"], restores=int(version), note=m["note"])
    return {"ok": True, "busy": False, "message": f"Release {m['version']} restores release {version}.", "release": m}


def delete_draft(store: Store, draft_id: str, who: str, why: str = "deleted by the analyst", *, origin: str = audit.BROWSER) -> None:
    meta = store.draft(draft_id)
    store.delete_draft(draft_id)
    audit.record(store.root, "draft-deleted", who, origin, draft=draft_id, file=meta.get("file"), sha256=meta.get("sha256"), why=why)


def redact(store: Store, draft_id: str, who: str, edits: list[dict] | None = None, redact_all: bool = False, *,
           origin: str = audit.BROWSER) -> list[dict]:
    """Fix personal data in a draft's public text (Store.redact_draft); returns the hits left."""
    left = store.redact_draft(draft_id, edits or [], redact_all=redact_all)
    audit.record(store.root, "redact", who, origin, draft=draft_id, cells=len(edits or []), all=bool(redact_all), hits_left=len(left))
    return left


def add_user(root, name: str, role: str, password: str | None, who: str, oidc: bool = False, *, origin: str = audit.COMMAND_LINE) -> str:
    """Add or replace an account (accounts.users.add_user) and log it; returns the name as stored."""
    name = users.add_user(root, name, role, password, oidc=oidc, by=who)
    audit.record(root, "user-added", who, origin, user=name, role=role, via="identity provider" if oidc else "local account")
    return name


def remove_user(root, name: str, who: str, *, origin: str = audit.COMMAND_LINE) -> str:
    """Remove an account and log it; returns the name as it was stored."""
    found = users.find(root, name)
    if found is None or not users.remove_user(root, found[0]):
        raise InputError(f"there is no account '{name}'", "Check the name in the list of accounts.", cli="Run `python -m bridges users` to list them.")
    audit.record(root, "user-removed", who, origin, user=found[0])
    return found[0]


# ---------------------------------------------------------------- client-site reports (private security)

APPROVALS = "client-reports.json"  # in the data folder: every approval ever given, newest last (the file is replaced whole, atomically)


def _approvals(root) -> list[dict]:
    try:
        doc = json.loads((Path(root) / APPROVALS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return list(doc.get("approvals", []))


def _current_report(root, site: str, period: str, lang: str = "en"):
    """The newest release and its report of `site` in `period` (an input error when either does not exist)."""
    from outputs import client_report
    from stats.read import open_release

    rel = open_release(root)
    if rel is None:
        raise InputError("nothing is published yet, so there is no client report", "Publish a release first.")
    return rel, client_report.build(rel, site, period, lang)


def _content_sha256(rep, lang: str) -> str:
    """The sha256 of the report as the client gets it, without the approval line (what the analyst saw and approved)."""
    from outputs import client_report

    return hashlib.sha256(client_report.html_page(rep, lang).encode("utf-8")).hexdigest()


def approve_client_report(store: Store, site: str, period: str, by: str, *, lang: str = "en", origin: str = audit.BROWSER) -> dict:
    """Approve the client report of a site and period in the newest release, so it may be shared with the client.

    The approval names the release: a new release (a publish or a rollback) leaves the report unapproved until an analyst
    approves it again. Recorded in the data folder (client-reports.json) and in the audit log."""
    rel, rep = _current_report(store.root, site, period, lang)
    entry = {"site": rep.site, "site_name": rep.site_name, "period": rep.period.key, "release": rel.version, "by": by,
             "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "sha256": _content_sha256(rep, lang), "lang": lang}
    store.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    with FileLock(str(store.root / (APPROVALS + ".lock")), mode=0o600):
        write_json_atomic(store.root / APPROVALS, {"approvals": [*_approvals(store.root), entry]})
    audit.record(store.root, "client-report-approved", by, origin, site=rep.site, period=rep.period.slug, release=rel.version,
                 sha256=entry["sha256"])
    return entry


def client_report_approvals(root, site_id: str, period_key: str) -> list[dict]:
    """Every approval of this site's report for `period_key` (period as '2026Q3' or '2026-07'), in any release, oldest first."""
    return [a for a in _approvals(root) if a.get("site") == site_id and a.get("period") == period_key]


def client_report_approval(root, site_id: str, period_key: str, version: int) -> dict | None:
    """The latest approval of this site's report for `period_key` in release `version`; None when it has none (an approval
    of an earlier release does not count: the figures may have changed)."""
    hits = [a for a in client_report_approvals(root, site_id, period_key) if a.get("release") == version]
    return hits[-1] if hits else None


def client_report_copy(store: Store, site: str, period: str, who: str, fmt: str = "pdf", *, lang: str = "en", paper: str = "a4",
                       draft: bool = False, origin: str = audit.BROWSER) -> tuple[bytes, str, dict | None]:
    """The report of the newest release as a file to share: (bytes, file name, approval). The client copy needs an
    approval of this release; `draft` makes a copy marked DRAFT on every page instead. Each copy is logged."""
    from outputs import client_report

    if fmt not in ("pdf", "html"):
        raise InputError(f"a client report is written as PDF or HTML, not '{fmt}'", "End the file name with .pdf or .html.")
    root = store.root
    rel, rep = _current_report(root, site, period, lang)
    approval = None if draft else client_report_approval(root, rep.site, rep.period.key, rel.version)
    if approval is None and not draft:
        raise InputError(f"the report for {rep.site_name} in {rep.period.slug} is not approved for the client in release {rel.version}, "
                         "so no client copy was written",
                         "An analyst approves it first on the Client reports page; a draft copy, marked DRAFT, can be made meanwhile.",
                         cli=f"Approve it first: python -m bridges approve-report --site \"{rep.site_name}\" --period {rep.period.slug} "
                             "--by NAME, or add --draft for a copy marked DRAFT.")
    page = client_report.html_page(rep, lang, approval=approval, draft=draft, paper=paper)
    data = client_report.pdf_bytes(page, client_report.footer_text(rep, lang, draft)) if fmt == "pdf" else page.encode("utf-8")
    audit.record(root, "client-report-draft" if draft else "client-report-shared", who, origin, site=rep.site, period=rep.period.slug,
                 release=rel.version, format=fmt, approved_by=approval["by"] if approval else None)
    return data, client_report.file_name(rep, lang, fmt, draft=draft), approval
