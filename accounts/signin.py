"""Local sign-in limits that a stranger cannot turn against analysts, kept in the store across restarts (and shared by
every server of a store on an object store: a limit reached through one holds on the others).

Failures are counted per name from one client address and per client address: past either limit only that address
is refused, so someone guessing from elsewhere locks out nobody but themselves. Past the server-wide limit every
sign-in waits a few seconds before it is checked (guessing slows down; an analyst with the right password still gets
in). Failures under names that are not accounts, and attempts refused by a limit, are summarised in the audit log: one
`sign-in-failures` entry per window with counts, plus the first such failure of the window on its own line.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from accounts import audit, users
from model import fs
from store import settings
from store.versioned import write_json_atomic

FILE = Path("auth") / "failures.json"
WRONG = "The name or the password is wrong. Check both and try again."
MAX_KEYS = 10_000  # names and addresses tracked at once; the oldest are forgotten first
MAX_DISTINCT = 1_000  # distinct names and addresses counted in one window's summary


@dataclass
class Result:
    """The outcome of one sign-in: the account's name and role, or a sentence saying why not; `delayed` is the wait
    (seconds) the server-wide limit added."""

    ok: bool
    name: str = ""
    role: str = ""
    message: str = ""
    delayed: float = 0.0


def _hash(*parts: str) -> str:
    # names and addresses are kept hashed: the failures file says nothing about who exists, what was typed or who tried
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def _load(root) -> dict:
    try:
        doc = json.loads((fs.location(root) / FILE).read_text(encoding="utf-8"))
        return doc if isinstance(doc, dict) else {}
    except (OSError, ValueError):
        return {}


def _recent(times, now: float, window: float, keep: int) -> list[float]:
    out = [t for t in times if isinstance(t, (int, float)) and now - t < window] if isinstance(times, list) else []
    return sorted(out)[-keep:]


def _prune_map(m, now: float, window: float, keep: int) -> dict:
    m = m if isinstance(m, dict) else {}
    out = {k: _recent(v, now, window, keep) for k, v in m.items()}
    out = {k: v for k, v in out.items() if v}
    if len(out) > MAX_KEYS:
        out = dict(sorted(out.items(), key=lambda kv: kv[1][-1])[-MAX_KEYS:])
    return out


def _prune(doc: dict, now: float, window: float, cfg: dict) -> dict:
    """Only what still counts: failures inside the window, each list no longer than its limit needs."""
    return {"names": _prune_map(doc.get("names"), now, window, cfg["max_failures"]),
            "addresses": _prune_map(doc.get("addresses"), now, window, cfg["address_max_failures"]),
            "all": _recent(doc.get("all"), now, window, cfg["global_max_failures"]),
            "summary": doc.get("summary") if isinstance(doc.get("summary"), dict) else {}}


def _wait_message(times: list[float], limit: int, window: float, now: float, whom: str) -> str | None:
    if len(times) < limit:
        return None
    free_at = sorted(times)[-limit] + window
    minutes = max(1, math.ceil((free_at - now) / 60))
    return f"Too many failed sign-ins {whom}. Wait {minutes} minute{'s' if minutes > 1 else ''}, then try again."


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat(timespec="seconds")


def _summary(doc: dict, now: float, window: float) -> dict:
    """This window's summary of anonymous failures (windows are fixed slots of window_minutes)."""
    slot = int(now // window)
    s = doc["summary"]
    if s.get("slot") != slot:
        s = doc["summary"] = {"slot": slot, "unknown": 0, "refused": 0, "logged_first": False, "names": [], "addresses": []}
    return s


def _count(s: dict, kind: str, name_key: str, address_key: str) -> None:
    s[kind] = int(s.get(kind, 0)) + 1
    for field, key in (("names", name_key), ("addresses", address_key)):
        seen = s.setdefault(field, [])
        if key not in seen and len(seen) < MAX_DISTINCT:
            seen.append(key)


def flush(root, doc: dict, now: float, window: float) -> bool:
    """Write the summary of an ended window into the audit log (at the first attempt after it); True if written."""
    s = doc["summary"]
    if not s or s.get("slot") == int(now // window) or not (s.get("unknown") or s.get("refused")):
        return False
    start = int(s["slot"]) * window
    at_least = lambda seen: f"{len(seen)}+" if len(seen) >= MAX_DISTINCT else len(seen)
    audit.record(root, "sign-in-failures", "", **{
        "from": _iso(start), "to": _iso(start + window),
        "unknown_name_failures": int(s.get("unknown", 0)),  # not counting the first one, which has its own line
        "refused_by_limits": int(s.get("refused", 0)),
        "names": at_least(s.get("names", [])), "addresses": at_least(s.get("addresses", []))})
    doc["summary"] = {}
    return True


def _dir(root) -> Path:
    d = fs.location(root) / "auth"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def attempt(root, name: str, password: str, now: float | None = None, address: str = "",
            sleep: Callable[[float], None] = time.sleep) -> Result:
    """Check a name and password sent from a client address; every failure, known name or not, counts toward the same
    limits, and the answer never tells a name that exists from one that does not.

    Behind a reverse proxy the address is the visitor's: Streamlit's server (uvicorn) takes it from X-Forwarded-For when
    the connection comes from a proxy it trusts (FORWARDED_ALLOW_IPS, by default this machine: 127.0.0.1 and ::1) and
    ignores the header from anyone else."""
    cfg = settings.section(root, "signin")
    window = cfg["window_minutes"] * 60.0
    t0 = time.time() if now is None else now
    name_key = users._key(name or "")
    pair, addr = _hash("name", name_key, address), _hash("address", address)
    lock = fs.lock(_dir(root) / "failures.lock", ttl=30.0)  # a file lock, or a lease every server of an object store respects

    # the server-wide limit: wait before checking, outside the lock, so other sign-ins go on meanwhile
    delayed = 0.0
    if len(_prune(_load(root), t0, window, cfg)["all"]) >= cfg["global_max_failures"]:
        delayed = cfg["global_delay_seconds"]
        sleep(delayed)
    now = time.time() if now is None else now + delayed  # a test's clock moves on by the wait too

    with lock:
        doc = _prune(_load(root), now, window, cfg)
        flush(root, doc, now, window)
        busy = _wait_message(doc["addresses"].get(addr, []), cfg["address_max_failures"], window, now, "from this address") or \
            _wait_message(doc["names"].get(pair, []), cfg["max_failures"], window, now, "for this name")
        if busy:  # refused before any password is checked; counted in the window's summary, not one line each
            _count(_summary(doc, now, window), "refused", _hash("n", name_key), addr)
            write_json_atomic(fs.location(root) / FILE, doc)
            return Result(False, message=busy, delayed=delayed)
        found = users.check_local(root, name, password)
        if found:
            doc["names"].pop(pair, None)
            write_json_atomic(fs.location(root) / FILE, doc)
            audit.record(root, "sign-in", found[0], via="local account", role=found[1], address=address)
            return Result(True, found[0], found[1], delayed=delayed)
        for key, m in ((pair, doc["names"]), (addr, doc["addresses"])):
            m.setdefault(key, []).append(now)
        doc["all"].append(now)
        known = users.find(root, name) is not None if name else False
        own_line = known
        if not known:  # anonymous: the window's first failure gets its own line, the others only a count
            s = _summary(doc, now, window)
            if s.get("logged_first"):
                _count(s, "unknown", _hash("n", name_key), addr)
            else:
                s["logged_first"] = own_line = True
        write_json_atomic(fs.location(root) / FILE, doc)
    if own_line:
        audit.record(root, "sign-in-failed", (name or "")[:80], reason="wrong name or password", address=address)
    return Result(False, message=WRONG, delayed=delayed)

