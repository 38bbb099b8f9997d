"""The Clery Act's Annual Security Report as a count table, counted from the true incident rows before any masking.

The row-level table never carries a hate crime's bias, a VAWA offense or an arrest (they say something about a
person): they reach the public only as these counts, which the law requires a campus to publish.

How the counts follow 34 CFR 668.46(c) and the Department of Education's tables:
- a crime counts in the calendar year it was reported (the date it occurred when the export gives no report date);
- on campus counts every on-campus crime, student housing included, and student housing counts those again;
- hate crimes by category and bias, VAWA offenses, arrests and disciplinary referrals are each counted apart, so one
  incident can count in several tables (an aggravated assault that is also domestic violence counts in both);
- unfounded crimes are counted in their own section and in no other count;
- a row with no Clery geography is outside what the report covers and is not counted (the privacy note says how many).
"""
from __future__ import annotations

import pandas as pd

from model import clery
from model.public import CLERY_COUNTS

FIELDS = ("clery_category", "clery_geography", "bias", "vawa_offense", "clery_action")


def has_clery(inc: pd.DataFrame) -> bool:
    """Whether any incident carries a Clery category or a VAWA offense (a campus's export)."""
    return any(c in inc.columns and inc[c].notna().any() for c in ("clery_category", "vawa_offense"))


def _text(inc: pd.DataFrame, name: str) -> pd.Series:
    if name not in inc.columns:
        return pd.Series(None, index=inc.index, dtype=object)
    s = inc[name]
    return s.astype(object).where(s.notna(), None)


def clery_counts(inc: pd.DataFrame) -> tuple[pd.DataFrame | None, dict]:
    """(the clery_counts table, what the privacy note says about it); (None, {}) when no incident has Clery fields."""
    if not has_clery(inc):
        return None, {}
    cat, geo, bias, vawa, action = (_text(inc, c) for c in FIELDS)
    when = inc["reported_at"] if "reported_at" in inc.columns else pd.Series(pd.NaT, index=inc.index)
    when = pd.to_datetime(when).where(pd.notna(when), pd.to_datetime(inc["occurred_at"]))
    year = when.dt.year
    unfounded = inc["status"].eq("unfounded").fillna(False).astype(bool) if "status" in inc.columns else pd.Series(False, index=inc.index)
    placed = geo.notna() & year.notna()
    crime = cat.isin(clery.codes(clery.CRIMINAL_OFFENSES))
    hate = bias.notna() & cat.isin(clery.codes(clery.CRIMINAL_OFFENSES) + clery.codes(clery.HATE_ONLY))
    violation = cat.isin(clery.codes(clery.ARRESTS_REFERRALS))
    parts = []

    def add(section: str, rows: pd.Series, what: pd.Series, with_bias: bool = False) -> None:
        rows = rows & placed & what.notna()
        if not rows.any():
            return
        sub = pd.DataFrame({"year": year[rows].astype("int64"), "section": section, "clery_category": what[rows],
                            "clery_geography": geo[rows], "bias": bias[rows] if with_bias else None})
        # student housing is part of the campus: the on-campus column counts it as well
        again = sub[sub["clery_geography"] == clery.HOUSING].assign(clery_geography=clery.ON_CAMPUS)
        parts.append(pd.concat([sub, again], ignore_index=True))

    add("criminal_offenses", crime & ~unfounded, cat)
    add("hate_crimes", hate & ~unfounded, cat, with_bias=True)
    add("vawa_offenses", ~unfounded, vawa)
    add("arrests", violation & action.eq(clery.ARREST) & ~unfounded, cat)
    add("disciplinary_referrals", violation & action.eq(clery.REFERRAL) & ~unfounded, cat)
    add("unfounded", unfounded & (crime | hate), cat)
    add("unfounded", unfounded, vawa)
    note = {
        "records": int((cat.notna() | vawa.notna()).sum()),
        "outside_clery_geography": int(((cat.notna() | vawa.notna()) & geo.isna()).sum()),
        "counted_by_date_occurred": int((inc["reported_at"].isna() if "reported_at" in inc.columns else pd.Series(True, index=inc.index)).sum()),
        "hate_crimes_without_category": int((bias.notna() & ~hate).sum()),
    }
    names = CLERY_COUNTS.names
    if not parts:
        return pd.DataFrame({n: pd.Series(dtype="int64" if n in ("year", "n") else object) for n in names}), note
    rows = pd.concat(parts, ignore_index=True)
    keys = ["year", "section", "clery_category", "clery_geography", "bias"]
    table = rows.assign(bias=rows["bias"].fillna("")).groupby(keys, sort=False).size().rename("n").reset_index()
    table["bias"] = table["bias"].replace("", None)
    order = {**{s: i for i, s in enumerate(clery.SECTIONS)}, **{c: i for i, c in enumerate(clery.COUNTED)},
             **{g: i for i, g in enumerate(clery.COLUMNS)}, **{b: i for i, b in enumerate(clery.BIASES)}}
    table = table.sort_values(keys, key=lambda s: s if s.name == "year" else s.map(lambda v: order.get(v, -1))).reset_index(drop=True)
    table["n"] = table["n"].astype("int64")
    return table[names], note
