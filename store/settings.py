"""Analyst settings of a store: data/analyst.toml ([upload], [signin]), each value with a default.

[signin]: max_failures (per name from one client address) and address_max_failures (per address, any names) lock
only the address that failed; past global_max_failures on the whole server every sign-in waits global_delay_seconds
instead (nobody is locked out); all counted over window_minutes."""
from __future__ import annotations

import tomllib
from pathlib import Path

from model import fs

DEFAULTS = {
    # each upload is read in a worker process (store.worker) that may take worker_memory_mb more memory than it starts with
    # and run worker_seconds; a sheet may hold max_cells cells (rows × columns from A1), a CSV or sheet max_columns columns;
    # at most max_workers read at once on the server, and an upload waits up to worker_wait_seconds for one to be free
    "upload": {"max_mb": 50.0, "worker_memory_mb": 2048, "worker_seconds": 300, "max_cells": 10_000_000, "max_columns": 5_000,
               "max_workers": 2, "worker_wait_seconds": 20},
    "signin": {"max_failures": 5, "address_max_failures": 20, "window_minutes": 15, "global_max_failures": 50,
               "global_delay_seconds": 3.0, "session_hours": 8},
}


def section(root: str | Path, name: str) -> dict:
    """One section of data/analyst.toml over its defaults (a missing or broken file gives the defaults)."""
    out = dict(DEFAULTS.get(name, {}))
    try:
        doc = tomllib.loads((fs.location(root) / "analyst.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return out
    given = doc.get(name)
    if isinstance(given, dict):
        for k, v in given.items():
            if k in out and isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
                out[k] = type(out[k])(v)
    return out
