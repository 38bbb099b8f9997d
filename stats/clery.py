"""A campus's Clery Act pages as blocks: the Annual Security Report's tables and the public daily crime log.

The report reads the gate's `clery_counts` (counted from the true rows); the log reads the public `incidents` rows,
which the gate has already generalised (a sensitive incident has a date without time and no block or point; its
Clery geography is gone too where it could reveal a suppressed count). The log shows the nature as a Clery or offence
group, never the records system's own words, so no typed text but the general location (scanned for names at
ingest) reaches it. No Streamlit here: the pages, the CSV and the PDF draw these.
"""
from __future__ import annotations

import pandas as pd
from babel.dates import format_time

from model import clery

from .blocks import Bullets, Heading, Table, Text, cap
from .i18n import date, has, label, locale, num, t
from .read import Release

LOG_DAYS = 60  # the public may read the last 60 days of the log (34 CFR 668.46(f))
YEARS = 3  # an Annual Security Report covers the three most recent calendar years
ASR_SECTIONS = clery.SECTIONS
SEP = " · "  # between the year and the place in a column's name ("2025 · On campus")
LEGACY = ("sex_offenses_forcible", "sex_offenses_nonforcible")  # reported until 2013: a row only where the data has them


# ---------------------------------------------------------------- queries (release first, hashable arguments)


def has_clery(rel: Release) -> bool:
    """Whether the release publishes a campus's Clery counts (the Clery pages are shown only then)."""
    return rel.has("clery_counts")


def reported_span(rel: Release) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last date incidents were reported (the date they occurred where no report date is given)."""
    df = rel.query("SELECT min(coalesce(reported_at, occurred_at)) AS a, max(coalesce(reported_at, occurred_at)) AS b FROM incidents")
    a, b = df["a"].iloc[0], df["b"].iloc[0]
    return (None if pd.isna(a) else pd.Timestamp(a)), (None if pd.isna(b) else pd.Timestamp(b))


def report_years(rel: Release) -> tuple[int, ...]:
    """The three most recent calendar years the data covers to their end (a year still running is not reported), less any
    year before the data starts."""
    first, last = reported_span(rel)
    if last is None:
        return ()
    end = last.year if (last.month, last.day) == (12, 31) else last.year - 1
    return tuple(y for y in range(end - YEARS + 1, end + 1) if y >= first.year)


def counts(rel: Release) -> pd.DataFrame:
    """Every row of clery_counts (a few hundred at most)."""
    return rel.query("SELECT year, section, clery_category, clery_geography, bias, n FROM clery_counts")


def section_counts(rel: Release, section: str, years: tuple[int, ...]) -> pd.DataFrame:
    """One table of the report: a row per category (and bias, for hate crimes), a column per (year, geography), zeros
    where nothing was reported. Rows follow the Department of Education's order; a category that exists only in the
    hate-crime or legacy columns is a row only where it has a count."""
    df = counts(rel)
    df = df[(df["section"] == section) & df["year"].isin(years)]
    cols = pd.MultiIndex.from_tuples([(y, g) for y in years for g in clery.COLUMNS], names=["year", "geography"])
    if section == "hate_crimes":
        keys = [(c, b) for c in clery.codes(clery.CRIMINAL_OFFENSES) + clery.codes(clery.HATE_ONLY) for b in clery.BIASES]
        fixed: list = []
    elif section == "vawa_offenses":
        keys = fixed = [(c, None) for c in clery.VAWA_OFFENSES]
    elif section in ("arrests", "disciplinary_referrals"):
        keys = fixed = [(c, None) for c in clery.codes(clery.ARRESTS_REFERRALS)]
    elif section == "criminal_offenses":
        keys = [(c, None) for c in clery.codes(clery.CRIMINAL_OFFENSES)]
        fixed = [k for k in keys if k[0] not in LEGACY]
    else:  # unfounded: the categories with any
        keys, fixed = [(c, None) for c in clery.COUNTED], []
    cell = {(r.clery_category, None if pd.isna(r.bias) else r.bias, int(r.year), r.clery_geography): int(r.n) for r in df.itertuples()}
    rows = [[cell.get((c, b, y, g), 0) for y, g in cols] for c, b in keys]
    out = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(keys, names=["clery_category", "bias"]), columns=cols, dtype="int64")
    keep = [k in fixed or out.loc[k].sum() > 0 for k in keys]
    return out[keep]


def crimes_in(table: pd.DataFrame) -> int:
    """How many crimes a section's counts hold: on campus, noncampus and public property added up, never student housing
    (it is inside on campus, so adding it would count its crimes twice)."""
    places = [c for c in table.columns if c[1] != clery.HOUSING]
    return int(table[places].to_numpy().sum()) if len(table) else 0


def log_entries(rel: Release, days: int = LOG_DAYS) -> pd.DataFrame:
    """The crimes reported in the last `days` days of the data (by report date), newest first, with the public fields the
    log shows."""
    _, last = reported_span(rel)
    if last is None:
        return pd.DataFrame(columns=["record_id", "reported_at", "occurred_at", "occurred_end", "time_precision", "category",
                                     "clery_category", "clery_geography", "block", "status"])
    since = (last.normalize() - pd.Timedelta(days=days - 1)).to_pydatetime()
    return rel.query(
        "SELECT record_id, coalesce(reported_at, occurred_at) AS reported_at, occurred_at, occurred_end, time_precision, category, "
        "clery_category, clery_geography, block, status FROM incidents "
        "WHERE coalesce(kind, 'crime') = 'crime' AND coalesce(reported_at, occurred_at) >= ? "
        "ORDER BY coalesce(reported_at, occurred_at) DESC, record_id", [since])


# ---------------------------------------------------------------- labels


def clery_label(code: str | None, lang: str) -> str:
    """A Clery category, geography, bias or arrest/referral: the catalog's words, else the Department of Education's."""
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return ""
    key = f"clery.{code}"
    return t(key, lang) if has(key, lang) and lang != "en" else clery.LABELS.get(code, str(code))


def column_label(year: int, geography: str, lang: str) -> str:
    """'2025 · On campus': a flat column name, the year first (the report's columns are years, then geography)."""
    return f"{year}{SEP}{clery_label(geography, lang)}"


def display(table: pd.DataFrame, section: str, lang: str, total: bool = True) -> pd.DataFrame:
    """A section's counts as a table to show: a category column (and a bias column for hate crimes), one column per year
    and geography, and a total row that is the sum of the rows above it."""
    out = pd.DataFrame({t("clery.col.category", lang): [clery_label(c, lang) for c, _ in table.index]})
    if section == "hate_crimes":
        out[t("clery.col.bias", lang)] = [clery_label(b, lang) for _, b in table.index]
    for (y, g) in table.columns:
        out[column_label(y, g, lang)] = table[(y, g)].to_numpy()
    if total and len(table):
        row = {c: (int(out[c].sum()) if c not in (t("clery.col.category", lang), t("clery.col.bias", lang)) else "") for c in out.columns}
        row[t("clery.col.category", lang)] = t("clery.total", lang)
        out = pd.concat([out, pd.DataFrame([row])], ignore_index=True)
    return out


def _when(ts, precision: str | None, lang: str, since=None) -> str:
    """A date, with its time where the row's time is exact; only the time when `since` is the same day (a range)."""
    if ts is None or pd.isna(ts):
        return ""
    ts = pd.Timestamp(ts)
    d = date(ts.date(), lang, "medium")
    if precision != "exact":
        return d
    hm = format_time(ts.time(), format="HH:mm", locale=locale(lang))
    same_day = since is not None and not pd.isna(since) and pd.Timestamp(since).date() == ts.date()
    return hm if same_day else f"{d}, {hm}"


def log_table(entries: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The log's rows as residents read them: nature, reported, occurred (from – to), general location, disposition."""
    rows = []
    for r in entries.itertuples():
        nature = cap(clery_label(r.clery_category, lang) if isinstance(r.clery_category, str) else label("category", r.category, lang))
        start, end = _when(r.occurred_at, r.time_precision, lang), _when(r.occurred_end, r.time_precision, lang, r.occurred_at)
        if isinstance(r.block, str) and r.block:
            where = r.block
        elif isinstance(r.clery_geography, str):
            where = clery_label(r.clery_geography, lang)
        else:
            where = t("crime_log.withheld", lang)
        rows.append({t("crime_log.col.record", lang): r.record_id, t("crime_log.col.nature", lang): nature,
                     t("crime_log.col.reported", lang): _when(r.reported_at, r.time_precision, lang),
                     t("crime_log.col.occurred", lang): f"{start} – {end}" if end and end != start else start,
                     t("crime_log.col.location", lang): where,
                     t("crime_log.col.disposition", lang): label("status", r.status, lang) if isinstance(r.status, str) else ""})
    cols = [t(f"crime_log.col.{c}", lang) for c in ("record", "nature", "reported", "occurred", "location", "disposition")]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------- page blocks


def _years_text(years: tuple[int, ...], lang: str) -> str:
    if len(years) < 2:
        return "".join(str(y) for y in years)
    return t("list.join", lang, head=", ".join(str(y) for y in years[:-1]), last=str(years[-1]))


def report_blocks(rel: Release, run, lang: str) -> list:
    """The /clery page: what is counted and how, then one table per section of the Annual Security Report."""
    years = run(report_years)
    first, last = run(reported_span)
    blocks: list = []
    if not years:
        return [Text(t("clery.no_full_year", lang, last=date(last.date(), lang) if last is not None else "–"), "info")]
    blocks.append(Text(t("clery.intro", lang, years=_years_text(years, lang), last=date(last.date(), lang))))
    if first is not None and (first.year == years[0] and (first.month, first.day) != (1, 1) or len(years) < YEARS):
        blocks.append(Text(t("clery.partial", lang, first=date(first.date(), lang)), "note"))
    note = rel.privacy_note.get("clery", {})
    for section in ASR_SECTIONS:
        table = run(section_counts, section, years)
        total = crimes_in(table)
        sentence = t(f"clery.{section}.text", lang, n=num(total, lang), years=_years_text(years, lang)) if total else \
            t(f"clery.{section}.none", lang, years=_years_text(years, lang))
        notes = [t(f"clery.{section}.note", lang)] if has(f"clery.{section}.note", lang) else []
        blocks.append(Table(f"clery.{section}", t(f"clery.{section}.title", lang), sentence, display(table, section, lang), notes))
    blocks.append(Heading(t("clery.h.method", lang), "method"))
    method = [t(f"clery.method.{k}", lang) for k in ("reported", "housing", "hierarchy", "several", "unfounded")]
    if note.get("outside_clery_geography"):
        method.append(t("clery.method.outside", lang, n=num(note["outside_clery_geography"], lang)))
    if note.get("counted_by_date_occurred"):
        method.append(t("clery.method.by_occurrence", lang, n=num(note["counted_by_date_occurred"], lang)))
    blocks.append(Bullets(method))
    return blocks


def log_blocks(rel: Release, run, lang: str, days: int = LOG_DAYS) -> list:
    """The /crime-log page: the crimes reported in the last 60 days of the data, each generalised by the gate first."""
    entries = run(log_entries, days)
    _, last = run(reported_span)
    if last is None:
        return [Text(t("crime_log.none", lang), "info")]
    since = (last.normalize() - pd.Timedelta(days=days - 1)).date()
    dated = int((entries["time_precision"] != "exact").sum()) if len(entries) else 0
    sentence = t("crime_log.text", lang, n=num(len(entries), lang), days=num(days, lang), first=date(since, lang), last=date(last.date(), lang))
    notes = [t("crime_log.note.privacy", lang, n=num(dated, lang)), t("crime_log.note.location", lang), t("crime_log.note.names", lang),
             t("crime_log.note.disposition", lang)]
    return [Table("crime_log.table", t("crime_log.title", lang, first=date(since, lang), last=date(last.date(), lang)), sentence,
                  log_table(entries, lang), notes)]

