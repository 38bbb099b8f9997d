"""Render the public data dictionary (docs/data-dictionary.md) from the schema module."""
from __future__ import annotations

import sys
from pathlib import Path

from model.schema import CATEGORIES, DATASETS, SENSITIVE_CATEGORIES

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    """The dictionary as Markdown: every dataset, field, type, unit, allowed values and description."""
    out = [
        "# Data dictionary",
        "",
        "Generated from `model/schema.py` by `python -m model.dictionary`; do not edit by hand",
        "(a test fails when this file is stale). Fields marked *not public* never leave the store;",
        "*free text* is public only after the privacy scanner passes it.",
        "",
    ]
    for ds in DATASETS.values():
        out += [f"## {ds.name}", "", ds.description, "", f"Key: `{ds.key}`." + (f" The quarter comes from `{'` or `'.join(ds.quarter_from)}`." if ds.quarter_from else ""), ""]
        out += ["| field | type | required | unit | allowed values | description |", "|---|---|---|---|---|---|"]
        for f in ds.fields:
            notes = []
            if not f.public:
                notes.append("*not public*")
            if f.free_text:
                notes.append("*free text*")
            rng = []
            if f.minimum is not None:
                rng.append(f"≥ {f.minimum:g}")
            if f.maximum is not None:
                rng.append(f"≤ {f.maximum:g}")
            allowed = ", ".join(f"`{a}`" for a in f.allowed) if f.allowed else (" and ".join(rng) if rng else (f"`{f.pattern}`" if f.pattern else ""))
            desc = _cell(f.description + (" " + " ".join(notes) if notes else ""))
            out.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else ''} | {f.unit or ''} | {allowed} | {desc} |")
        out.append("")
    out += ["## Offence categories", "", "| category | meaning |", "|---|---|"]
    for k, v in CATEGORIES.items():
        out.append(f"| `{k}` | {_cell(v)}{' (sensitive)' if k in SENSITIVE_CATEGORIES else ''} |")
    out.append("")
    return "\n".join(out)


def main() -> int:
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
