"""Render the public data dictionary (docs/data-dictionary.md): what a release publishes, from model/public.py and model/schema.py."""
from __future__ import annotations

import sys
from pathlib import Path

from model.public import SCANNED, TABLES, WITHHELD
from model.schema import CATEGORIES, DATASETS, SENSITIVE_CATEGORIES, SERVICE_GROUPS, Field

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"

# the schema module's types in plain words; the Arrow type of the Parquet column follows in brackets
TYPE_WORDS = {"string": "text", "timestamp": "date and time", "date": "date", "float": "number", "int": "whole number", "bool": "true or false"}


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def type_cell(f: Field) -> str:
    """The dictionary's type column: plain words, then the Parquet file's Arrow type (tests compare it with the files)."""
    return f"{TYPE_WORDS[f.type]} (`{f.arrow_type}`)"


def _allowed(f: Field) -> str:
    if f.allowed:
        return ", ".join(f"`{a}`" for a in f.allowed)
    rng = []
    if f.minimum is not None:
        rng.append(f"≥ {f.minimum:g}")
    if f.maximum is not None:
        rng.append(f"≤ {f.maximum:g}")
    return " and ".join(rng) if rng else (f"`{f.pattern}`" if f.pattern else "")


def _published(f: Field) -> str:
    parts = [f.generalised or "As stored."]
    if f.free_text:
        parts.append(SCANNED)
    return _cell(" ".join(parts))


def render() -> str:
    """The dictionary as Markdown: every public table and field (type, meaning, how it is generalised), then what is never published."""
    out = [
        "# Data dictionary",
        "",
        "What every release publishes. Generated from `model/public.py` and `model/schema.py` by `python -m model.dictionary`;",
        "do not edit by hand (a test fails when this file is stale, and another when a release's files disagree with it).",
        "",
        "Each release publishes the tables below, as CSV and as Parquet, on the data page and in its open-data package",
        "(`datapackage.json`). They come out of the privacy gate: a field that is not listed here never leaves the store.",
        "The column *how it is published* says what the gate changes on the way out. The release's privacy note",
        "(`privacy_note.json`) says how many records each rule changed, and the values it used: `k` for small counts,",
        "`cell_m` for the map grid, `survey_min_respondents` for survey scores.",
        "",
        "A type names the kind of value, then the column's type in the Parquet file. In the CSV files a date and time",
        "is written `YYYY-MM-DD hh:mm:ss` and a date `YYYY-MM-DD`; an empty cell is a missing value.",
        "",
    ]
    for t in TABLES.values():
        out += [f"## {t.name}", "", t.description, ""]
        facts = [f"Made from the stored `{t.dataset}` records."]
        ds = DATASETS[t.dataset]
        if t.name == t.dataset and ds.quarter_from:
            facts.append(f"The quarter comes from `{'`, or else `'.join(ds.quarter_from)}`.")
        if t.key:
            facts.append(f"Each row is identified by `{'`, `'.join(t.key)}`.")
        out += [" ".join(facts), ""]
        out += ["| field | type | always filled | unit | allowed values | meaning | how it is published |", "|---|---|---|---|---|---|---|"]
        for f in t.fields:
            out.append(f"| `{f.name}` | {type_cell(f)} | {'yes' if f.required else ''} | {f.unit or ''} | {_allowed(f)} | {_cell(f.description)} | {_published(f)} |")
        out.append("")
    out += ["## Never published", "", "Fields the store keeps that no release publishes, and why.", "",
            "| dataset | field | meaning | why it is not published |", "|---|---|---|---|"]
    for name, fields in WITHHELD.items():
        for f in fields:
            out.append(f"| {name} | `{f.name}` | {_cell(f.description)} | {_cell(f.withheld)} |")
    out.append("")
    out += ["## Offence categories", "", "| category | meaning |", "|---|---|"]
    for k, v in CATEGORIES.items():
        mark = " (sensitive)" if k in SENSITIVE_CATEGORIES and "sensitive" not in v else ""
        out.append(f"| `{k}` | {_cell(v)}{mark} |")
    out.append("")
    out += ["## Service groups", "",
            "Calls for service that report no offence (`kind` = `service`), counted apart from crime: no crime total, rate or",
            "comparison includes them. The list is kept in `loaders/codes/service_groups.csv`, with the keywords that place a",
            "call type in a group.", "", "| category | meaning |", "|---|---|"]
    for k, v in SERVICE_GROUPS.items():
        out.append(f"| `{k}` | {_cell(v)}{' (sensitive)' if k in SENSITIVE_CATEGORIES else ''} |")
    out.append("")
    return "\n".join(out)


def main() -> int:
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
