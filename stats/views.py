"""The public pages as blocks (headings, sentences, figures, tables), built from small DuckDB aggregates.

No Streamlit here: the pages render these blocks, and the town-hall deck and the static site can reuse
them. Every query goes through `run(fn, *args)` (= fn(rel, *args)), so a caller can cache results by
release version without ever hashing a frame.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from model.public import PUBLIC_TABLES

from . import figures, i18n, periods, queries, schemes, sentences
from .blocks import Bullets, Chart, Doc, Downloads, Heading, Links, Metric, Metrics, Table, Text, cap
from .compare import compare
from .geo import outlines
from .i18n import date, day_names, hour_label, label, num, pct, quarter_label, t
from .rates import MIN_POPULATION, Rate, rate_per_1000
from .read import Release
from .releases import correction_text, history, privacy_sentences, release_summary, source_line, sources

PAGES = ("overview", "incidents", "community", "feedback", "trust", "data")
DEFAULT_TARGET_DAYS = 30.0
TOP_LINES = 5


def release_sources(rel: Release) -> list[dict]:
    return sources(rel.store, rel.manifest)


def feedback_target_days(rel: Release) -> float:
    """The provider's target for resolving a concern, in days: `targets.toml` in the store ([feedback] days_to_resolve), else 30."""
    p = rel.store.root / "targets.toml"
    try:
        d = tomllib.loads(p.read_text(encoding="utf-8"))
        v = float(d.get("feedback", {}).get("days_to_resolve", DEFAULT_TARGET_DAYS))
        return v if v > 0 else DEFAULT_TARGET_DAYS
    except (OSError, ValueError, tomllib.TOMLDecodeError, AttributeError):
        return DEFAULT_TARGET_DAYS


@dataclass
class Ctx:
    rel: Release
    area: str | None
    quarter: str | None
    lang: str
    run: Callable
    areas: pd.DataFrame
    quarters: list[str]  # quarters with incidents
    all_quarters: list[str]  # quarters of any dataset
    srcs: list[dict] = field(default_factory=list)
    scheme_names: dict[str, str] = field(default_factory=dict)  # areas of the other schemes by key ("district:7": "District 7")

    def q(self, fn, *args):
        return self.run(fn, *args)

    @property
    def names(self) -> dict[str, str]:
        return {**self.scheme_names, **dict(zip(self.areas["area_id"].astype(str), self.areas["name"].astype(str)))}

    def name(self, area_id) -> str:
        if area_id is None or (isinstance(area_id, float) and pd.isna(area_id)):
            return t("area.none", self.lang)
        if area_id == queries.UNKNOWN_AREA:
            return t("area.unknown", self.lang)
        return self.names.get(str(area_id), str(area_id))

    @property
    def where(self) -> str:
        return self.name(self.area) if self.area else t("area.all", self.lang)

    def ql(self, q: str | None) -> str:
        return quarter_label(q, self.lang) if q else ""

    @property
    def k(self) -> int:
        return int(self.rel.privacy_note.get("k", 3))

    def hidden(self) -> str:
        return t("cell.hidden", self.lang, k=num(self.k, self.lang))

    def count(self, n, suppressed=False) -> str:
        if suppressed or n is None or (isinstance(n, float) and pd.isna(n)) or n is pd.NA:
            return self.hidden()
        return num(int(n), self.lang)

    def source(self, dataset: str) -> str:
        return source_line(self.srcs, dataset, self.rel.version, self.lang)

    def span(self, qs: list[str]) -> str:
        if not qs:
            return ""
        return self.ql(qs[0]) if qs[0] == qs[-1] else t("span", self.lang, first=self.ql(qs[0]), last=self.ql(qs[-1]))


def direct(rel: Release) -> Callable:
    return lambda fn, *args: fn(rel, *args)


def context(rel: Release, area: str | None, quarter: str | None, lang: str, run: Callable | None = None) -> Ctx:
    """Validate the URL state against the release: an unknown area reads as all areas, an unknown quarter as the latest.
    Every view of a release starts here, so here the wording learns what the release counts (incidents or offences) and
    what its areas are (sites, beats ...)."""
    i18n.set_count_unit(rel.count_unit)
    run = run or direct(rel)
    i18n.set_area_kind(run(schemes.main_kind))  # "Site", "Beat" ... where every main area is one kind
    areas = run(queries.areas)
    qs = run(queries.quarters)
    allq = run(queries.all_quarters)
    ids = set(areas["area_id"].astype(str))
    every = run(schemes.scheme_areas)  # an area of another scheme is named by its key, "district:7" (stats.schemes)
    others = every[every["scheme"].notna()]
    scheme_names = dict(zip(others["key"], others["name"].astype(str)))
    if area in scheme_names:
        ids = ids | {area}
    if area and area not in ids:  # a link may name the area (?area=Riverside Mall): its id, when one area has that name
        named = [str(a) for a, n in zip(areas["area_id"], areas["name"]) if str(n).casefold() == str(area).strip().casefold()]
        area = named[0] if len(named) == 1 else None
    area = area if area in ids else None
    if quarter not in allq:
        quarter = qs[-1] if qs else (allq[-1] if allq else None)
    return Ctx(rel, area, quarter, lang, run, areas, qs, allq, run(release_sources), scheme_names)


def resolve(rel: Release, area: str | None, quarter: str | None, run: Callable | None = None) -> tuple[str | None, str | None]:
    c = context(rel, area, quarter, "en", run)
    return c.area, c.quarter


def _int(v) -> int:
    return 0 if v is None or pd.isna(v) else int(v)


def _compare_text(ctx: Ctx, series: dict[str, int], known: list[str], quarter: str) -> list[str]:
    """Judged changes against the previous quarter and the same quarter a year before (where the data covers them)."""
    out = []
    for other in (periods.previous(quarter), periods.year_ago(quarter)):
        if other in known:
            out.append(sentences.judged_change(series.get(other, 0), series.get(quarter, 0), ctx.ql(other), ctx.lang))
    return out


# ---------------------------------------------------------------- incidents


def _cube(ctx: Ctx) -> pd.DataFrame:
    return ctx.q(queries.incidents_by_quarter, ctx.area)


def cube_totals(cube: pd.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    """Visible totals and hidden-cell counts by quarter."""
    if cube.empty:
        return {}, {}
    vis = cube[~cube["suppressed"].astype(bool)].groupby("quarter")["n"].sum()
    hid = cube[cube["suppressed"].astype(bool)].groupby("quarter").size()
    return {q: int(v) for q, v in vis.items()}, {q: int(v) for q, v in hid.items()}


# what differs between the crime charts and the same charts of calls for service ("how we helped"): keys and words
_KIND_WORDS = {
    queries.CRIME: {"trend": "incidents.trend", "trend_s": "trend", "none": "s.no_incidents", "axis": "axis.incidents",
                    "response": "incidents.response", "response_s": "response", "response_none": "s.response.none",
                    "response_note": "note.response"},
    queries.SERVICE: {"trend": "incidents.service_trend", "trend_s": "service", "none": "s.service.none", "axis": "axis.calls",
                      "response": "incidents.service_response", "response_s": "service_response",
                      "response_none": "s.service_response.none", "response_note": "note.service_response"},
}


def trend_chart(ctx: Ctx, kind: str = queries.CRIME) -> Chart:
    """Counts by quarter, one line per group: offence groups (crime) or service groups (calls for service)."""
    w = _KIND_WORDS[kind]
    cube = _cube(ctx) if kind == queries.CRIME else ctx.q(queries.incidents_by_quarter, ctx.area, kind)
    qs = ctx.quarters
    lang = ctx.lang
    title = t(f"{w['trend']}.title", lang, where=ctx.where, span=ctx.span(qs))
    if cube.empty or not qs:
        return Chart(w["trend"], title, t(w["none"], lang, where=ctx.where), None, source=ctx.source("incidents"))
    totals, hidden = cube_totals(cube)
    vis = cube[~cube["suppressed"].astype(bool)]
    order = vis.groupby("category")["n"].sum().sort_values(ascending=False, kind="stable")
    cats = list(order.index)
    for c in cube["category"].unique():
        if c not in cats:
            cats.append(c)
    cell = {(r.quarter, r.category): (None if r.suppressed else _int(r.n)) for r in cube.itertuples()}
    have = set(qs)
    span = periods.full_range(qs)

    def value(q, cat):  # a quarter with no data at all is a gap; a group absent from a loaded quarter is zero
        return None if q not in have else cell.get((q, cat), 0)

    series = []
    for cat in cats[:TOP_LINES]:
        series.append({"name": label("category", cat, lang), "y": [value(q, cat) for q in span]})
    fig = figures.lines([ctx.ql(q) for q in span], series, title=title, lang=lang, x_title=t("axis.quarter", lang), y_title=t(w["axis"], lang))
    # the numbers: one row per quarter, one column per group, and the total
    rows = []
    for q in span:
        row = {t("col.quarter", lang): ctx.ql(q)}
        for cat in cats:
            if q not in have:
                row[label("category", cat, lang)] = t("cell.no_data", lang)
                continue
            v = cell.get((q, cat), 0)
            row[label("category", cat, lang)] = ctx.hidden() if v is None else num(v, lang)
        row[t("col.total_shown", lang)] = num(totals.get(q, 0), lang) if q in have else t("cell.no_data", lang)
        rows.append(row)
    q = ctx.quarter if ctx.quarter in qs else qs[-1]
    top = [(label("category", c, lang), cell.get((q, c)) or 0) for c in cats if cell.get((q, c))]
    top = sorted(top, key=lambda x: -x[1])[:3]
    sentence = sentences.trend(ctx.where, ctx.ql(q), totals.get(q, 0), hidden.get(q, 0), *(_compare_text(ctx, totals, qs, q) + [None, None])[:2], top, lang,
                               w["trend_s"])
    notes = []
    if len(cats) > TOP_LINES:
        notes.append(t("note.top_lines", lang, n=TOP_LINES))
    if len(span) > len(qs):
        notes.append(t("note.gaps", lang))
    if any(hidden.values()):
        notes.append(t("note.hidden_cells", lang, k=num(ctx.k, lang), k1=num(ctx.k - 1, lang)))
    return Chart(w["trend"], title, sentence, fig, pd.DataFrame(rows), notes, ctx.source("incidents"))


def _opt(v):
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


def area_rows(ctx: Ctx, quarter: str, cube_by_area: pd.DataFrame) -> list[dict]:
    """Every area of the areas table with its count, hidden cells, population and rate for the quarter.

    The rate is per 1,000 residents where the area has a population; otherwise per 1,000 of the denominator its provider
    gave (a client site's visitors, employees or units: `unit`, with `den_source`); otherwise none, and the reason says
    which count is missing."""
    by = {r.area: r for r in cube_by_area.itertuples()}
    counts_others = "denominator" in ctx.areas and ctx.areas["denominator"].notna().any()  # a provider of client sites
    rows = []
    for a in ctx.areas.itertuples():
        r = by.get(a.area_id)
        n = _int(r.n) if r is not None else 0
        hid = _int(r.hidden) if r is not None else 0
        pop = None if pd.isna(a.population) else int(a.population)
        den = _opt(getattr(a, "denominator", None))
        den = None if den is None else int(den)
        if pop is None and den is not None:
            rate = rate_per_1000(n, den, unit=_opt(getattr(a, "denominator_unit", None)) or "other")
        elif pop is None and counts_others:
            rate = Rate(None, "no_denominator")
        else:
            rate = rate_per_1000(n, pop)
        rows.append({"id": str(a.area_id), "name": str(a.name), "n": n, "hidden": hid, "population": pop, "denominator": den,
                     "unit": rate.unit, "den_source": _opt(getattr(a, "denominator_source", None)),
                     "rate": rate, "pop_source": None if pd.isna(a.population_source) else str(a.population_source),
                     "pop_year": None if pd.isna(a.population_year) else int(a.population_year)})
    return rows


def unit_name(unit: str | None, lang: str) -> str:
    """What a rate is per 1,000 of: residents, or a client site's visitors, employees, units ..."""
    return t("unit.residents", lang) if unit is None else label("unit", unit, lang)


def rate_value(rate, lang: str) -> str:
    """'2.1 per 1,000 residents' / '0.4 per 1,000 visitors'."""
    return t("value.rate_per", lang, v=num(rate.value, lang, 1), unit=unit_name(rate.unit, lang))


def no_rate_reason(rate, lang: str) -> str:
    if rate.unit is not None and rate.reason == "small_population":
        return t("rate.small_denominator", lang, min=num(MIN_POPULATION, lang), pop=num(rate.population, lang), unit=unit_name(rate.unit, lang))
    return t(f"rate.{rate.reason}", lang, min=num(MIN_POPULATION, lang), pop=num(rate.population, lang) if rate.population else "")


def _population_note(rows: list[dict], lang: str) -> str | None:
    srcs = sorted({(r["pop_source"] or "", r["pop_year"] or 0) for r in rows if r["population"]})
    notes = []
    if srcs:
        items = [t("population.item", lang, source=s or t("source_unknown", lang), year=y or "?") for s, y in srcs]
        notes.append(t("population.note", lang, items="; ".join(items), min=num(MIN_POPULATION, lang)))
    others = [r for r in rows if r["population"] is None and r["denominator"] is not None]
    if others:
        items = [t("denominator.item", lang, name=r["name"], n=num(r["denominator"], lang), unit=unit_name(r["unit"], lang),
                   source=r["den_source"] or t("source_unknown", lang)) for r in others]
        notes.append(t("denominator.note", lang, items="; ".join(items), min=num(MIN_POPULATION, lang)))
    return " ".join(notes) or None


def map_measures(ctx: Ctx) -> dict[str, str]:
    """What the map (or the ranked chart of areas) can show, each with its label: the rate per 1,000 only where the areas'
    rates are per 1,000 of one thing (residents, or one unit every client counted), and the count always. The page offers
    a choice only when there are two."""
    a = ctx.areas
    pop = a["population"].fillna(0) >= MIN_POPULATION
    den = ~pop & (a["denominator"].fillna(0) >= MIN_POPULATION) if "denominator" in a else pop & False
    units = ({None} if pop.any() else set()) | set(a.loc[den, "denominator_unit"].fillna("other")) if len(a) else set()
    out = {}
    if len(units) == 1:
        out["rate"] = t("map.measure.rate_per", ctx.lang, unit=unit_name(next(iter(units)), ctx.lang))
    out["count"] = t("map.measure.count", ctx.lang)
    return out


def map_measure_label(ctx: Ctx) -> str:
    """'Show on the map', or 'Show on the chart' where no area has a boundary (the ranked chart takes the map's place)."""
    return t("map.measure_label" if len(ctx.q(queries.area_shapes)) else "map.measure_label_ranked", ctx.lang)


def map_chart(ctx: Ctx, measure: str = "rate") -> Chart:
    """Incidents by area in the quarter: a map where the areas have boundaries; where none has one (client sites, patrol
    zones), a ranked bar chart takes its place. Either way the table lists every area with its count and rate."""
    lang, q = ctx.lang, ctx.quarter
    measure = measure if measure in ("rate", "count") else "rate"
    title = t(f"incidents.map.title_{measure}", lang, quarter=ctx.ql(q))
    if not q:
        return Chart("incidents.map", title, t("s.no_incidents", lang, where=t("area.all", lang)), None, source=ctx.source("incidents"))
    rows = area_rows(ctx, q, ctx.q(queries.incidents_by_area, q))
    shapes = ctx.q(queries.area_shapes)
    rings, points = outlines(zip(shapes["area_id"], shapes["geometry"]))
    have_shape = set(rings)
    notes = []
    where_shown = "map" if rings else "ranked"
    units = {r["rate"].unit for r in rows if r["rate"].value is not None}
    if rows and not units:  # no area has a population: counts, and say so (also when the page offered counts alone)
        measure = "count"
        title = t("incidents.map.title_count", lang, quarter=ctx.ql(q))
        notes.append(t(f"note.no_rates_{where_shown}", lang, min=num(MIN_POPULATION, lang)))
    elif measure == "rate" and len(units) > 1:
        measure = "count"  # rates per 1,000 visitors and per 1,000 employees cannot be ranked against each other
        title = t("incidents.map.title_count", lang, quarter=ctx.ql(q))
        notes.append(t(f"note.mixed_units_{where_shown}", lang, units=sentences.join_list([unit_name(u, lang) for u in sorted(units, key=str)], lang)))
    per = next(iter(units)) if len(units) == 1 else None  # a client site's unit (visitors ...) when every rate is per 1,000 of it
    if measure == "rate" and per is not None:
        title = t("incidents.map.title_rate_per", lang, quarter=ctx.ql(q), unit=unit_name(per, lang))
    shaded, unshaded = [], []
    for r in rows:
        if r["id"] not in have_shape:
            continue
        if measure == "count":
            val, txt = r["n"], num(r["n"], lang)
        elif r["rate"].value is not None:
            val, txt = round(r["rate"].value, 1), num(r["rate"].value, lang, 1)
        else:
            val, txt = None, t("rate.none_short", lang)
        full = f"{r['name']}: {txt}" if val is not None else f"{r['name']}: {no_rate_reason(r['rate'], lang)}"
        item = {"id": r["id"], "value": val, "label": full, "short": [r["name"], txt]}
        (shaded if val is not None else unshaded).append(item)
    ranked = [r for r in rows if (r["rate"].value is not None if measure == "rate" else True)]
    key = (lambda r: r["rate"].value) if measure == "rate" else (lambda r: r["n"])
    fmtv = (lambda r: rate_value(r["rate"], lang)) if measure == "rate" else (lambda r: t("value.incidents", lang, v=num(r["n"], lang)))
    axis = (t("axis.rate_per", lang, unit=unit_name(per, lang)) if per is not None else t("axis.rate", lang)) \
        if measure == "rate" else t("axis.incidents", lang)
    fig = None
    if rings:
        fig = figures.choropleth(rings, points, shaded, unshaded, title=title, lang=lang, colorbar_title=axis, highlight=ctx.area)
    elif ranked:  # no boundary at all: the areas ranked, the chosen one marked
        fig = figures.ranked([{"id": r["id"], "name": r["name"], "value": round(key(r), 1) if measure == "rate" else key(r),
                               "text": num(r["rate"].value, lang, 1) if measure == "rate" else num(r["n"], lang)} for r in ranked],
                             title=title, lang=lang, value_title=axis, highlight=ctx.area)
    high = max(ranked, key=key) if ranked else None
    low = min(ranked, key=key) if ranked else None
    # where some area has a rate, say why the others have none (also when the chart shows counts: rates per 1,000 of
    # different things); where none has one, the note says why once
    no_rate = [(r["name"], no_rate_reason(r["rate"], lang)) for r in rows if r["rate"].value is None] if measure == "rate" or units else []
    sentence = sentences.area_map(ctx.ql(q), measure, (high["name"], fmtv(high)) if high else None, (low["name"], fmtv(low)) if low else None, no_rate, lang)
    table = pd.DataFrame([_area_row(r, lang, any(x["denominator"] is not None for x in rows)) for r in rows])
    pn = _population_note(rows, lang)
    if pn:
        notes.append(pn)
    pts = ctx.q(queries.incident_points, q)
    unknown = ctx.q(queries.incidents_by_area, q)
    unknown_n = _int(unknown.loc[unknown["area"] == queries.UNKNOWN_AREA, "n"].sum()) if not unknown.empty else 0
    if rings:
        notes.append(sentences.no_point(_int(pts["n"].sum()), _int(pts["no_point"].sum()), unknown_n, lang))
    elif unknown_n:  # no map, so no map points to count: only the incidents no area takes
        notes.append(t("s.unknown_area", lang, n=num(unknown_n, lang)))
    if any(r["hidden"] for r in rows):
        notes.append(t("note.rate_hidden", lang, k=num(ctx.k, lang)))
    missing = [r["name"] for r in rows if r["id"] not in have_shape]
    if not rings and rows:
        notes.append(t("note.no_shapes", lang))
    elif missing:
        notes.append(t("note.no_boundary", lang, items=sentences.join_list(missing, lang)))
    return Chart("incidents.map", title, sentence, fig, table, notes, ctx.source("incidents") + " " + ctx.source("areas"))


def _child_word(kids: pd.DataFrame, lang: str) -> tuple[str | None, str]:
    """The scheme of an area's children shown (the first, where they are in several) and what one of them is called."""
    scheme = kids["scheme"].iloc[0] if len(kids) else None
    scheme = scheme if isinstance(scheme, str) else None
    return scheme, schemes.area_word(scheme, lang)


def children_chart(ctx: Ctx) -> Chart | None:
    """The areas a parent area contains (a district's beats), ranked by their incidents in the quarter, as the release
    publishes them at the children's level (hidden cells count nothing and are said); None for an area without children."""
    lang, q = ctx.lang, ctx.quarter
    kids = ctx.q(schemes.children, ctx.area)
    if kids.empty or not q:
        return None
    scheme, word = _child_word(kids, lang)
    if scheme not in ctx.q(queries.counted_schemes):  # a district's survey sectors: no incident is counted at that level
        return None
    kids = kids[kids["scheme"].isna() if scheme is None else kids["scheme"].eq(scheme)]
    counts = ctx.q(queries.incidents_by_area, q, None, queries.CRIME, scheme).set_index("area")
    rows = [{"id": k, "name": n, "n": _int(counts["n"].get(a, 0)) if a in counts.index else 0,
             "hidden": _int(counts["hidden"].get(a, 0)) if a in counts.index else 0}
            for k, a, n in zip(kids["key"], kids["area_id"].astype(str), kids["name"].astype(str))]
    title = t("incidents.children.title", lang, child=word.lower(), where=ctx.where, quarter=ctx.ql(q))
    items = [{"id": r["id"], "name": r["name"], "value": r["n"], "text": num(r["n"], lang)} for r in rows]
    fig = figures.ranked(items, title=title, lang=lang, value_title=t("axis.incidents", lang)) if rows else None
    top = max(rows, key=lambda r: r["n"])
    low = min(rows, key=lambda r: r["n"])
    sentence = t("s.children", lang, where=cap(ctx.where), quarter=ctx.ql(q), k=num(len(rows), lang), child=word.lower(),
                 top=top["name"], top_n=num(top["n"], lang), low=low["name"], low_n=num(low["n"], lang))
    table = pd.DataFrame({word: [r["name"] for r in rows],
                          t("col.incidents", lang): [num(r["n"], lang) + (" + " + t("cell.hidden_cells", lang, n=r["hidden"]) if r["hidden"] else "")
                                                     for r in rows]})
    notes = [t("note.rate_hidden", lang, k=num(ctx.k, lang))] if any(r["hidden"] for r in rows) else []
    return Chart("incidents.children", title, sentence, fig, table, notes, ctx.source("incidents"))


def _area_row(r: dict, lang: str, others: bool) -> dict:
    """One area's line of the table under the map (or the ranked chart): count, denominator and its source, rate. A
    provider of client sites (others: some area has a denominator other than residents) gets the denominator's columns."""
    rate = rate_value(r["rate"], lang) if r["rate"].value is not None else no_rate_reason(r["rate"], lang)
    row = {t("col.area", lang): r["name"],
           t("col.incidents", lang): num(r["n"], lang) + (" + " + t("cell.hidden_cells", lang, n=r["hidden"]) if r["hidden"] else "")}
    if others:
        count = r["population"] if r["population"] else r["denominator"]
        row[t("col.denominator", lang)] = f"{num(count, lang)} {unit_name(None if r['population'] else r['unit'], lang)}" if count else "–"
        row[t("col.denominator_source", lang)] = (f"{r['pop_source'] or ''} ({r['pop_year']})" if r["population"] else r["den_source"] or "–")
        row[t("col.rate_per", lang)] = rate
        return row
    row[t("col.residents", lang)] = num(r["population"], lang) if r["population"] else "–"
    row[t("col.population_source", lang)] = f"{r['pop_source'] or ''} ({r['pop_year']})" if r["population"] else "–"
    row[t("col.rate", lang)] = num(r["rate"].value, lang, 1) if r["rate"].value is not None else rate
    return row


def hour_chart(ctx: Ctx) -> Chart:
    lang, q = ctx.lang, ctx.quarter
    title = t("incidents.hour.title", lang, where=ctx.where, quarter=ctx.ql(q))
    df = ctx.q(queries.incidents_by_hour, ctx.area, q)
    prec = ctx.q(queries.incident_precision, ctx.area, q)
    total = _int(prec["n"].sum())
    exact = _int(prec.loc[prec["time_precision"] == "exact", "n"].sum())
    counts = {int(h): int(n) for h, n in zip(df["hour"], df["n"])}
    ys = [counts.get(h, 0) for h in range(24)]
    xs = [hour_label(h, lang) for h in range(24)]
    hi = max(range(24), key=lambda h: ys[h]) if exact else None
    lo = min(range(24), key=lambda h: ys[h]) if exact else None
    sentence = sentences.busiest(ctx.where, ctx.ql(q), "hour", (t("hour.span", lang, start=xs[hi], end=hour_label((hi + 1) % 24, lang)), ys[hi]) if exact else None,
                                 (t("hour.span", lang, start=xs[lo], end=hour_label((lo + 1) % 24, lang)), ys[lo]) if exact else None, total - exact, lang)
    fig = figures.bars(xs, ys, title=title, lang=lang, horizontal=False, x_title=t("axis.hour", lang), y_title=t("axis.incidents", lang),
                       texts=[num(v, lang) for v in ys], height=380, tick_labels=[f"{h:02d}" for h in range(24)], text_size=11) if exact else None
    table = pd.DataFrame({t("col.hour", lang): xs, t("col.incidents", lang): [num(v, lang) for v in ys]})
    return Chart("incidents.hour", title, sentence, fig, table, [], ctx.source("incidents"))


def weekday_chart(ctx: Ctx) -> Chart:
    lang, q = ctx.lang, ctx.quarter
    title = t("incidents.weekday.title", lang, where=ctx.where, quarter=ctx.ql(q))
    df = ctx.q(queries.incidents_by_weekday, ctx.area, q)
    prec = ctx.q(queries.incident_precision, ctx.area, q)
    total = _int(prec["n"].sum())
    dated = _int(prec.loc[prec["time_precision"].isin(["exact", "day"]), "n"].sum())
    counts = {int(d): int(n) for d, n in zip(df["weekday"], df["n"])}
    ys = [counts.get(d, 0) for d in range(7)]
    names = day_names(lang)
    hi = max(range(7), key=lambda d: ys[d]) if dated else None
    lo = min(range(7), key=lambda d: ys[d]) if dated else None
    sentence = sentences.busiest(ctx.where, ctx.ql(q), "weekday", (names[hi], ys[hi]) if dated else None, (names[lo], ys[lo]) if dated else None, total - dated, lang)
    fig = figures.bars(names, ys, title=title, lang=lang, horizontal=True, x_title=t("axis.incidents", lang), texts=[num(v, lang) for v in ys]) if dated else None
    table = pd.DataFrame({t("col.weekday", lang): names, t("col.incidents", lang): [num(v, lang) for v in ys]})
    return Chart("incidents.weekday", title, sentence, fig, table, [], ctx.source("incidents"))


def status_chart(ctx: Ctx) -> Chart:
    lang, q = ctx.lang, ctx.quarter
    title = t("incidents.status.title", lang, where=ctx.where, quarter=ctx.ql(q))
    df = ctx.q(queries.incident_status, ctx.area, q)
    if len(df) and set(df["status"]) == {"unknown"}:
        return Chart("incidents.status", title, t("s.status.no_status", lang), None, None, [], ctx.source("incidents"))
    total = _int(df["n"].sum())
    labels = [label("status", s, lang) for s in df["status"]]
    ns = [int(n) for n in df["n"]]
    texts = [t("value.count_share", lang, n=num(n, lang), share=pct(n / total, lang)) for n in ns] if total else []
    sentence = sentences.status(ctx.where, ctx.ql(q), total, list(zip(labels, ns)), lang)
    fig = figures.bars(labels, ns, title=title, lang=lang, texts=texts, x_title=t("axis.incidents", lang)) if total else None
    table = pd.DataFrame({t("col.status", lang): labels, t("col.incidents", lang): [num(n, lang) for n in ns],
                          t("col.share", lang): [pct(n / total, lang) for n in ns] if total else []})
    return Chart("incidents.status", title, sentence, fig, table, [t("note.status", lang)], ctx.source("incidents"))


def response_chart(ctx: Ctx, kind: str = queries.CRIME) -> Chart | Text:
    """Response times by quarter (median and 9 in 10) of crimes, or of calls for service."""
    lang, w = ctx.lang, _KIND_WORDS[kind]
    df = ctx.q(queries.response_times, ctx.area) if kind == queries.CRIME else ctx.q(queries.response_times, ctx.area, kind)
    if df.empty or _int(df["n"].sum()) == 0:
        return Text(t(w["response_none"], lang, where=ctx.where), "info")
    qs = list(df["quarter"])
    title = t(f"{w['response']}.title", lang, where=ctx.where, span=ctx.span(qs))
    row = df[df["quarter"] == ctx.quarter]
    r = row.iloc[0] if len(row) else None
    sentence = sentences.response(ctx.where, ctx.ql(ctx.quarter), _int(r["n"]) if r is not None else 0,
                                  None if r is None else float(r["median"]), None if r is None else float(r["p90"]), lang, w["response_s"])
    fig = figures.lines([ctx.ql(x) for x in qs], [
        {"name": t("response.median", lang), "y": [round(float(v), 1) for v in df["median"]]},
        {"name": t("response.p90", lang), "y": [round(float(v), 1) for v in df["p90"]]},
    ], title=title, lang=lang, x_title=t("axis.quarter", lang), y_title=t("axis.minutes", lang))
    table = pd.DataFrame({t("col.quarter", lang): [ctx.ql(x) for x in qs], t("col.calls_timed", lang): [num(v, lang) for v in df["n"]],
                          t("response.median", lang) + " (min)": [num(v, lang, 1) for v in df["median"]], t("response.p90", lang) + " (min)": [num(v, lang, 1) for v in df["p90"]]})
    return Chart(w["response"], title, sentence, fig, table, [t(w["response_note"], lang)], ctx.source("incidents"))


def service_types_chart(ctx: Ctx) -> Chart:
    """Calls for service of the quarter by group (visible cells of the suppressed cube), judged against earlier quarters."""
    lang, q = ctx.lang, ctx.quarter
    title = t("incidents.service_types.title", lang, where=ctx.where, quarter=ctx.ql(q))
    cube = ctx.q(queries.incidents_by_quarter, ctx.area, queries.SERVICE)
    totals, hidden = cube_totals(cube)
    sup = cube["suppressed"].astype(bool) if len(cube) else pd.Series([], dtype=bool)
    now = cube[(cube["quarter"] == q) & ~sup & (cube["n"].fillna(0) > 0)].sort_values(["n", "category"], ascending=[False, True])
    shut = cube[(cube["quarter"] == q) & sup]
    labels = [label("category", c, lang) for c in now["category"]]
    ns = [int(v) for v in now["n"]]
    changes = _compare_text(ctx, totals, ctx.quarters, q) if q in ctx.quarters else []
    sentence = sentences.service_types(ctx.where, ctx.ql(q), sum(ns), list(zip(labels, ns))[:3], len(shut), changes, lang)
    fig = figures.bars(labels, ns, title=title, lang=lang, texts=[num(v, lang) for v in ns], x_title=t("axis.calls", lang)) if ns else None
    table = pd.DataFrame({t("col.service_group", lang): labels + [label("category", c, lang) for c in shut["category"]],
                          t("col.calls", lang): [num(v, lang) for v in ns] + [ctx.hidden()] * len(shut)})
    notes = [t("note.service", lang)]
    if len(shut):
        notes.append(t("note.hidden_cells", lang, k=num(ctx.k, lang), k1=num(ctx.k - 1, lang)))
    return Chart("incidents.service_types", title, sentence, fig, table, notes, ctx.source("incidents"))


def helped(ctx: Ctx) -> list:
    """"How we helped": calls for service by type, their trend and response times, apart from every crime figure; nothing
    when the release has no call for service."""
    lang = ctx.lang
    if not ctx.q(queries.service_calls):
        return []
    return [
        Heading(t("incidents.h.helped", lang), "helped"), Text(t("service.intro", lang)),
        service_types_chart(ctx), trend_chart(ctx, queries.SERVICE), response_chart(ctx, queries.SERVICE),
    ]


def incidents(ctx: Ctx, measure: str = "rate") -> list:
    lang = ctx.lang
    if not ctx.quarters:
        return [Text(t("nodata.incidents", lang), "info")]
    return [
        Heading(t("incidents.h.trend", lang), "trend"), trend_chart(ctx),
        Heading(t("incidents.h.map", lang), "map"), map_chart(ctx, measure),
        *[c for c in [children_chart(ctx)] if c is not None],  # a district's beats, ranked
        Heading(t("incidents.h.when", lang), "when"), hour_chart(ctx), weekday_chart(ctx),
        Heading(t("incidents.h.status", lang), "status"), status_chart(ctx),
        Heading(t("incidents.h.response", lang), "response"), response_chart(ctx),
        *helped(ctx),
    ]


# ---------------------------------------------------------------- community engagement


def events_type_chart(ctx: Ctx) -> Chart:
    lang, q = ctx.lang, ctx.quarter
    title = t("community.type.title", lang, where=ctx.where, quarter=ctx.ql(q))
    df = ctx.q(queries.engagement_by_type, ctx.area, q)
    labels = [label("type", x, lang) for x in df["type"]]
    ev = [int(v) for v in df["events"]]
    known = ctx.q(queries.attendance_known)
    sentence = sentences.events_by_type(ctx.where, ctx.ql(q), sum(ev), _int(df["attendees"].sum()) if known else None, list(zip(labels, ev))[:3], lang)
    fig = figures.bars(labels, ev, title=title, lang=lang, texts=[num(v, lang) for v in ev], x_title=t("axis.events", lang)) if ev else None
    table = pd.DataFrame({t("col.type", lang): labels, t("col.events", lang): [num(v, lang) for v in ev],
                          t("col.attendance", lang): [num(v, lang) if known else "–" for v in df["attendees"]],
                          t("col.staff_hours", lang): [num(v, lang, 1) for v in df["staff_hours"]]})
    return Chart("community.type", title, sentence, fig, table, [], ctx.source("engagement"))


def events_area_chart(ctx: Ctx) -> Chart:
    lang, q = ctx.lang, ctx.quarter
    title = t("community.area.title", lang, quarter=ctx.ql(q))
    df = ctx.q(queries.engagement_by_area, q)
    named = df[df["area"].notna()].copy()
    named["label"] = [ctx.name(a) for a in named["area"]]
    named = named.sort_values(["events", "label"], ascending=[False, True])
    wide = _int(df.loc[df["area"].isna(), "events"].sum())
    labels, ev = list(named["label"]), [int(v) for v in named["events"]]
    top = (labels[0], ev[0]) if ev else None
    sentence = sentences.events_by_area(ctx.ql(q), top, wide, lang)
    fig = figures.bars(labels, ev, title=title, lang=lang, texts=[num(v, lang) for v in ev], x_title=t("axis.events", lang)) if ev else None
    known = ctx.q(queries.attendance_known)
    rows = [{t("col.area", lang): ctx.name(a), t("col.events", lang): num(e, lang), t("col.attendance", lang): num(at, lang) if known else "–",
             t("col.staff_hours", lang): num(h, lang, 1)}
            for a, e, at, h in zip(list(named["area"]) + ([None] if wide else []), list(named["events"]) + ([wide] if wide else []),
                                    list(named["attendees"]) + ([_int(df.loc[df['area'].isna(), 'attendees'].sum())] if wide else []),
                                    list(named["staff_hours"]) + ([float(df.loc[df['area'].isna(), 'staff_hours'].sum())] if wide else []))]
    return Chart("community.area", title, sentence, fig, pd.DataFrame(rows), [], ctx.source("engagement"))


def attendance_chart(ctx: Ctx) -> Chart:
    lang = ctx.lang
    df = ctx.q(queries.engagement_by_quarter, ctx.area)
    qs = list(df["quarter"])
    title = t("community.attendance.title", lang, where=ctx.where, span=ctx.span(qs))
    if df.empty:
        return Chart("community.attendance", title, t("s.events.none", lang, where=ctx.where, quarter=ctx.ql(ctx.quarter)), None, source=ctx.source("engagement"))
    att = [int(v) for v in df["attendees"]]
    hrs = [round(float(v), 1) for v in df["staff_hours"]]
    events = dict(zip(qs, (int(v) for v in df["events"])))
    q = ctx.quarter
    row = df[df["quarter"] == q]
    changes = _compare_text(ctx, events, ctx.all_quarters, q) if q else []
    sentence = sentences.attendance(ctx.where, ctx.ql(q), _int(row["attendees"].sum()), float(row["staff_hours"].sum()) if len(row) else 0.0,
                                    "; ".join(changes) if changes else None, lang)
    fig = figures.two_panels([ctx.ql(x) for x in qs], {"name": t("col.attendance", lang), "y": att, "texts": [num(v, lang) for v in att]},
                             {"name": t("col.staff_hours", lang), "y": hrs, "texts": [num(v, lang) for v in hrs]}, title=title, lang=lang)
    table = pd.DataFrame({t("col.quarter", lang): [ctx.ql(x) for x in qs], t("col.events", lang): [num(events[x], lang) for x in qs],
                          t("col.attendance", lang): [num(v, lang) for v in att], t("col.staff_hours", lang): [num(v, lang, 1) for v in hrs]})
    return Chart("community.attendance", title, sentence, fig, table, [t("note.attendance", lang)], ctx.source("engagement"))


def reach_chart(ctx: Ctx) -> Chart:
    lang, q = ctx.lang, ctx.quarter
    title = t("community.reach.title", lang, quarter=ctx.ql(q))
    inc = area_rows(ctx, q, ctx.q(queries.incidents_by_area, q)) if q else []
    eng = ctx.q(queries.engagement_by_area, q) if q else pd.DataFrame(columns=["area", "attendees"])
    att = {str(a): int(v) for a, v in zip(eng["area"], eng["attendees"]) if a is not None and not pd.isna(a)}
    rows = []
    for r in inc:
        reach = rate_per_1000(att.get(r["id"], 0), r["population"])
        rows.append({**r, "reach": reach, "attendees": att.get(r["id"], 0)})
    ok = [r for r in rows if r["rate"].value is not None and r["reach"].value is not None]
    ok.sort(key=lambda r: r["name"])
    fig = None
    if ok:
        fig = figures.grouped_bars([r["name"] for r in ok], [
            {"name": t("community.reach.attendance", lang), "values": [round(r["reach"].value, 1) for r in ok],
             "texts": [num(r["reach"].value, lang, 1) for r in ok]},
            {"name": t("community.reach.incidents", lang), "values": [round(r["rate"].value, 1) for r in ok],
             "texts": [num(r["rate"].value, lang, 1) for r in ok]},
        ], title=title, lang=lang, x_title=t("axis.per_1000", lang))
    top_rate = max(ok, key=lambda r: r["rate"].value) if ok else None
    top_reach = max(ok, key=lambda r: r["reach"].value) if ok else None
    sentence = sentences.reach(ctx.ql(q), (top_rate["name"], num(top_rate["rate"].value, lang, 1), num(top_rate["reach"].value, lang, 1)) if top_rate else None,
                               (top_reach["name"], num(top_reach["reach"].value, lang, 1)) if top_reach else None, lang)
    table = pd.DataFrame([{
        t("col.area", lang): r["name"], t("col.attendance", lang): num(r["attendees"], lang), t("col.incidents", lang): num(r["n"], lang),
        t("col.residents", lang): num(r["population"], lang) if r["population"] else "–",
        t("community.reach.attendance", lang): num(r["reach"].value, lang, 1) if r["reach"].value is not None else no_rate_reason(r["reach"], lang),
        t("community.reach.incidents", lang): num(r["rate"].value, lang, 1) if r["rate"].value is not None else no_rate_reason(r["rate"], lang),
    } for r in rows])
    notes = [t("note.reach", lang)]
    pn = _population_note(rows, lang)
    if pn:
        notes.append(pn)
    return Chart("community.reach", title, sentence, fig, table, notes, ctx.source("engagement") + " " + ctx.source("incidents"))


def patrols_chart(ctx: Ctx) -> Chart | None:
    """Foot patrol visits and patrol hours by quarter at the area (a client site: the guards' visits), judged against the
    quarters before; None where the release has no foot patrol. Visits without hours are counted and said."""
    lang, q = ctx.lang, ctx.quarter
    df = ctx.q(queries.patrols_by_quarter, ctx.area)
    every = ctx.q(queries.patrols_by_quarter, None)
    if every.empty:
        return None
    qs = list(df["quarter"])
    title = t("community.patrols.title", lang, where=ctx.where, span=ctx.span(qs))
    if df.empty:
        return Chart("community.patrols", title, t("community.patrols.none", lang, where=cap(ctx.where)), None, source=ctx.source("engagement"))
    visits = dict(zip(qs, (int(v) for v in df["visits"])))
    hrs = [round(float(v), 1) for v in df["hours"]]
    row = df[df["quarter"] == q]
    sentence = t("community.patrols.sentence", lang, where=cap(ctx.where), quarter=ctx.ql(q), visits=num(_int(row["visits"].sum()), lang),
                 hours=num(float(row["hours"].sum()) if len(row) else 0.0, lang, 1))
    changes = _compare_text(ctx, visits, ctx.all_quarters, q) if q else []
    if changes:
        sentence += " " + t("s.compared", lang, changes="; ".join(changes))
    fig = figures.two_panels([ctx.ql(x) for x in qs], {"name": t("community.patrols.visits", lang), "y": list(visits.values()),
                                                        "texts": [num(v, lang) for v in visits.values()]},
                             {"name": t("community.patrols.hours", lang), "y": hrs, "texts": [num(v, lang, 1) for v in hrs]}, title=title, lang=lang)
    table = pd.DataFrame({t("col.quarter", lang): [ctx.ql(x) for x in qs], t("community.patrols.visits", lang): [num(visits[x], lang) for x in qs],
                          t("community.patrols.hours", lang): [num(v, lang, 1) for v in hrs]})
    missing = _int(row["no_hours"].sum())
    notes = [t("community.patrols.no_hours", lang, n=num(missing, lang), quarter=ctx.ql(q))] if missing else []
    return Chart("community.patrols", title, sentence, fig, table, notes, ctx.source("engagement"))


def _missing(ctx: Ctx, table: str) -> list | None:
    """The whole page's content when the release has no such dataset: one plain sentence, not a row of empty charts."""
    if ctx.rel.has(table):
        return None
    return [Text(t(f"nodata.{table}", ctx.lang), "info")]


def community(ctx: Ctx) -> list:
    lang = ctx.lang
    if (missing := _missing(ctx, "engagement")) is not None:
        return missing
    out = [Heading(t("community.h.events", lang), "events"), events_type_chart(ctx), events_area_chart(ctx)]
    people, residents = ctx.q(queries.attendance_known), bool(ctx.areas["population"].notna().any())
    # a provider whose events count no one or whose areas have no residents (a guard log at client sites): its patrols,
    # visits and hours, take the place of attendance and reach; a police service's page stays as it was
    patrols = patrols_chart(ctx) if not (people and residents) else None
    if patrols is not None:
        out += [Heading(t("community.h.patrols", lang), "patrols"), patrols]
    if patrols is None or people:  # a guard log counts no attendance: no chart of zeros
        out += [Heading(t("community.h.attendance", lang), "attendance"), attendance_chart(ctx)]
    if residents:
        out += [Heading(t("community.h.reach", lang), "reach"), reach_chart(ctx)]
    else:  # client sites, patrol zones: no residents, so no reach per resident (and no chart of empty rates)
        out.append(Text(t("community.patrols.no_reach", lang), "note"))
    return out


# ---------------------------------------------------------------- feedback


def topics_chart(ctx: Ctx) -> Chart:
    lang, q = ctx.lang, ctx.quarter
    title = t("feedback.topics.title", lang, where=ctx.where, quarter=ctx.ql(q))
    df = ctx.q(queries.feedback_topics, ctx.area, q)
    sup = df["suppressed"].astype(bool) if len(df) else pd.Series([], dtype=bool)
    vis = df[~sup]
    hidden = df[sup]
    labels = [str(x) for x in vis["topic"]]
    ns = [int(v) for v in vis["n"]]
    sentence = sentences.topics(ctx.where, ctx.ql(q), sum(ns), list(zip(labels, ns))[:3], len(hidden), ctx.k, lang, bool(ctx.area))
    fig = figures.bars(labels, ns, title=title, lang=lang, texts=[num(v, lang) for v in ns], x_title=t("axis.concerns", lang)) if ns else None
    table = pd.DataFrame({t("col.topic", lang): [str(x) for x in df["topic"]],
                          t("col.concerns", lang): [ctx.count(n, s) for n, s in zip(df["n"], sup)]})
    notes = [t("note.topics_text", lang)]
    if len(hidden):
        notes.append(t("note.topics_hidden", lang, k=num(ctx.k, lang), items=sentences.join_list([str(x) for x in hidden["topic"]], lang)))
    if ctx.area:
        notes.append(t("note.feedback_area", lang))
    return Chart("feedback.topics", title, sentence, fig, table, notes, ctx.source("feedback"))


def channels_chart(ctx: Ctx) -> Chart:
    lang, q = ctx.lang, ctx.quarter
    title = t("feedback.channels.title", lang, where=ctx.where, quarter=ctx.ql(q))
    df = ctx.q(queries.feedback_channels, ctx.area, q)
    labels = [label("channel", c, lang) for c in df["channel"]]
    ns = [int(v) for v in df["n"]]
    total = sum(ns)
    sentence = sentences.channels(ctx.where, ctx.ql(q), total, (labels[0], ns[0]) if ns else None, lang, bool(ctx.area))
    fig = figures.bars(labels, ns, title=title, lang=lang, texts=[t("value.count_share", lang, n=num(v, lang), share=pct(v / total, lang)) for v in ns],
                       x_title=t("axis.concerns", lang)) if ns else None
    table = pd.DataFrame({t("col.channel", lang): labels, t("col.concerns", lang): [num(v, lang) for v in ns],
                          t("col.share", lang): [pct(v / total, lang) for v in ns] if total else []})
    return Chart("feedback.channels", title, sentence, fig, table, [], ctx.source("feedback"))


def resolution_charts(ctx: Ctx, target: float) -> list[Chart]:
    lang, q = ctx.lang, ctx.quarter
    df = ctx.q(queries.feedback_resolution, ctx.area, target)
    qs = list(df["quarter"])
    xs = [ctx.ql(x) for x in qs]
    row = df[df["quarter"] == q]
    rec = _int(row["received"].sum())
    res = _int(row["resolved"].sum())
    med = None if row.empty or pd.isna(row["median_days"].iloc[0]) else float(row["median_days"].iloc[0])
    sentence = sentences.resolution(ctx.where, ctx.ql(q), rec, res, med, target, lang, bool(ctx.area))
    shares = [(r / n if n else None) for r, n in zip(df["resolved"], df["received"])]
    t1 = t("feedback.resolved.title", lang, where=ctx.where, span=ctx.span(qs))
    fig1 = figures.bars(xs, [round(s * 100, 1) if s is not None else None for s in shares], title=t1, lang=lang, horizontal=False,
                        texts=[pct(s, lang) if s is not None else "" for s in shares], y_title=t("axis.share_resolved", lang), quarters=True,
                        value_range=[0, 115], value_ticks=[0, 20, 40, 60, 80, 100], value_suffix=" %") if qs else None
    table1 = pd.DataFrame({t("col.quarter", lang): xs, t("col.received", lang): [num(v, lang) for v in df["received"]],
                           t("col.resolved", lang): [num(v, lang) for v in df["resolved"]],
                           t("col.share", lang): [pct(s, lang) if s is not None else "–" for s in shares]})
    c1 = Chart("feedback.resolved", t1, sentence, fig1, table1, [t("note.resolved", lang)], ctx.source("feedback"))
    t2 = t("feedback.days.title", lang, where=ctx.where, span=ctx.span(qs), target=num(target, lang))
    meds = [None if pd.isna(v) else round(float(v), 1) for v in df["median_days"]]
    within = [(w / r if r else None) for w, r in zip(df["within_target"], df["resolved"])]
    s2 = sentences.resolution(ctx.where, ctx.ql(q), rec, res, med, target, lang, bool(ctx.area)) if med is None else \
        t("s.days.text", lang, where=ctx.where, quarter=ctx.ql(q), median=num(med, lang, 1), target=num(target, lang),
          within=pct(within[qs.index(q)], lang) if q in qs and within[qs.index(q)] is not None else "–")
    fig2 = figures.lines(xs, [{"name": t("axis.median_days", lang), "y": meds}], title=t2, lang=lang, x_title=t("axis.quarter", lang),
                         y_title=t("axis.days", lang), hline={"y": target, "label": t("target.label", lang, days=num(target, lang))}) if qs else None
    table2 = pd.DataFrame({t("col.quarter", lang): xs, t("axis.median_days", lang): [num(v, lang, 1) if v is not None else "–" for v in meds],
                           t("col.within_target", lang, days=num(target, lang)): [pct(w, lang) if w is not None else "–" for w in within]})
    c2 = Chart("feedback.days", t2, s2, fig2, table2, [t("note.target", lang, days=num(target, lang))], ctx.source("feedback"))
    return [c1, c2]


def open_table(ctx: Ctx, target: float) -> Table:
    lang = ctx.lang
    as_of = ctx.q(queries.data_as_of)
    as_of_d = (as_of.date() if as_of is not None else dt.date.today()).isoformat()
    df = ctx.q(queries.feedback_open_old, ctx.area, as_of_d, target)
    n_open = ctx.q(queries.feedback_open_count, ctx.area)
    oldest = date(df["received"].iloc[0], lang) if len(df) else None
    title = t("feedback.open.title", lang, where=ctx.where, days=num(target, lang), date=date(dt.date.fromisoformat(as_of_d), lang))
    sentence = sentences.open_old(ctx.where, len(df), n_open, target, oldest, lang)
    table = pd.DataFrame({t("col.received_on", lang): [date(d, lang, "medium") for d in df["received"]],
                          t("col.days_open", lang): [num(v, lang) for v in df["days_open"]],
                          t("col.topic", lang): [str(x) for x in df["topic"]],
                          t("col.channel", lang): [label("channel", c, lang) for c in df["channel"]],
                          t("col.area", lang): [ctx.name(a) for a in df["area"]],
                          t("col.status", lang): [label("fstatus", s, lang) for s in df["status"]]})
    return Table("feedback.open", title, sentence, table, [])


def resolved_table(ctx: Ctx) -> Table:
    lang, q = ctx.lang, ctx.quarter
    df = ctx.q(queries.feedback_resolved, ctx.area, q)
    title = t("feedback.list.title", lang, where=ctx.where, quarter=ctx.ql(q))
    sentence = t("s.list.text", lang, n=num(len(df), lang), where=ctx.where, quarter=ctx.ql(q)) if len(df) else t("s.list.none", lang, where=ctx.where, quarter=ctx.ql(q))
    table = pd.DataFrame({t("col.received_on", lang): [date(d, lang, "medium") if not pd.isna(d) else "–" for d in df["received"]],
                          t("col.resolved_on", lang): [date(d, lang, "medium") if not pd.isna(d) else "–" for d in df["resolved"]],
                          t("col.topic", lang): [str(x) for x in df["topic"]],
                          t("col.area", lang): [ctx.name(a) for a in df["area"]],
                          t("col.days", lang): [num(v, lang, 1) if not pd.isna(v) else "–" for v in df["days_to_resolve"]],
                          t("col.action", lang): ["" if x is None or pd.isna(x) else str(x) for x in df["action_taken"]]})
    notes = [t("note.actions_text", lang)]
    if len(df) >= 300:
        notes.append(t("note.list_limit", lang, n=300))
    return Table("feedback.list", title, sentence, table, notes)


def feedback(ctx: Ctx) -> list:
    lang = ctx.lang
    if (missing := _missing(ctx, "feedback")) is not None:
        return missing
    target = ctx.q(feedback_target_days)
    return [
        Heading(t("feedback.h.said", lang), "said"), topics_chart(ctx), channels_chart(ctx),
        Heading(t("feedback.h.resolved", lang), "resolved"), *resolution_charts(ctx, target),
        Heading(t("feedback.h.open", lang), "open"), open_table(ctx, target),
        Heading(t("feedback.h.did", lang), "did"), resolved_table(ctx),
    ]


# ---------------------------------------------------------------- trust


def _survey_min(ctx: Ctx) -> int:
    return int(ctx.rel.privacy_note.get("survey_min_respondents", 10))


def survey_chart(ctx: Ctx) -> Chart:
    lang, q = ctx.lang, ctx.quarter
    df = ctx.q(queries.survey_series, ctx.area)
    qs = sorted(df["quarter"].unique()) if len(df) else []
    where = ctx.where if ctx.area else t("area.service", lang)
    title = t("trust.series.title", lang, where=where, span=ctx.span(qs))
    measures = [m for m in ("trust", "safety", "respect", "listens") if m in set(df["measure"])] + sorted(set(df["measure"]) - {"trust", "safety", "respect", "listens"})
    cell = {(r.quarter, r.measure): r for r in df.itertuples()}

    def score(qq, m):
        r = cell.get((qq, m))
        return None if r is None or pd.isna(r.score) else round(float(r.score), 1)

    series = [{"name": label("measure", m, lang), "y": [score(x, m) for x in qs]} for m in measures]
    fig = figures.lines([ctx.ql(x) for x in qs], series, title=title, lang=lang, x_title=t("axis.quarter", lang), y_title=t("axis.score", lang),
                        y_range=[0, 100]) if qs else None
    items = []
    for m in measures:
        r = cell.get((q, m))
        if r is None or pd.isna(r.score):
            continue
        change = None
        for other in (periods.previous(q),):
            o = cell.get((other, m))
            if o is not None and not pd.isna(o.score):
                change = sentences.judged_score_change(float(o.score), _int(o.respondents) or None, float(r.score), _int(r.respondents) or None,
                                                       ctx.ql(other), lang)
        items.append((label("measure", m, lang), float(r.score), _int(r.respondents) or None, change))
    withheld_q = len({x for (x, m), r in cell.items() if pd.isna(r.score)})
    sentence = sentences.survey(where, ctx.ql(q), items, withheld_q, _survey_min(ctx), lang)
    rows = []
    for x in qs:
        for m in measures:
            r = cell.get((x, m))
            if r is None:
                continue
            rows.append({t("col.quarter", lang): ctx.ql(x), t("col.measure", lang): label("measure", m, lang),
                         t("col.score", lang): num(r.score, lang) if not pd.isna(r.score) else t("cell.too_few", lang, min=num(_survey_min(ctx), lang)),
                         t("col.respondents", lang): num(r.respondents, lang) if not pd.isna(r.respondents) else "–"})
    notes = [t("note.survey", lang, min=num(_survey_min(ctx), lang))]
    return Chart("trust.series", title, sentence, fig, pd.DataFrame(rows), notes, ctx.source("survey"))


def survey_area_chart(ctx: Ctx, measure: str = "trust") -> Chart:
    lang, q = ctx.lang, ctx.quarter
    mlab = label("measure", measure, lang)
    title = t("trust.areas.title", lang, measure=mlab, quarter=ctx.ql(q))
    df = ctx.q(queries.survey_by_area, q, measure)
    df = df.assign(name=[ctx.name(a) for a in df["area"]]).sort_values("name")
    ok = df[df["score"].notna()]
    withheld = int(df["score"].isna().sum())
    vals = [round(float(v), 1) for v in ok["score"]]
    texts = [t("value.score_n", lang, score=num(s, lang), n=num(n, lang)) for s, n in zip(ok["score"], ok["respondents"])]
    fig = figures.bars(list(ok["name"]), vals, title=title, lang=lang, texts=texts, x_title=t("axis.score", lang),
                       value_range=[0, 125], value_ticks=[0, 25, 50, 75, 100]) if vals else None
    hi = ok.loc[ok["score"].idxmax()] if len(ok) else None
    lo = ok.loc[ok["score"].idxmin()] if len(ok) else None
    sentence = sentences.survey_areas(ctx.ql(q), mlab, (hi["name"], float(hi["score"]), _int(hi["respondents"])) if hi is not None else None,
                                      (lo["name"], float(lo["score"]), _int(lo["respondents"])) if lo is not None else None, withheld, _survey_min(ctx), lang)
    table = pd.DataFrame({t("col.area", lang): list(df["name"]),
                          t("col.score", lang): [num(s, lang) if not pd.isna(s) else t("cell.too_few", lang, min=num(_survey_min(ctx), lang)) for s in df["score"]],
                          t("col.respondents", lang): [num(n, lang) if not pd.isna(n) else "–" for n in df["respondents"]]})
    return Chart("trust.areas", title, sentence, fig, table, [], ctx.source("survey"))


def survey_children_chart(ctx: Ctx, measure: str = "trust") -> Chart | None:
    """The areas a parent area contains (a police district's sectors), ranked by their survey score in the quarter, each at
    the level the survey measured it; None where the area has no children with a score row in the quarter."""
    lang, q = ctx.lang, ctx.quarter
    kids = ctx.q(schemes.children, ctx.area)
    if kids.empty or not q:
        return None
    mlab = label("measure", measure, lang)
    for scheme in dict.fromkeys(kids["scheme"].where(kids["scheme"].notna(), None)):
        mine = kids[kids["scheme"].isna() if scheme is None else kids["scheme"].eq(scheme)]
        df = ctx.q(queries.survey_by_area, q, measure, scheme)
        df = df[df["area"].astype(str).isin(set(mine["area_id"].astype(str)))]
        if len(df):
            break
    else:
        return None
    word = schemes.area_word(scheme, lang)
    names = dict(zip(mine["area_id"].astype(str), mine["name"].astype(str)))
    keys = dict(zip(mine["area_id"].astype(str), mine["key"]))
    df = df.assign(name=[names[str(a)] for a in df["area"]])
    ok = df[df["score"].notna()]
    withheld = int(df["score"].isna().sum())
    title = t("trust.children.title", lang, measure=mlab, child=word.lower(), where=ctx.where, quarter=ctx.ql(q))
    items = [{"id": keys[str(a)], "name": n, "value": round(float(v), 1), "text": num(v, lang)} for a, n, v in zip(ok["area"], ok["name"], ok["score"])]
    fig = figures.ranked(items, title=title, lang=lang, value_title=t("axis.score", lang)) if items else None
    hi = ok.loc[ok["score"].idxmax()] if len(ok) else None
    lo = ok.loc[ok["score"].idxmin()] if len(ok) else None
    sentence = sentences.survey_areas(ctx.ql(q), mlab, (hi["name"], float(hi["score"]), _int(hi["respondents"])) if hi is not None else None,
                                      (lo["name"], float(lo["score"]), _int(lo["respondents"])) if lo is not None else None, withheld, _survey_min(ctx), lang)
    table = pd.DataFrame({word: list(df["name"]),
                          t("col.score", lang): [num(s, lang) if not pd.isna(s) else t("cell.too_few", lang, min=num(_survey_min(ctx), lang)) for s in df["score"]],
                          t("col.respondents", lang): [num(n, lang) if not pd.isna(n) else "–" for n in df["respondents"]]})
    return Chart("trust.children", title, sentence, fig, table, [], ctx.source("survey"))


def trust(ctx: Ctx, measure: str = "trust") -> list:
    lang = ctx.lang
    if (missing := _missing(ctx, "survey")) is not None:
        return missing
    return [
        Heading(t("trust.h.series", lang), "series"), survey_chart(ctx),
        Heading(t("trust.h.areas", lang), "areas"), survey_area_chart(ctx, measure),
        *[c for c in [survey_children_chart(ctx, measure)] if c is not None],  # a district's sectors, ranked
    ]


# ---------------------------------------------------------------- overview


def _metric_counts(ctx: Ctx, key: str, lab: str, series: dict[str, int], known: list[str], extra: list[str] | None = None) -> Metric:
    q = ctx.quarter
    return Metric(key, lab, num(series.get(q, 0), ctx.lang), _compare_text(ctx, series, known, q) + (extra or []))


def overview(ctx: Ctx) -> list:
    lang, q = ctx.lang, ctx.quarter
    blocks: list = []
    metrics = []
    cube = _cube(ctx)
    totals, hidden = cube_totals(cube)
    extra = [t("s.hidden_not_counted", lang, n=num(hidden[q], lang))] if hidden.get(q) else []
    metrics.append(_metric_counts(ctx, "incidents", t("metric.incidents", lang), totals, ctx.quarters, extra))
    if ctx.q(queries.service_calls):  # calls for service beside crime, never in it
        s_totals, s_hidden = cube_totals(ctx.q(queries.incidents_by_quarter, ctx.area, queries.SERVICE))
        s_extra = [t("s.hidden_not_counted", lang, n=num(s_hidden[q], lang))] if s_hidden.get(q) else []
        metrics.append(_metric_counts(ctx, "service", t("metric.service", lang), s_totals, ctx.quarters, s_extra + [t("metric.service_detail", lang)]))
    eng = ctx.q(queries.engagement_by_quarter, ctx.area)
    if len(eng):
        people = [t("metric.attendance_detail", lang, n=num(_int(eng.loc[eng["quarter"] == q, "attendees"].sum()), lang))] \
            if ctx.q(queries.attendance_known) else []  # a guard log counts no one: no "0 attendances"
        metrics.append(_metric_counts(ctx, "events", t("metric.events", lang), dict(zip(eng["quarter"], map(int, eng["events"]))), ctx.all_quarters,
                                      people))
    target = ctx.q(feedback_target_days)
    fb = ctx.q(queries.feedback_resolution, ctx.area, target)
    if len(fb):
        received = dict(zip(fb["quarter"], map(int, fb["received"])))
        row = fb[fb["quarter"] == q]
        det = []
        if len(row) and _int(row["received"].sum()):
            det.append(t("metric.resolved_detail", lang, share=pct(_int(row["resolved"].sum()) / _int(row["received"].sum()), lang)))
        metrics.append(_metric_counts(ctx, "concerns", t("metric.concerns", lang), received, ctx.all_quarters, det))
    sv = ctx.q(queries.survey_series, ctx.area)
    tr = sv[(sv["measure"] == "trust") & (sv["quarter"] == q)] if len(sv) else sv
    if len(tr) and not pd.isna(tr["score"].iloc[0]):
        r = tr.iloc[0]
        det = [t("metric.respondents", lang, n=num(_int(r["respondents"]), lang))]
        prev = sv[(sv["measure"] == "trust") & (sv["quarter"] == periods.previous(q))]
        if len(prev) and not pd.isna(prev["score"].iloc[0]):
            p = prev.iloc[0]
            det.insert(0, sentences.judged_score_change(float(p["score"]), _int(p["respondents"]) or None, float(r["score"]), _int(r["respondents"]) or None,
                                                        ctx.ql(periods.previous(q)), lang))
        metrics.append(Metric("trust", t("metric.trust", lang), t("value.score", lang, score=num(r["score"], lang)), det))
    blocks.append(Heading(t("overview.h.headlines", lang, where=ctx.where, quarter=ctx.ql(q)), "headlines"))
    blocks.append(Metrics(metrics))
    blocks.append(Heading(t("overview.h.changed", lang), "changed"))
    blocks.append(Bullets(what_changed(ctx, cube)))
    blocks.append(Heading(t("overview.h.trend", lang), "trend"))
    blocks.append(trend_chart(ctx))
    blocks.append(Heading(t("overview.h.sections", lang), "sections"))
    blocks.append(Links([(p, t(f"about.{p}", lang)) for p in PAGES[1:]]))
    return blocks


def what_changed(ctx: Ctx, cube: pd.DataFrame, limit: int = 5) -> list[str]:
    """Offence groups whose count moved by more than normal variation against the previous quarter or a year before."""
    lang, q = ctx.lang, ctx.quarter
    if cube.empty or q not in ctx.quarters:
        return [t("changed.none_data", lang)]
    vis = cube[~cube["suppressed"].astype(bool)]
    hid = {(r.quarter, r.category) for r in cube[cube["suppressed"].astype(bool)].itertuples()}
    counts = {(r.quarter, r.category): _int(r.n) for r in vis.itertuples()}
    found = []
    others = [o for o in (periods.previous(q), periods.year_ago(q)) if o in ctx.quarters]
    for cat in sorted(set(cube["category"])):
        for o in others:
            if (q, cat) in hid or (o, cat) in hid:
                continue
            a, b = counts.get((o, cat), 0), counts.get((q, cat), 0)
            c = compare(a, b)
            if c.significant:
                found.append((abs(c.z), t("changed.item", lang, label=label("category", cat, lang), n=num(b, lang), quarter=ctx.ql(q),
                                                            change=sentences.judged_change(a, b, ctx.ql(o), lang))))
                break
    if not others:
        return [t("changed.no_earlier", lang)]
    if not found:
        return [t("changed.none", lang, periods=sentences.join_list([ctx.ql(o) for o in others], lang))]
    found.sort(key=lambda x: -x[0])
    return [s for _, s in found[:limit]]


# ---------------------------------------------------------------- data


DOC_METHODOLOGY = "docs/methodology.md"
DOC_DICTIONARY = "docs/data-dictionary.md"
DOC_PRIVACY = "docs/privacy.md"


def data(ctx: Ctx) -> list:
    lang, rel = ctx.lang, ctx.rel
    blocks: list = [Heading(t("data.h.downloads", lang), "downloads"), Text(t("data.downloads.intro", lang))]
    items = [(name, label("table", name, lang), ctx.q(queries.table_rows, name)) for name in PUBLIC_TABLES]
    blocks.append(Downloads([i for i in items if i[2] > 0]))
    # release history and corrections
    blocks.append(Heading(t("data.h.history", lang), "history"))
    hist = history(rel.store, rel.version)
    rows, corr = [], []
    for m in hist:
        rows.append({t("col.release", lang): str(m["version"]), t("col.summary", lang): release_summary(m, lang), t("col.note", lang): str(m.get("note") or "")})
        for c in m.get("corrections") or []:
            corr.append(t("corrections.in_release", lang, version=m["version"], text=correction_text(c, lang)))
    blocks.append(Table("data.history", t("data.history.title", lang), t("s.history", lang, n=num(len(hist), lang), version=rel.version), pd.DataFrame(rows)))
    blocks.append(Heading(t("data.h.corrections", lang), "corrections", 3))
    blocks.append(Bullets(corr[:200] if corr else [t("corrections.none", lang)]))
    # privacy
    blocks.append(Heading(t("data.h.privacy", lang), "privacy"))
    blocks.append(Text(t("privacy.intro", lang)))
    blocks.append(Bullets(privacy_sentences(rel.privacy_note, lang) or [t("privacy.none", lang)]))
    blocks.append(Doc(DOC_PRIVACY, t("data.doc.privacy", lang), "privacy-rules"))
    # sources
    blocks.append(Heading(t("data.h.sources", lang), "sources"))
    src_rows = [{t("col.dataset", lang): label("dataset", s["dataset"], lang), t("col.source", lang): s["title"] or "–", t("col.file", lang): s["file"] or "–",
                 t("col.rows", lang): num(s["rows"], lang) if s["rows"] is not None else "–", t("col.release", lang): str(s["release"] or "–")}
                for s in ctx.srcs]
    blocks.append(Table("data.sources", t("data.sources.title", lang), t("s.sources", lang, n=num(len(src_rows), lang)), pd.DataFrame(src_rows)))
    # methodology and dictionary
    blocks.append(Heading(t("data.h.methodology", lang), "methodology"))
    blocks.append(Doc(DOC_METHODOLOGY, t("data.doc.methodology", lang), "methodology-doc"))
    blocks.append(Heading(t("data.h.dictionary", lang), "dictionary"))
    blocks.append(Doc(DOC_DICTIONARY, t("data.doc.dictionary", lang), "dictionary-doc"))
    return blocks


def page(name: str, ctx: Ctx, **opts) -> list:
    """The blocks of one public page."""
    return {"overview": overview, "incidents": incidents, "community": community, "feedback": feedback, "trust": trust, "data": data}[name](ctx, **opts)
