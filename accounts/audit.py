"""The audit log: one JSON line per analyst action (who, the operating-system user, from where, when, what), appended to
data/audit.jsonl and never rewritten. On an object store, which cannot append, each entry is an object of its own under
audit/, named by its time so that a listing reads them in order; objects are only ever created, never replaced."""
from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import json
import os
import time
import uuid
from pathlib import Path

from model import fs

FILE = "audit.jsonl"
FOLDER = "audit"  # on an object store
EVENTS = ("sign-in", "sign-in-failed", "sign-in-failures", "sign-out", "upload", "draft", "redact", "draft-deleted", "publish",
          "publish-busy", "rollback", "profile-saved", "user-added", "user-removed",
          # a client-site report: approved for the client by an analyst, a client copy made, a draft copy made (docs/client-reports.md)
          "client-report-approved", "client-report-shared", "client-report-draft")


# where an action came from (the entry's "origin")
BROWSER = "browser"  # an analyst's page
COMMAND_LINE = "command line"  # python -m bridges
DASHBOARD = "dashboard"  # the server on its own: the demo built on a fresh clone's first page view


def os_user() -> str:
    """The operating-system account this process runs as; never fails (a container may have no name for its uid)."""
    try:
        name = getpass.getuser()
    except Exception:  # KeyError or OSError when neither $USER nor the password database knows the uid
        name = ""
    if name:
        return name
    return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def record(root, event: str, who: str, origin: str = BROWSER, **what) -> dict:
    """Append one entry; a line is written with one write() under an exclusive lock, so lines never mix.

    `who` is the analyst (the signed-in account, or the command line's --by); `os_user` is the operating-system account
    of the process that wrote the line, so a name given on the command line can be checked against who ran it."""
    entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "event": event, "who": who or "",
             "os_user": os_user(), "origin": origin, **what}
    line = (json.dumps(entry, ensure_ascii=False, default=str, separators=(",", ":")) + "\n").encode("utf-8")
    if fs.is_remote(root):  # several servers write at once: a new object each, created only if the name is free
        while not fs.create_once(fs.location(root) / FOLDER / f"{time.time_ns():020d}-{uuid.uuid4().hex[:12]}.json", line):
            pass
        return entry
    path = Path(root) / FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # owner-only, and never written through a symlink planted in its place
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)  # a log made before the data folder was private
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


def entries(root, limit: int | None = 200) -> list[dict]:
    """The newest entries first (a line that cannot be read, e.g. cut by a crash, is skipped)."""
    if fs.is_remote(root):
        names = sorted((fs.location(root) / FOLDER).walk_files(), key=lambda p: p.name, reverse=True)
        out = []
        for p in names[:limit] if limit else names:
            try:
                out.append(json.loads(p.read_bytes()))
            except (ValueError, FileNotFoundError):
                continue
        return out
    path = Path(root) / FILE
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in reversed(lines):
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
        if limit and len(out) >= limit:
            break
    return out
