"""A private-security client's site report: one site and one period (a quarter, or a month where the rows allow it) of a
published release, as HTML that prints cleanly (A4 or US Letter, charts as inline SVG, nothing fetched) and as PDF.

Read only from the release's public tables, so the report shows nothing the public pages could not: crimes and calls for
service apart (incidents' `kind`), foot patrol visits and hours (engagement), response times, and what changed since the
previous period judged by the Poisson test of stats.compare (never a bare percentage). Quarters come from the count table
(`incident_counts`, suppressed cells hidden); months are counted from the published incident rows, and only where those
rows add up to the quarter's published counts. A sensitive group hidden in a quarter stays hidden in its months, and a
month hides a sensitive count below k as well. Totals never include a hidden count.

Whether a report is approved for the client is the store's business (bridges.actions): this module only draws the
approval it is given, or a DRAFT watermark.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from string import Template

import pandas as pd

from model.errors import InputError
from model.public import ALL_AREAS, UNKNOWN_AREA
from model.schema import CRIME, SENSITIVE_CATEGORIES, SERVICE
from stats import periods as Q
from stats import queries
from stats.compare import Change, compare
from stats.i18n import date as fmt_date
from stats.i18n import label, locale, month_names, norm_lang, num, quarter_label, t
from stats.read import Release
from stats.views import release_sources, source_line

from .deck import provider
from .deck_html import asset
from .printing import print_pdf

PAPERS = {"a4": "A4", "letter": "letter"}  # CSS @page sizes
P90_MIN = 10  # calls with a time before a 90th percentile means anything
TREND_PERIODS = 6  # periods drawn in the trend chart (this one and up to five before it)
# Okabe-Ito: colour-blind safe; every bar also carries its number and every chart a table, so colour is never alone
COLOURS = {CRIME: "#D55E00", SERVICE: "#0072B2"}


@lru_cache(maxsize=1)
def _words() -> dict:
    return tomllib.loads(asset("client-report.toml"))


def w(key: str, lang: str, **kw) -> str:
    """The report's own words (outputs/assets/client-report.toml), falling back to English."""
    words = _words()
    text = words.get(norm_lang(lang), {}).get(key) or words["en"][key]
    return text.format(**kw) if kw else text


# ---------------------------------------------------------------- periods

_QUARTER_IN = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*$")
_MONTH_IN = re.compile(r"^\s*(\d{4})\s*-\s*(\d{1,2})\s*$")


@dataclass(frozen=True, order=True)
class Period:
    """A quarter ('2026Q3') or a month ('2026-07') of a report."""

    key: str

    @property
    def is_month(self) -> bool:
        return "-" in self.key

    @property
    def quarter(self) -> str:
        """The quarter the period is in (itself for a quarter)."""
        if not self.is_month:
            return self.key
        y, m = int(self.key[:4]), int(self.key[5:])
        return f"{y}Q{(m - 1) // 3 + 1}"

    @property
    def start(self) -> dt.date:
        return dt.date(int(self.key[:4]), int(self.key[5:]), 1) if self.is_month else Q.start(self.key)

    @property
    def end(self) -> dt.date:
        """The day after the period (its exclusive end)."""
        if not self.is_month:
            return Q.end(self.key) + dt.timedelta(days=1)
        y, m = int(self.key[:4]), int(self.key[5:])
        return dt.date(y + m // 12, m % 12 + 1, 1)

    def shift(self, n: int) -> "Period":
        if not self.is_month:
            return Period(Q.shift(self.key, n))
        idx = int(self.key[:4]) * 12 + int(self.key[5:]) - 1 + n
        return Period(f"{idx // 12}-{idx % 12 + 1:02d}")

    def previous(self) -> "Period":
        return self.shift(-1)

    @property
    def slug(self) -> str:
        """As the command line and file names write it: 2026-Q3, 2026-07."""
        return self.key if self.is_month else f"{self.key[:4]}-Q{self.key[5]}"

    def label(self, lang: str) -> str:
        if not self.is_month:
            return quarter_label(self.key, lang)
        return w("month_label", lang, month=month_names(lang, "wide")[self.start.month - 1], year=self.start.year)


def parse_period(text: str) -> Period:
    """'2026-Q3', '2026Q3' or '2026-07' as a Period; an input error saying how to write one otherwise."""
    s = str(text or "")
    m = _QUARTER_IN.match(s)
    if m:
        return Period(f"{m.group(1)}Q{m.group(2)}")
    m = _MONTH_IN.match(s)
    if m and 1 <= int(m.group(2)) <= 12:
        return Period(f"{m.group(1)}-{int(m.group(2)):02d}")
    raise InputError(f"'{s}' is not a period", "Give a quarter like 2026-Q3 or a month like 2026-07.")


# ---------------------------------------------------------------- sites and the periods a site has


def main_scheme(rel: Release, table: str) -> str:
    """' AND scheme IS NULL' for a table that has area schemes side by side (a site is an area of the provider's main scheme,
    the one incidents' `area` names); '' for a release published before schemes existed."""
    return " AND scheme IS NULL" if "scheme" in rel.query(f'SELECT * FROM "{table}" LIMIT 0').columns else ""


def sites(rel: Release) -> pd.DataFrame:
    """Every site (area) the release names: area_id and name, from the areas table and from the areas the counts and
    patrols use (a guard log's site column needs no areas file). Sorted by name."""
    named = rel.query(f"SELECT area_id, name FROM areas WHERE area_id IS NOT NULL{main_scheme(rel, 'areas')}").astype(str)
    used = rel.query(
        f"""SELECT DISTINCT area FROM incident_counts WHERE area NOT IN ('{ALL_AREAS}', '{UNKNOWN_AREA}'){main_scheme(rel, 'incident_counts')}
            UNION SELECT DISTINCT area FROM engagement WHERE area IS NOT NULL{main_scheme(rel, 'engagement')}""")["area"].astype(str)
    extra = pd.DataFrame({"area_id": sorted(set(used) - set(named["area_id"]))})
    extra["name"] = extra["area_id"]
    out = pd.concat([named, extra], ignore_index=True)
    return out.sort_values(["name", "area_id"], key=lambda s: s.str.lower()).reset_index(drop=True)


def find_site(rel: Release, text: str) -> tuple[str, str]:
    """(area_id, name) of the site named `text` (its id or its name, any case); an input error listing the sites otherwise."""
    s = sites(rel)
    want = str(text or "").strip()
    for col in ("area_id", "name"):
        hit = s[s[col] == want]
        if hit.empty:
            hit = s[s[col].str.casefold() == want.casefold()]
        if not hit.empty:
            return str(hit["area_id"].iloc[0]), str(hit["name"].iloc[0])
    names = ", ".join(f"'{n}'" for n in s["name"]) or "none"
    raise InputError(f"release {rel.version} has no site '{want}'", f"Choose one of: {names}.")


def _site_quarters(rel: Release, site: str) -> list[str]:
    """Quarters from the first one with anything at the site to the release's last quarter."""
    first = rel.query(f"SELECT min(quarter) AS q FROM (SELECT quarter FROM incident_counts WHERE area = ?{main_scheme(rel, 'incident_counts')} "
                      f"UNION ALL SELECT quarter FROM engagement WHERE area = ?{main_scheme(rel, 'engagement')})", [site, site])["q"].iloc[0]
    allq = queries.all_quarters(rel)
    if first is None or pd.isna(first):
        return []
    return [q for q in Q.full_range(allq) if q >= first]


def _hidden_in_quarter(rel: Release, site: str, quarter: str) -> set[str]:
    return set(rel.query(f"SELECT category FROM incident_counts WHERE quarter = ? AND area = ? AND suppressed{main_scheme(rel, 'incident_counts')}",
                         [quarter, site])["category"])


def months_allowed(rel: Release, site: str, quarter: str) -> bool:
    """True when the published rows of the site in `quarter` add up to its published counts (every visible cell), so a
    month counted from the rows agrees with the quarter; false for a release whose rows and counts disagree."""
    cube = rel.query(f"SELECT category, n FROM incident_counts WHERE quarter = ? AND area = ? AND NOT suppressed{main_scheme(rel, 'incident_counts')}",
                     [quarter, site])
    rows = rel.query("SELECT category, count(*)::BIGINT AS n FROM incidents WHERE quarter = ? AND area = ? GROUP BY 1", [quarter, site])
    hidden = _hidden_in_quarter(rel, site, quarter)
    a = {str(c): int(n) for c, n in zip(cube["category"], cube["n"]) if int(n) > 0}
    b = {str(c): int(n) for c, n in zip(rows["category"], rows["n"]) if c not in hidden}
    return a == b


def available_periods(rel: Release, site: str) -> list[Period]:
    """The periods a report can be made for at this site, newest first: each quarter, and each of its months up to the
    month the data run to when the rows allow it."""
    out: list[Period] = []
    last = queries.data_as_of(rel)
    for q in _site_quarters(rel, site):
        out.append(Period(q))
        if months_allowed(rel, site, q):
            start = Q.start(q)
            for m in range(3):
                p = Period(f"{start.year}-{start.month + m:02d}")
                if last is None or p.start <= last.date():
                    out.append(p)
    return sorted(out, key=lambda p: (p.quarter, not p.is_month, p.start), reverse=True)  # a quarter, then its months


def resolve(rel: Release, site: str, period: str | Period) -> tuple[str, str, Period, list[Period]]:
    """(area_id, name, period, every period of the site) checked against the release: an input error naming what exists otherwise."""
    site_id, name = find_site(rel, site)
    p = period if isinstance(period, Period) else parse_period(period)
    have = available_periods(rel, site_id)
    if p not in have:
        listed = ", ".join(x.slug for x in have) or "none"
        raise InputError(f"release {rel.version} has no report for '{name}' in {p.slug}", f"Choose one of: {listed}.")
    return site_id, name, p, have


# ---------------------------------------------------------------- the numbers


@dataclass
class Group:
    """One offence or service group in the period and the one before."""

    kind: str
    category: str
    n: int | None  # None: hidden
    before: int | None = None  # None: hidden, or no earlier period
    before_known: bool = False

    @property
    def hidden(self) -> bool:
        return self.n is None


@dataclass
class Report:
    """Everything one client report shows, in numbers (no words yet)."""

    version: int
    published: str
    provider: str
    site: str
    site_name: str
    period: Period
    previous: Period | None  # None: the release has no earlier period for this site
    k: int
    sensitive: list[str]
    groups: list[Group]
    patrol: dict  # visits, hours, missing_hours
    patrol_before: dict | None
    response: dict  # kind -> {n, median, p90}
    trend: list[tuple[Period, int, int]]  # (period, crimes, service calls), oldest first
    data_to: dt.date | None
    source: str
    notes: list[str] = field(default_factory=list)

    def total(self, kind: str, before: bool = False) -> int:
        return sum((g.before if before else g.n) or 0 for g in self.groups if g.kind == kind)

    def hidden(self, kind: str, before: bool = False) -> int:
        if before:
            return sum(1 for g in self.groups if g.kind == kind and g.before_known and g.before is None)
        return sum(1 for g in self.groups if g.kind == kind and g.hidden)


def _sensitive(rel: Release) -> set[str]:
    return set(rel.privacy_note.get("sensitive_categories") or SENSITIVE_CATEGORIES)


def counts(rel: Release, site: str, period: Period) -> dict[tuple[str, str], int | None]:
    """(kind, category) -> count of the period at the site, None where hidden; groups with nothing are left out."""
    if not period.is_month:
        df = rel.query("SELECT coalesce(kind, 'crime') AS kind, category, n, suppressed FROM incident_counts "
                       f"WHERE quarter = ? AND area = ?{main_scheme(rel, 'incident_counts')}", [period.key, site])
        return {(k, c): (None if s else int(n)) for k, c, n, s in zip(df["kind"], df["category"], df["n"], df["suppressed"])
                if s or int(n) > 0}
    df = rel.query("SELECT coalesce(kind, 'crime') AS kind, category, count(*)::BIGINT AS n FROM incidents "
                   "WHERE area = ? AND occurred_at >= ? AND occurred_at < ? GROUP BY 1, 2",
                   [site, pd.Timestamp(period.start), pd.Timestamp(period.end)])
    k, sens = int(rel.privacy_note.get("k", 3)), _sensitive(rel)
    out: dict[tuple[str, str], int | None] = {}
    for kind, cat, n in zip(df["kind"], df["category"], df["n"]):
        out[(kind, cat)] = None if cat in sens and 0 < int(n) < k else int(n)
    # a group hidden in the quarter has no site on its rows, so the month cannot count it: hidden, never zero
    kinds = rel.query("SELECT DISTINCT coalesce(kind, 'crime') AS kind, category FROM incident_counts WHERE quarter = ? AND area = ? "
                      f"AND suppressed{main_scheme(rel, 'incident_counts')}", [period.quarter, site])
    for kind, cat in zip(kinds["kind"], kinds["category"]):
        out[(kind, cat)] = None
    return out


def _where_period(period: Period, date_col: str) -> tuple[str, list]:
    if period.is_month:
        return f"{date_col} >= ? AND {date_col} < ?", [pd.Timestamp(period.start), pd.Timestamp(period.end)]
    return "quarter = ?", [period.key]


def patrols(rel: Release, site: str, period: Period) -> dict:
    """Foot patrol visits at the site in the period, their hours, and how many give no hours."""
    where, params = _where_period(period, "date")
    df = rel.query(f"""SELECT count(*)::BIGINT AS visits, coalesce(sum(staff_hours), 0)::DOUBLE AS hours,
                              count(*) FILTER (WHERE staff_hours IS NULL)::BIGINT AS missing_hours
                       FROM engagement WHERE type = 'foot_patrol' AND area = ? AND {where}{main_scheme(rel, 'engagement')}""", [site, *params])
    return {k: (float(v) if k == "hours" else int(v)) for k, v in df.iloc[0].items()}


def response_times(rel: Release, site: str, period: Period) -> dict:
    """kind -> {n, median, p90} of the response minutes published for the site's rows in the period."""
    where, params = _where_period(period, "occurred_at")
    df = rel.query(f"""SELECT coalesce(kind, 'crime') AS kind, count(response_minutes)::BIGINT AS n, median(response_minutes) AS median,
                              quantile_cont(response_minutes, 0.9) AS p90
                       FROM incidents WHERE area = ? AND response_minutes IS NOT NULL AND {where} GROUP BY 1""", [site, *params])
    return {r.kind: {"n": int(r.n), "median": float(r.median), "p90": float(r.p90) if r.n >= P90_MIN else None} for r in df.itertuples()}


def build(rel: Release, site: str, period: str | Period, lang: str = "en") -> Report:
    """The report of `site` (id or name) in `period` from release `rel`; an input error when the release has no such report."""
    site_id, name, p, have = resolve(rel, site, period)
    prev = p.previous() if p.previous() in have else None
    now = counts(rel, site_id, p)
    before = counts(rel, site_id, prev) if prev else {}
    groups = []
    for kind, cat in sorted(set(now) | set(before), key=lambda kc: (kc[0] != SERVICE, kc[1])):
        groups.append(Group(kind, cat, now.get((kind, cat), 0) if (kind, cat) in now else 0,
                            before.get((kind, cat), 0) if prev else None, prev is not None))
    # the trend: this period and up to five before it that the site has (same kind of period)
    trend = []
    series = [x for x in have if x.is_month == p.is_month and x <= p]
    for x in sorted(series, key=lambda x: x.start)[-TREND_PERIODS:]:
        c = counts(rel, site_id, x)
        trend.append((x, sum(v or 0 for (kd, _), v in c.items() if kd == CRIME), sum(v or 0 for (kd, _), v in c.items() if kd == SERVICE)))
    last = queries.data_as_of(rel)
    srcs = release_sources(rel)
    return Report(
        version=rel.version, published=str(rel.manifest.get("published_at", ""))[:10], provider=provider(rel.store.root, lang)["name"],
        site=site_id, site_name=name, period=p, previous=prev, k=int(rel.privacy_note.get("k", 3)),
        sensitive=sorted(_sensitive(rel)), groups=groups, patrol=patrols(rel, site_id, p),
        patrol_before=patrols(rel, site_id, prev) if prev else None, response=response_times(rel, site_id, p), trend=trend,
        data_to=last.date() if last is not None and last.date() < p.end - dt.timedelta(days=1) else None,
        source=source_line(srcs, "incidents", rel.version, lang))


def changes(rep: Report) -> list[tuple[str, str, Change]]:
    """(what, kind, change) for the totals, the patrol visits and every group visible in both periods."""
    if rep.previous is None:
        return []
    out = [("crime", CRIME, compare(rep.total(CRIME, True), rep.total(CRIME))),
           ("service", SERVICE, compare(rep.total(SERVICE, True), rep.total(SERVICE))),
           ("visits", "", compare(rep.patrol_before["visits"], rep.patrol["visits"]))]
    for g in rep.groups:
        if g.n is not None and g.before is not None:
            out.append((g.category, g.kind, compare(g.before, g.n)))
    return out


# ---------------------------------------------------------------- HTML


def _esc(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def group_label(category: str, lang: str) -> str:
    """A group's name as a row or bar label (the catalogs write it for the middle of a sentence)."""
    text = label("category", category, lang)
    return text[:1].upper() + text[1:]


def _count(n: int | None, rep: Report, lang: str) -> str:
    return t("cell.hidden", lang, k=num(rep.k, lang)) if n is None else num(n, lang)


def _judge(c: Change, lang: str) -> str:
    if not c.significant:
        return t("judge.normal", lang)
    return t("judge.rise" if c.direction == "up" else "judge.fall", lang)


def _diff(c: Change, lang: str) -> str:
    d = c.after - c.before
    return ("+" if d > 0 else "−" if d < 0 else "±") + num(abs(d), lang)


HEAD = "head"  # a row of bars_svg that names the kind of the bars below it


def bars_svg(items: list[tuple[str, int | None | str, str]], title: str, desc: str, lang: str, hidden_text: str) -> str:
    """A horizontal bar chart as inline SVG: (label, count or None for hidden or HEAD for a heading row, kind) per row, each
    bar labelled with its number."""
    row, left, width, bar_w = 22, 190, 640, 380
    height = row * len(items) + 10
    top = max((n if isinstance(n, int) else 0) for _, n, _ in items) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'aria-labelledby="t-bars d-bars"><title id="t-bars">{_esc(title)}</title><desc id="d-bars">{_esc(desc)}</desc>']
    for i, (lab, n, kind) in enumerate(items):
        y = 5 + i * row
        if n == HEAD:  # the kind's name above its bars: crimes and calls for service are told apart by words, not colour alone
            parts.append(f'<text x="0" y="{y + 15}" class="val">{_esc(lab)}</text>')
            continue
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" class="lab">{_esc(lab)}</text>')
        if n is None:
            parts.append(f'<text x="{left + 4}" y="{y + 15}" class="val">{_esc(hidden_text)}</text>')
            continue
        bw = round(bar_w * n / top, 1)
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{bw}" height="{row - 7}" fill="{COLOURS.get(kind, "#555")}"/>')
        parts.append(f'<text x="{left + bw + 5}" y="{y + 15}" class="val">{_esc(num(n, lang))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns_svg(points: list[tuple[str, int, int]], names: tuple[str, str], title: str, desc: str, lang: str) -> str:
    """Crimes and calls for service side by side for each period, as inline SVG, each column labelled with its number."""
    width, height, base, top_pad, left = 640, 180, 140, 20, 10
    slot = (width - left) / max(len(points), 1)
    col = min(34.0, slot / 3)
    top = max([max(a, b) for _, a, b in points] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'aria-labelledby="t-trend d-trend"><title id="t-trend">{_esc(title)}</title><desc id="d-trend">{_esc(desc)}</desc>']
    for i, (lab, a, b) in enumerate(points):
        x0 = left + i * slot + slot / 2 - col
        for j, (v, kind) in enumerate(((a, CRIME), (b, SERVICE))):
            h = round((base - top_pad) * v / top, 1)
            x = round(x0 + j * col, 1)
            parts.append(f'<rect x="{x}" y="{base - h}" width="{col - 2}" height="{h}" fill="{COLOURS[kind]}"/>')
            parts.append(f'<text x="{x + (col - 2) / 2}" y="{base - h - 4}" text-anchor="middle" class="val">{_esc(num(v, lang))}</text>')
        parts.append(f'<text x="{left + i * slot + slot / 2}" y="{base + 16}" text-anchor="middle" class="lab">{_esc(lab)}</text>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="#111"/>')
    for j, (kind, name) in enumerate(zip((CRIME, SERVICE), names)):
        x = left + j * 200
        parts.append(f'<rect x="{x}" y="{height - 16}" width="12" height="12" fill="{COLOURS[kind]}"/>'
                     f'<text x="{x + 18}" y="{height - 6}" class="lab">{_esc(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(head: list[str], rows: list[list[str]], caption: str = "", total: list[str] | None = None) -> str:
    th = "".join(f'<th scope="col">{_esc(h)}</th>' for h in head)
    body = "".join("<tr>" + f'<th scope="row">{_esc(r[0])}</th>' + "".join(f"<td>{_esc(c)}</td>" for c in r[1:]) + "</tr>" for r in rows)
    if total:
        body += '<tr class="total">' + f'<th scope="row">{_esc(total[0])}</th>' + "".join(f"<td>{_esc(c)}</td>" for c in total[1:]) + "</tr>"
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    return f'<table>{cap}<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _kind_section(rep: Report, kind: str, lang: str) -> str:
    head_key, what = ("crime_h", "crime_sentence") if kind == CRIME else ("service_h", "service_sentence")
    groups = [g for g in rep.groups if g.kind == kind]
    period = rep.period.label(lang)
    title = w(head_key, lang)
    if not groups:
        return f"<section><h2>{_esc(title)}</h2><p>{_esc(w('no_rows', lang, what=title.lower(), period=period))}</p></section>"
    text = [w(what, lang, n=num(rep.total(kind), lang), site=rep.site_name, period=period)]
    if rep.hidden(kind):
        text.append(w("hidden_sentence", lang, n=num(rep.hidden(kind), lang), k=num(rep.k, lang)))
    head = [w("group", lang), period]
    rows = []
    for g in groups:
        r = [group_label(g.category, lang), _count(g.n, rep, lang)]
        if rep.previous is not None:
            before = _count(g.before, rep, lang)
            judged = _judge(compare(g.before, g.n), lang) if g.n is not None and g.before is not None else ""
            r += [before, judged]
        rows.append(r)
    total = [w("total", lang), num(rep.total(kind), lang)]
    if rep.previous is not None:
        head += [rep.previous.label(lang), w("judgement", lang)]
        total += [num(rep.total(kind, True), lang), _judge(compare(rep.total(kind, True), rep.total(kind)), lang)]
    return (f"<section><h2>{_esc(title)}</h2>" + "".join(f"<p>{_esc(x)}</p>" for x in text)
            + _table(head, rows, title, total) + "</section>")


def _metrics(rep: Report, lang: str) -> str:
    # medians of two kinds cannot be combined into one: the headline shows the service calls' (most of a guard's work), else the crimes'
    main = rep.response.get(SERVICE) or rep.response.get(CRIME)
    response = w("minutes", lang, n=num(main["median"], lang, 1 if main["median"] % 1 else 0)) if main else w("no_time", lang)
    items = [(w("metric_crime", lang), num(rep.total(CRIME), lang)), (w("metric_service", lang), num(rep.total(SERVICE), lang)),
             (w("metric_visits", lang), num(rep.patrol["visits"], lang)), (w("metric_hours", lang), num(rep.patrol["hours"], lang, 1)),
             (w("metric_response", lang), response)]
    return '<dl class="metrics">' + "".join(f"<div><dt>{_esc(a)}</dt><dd>{_esc(b)}</dd></div>" for a, b in items) + "</dl>"


def _charts(rep: Report, lang: str) -> str:
    period = rep.period.label(lang)
    items = []
    for kind, name in ((SERVICE, w("metric_service", lang)), (CRIME, w("metric_crime", lang))):
        bars = [(group_label(g.category, lang), g.n, g.kind) for g in rep.groups if g.kind == kind and (g.n is None or g.n > 0)]
        items += [(name, HEAD, kind), *bars] if bars else []
    out = []
    if items:
        out.append('<figure class="chart">' + bars_svg(items, w("chart_groups", lang, period=period),
                                                       w("chart_groups_desc", lang, site=rep.site_name, period=period), lang,
                                                       t("cell.hidden", lang, k=num(rep.k, lang)))
                   + f"<figcaption>{_esc(w('chart_groups', lang, period=period))}</figcaption></figure>")
    if len(rep.trend) > 1:
        first, last = rep.trend[0][0].label(lang), rep.trend[-1][0].label(lang)
        names = (w("metric_crime", lang), w("metric_service", lang))
        title = w("chart_trend", lang, first=first, last=last)
        svg = columns_svg([(p.label(lang), a, b) for p, a, b in rep.trend], names, title,
                          w("chart_trend_desc", lang, site=rep.site_name, first=first, last=last), lang)
        table = _table([w("period_col", lang), *names], [[p.label(lang), num(a, lang), num(b, lang)] for p, a, b in rep.trend])
        out.append(f'<figure class="chart">{svg}<figcaption>{_esc(title)}</figcaption></figure>{table}')
    return "".join(out)


def _patrol_section(rep: Report, lang: str) -> str:
    p, period = rep.patrol, rep.period.label(lang)
    if not p["visits"]:
        text = w("patrol_none", lang, site=rep.site_name, period=period)
    elif p["missing_hours"]:
        text = w("patrol_no_hours", lang, visits=num(p["visits"], lang), site=rep.site_name, period=period, hours=num(p["hours"], lang, 1),
                 missing=num(p["missing_hours"], lang))
    else:
        text = w("patrol_sentence", lang, visits=num(p["visits"], lang), site=rep.site_name, period=period, hours=num(p["hours"], lang, 1))
    head = [w("period_col", lang), w("visits", lang), w("hours", lang)]
    rows = [[period, num(p["visits"], lang), num(p["hours"], lang, 1)]]
    if rep.patrol_before is not None:
        rows.append([rep.previous.label(lang), num(rep.patrol_before["visits"], lang), num(rep.patrol_before["hours"], lang, 1)])
    return f"<section><h2>{_esc(w('patrol_h', lang))}</h2><p>{_esc(text)}</p>{_table(head, rows, w('patrol_h', lang))}</section>"


def _response_section(rep: Report, lang: str) -> str:
    title = w("response_h", lang)
    if not rep.response:
        return f"<section><h2>{_esc(title)}</h2><p>{_esc(w('response_none', lang))}</p></section>"
    text, rows = [], []
    for kind in (SERVICE, CRIME):
        r = rep.response.get(kind)
        if not r:
            continue
        name = w("metric_service" if kind == SERVICE else "metric_crime", lang)
        med = w("minutes", lang, n=num(r["median"], lang, 1 if r["median"] % 1 else 0))
        text.append(w("response_sentence", lang, what=name.lower(), site=rep.site_name, median=med, n=num(r["n"], lang)))
        p90 = w("minutes", lang, n=num(r["p90"], lang, 0)) if r["p90"] is not None else w("p90_few", lang)
        rows.append([name, num(r["n"], lang), med, p90])
    head = [w("response_kind", lang), w("with_time", lang), w("median", lang), w("p90", lang)]
    return (f"<section><h2>{_esc(title)}</h2>" + "".join(f"<p>{_esc(x)}</p>" for x in text) + _table(head, rows, title) + "</section>")


def _changed_section(rep: Report, lang: str) -> str:
    if rep.previous is None:
        return f"<section><h2>{_esc(w('changed_h', lang, period='…'))}</h2><p>{_esc(w('changed_none', lang))}</p></section>"
    before = rep.previous.label(lang)
    names = {"crime": w("metric_crime", lang), "service": w("metric_service", lang), "visits": w("metric_visits", lang)}
    lines, quiet = [], True
    for what, _kind, c in changes(rep):
        group = what not in names
        if group and not c.significant:
            continue  # a group within normal variation is in the tables; the list names the totals and real changes only
        quiet = quiet and not group
        name = group_label(what, lang) if group else names[what]
        if c.before == c.after:
            lines.append(w("changed_same", lang, what=name, after=num(c.after, lang), period=before))
        else:
            lines.append(w("changed_line", lang, what=name, after=num(c.after, lang), before=num(c.before, lang), period=before,
                           diff=_diff(c, lang), judge=_judge(c, lang)))
    if quiet:
        lines.append(w("changed_quiet", lang))
    notes = [w("changed_rule", lang)]
    if rep.hidden(CRIME) + rep.hidden(SERVICE) + rep.hidden(CRIME, True) + rep.hidden(SERVICE, True):
        notes.append(w("changed_hidden", lang))
    return (f"<section><h2>{_esc(w('changed_h', lang, period=before))}</h2><ul>" + "".join(f"<li>{_esc(x)}</li>" for x in lines)
            + "</ul>" + "".join(f'<p class="note">{_esc(x)}</p>' for x in notes) + "</section>")


def _about(rep: Report, lang: str) -> str:
    notes = [w("about_counts", lang, version=rep.version),
             w("about_privacy", lang, sensitive=", ".join(label("category", c, lang) for c in rep.sensitive), k=num(rep.k, lang))]
    if rep.period.is_month:
        notes.append(w("about_month_hidden", lang))
    notes.append(rep.source)
    return f"<section><h2>{_esc(w('about_h', lang))}</h2>" + "".join(f'<p class="note">{_esc(x)}</p>' for x in notes) + "</section>"


def html_page(rep: Report, lang: str = "en", *, approval: dict | None = None, draft: bool = False, paper: str = "a4") -> str:
    """The report as one HTML document with its style inside (no request leaves it), ready to print.

    `approval` ({'by', 'at', 'release'}) is drawn as the approval line; `draft` puts DRAFT across every page."""
    if paper not in PAPERS:
        raise InputError(f"no paper size '{paper}'", f"Choose one of: {', '.join(PAPERS)}.")
    period = rep.period.label(lang)
    status = ""
    if draft:
        status = f'<p class="draft-note">{_esc(w("draft_note", lang))}</p>'
    elif approval:
        when = fmt_date(pd.Timestamp(approval["at"]).date(), lang) if approval.get("at") else ""
        status = f'<p class="approved">{_esc(w("approved", lang, who=approval.get("by", ""), when=when, version=approval.get("release", rep.version)))}</p>'
    published = fmt_date(pd.Timestamp(rep.published).date(), lang) if rep.published else ""
    head = [f'<p class="subtitle">{_esc(w("subtitle", lang, site=rep.site_name, period=period))}</p>',
            f'<p class="release">{_esc(w("release", lang, version=rep.version, published=published))}</p>', status]
    if rep.data_to:
        head.append(f'<p class="note">{_esc(w("data_to", lang, date=fmt_date(rep.data_to, lang)))}</p>')
    body = [_metrics(rep, lang), _charts(rep, lang), _kind_section(rep, SERVICE, lang), _kind_section(rep, CRIME, lang),
            _patrol_section(rep, lang), _response_section(rep, lang), _changed_section(rep, lang), _about(rep, lang)]
    css = asset("client-report.css").replace("@page { size: A4;", f"@page {{ size: {PAPERS[paper]};")
    # the printed reports' page, shared with the annual security report (outputs/clery.py)
    return Template(asset("report.html")).substitute(
        lang=_esc(locale(lang).replace("_", "-")), meta='<meta name="viewport" content="width=device-width, initial-scale=1">', css=css,
        title=_esc(f"{w('title', lang)}: {rep.site_name}, {period}"), provider=_esc(rep.provider), heading=_esc(w("title", lang)),
        head="\n".join(head), body="\n".join(body),
        watermark=f'<div class="watermark" aria-hidden="true">{_esc(w("draft", lang))}</div>' if draft else "",
        footer=_esc(footer_text(rep, lang)))


# chromium's own page footer (a fixed-position footer is not placed reliably on every printed page): the report's line and
# "page 2 of 3", in the bottom margin of the page style
FOOTER = ('<div style="font: 7.5pt Liberation Sans, Arial, sans-serif; color: #333; width: 100%; margin: 0 15mm; display: flex; '
          'justify-content: space-between;"><span>{text}</span><span>{page}</span></div>')


def pdf_bytes(page: str, footer: str = "") -> bytes:
    """An HTML report printed to PDF by chromium with no network (the page's own @page size); `footer` (plain text) on
    every page beside the page number."""
    template = FOOTER.format(text=_esc(footer), page='<span class="pageNumber"></span> / <span class="totalPages"></span>')
    return print_pdf(page, template)


def footer_text(rep: Report, lang: str = "en", draft: bool = False) -> str:
    """The line at the foot of every printed page: provider, site, period, release (and DRAFT on a draft)."""
    text = w("footer", lang, provider=rep.provider, site=rep.site_name, period=rep.period.label(lang), version=rep.version)
    return f"{w('draft', lang)} · {text}" if draft else text


def file_name(rep: Report, lang: str, ext: str, draft: bool = False) -> str:
    """bridges-release-3-client-report-riverside-mall-2026-Q3-en.pdf (a DRAFT copy says so in its name)."""
    site = re.sub(r"[^a-z0-9]+", "-", rep.site_name.lower()).strip("-") or "site"
    return f"bridges-release-{rep.version}-client-report-{site}-{rep.period.slug}-{lang}{'-DRAFT' if draft else ''}.{ext}"
