"""The audit log: one JSON line per analyst action (who, when, what), appended to data/audit.jsonl and never rewritten."""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path

FILE = "audit.jsonl"
EVENTS = ("sign-in", "sign-in-failed", "sign-out", "upload", "draft", "redact", "draft-deleted", "publish",
          "publish-busy", "rollback", "profile-saved", "user-added", "user-removed")


def record(root, event: str, who: str, **what) -> dict:
    """Append one entry; a line is written with one write() under an exclusive lock, so lines never mix."""
    entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "event": event, "who": who or "", **what}
    line = (json.dumps(entry, ensure_ascii=False, default=str, separators=(",", ":")) + "\n").encode("utf-8")
    path = Path(root) / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


def entries(root, limit: int | None = 200) -> list[dict]:
    """The newest entries first (a line that cannot be read, e.g. cut by a crash, is skipped)."""
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
