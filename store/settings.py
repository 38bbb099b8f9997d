"""Analyst settings of a store: data/analyst.toml ([upload], [signin]), each value with a default."""
from __future__ import annotations

import tomllib
from pathlib import Path

DEFAULTS = {
    "upload": {"max_mb": 50.0},
    "signin": {"max_failures": 5, "window_minutes": 15, "global_max_failures": 50, "session_hours": 8},
}


def section(root: str | Path, name: str) -> dict:
    """One section of data/analyst.toml over its defaults (a missing or broken file gives the defaults)."""
    out = dict(DEFAULTS.get(name, {}))
    try:
        doc = tomllib.loads((Path(root) / "analyst.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return out
    given = doc.get(name)
    if isinstance(given, dict):
        for k, v in given.items():
            if k in out and isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
                out[k] = type(out[k])(v)
    return out
