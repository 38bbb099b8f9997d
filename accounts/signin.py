"""Local sign-in with failed attempts rate-limited per name and for the whole server, kept on disk across restarts."""
from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from accounts import audit, users
from store import settings
from store.versioned import write_json_atomic

FILE = Path("auth") / "failures.json"
WRONG = "The name or the password is wrong. Check both and try again."
MAX_NAMES = 10_000  # names tracked at once; the oldest are forgotten first


@dataclass
class Result:
    """The outcome of one sign-in: the account's name and role, or a sentence saying why not."""

    ok: bool
    name: str = ""
    role: str = ""
    message: str = ""


def _name_key(name: str) -> str:
    # names are kept hashed: the failures file says nothing about who exists or what was typed
    return hashlib.sha256(users._key(name or "").encode("utf-8")).hexdigest()[:24]


def _load(root) -> dict:
    try:
        doc = json.loads((Path(root) / FILE).read_text(encoding="utf-8"))
        return doc if isinstance(doc, dict) else {}
    except (OSError, ValueError):
        return {}


def _prune(doc: dict, now: float, window: float) -> dict:
    names = {k: [t for t in v if now - t < window] for k, v in doc.get("names", {}).items()}
    names = {k: v for k, v in names.items() if v}
    if len(names) > MAX_NAMES:
        names = dict(sorted(names.items(), key=lambda kv: max(kv[1]))[-MAX_NAMES:])
    return {"names": names, "all": [t for t in doc.get("all", []) if now - t < window]}


def _wait_message(times: list[float], limit: int, window: float, now: float, whom: str) -> str | None:
    if len(times) < limit:
        return None
    free_at = sorted(times)[-limit] + window
    minutes = max(1, math.ceil((free_at - now) / 60))
    return f"Too many failed sign-ins {whom}. Wait {minutes} minute{'s' if minutes > 1 else ''}, then try again."


def attempt(root, name: str, password: str, now: float | None = None) -> Result:
    """Check a name and password; every failure (known name or not) counts toward the same limits."""
    cfg = settings.section(root, "signin")
    window = cfg["window_minutes"] * 60.0
    now = time.time() if now is None else now
    key = _name_key(name)
    lock = FileLock(str(Path(root) / "auth" / "failures.lock"))
    (Path(root) / "auth").mkdir(parents=True, exist_ok=True)
    with lock:
        doc = _prune(_load(root), now, window)
        busy = _wait_message(doc["all"], cfg["global_max_failures"], window, now, "on this server") or \
            _wait_message(doc["names"].get(key, []), cfg["max_failures"], window, now, "for this name")
        if busy:
            audit.record(root, "sign-in-failed", (name or "")[:80], reason="rate limited")
            return Result(False, message=busy)
        found = users.check_local(root, name, password)
        if found:
            doc["names"].pop(key, None)
            write_json_atomic(Path(root) / FILE, doc)
            audit.record(root, "sign-in", found[0], via="local account", role=found[1])
            return Result(True, found[0], found[1])
        doc["names"].setdefault(key, []).append(now)
        doc["all"].append(now)
        write_json_atomic(Path(root) / FILE, doc)
    audit.record(root, "sign-in-failed", (name or "")[:80], reason="wrong name or password")
    return Result(False, message=WRONG)
