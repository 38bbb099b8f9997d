"""Release history, corrections, sources and the privacy note of a release, in plain words (no Streamlit)."""
from __future__ import annotations

import datetime as dt

from model.releases import Published

from .i18n import date, label, num, quarter_label, t


def published_date(manifest: dict) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(manifest["published_at"]).date()
    except (KeyError, TypeError, ValueError):
        return None


def history(store: Published, upto: int) -> list[dict]:
    """Every release up to `upto`, newest first."""
    return [m for m in reversed(store.releases()) if m["version"] <= upto]


def correction_text(c: dict, lang: str) -> str:
    """'Q2 2026 burglary: revised 41 → 44' (incidents by group; other datasets by quarter)."""
    what = label("category", c["category"], lang) if c.get("category") else label("dataset", c.get("dataset"), lang)
    return t("corrections.item", lang, quarter=quarter_label(c.get("quarter", ""), lang), what=what,
             before=num(c.get("before", 0), lang), after=num(c.get("after", 0), lang))


def release_summary(m: dict, lang: str) -> str:
    d = published_date(m)
    when = date(d, lang) if d else ""
    if m.get("kind") == "rollback":
        return t("history.rollback", lang, version=m["version"], date=when, restores=m.get("restores", "?"))
    datasets = sorted({o.get("dataset") for o in m.get("ops", []) if o.get("dataset")})
    return t("history.publish", lang, version=m["version"], date=when,
             datasets=", ".join(label("dataset", d, lang) for d in datasets) or "–")


def sources(store: Published, manifest: dict) -> list[dict]:
    """For each dataset of the release, the upload its pinned table version came from: dataset, title, file, rows, release."""
    out = []
    pinned = manifest.get("tables", {})
    older = [m for m in store.releases() if m["version"] <= manifest["version"]]
    for name, version in pinned.items():
        if version is None:
            continue
        found = None
        for m in reversed(older):
            if m.get("tables", {}).get(name) != version:
                continue
            for op in m.get("ops", []):
                if op.get("dataset") == name:
                    found = (m, op)
                    break
            if found:
                break
        if found is None:
            out.append({"dataset": name, "title": "", "file": "", "rows": None, "release": None})
            continue
        m, op = found
        spec = op.get("spec") or {}
        rows = op.get("rows") if isinstance(op.get("rows"), int) else None
        pop = op.get("population") or {}
        out.append({"dataset": name, "title": spec.get("title") or op.get("source") or "", "file": op.get("file") or "",
                    "rows": rows, "release": m["version"], "population_file": pop.get("file") if isinstance(pop, dict) else None})
    return out


def source_line(srcs: list[dict], dataset: str, version: int, lang: str) -> str:
    """'Source: Riverton Police Service (fictional demo), RMS occurrence export. Release 3.'"""
    titles = [s["title"] or s["file"] for s in srcs if s["dataset"] == dataset and (s["title"] or s["file"])]
    return t("source_line", lang, source="; ".join(titles) or t("source_unknown", lang), version=version)


def privacy_sentences(note: dict, lang: str) -> list[str]:
    """The release's privacy note in plain words (numbers straight from the publication gate)."""
    out = []
    k = int(note.get("k", 3))
    inc = note.get("incidents") or {}
    if inc:
        out.append(t("privacy.incidents", lang, n=num(inc.get("records", 0), lang), points=num(inc.get("generalized_points", 0), lang),
                     cell=num(note.get("cell_m", 200), lang), blocks=num(inc.get("generalized_blocks", 0), lang)))
        out.append(t("privacy.sensitive", lang, categories=", ".join(label("category", c, lang) for c in note.get("sensitive_categories", [])),
                     withheld=num(inc.get("withheld_locations", 0), lang), dates=num(inc.get("dates_only", 0), lang)))
        out.append(t("privacy.cells", lang, k=num(k, lang), n=num(inc.get("cells_suppressed", 0), lang),
                     comp=num(inc.get("cells_suppressed_complementary", 0), lang), areas=num(inc.get("areas_withheld", 0), lang)))
    fb = note.get("feedback") or {}
    if fb:
        out.append(t("privacy.feedback", lang, k=num(k, lang), n=num(fb.get("cells_suppressed", 0), lang),
                     comp=num(fb.get("cells_suppressed_complementary", 0), lang), areas=num(fb.get("areas_withheld", 0), lang)))
    sv = note.get("survey") or {}
    if sv:
        out.append(t("privacy.survey", lang, n=num(sv.get("scores_suppressed", 0), lang), min=num(note.get("survey_min_respondents", 10), lang)))
    return out
