"""The Clery Act's vocabulary (categories, geography, hate-crime bias, arrest or referral), read from the code lists in loaders/codes/.

The loaders' code system (loaders/codes.py) and the model read the same two files, so each list is kept once, as
data; they are read here as plain files because the model imports no loader. Order matters: it is the order of the
Department of Education's export, which is the order of an Annual Security Report's rows.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

CODES_DIR = Path(__file__).resolve().parent.parent / "loaders" / "codes"
CATEGORIES_FILE = CODES_DIR / "clery.csv"
TERMS_FILE = CODES_DIR / "clery_terms.csv"

# sections of clery.csv, in the order an Annual Security Report shows them
CRIMINAL_OFFENSES, HATE_ONLY, VAWA, ARRESTS_REFERRALS, UNFOUNDED = (
    "criminal_offenses", "hate_crimes", "vawa_offenses", "arrests_and_referrals", "unfounded")
HOUSING = "on_campus_student_housing"
ON_CAMPUS = "on_campus"
ARREST, REFERRAL = "arrest", "referral"


@dataclass(frozen=True)
class Term:
    """One value of a Clery list: Bridges' code, the label the Department of Education uses, the section or field it belongs to."""

    code: str
    label: str
    group: str
    note: str = ""


def _rows(path: Path) -> list[dict]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


def _categories() -> tuple[Term, ...]:
    return tuple(Term(r["code"].strip(), r["label"].strip(), r["section"].strip(), (r.get("note") or "").strip()) for r in _rows(CATEGORIES_FILE))


def _terms() -> tuple[Term, ...]:
    return tuple(Term(r["code"].strip(), r["label"].strip(), r["field"].strip(), (r.get("note") or "").strip()) for r in _rows(TERMS_FILE))


CATEGORY_TERMS: tuple[Term, ...] = _categories()
_TERMS = _terms()


def codes(group: str) -> tuple[str, ...]:
    """The codes of one section of clery.csv (criminal_offenses …) or one field of clery_terms.csv (bias …), in file order."""
    return tuple(x.code for x in (*CATEGORY_TERMS, *_TERMS) if x.group == group)


LABELS: dict[str, str] = {x.code: x.label for x in (*CATEGORY_TERMS, *_TERMS)}
# an incident's Clery offense: a criminal offense, a category counted only as a hate crime, or a weapons, drug or liquor
# law violation (an arrest or a referral); the VAWA offense is a field of its own, since one incident can be both
CATEGORIES: tuple[str, ...] = codes(CRIMINAL_OFFENSES) + codes(HATE_ONLY) + codes(ARRESTS_REFERRALS)
VAWA_OFFENSES: tuple[str, ...] = codes(VAWA)
GEOGRAPHIES: tuple[str, ...] = codes("clery_geography")
BIASES: tuple[str, ...] = codes("bias")
ACTIONS: tuple[str, ...] = codes("clery_action")
# every category a count of the Annual Security Report can name
COUNTED: tuple[str, ...] = CATEGORIES + VAWA_OFFENSES
# the tables of an Annual Security Report, in its order (the count table's `section`)
SECTIONS: tuple[str, ...] = ("criminal_offenses", "hate_crimes", "vawa_offenses", "arrests", "disciplinary_referrals", "unfounded")
# the report's geography columns: student housing sits inside on campus (the report counts it under both)
COLUMNS: tuple[str, ...] = (ON_CAMPUS, HOUSING, "noncampus", "public_property")

if len(BIASES) != 8 or set(GEOGRAPHIES) != set(COLUMNS) or set(ACTIONS) != {ARREST, REFERRAL}:
    raise ValueError(f"{TERMS_FILE.name} must list the four Clery geographies, the eight biases and arrest/referral")
