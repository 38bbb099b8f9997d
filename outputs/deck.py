"""The town-hall deck: one area and one quarter of a published release as nine slides, with speaker notes.

No Streamlit here. The presenter page (/town-hall), the offline deck file (`python -m bridges deck`) and the slide
images all draw the same `Deck`. Every number comes from the release's public tables through stats.views and
stats.queries (the gate's output only), every change is judged with the Poisson test, and every text is plain text
(a renderer escapes it).

Slides: title · headline figures · what changed since the last meeting · top categories · map · what we did with
you · you said, we did · trust survey · how to reach us and where to find the data. A release with calls for service
also gets "how we helped" after the map (calls by type, response times); the crime slides never count those calls.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from model.fs import location
from stats import figures, periods, queries, sentences, views
from stats.blocks import Bullets, Chart, Metrics, cap
from stats.i18n import date, label, num, pct, t
from stats.read import Release
from stats.releases import published_date

SLIDES = ("title", "headlines", "changed", "categories", "map", "engagement", "said_did", "trust", "closing")
CHART_FONT = 26  # px: chart text on a 1080p projector (body text is 28 px, figures 72 px)
CHART_HEIGHT = 760  # px: the chart area of a 1920×1080 slide
CHART_WIDTH = 1920 - 48 - 700 - 48 - 48  # px: beside the 700 px text column, inside the 48 px margins
TOP_CATEGORIES = 6
OPTIONAL = {"engagement": "engagement", "said_did": "feedback", "trust": "survey"}  # slide → the dataset it needs
HELPED = "helped"  # the slide of calls for service, after the map, only in a release that has any
PROVIDER_FILE = "provider.toml"


@dataclass
class Figure:
    """A headline figure: what it counts, the number (big), and the judged comparisons (one sentence each)."""

    label: str
    value: str
    detail: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.detail = [cap(d) for d in self.detail]


@dataclass
class Slide:
    key: str
    heading: str
    figures: list[Figure] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    chart: Chart | None = None  # the figure is already scaled for the room (stats.figures.scaled)
    notes: list[str] = field(default_factory=list)  # speaker notes
    source: str = ""
    contact: list[str] = field(default_factory=list)  # closing slide: how to reach the provider (provider.toml)
    data: list[str] = field(default_factory=list)  # closing slide: where to find the data

    def __post_init__(self):
        self.bullets = [cap(b) for b in self.bullets]
        self.text = [cap(x) for x in self.text]
        self.notes = [cap(n) for n in self.notes if n]

    @property
    def figure(self):
        return self.chart.figure if self.chart is not None else None


@dataclass
class Deck:
    lang: str
    area: str | None  # area id, None = all areas
    where: str  # the area's name (or "all areas")
    quarter: str | None
    quarter_label: str
    version: int
    published: str  # date, formatted
    as_of: str  # last date in the data, formatted
    provider: dict
    slides: list[Slide]

    @property
    def title(self) -> str:
        return t("deck.doc_title", self.lang, where=cap(self.where), quarter=self.quarter_label)

    def stamp(self, slide: Slide) -> dict:
        """What an image of this slide's chart is stamped with: title, area, period, source, release."""
        c = slide.chart
        return {"title": c.title if c is not None else slide.heading, "area": cap(self.where), "period": self.quarter_label,
                "source": (c.source if c is not None and c.source else slide.source), "version": self.version, "lang": self.lang}


# ---------------------------------------------------------------- provider (closing slide)


def provider(root: str | Path | None, lang: str) -> dict:
    """How to reach the provider and where to find the data, from `provider.toml` in the data folder.

    [en]                                   [fr]
    name = "Riverton Police Service"       name = "Service de police de Riverton"
    contact = ["Community office: 555-0100", "community@riverton.example"]
    data = ["https://data.riverton.example"]

    A language without its own table uses [en]; a missing file or key uses neutral defaults from the catalogs."""
    doc: dict = {}
    if root is not None:
        try:
            doc = tomllib.loads((location(root) / PROVIDER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError, tomllib.TOMLDecodeError):
            doc = {}

    def pick(key):
        for part in (doc.get(lang), doc.get("en"), doc):
            if isinstance(part, dict) and part.get(key):
                v = part[key]
                return [str(x) for x in v] if isinstance(v, list) else str(v)
        return None

    name = pick("name")
    contact = pick("contact")
    data = pick("data")
    return {
        "name": name if isinstance(name, str) else t("deck.provider.name", lang),
        "contact": (contact if isinstance(contact, list) else [contact]) if contact else [t("deck.provider.contact", lang)],
        "data": (data if isinstance(data, list) else [data]) if data else [t("deck.provider.data", lang)],
        "configured": bool(doc),
    }


# ---------------------------------------------------------------- helpers


def _int(v) -> int:
    return 0 if v is None or pd.isna(v) else int(v)


def _for_room(chart: Chart | None, height: int = CHART_HEIGHT) -> Chart | None:
    """The chart with its figure scaled for the room (a copy: the pages' figure is not touched)."""
    if chart is None or chart.figure is None:
        return chart
    return Chart(chart.key, chart.title, chart.sentence, figures.scaled(chart.figure, CHART_FONT, height, CHART_WIDTH), chart.table,
                 chart.notes, chart.source)


def _sentence(x: str) -> str:
    x = x.strip()
    return x if not x or x.endswith((".", "!", "?", ")", "»")) else x + "."


def _figure_note(f: Figure, lang: str) -> str:
    return t("deck.notes.figure", lang, label=f.label, value=f.value, detail=" ".join(_sentence(d) for d in f.detail))


def _first(blocks: list, kind):
    return next((b for b in blocks if isinstance(b, kind)), None)


def _prev_label(ctx: views.Ctx) -> str | None:
    q = ctx.quarter
    return ctx.ql(periods.previous(q)) if q else None


# ---------------------------------------------------------------- slides


def _title(ctx: views.Ctx, deck: dict) -> Slide:
    lang = ctx.lang
    lines = [t("deck.title.subtitle", lang, quarter=ctx.ql(ctx.quarter)),
             t("deck.title.release", lang, version=ctx.rel.version, published=deck["published"], as_of=deck["as_of"]),
             deck["provider"]["name"]]
    notes = [t("deck.notes.title", lang, where=ctx.where, quarter=ctx.ql(ctx.quarter), version=ctx.rel.version, published=deck["published"]),
             t("deck.notes.variation", lang)]
    return Slide("title", cap(ctx.where), text=lines, notes=notes)


def _headlines(ctx: views.Ctx, overview: list) -> Slide:
    lang = ctx.lang
    m = _first(overview, Metrics)
    figs = [Figure(x.label, x.value, x.detail) for x in (m.items if m else [])]
    notes = [_figure_note(f, lang) for f in figs]
    notes.append(t("deck.notes.headlines", lang))
    return Slide("headlines", t("deck.headlines.heading", lang, where=cap(ctx.where), quarter=ctx.ql(ctx.quarter)), figures=figs, notes=notes)


def _changed(ctx: views.Ctx, overview: list) -> Slide:
    lang = ctx.lang
    b = _first(overview, Bullets)
    trend = _first(overview, Chart)
    items = (b.items if b else [])[:3]
    q, prev = ctx.quarter, periods.previous(ctx.quarter) if ctx.quarter else None
    if trend is not None and prev in ctx.quarters:  # the total first, judged against the last meeting's quarter
        totals, _ = views.cube_totals(ctx.q(queries.incidents_by_quarter, ctx.area))
        items.insert(0, t("deck.changed.total", lang, n=num(totals.get(q, 0), lang), quarter=ctx.ql(q),
                          change=sentences.judged_change(totals.get(prev, 0), totals.get(q, 0), ctx.ql(prev), lang)))
    notes = ([trend.sentence] if trend else []) + [t("deck.notes.changed", lang)] + (trend.notes if trend else [])
    return Slide("changed", t("deck.changed.heading", lang, previous=_prev_label(ctx) or ""), bullets=items, chart=_for_room(trend),
                 notes=notes, source=trend.source if trend else ctx.source("incidents"))


def categories_chart(ctx: views.Ctx) -> tuple[Chart, list[str]]:
    """The largest offence groups of the quarter (visible cells of the suppressed cube), and a judged change for the top three."""
    lang, q = ctx.lang, ctx.quarter
    cube = ctx.q(queries.incidents_by_quarter, ctx.area)
    title = t("deck.categories.title", lang, where=ctx.where, quarter=ctx.ql(q))
    if cube.empty or q not in set(cube["quarter"]):
        return Chart("deck.categories", title, t("s.no_incidents", lang, where=ctx.where), None, source=ctx.source("incidents")), []
    sup = cube["suppressed"].astype(bool)
    now = cube[(cube["quarter"] == q) & ~sup & (cube["n"].fillna(0) > 0)].sort_values(["n", "category"], ascending=[False, True])
    hidden = int(((cube["quarter"] == q) & sup).sum())
    top = now.head(TOP_CATEGORIES)
    labels = [label("category", c, lang) for c in top["category"]]
    values = [int(v) for v in top["n"]]
    prev = periods.previous(q)
    before = {r.category: (None if r.suppressed else _int(r.n)) for r in cube[cube["quarter"] == prev].itertuples()}
    have_prev = prev in ctx.quarters
    bullets = []
    for cat, lab, n in zip(top["category"][:3], labels[:3], values[:3]):
        if have_prev and before.get(cat, 0) is not None:
            bullets.append(t("deck.categories.item", lang, label=lab, n=num(n, lang), change=sentences.judged_change(before.get(cat, 0), n, ctx.ql(prev), lang)))
        else:
            bullets.append(t("counted", lang, label=lab, n=num(n, lang)))
    fig = figures.bars(labels, values, title=title, lang=lang, texts=[num(v, lang) for v in values], x_title=t("axis.incidents", lang)) if values else None
    total = int(now["n"].sum())
    sentence = t("deck.categories.sentence", lang, where=ctx.where, quarter=ctx.ql(q), n=num(total, lang),
                 items=sentences.counted(list(zip(labels, values))[:3], lang)) if values else t("s.no_incidents", lang, where=ctx.where)
    notes = [t("note.hidden_cells", lang, k=num(ctx.k, lang), k1=num(ctx.k - 1, lang))] if hidden else []
    table = pd.DataFrame({t("col.incidents", lang): [num(v, lang) for v in values]}, index=labels)
    return Chart("deck.categories", title, sentence, fig, table.reset_index(names=t("col.type", lang)), notes, ctx.source("incidents")), bullets


def _categories(ctx: views.Ctx) -> Slide:
    lang = ctx.lang
    chart, bullets = categories_chart(ctx)
    return Slide("categories", t("deck.categories.heading", lang), bullets=bullets, chart=_for_room(chart),
                 notes=[chart.sentence, *chart.notes, t("deck.notes.categories", lang)], source=chart.source)


def _map(ctx: views.Ctx) -> Slide:
    lang, q = ctx.lang, ctx.quarter
    # a parent area (a district): its children ranked, at their published level, in place of the map of every main area
    chart = views.children_chart(ctx) or views.map_chart(ctx, "rate")
    figs = []
    if ctx.area and q:
        rows = views.area_rows(ctx, q, ctx.q(queries.incidents_by_area, q))
        row = next((r for r in rows if r["id"] == ctx.area), None)
        if row is not None:
            if row["rate"].value is not None and row["rate"].unit is not None:  # a client site: per 1,000 of what its client counted
                unit = views.unit_name(row["rate"].unit, lang)
                figs.append(Figure(t("deck.map.rate_per", lang, unit=unit), num(row["rate"].value, lang, 1),
                                   [t("deck.map.rate_detail_per", lang, n=num(row["n"], lang), count=num(row["denominator"], lang), unit=unit,
                                      source=row["den_source"] or t("source_unknown", lang))]))
            elif row["rate"].value is not None:
                figs.append(Figure(t("deck.map.rate", lang), num(row["rate"].value, lang, 1),
                                   [t("deck.map.rate_detail", lang, n=num(row["n"], lang), pop=num(row["population"], lang))]))
            else:
                figs.append(Figure(t("metric.incidents", lang), num(row["n"], lang), [t("deck.map.no_rate", lang, reason=views.no_rate_reason(row["rate"], lang))]))
    return Slide("map", t("deck.map.heading", lang, quarter=ctx.ql(q)), figures=figs, text=[chart.sentence],
                 chart=_for_room(chart), notes=[chart.sentence, *chart.notes], source=chart.source)


def _helped(ctx: views.Ctx) -> Slide:
    """How we helped: calls for service of the quarter by type, judged against the last meeting's quarter, and how fast."""
    lang, q = ctx.lang, ctx.quarter
    chart = views.service_types_chart(ctx)
    totals, hidden = views.cube_totals(ctx.q(queries.incidents_by_quarter, ctx.area, queries.SERVICE))
    prev = periods.previous(q) if q else None
    detail = [sentences.judged_change(totals.get(prev, 0), totals.get(q, 0), ctx.ql(prev), lang)] if prev in ctx.quarters else []
    if hidden.get(q):
        detail.append(t("s.hidden_not_counted", lang, n=num(hidden[q], lang)))
    figs = [Figure(t("deck.helped.calls", lang), num(totals.get(q, 0), lang), detail)]
    times = ctx.q(queries.response_times, ctx.area, queries.SERVICE)
    row = times[times["quarter"] == q]
    if len(row) and _int(row["n"].iloc[0]):
        r = row.iloc[0]
        figs.append(Figure(t("deck.helped.response", lang), t("deck.helped.minutes", lang, m=num(float(r["median"]), lang, 1)),
                           [t("deck.helped.response_detail", lang, n=num(_int(r["n"]), lang), p90=num(float(r["p90"]), lang, 1))]))
    notes = [chart.sentence, *(_figure_note(f, lang) for f in figs), *chart.notes, t("deck.notes.helped", lang)]
    return Slide(HELPED, t("deck.helped.heading", lang), figures=figs, chart=_for_room(chart), notes=notes, source=chart.source)


def _engagement(ctx: views.Ctx) -> Slide:
    lang, q = ctx.lang, ctx.quarter
    heading = t("deck.engagement.heading", lang)
    if not ctx.rel.has("engagement"):
        return Slide("engagement", heading, text=[t("nodata.engagement", lang)], notes=[t("nodata.engagement", lang)])
    by_q = ctx.q(queries.engagement_by_quarter, ctx.area)
    events = dict(zip(by_q["quarter"], (int(v) for v in by_q["events"])))
    by_type = ctx.q(queries.engagement_by_type, ctx.area, q)
    n_events = _int(by_type["events"].sum())
    people = _int(by_type["attendees"].sum())
    hours = float(by_type["staff_hours"].sum()) if len(by_type) else 0.0
    school = _int(by_type.loc[by_type["type"] == "school_program", "events"].sum())
    school_people = _int(by_type.loc[by_type["type"] == "school_program", "attendees"].sum())
    prev = periods.previous(q)
    detail = [sentences.judged_change(events.get(prev, 0), n_events, ctx.ql(prev), lang)] if prev in ctx.all_quarters else []
    figs = [Figure(t("metric.events", lang), num(n_events, lang), detail),
            Figure(t("deck.engagement.attendance", lang), num(people, lang), [t("deck.engagement.hours", lang, hours=num(hours, lang))]),
            Figure(t("deck.engagement.school", lang), num(school, lang), [t("deck.engagement.school_detail", lang, n=num(school_people, lang))])]
    if not ctx.q(queries.attendance_known):  # a guard log: patrol visits and hours, not attendances of zero
        patrols = ctx.q(queries.patrols_by_quarter, ctx.area)
        row = patrols[patrols["quarter"] == q]
        figs = [figs[0], Figure(t("community.patrols.visits", lang), num(_int(row["visits"].sum()), lang), []),
                Figure(t("community.patrols.hours", lang), num(float(row["hours"].sum()) if len(row) else 0.0, lang, 1), [])]
    chart = views.events_type_chart(ctx)
    return Slide("engagement", heading, figures=figs, chart=_for_room(chart),
                 notes=[chart.sentence, *(_figure_note(f, lang) for f in figs), t("note.attendance", lang)],
                 source=chart.source)


def _said_did(ctx: views.Ctx) -> Slide:
    lang, q = ctx.lang, ctx.quarter
    heading = t("deck.said_did.heading", lang)
    if not ctx.rel.has("feedback"):
        return Slide("said_did", heading, text=[t("nodata.feedback", lang)], notes=[t("nodata.feedback", lang)])
    target = ctx.q(views.feedback_target_days)
    res = ctx.q(queries.feedback_resolution, ctx.area, target)
    row = res[res["quarter"] == q]
    received = _int(row["received"].sum())
    resolved = _int(row["resolved"].sum())
    med = None if row.empty or pd.isna(row["median_days"].iloc[0]) else float(row["median_days"].iloc[0])
    figs = [Figure(t("metric.concerns", lang), num(received, lang), [t("deck.said_did.resolved", lang, n=num(resolved, lang),
                                                                         share=pct(resolved / received, lang) if received else "–")]),
            Figure(t("deck.said_did.median", lang), num(med, lang, 1) if med is not None else "–",
                   [t("deck.said_did.target_met" if med is not None and med <= target else "deck.said_did.target", lang, days=num(target, lang))])]
    chart = views.topics_chart(ctx)
    topics = ctx.q(queries.feedback_topics, ctx.area, q)
    visible = topics[~topics["suppressed"].astype(bool)] if len(topics) else topics
    done = ctx.q(queries.feedback_resolved, ctx.area, q)
    bullets = []
    for topic, n in zip(visible["topic"][:3], visible["n"][:3]):
        acts = done[(done["topic"] == topic) & done["action_taken"].notna() & (done["action_taken"].astype(str).str.strip() != "")]
        action = str(acts["action_taken"].iloc[0]) if len(acts) else t("deck.said_did.no_action", lang)
        bullets.append(t("deck.said_did.item", lang, topic=str(topic), n=num(int(n), lang), action=action))
    notes = [chart.sentence, sentences.resolution(ctx.where, ctx.ql(q), received, resolved, med, target, lang, bool(ctx.area)),
             *chart.notes, t("note.actions_text", lang)]
    return Slide("said_did", heading, figures=figs, bullets=bullets, chart=_for_room(chart, 560), notes=notes, source=chart.source)


def _trust(ctx: views.Ctx) -> Slide:
    lang, q = ctx.lang, ctx.quarter
    heading = t("deck.trust.heading", lang)
    if not ctx.rel.has("survey"):
        return Slide("trust", heading, text=[t("nodata.survey", lang)], notes=[t("nodata.survey", lang)])
    chart = views.survey_chart(ctx)
    sv = ctx.q(queries.survey_series, ctx.area)
    figs = []
    prev = periods.previous(q)
    order = ["trust", "safety", "respect", "listens"]
    measures = sorted(set(sv["measure"]), key=lambda m: (order.index(m) if m in order else 9, m)) if len(sv) else []
    for m in measures[:3]:
        r = sv[(sv["measure"] == m) & (sv["quarter"] == q)]
        if r.empty or pd.isna(r["score"].iloc[0]):
            continue
        r = r.iloc[0]
        det = [t("metric.respondents", lang, n=num(_int(r["respondents"]), lang))]
        p = sv[(sv["measure"] == m) & (sv["quarter"] == prev)]
        if len(p) and not pd.isna(p["score"].iloc[0]):
            p = p.iloc[0]
            det.insert(0, sentences.judged_score_change(float(p["score"]), _int(p["respondents"]) or None, float(r["score"]),
                                                        _int(r["respondents"]) or None, ctx.ql(prev), lang))
        figs.append(Figure(label("measure", m, lang), t("value.score", lang, score=num(r["score"], lang)), det))
    text = [] if figs else [chart.sentence]
    return Slide("trust", heading, figures=figs, text=text, chart=_for_room(chart), notes=[chart.sentence, *chart.notes], source=chart.source)


def _closing(ctx: views.Ctx, deck: dict) -> Slide:
    lang = ctx.lang
    p = deck["provider"]
    text = [t("deck.closing.release", lang, version=ctx.rel.version, published=deck["published"])]
    return Slide("closing", t("deck.closing.heading", lang), text=text, contact=list(p["contact"]), data=list(p["data"]),
                 notes=[t("deck.notes.closing", lang)])


# ---------------------------------------------------------------- the deck


def build(rel: Release, area: str | None, quarter: str | None, lang: str, run: Callable | None = None) -> Deck:
    """The deck of `area` (None or unknown: all areas) for `quarter` (None, "latest" or unknown: the latest quarter)."""
    if quarter == "latest":
        quarter = None
    if area in ("all", ""):
        area = None
    ctx = views.context(rel, area, quarter, lang, run)
    pub = published_date(rel.manifest)
    as_of = ctx.q(queries.data_as_of)
    meta = {"published": date(pub, lang) if pub else "–", "as_of": date(as_of.date(), lang) if as_of is not None else "–",
            "provider": provider(rel.store.root, lang)}
    overview = views.overview(ctx)
    helped = [_helped(ctx)] if ctx.q(queries.service_calls) else []
    slides = [_title(ctx, meta), _headlines(ctx, overview), _changed(ctx, overview), _categories(ctx), _map(ctx), *helped, _engagement(ctx),
              _said_did(ctx), _trust(ctx), _closing(ctx, meta)]
    # a dataset the service has not published gets no slide of "no data" in front of the room; the closing notes say so
    absent = [key for key, name in OPTIONAL.items() if not ctx.rel.has(name)]
    if absent:
        slides = [s for s in slides if s.key not in absent]
        slides[-1].notes.extend(t(f"nodata.{OPTIONAL[k]}", lang) for k in absent)
    for s in slides:
        if s.source:
            s.notes.append(s.source)
    return Deck(lang, ctx.area, ctx.where, ctx.quarter, ctx.ql(ctx.quarter), rel.version, meta["published"], meta["as_of"],
                meta["provider"], slides)
