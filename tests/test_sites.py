"""A private security company's client sites, which have no boundaries: every public page, the deck page, the deck file and
the static site work for them, a ranked chart and a table of sites take the map's place, rates are per 1,000 of what a client
counted (visitors, employees, units) and a site without such a count gets counts and the reason there is no rate.

The store is the demo's Beacon Guard Services (demo/generate.py, fictional), served as `?provider=beacon-guard` from a data
folder beside an empty store of its own, as a fresh checkout serves it beside Riverton's police service. Sites: Riverside
Mall (RSM, 18,500 daily visitors), Harbour Point Office Park (HPO, 3,400 employees), Riverton General Hospital campus (RGH,
no count), Lakeview Tower (LVT, 312 units), Foundry Road Distribution Centre (FRD, 85 employees: too few for a rate).
"""
from __future__ import annotations

import csv
import json
import re
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from bridges.cli import main
from demo import build as demo, generate as demo_gen
from outputs import deck as D, site
from stats import figures, queries, views
from stats.i18n import t
from stats.read import open_release
from store.versioned import Store
from tests.numbers import tables as all_tables
from tests.test_pages_app import DASHBOARD

SECURITY = demo.SECURITY_ID
SITES = {"RSM": ("Riverside Mall", 18500, "visitors"), "HPO": ("Harbour Point Office Park", 3400, "employees"),
         "RGH": ("Riverton General Hospital campus", None, None), "LVT": ("Lakeview Tower", 312, "units"),
         "FRD": ("Foundry Road Distribution Centre", 85, "employees")}
PUBLIC_PAGES = ["overview", "incidents", "community", "feedback", "trust", "data"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A data folder whose own store is empty and which serves the private security company in providers/beacon-guard/."""
    root = tmp_path_factory.mktemp("sites") / "data"
    demo.build_demo(Store(demo.kind_root(root, demo.SECURITY)), kind=demo.SECURITY)
    return root


@pytest.fixture(scope="module")
def rel(folder):
    return open_release(demo.kind_root(folder, demo.SECURITY))


def _is_map(fig: dict) -> bool:
    """A map as the choropleth draws it: filled shapes (scatter traces with fill='toself')."""
    return any(d.get("fill") == "toself" for d in fig.get("data", []))


def _is_ranked(fig: dict) -> bool:
    return any((d.get("meta") or {}).get("ranked") for d in fig.get("data", []))


def _app(folder: Path, page: str, lang: str = "en", **params) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.query_params.update({"lang": lang, "provider": SECURITY, **params})
    at.run()
    if page != "overview":
        at.query_params.update({"lang": lang, "provider": SECURITY, **params})
        at.switch_page(f"public_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = ([m.value for m in at.markdown] + [c.value for c in at.caption] + [h.value for h in at.subheader] + [h.value for h in at.title]
             + [i.value for i in at.info])
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


# ---------------------------------------------------------------- the demo's private security company


def test_the_demo_has_a_private_security_company_with_sites_and_no_boundaries(rel):
    files = demo.demo_files()
    provider = tomllib.loads(files["security_provider"].read_text(encoding="utf-8"))
    assert provider["kind"] == "private_security" and "fictional" in provider["en"]["name"]
    with files["security_areas"].open(encoding="utf-8", newline="") as fh:
        sites = list(csv.DictReader(fh))
    assert len(sites) >= 4 and not any("geometry" in k.lower() or "shape" in k.lower() for k in sites[0])
    assert rel.query("SELECT count(*) AS n FROM areas WHERE geometry IS NOT NULL")["n"].iloc[0] == 0
    # mostly calls for service, some crime; every row of every file accepted
    kinds = rel.query("SELECT kind, count(*) AS n FROM incidents GROUP BY kind").set_index("kind")["n"]
    assert kinds["service"] > 3 * kinds["crime"] > 0
    groups = set(rel.query("SELECT DISTINCT category FROM incidents WHERE kind = 'service'")["category"])
    assert {"alarm", "medical", "welfare_check", "suspicious", "traffic_parking", "escort", "lost_found"} <= groups
    for key, dataset in (("security_incidents", "incidents"), ("security_engagement", "engagement"), ("security_areas", "areas")):
        with files[key].open(encoding="utf-8", newline="") as fh:
            rows = sum(1 for _ in csv.reader(fh)) - 1
        assert rel.manifest["row_counts"][dataset] == rows, dataset
    patrols = rel.query("SELECT type, count(*) AS n, sum(staff_hours) AS hours FROM engagement GROUP BY type")
    assert list(patrols["type"]) == ["foot_patrol"] and patrols["hours"].iloc[0] > 0
    assert "Beacon Guard Services" in (demo_gen.DEMO_DIR / "README.md").read_text(encoding="utf-8")


def test_a_fresh_checkout_builds_all_three_kinds():
    assert set(demo.KINDS) == {demo.POLICE, demo.CAMPUS, demo.SECURITY}
    assert demo.kind_root(Path("/x"), demo.SECURITY) == Path("/x/providers/beacon-guard")


# ---------------------------------------------------------------- no map: a ranked chart and a table


def test_ranked_figure_orders_sites_and_marks_the_chosen_one():
    fig = figures.ranked([{"id": "A", "name": "Alpha", "value": 3, "text": "3"}, {"id": "B", "name": "Beta <b>", "value": 9, "text": "9"},
                          {"id": "C", "name": "Gamma", "value": 5, "text": "5"}], title="t", lang="en", value_title="Incidents", highlight="C")
    bar = fig.data[0]
    assert bar.meta["areas"] == ["B", "C", "A"] and list(bar.x) == [9, 5, 3]
    assert bar.y[0] == "Beta &lt;b&gt;"  # data text stays text
    assert "<b>Gamma ◀</b>" == bar.y[1]  # the chosen site: bold and marked, not told by colour alone
    assert list(bar.marker.pattern.shape) == ["", "/", ""] and bar.marker.color[1] != bar.marker.color[0]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_rate_without_population_and_a_rate_with_a_denominator(rel, lang):
    ctx = views.context(rel, "RSM", None, lang)
    chart = views.map_chart(ctx)
    fig = chart.figure.to_plotly_json()
    assert not _is_map(fig) and _is_ranked(fig)
    counts = dict(zip(fig["data"][0]["meta"]["areas"], fig["data"][0]["meta"]["values"]))
    by_area = views.area_rows(ctx, ctx.quarter, ctx.q(queries.incidents_by_area, ctx.quarter))
    assert counts == {r["id"]: r["n"] for r in by_area}  # rates per 1,000 of different things: the chart ranks counts
    table = chart.table.set_index(chart.table.columns[0])
    rate_col = table.columns[-1]
    words = {"en": ("per 1,000 visitors", "per 1,000 employees", "per 1,000 units", "no count of residents", "only 85 employees"),
             "fr": ("pour 1 000 visiteurs", "pour 1 000 employés", "pour 1 000 logements", "aucun nombre d’habitants", "seulement 85 employés")}[lang]
    rsm = next(r for r in by_area if r["id"] == "RSM")
    assert rsm["rate"].value == pytest.approx(rsm["n"] * 1000 / 18500)
    assert table.loc["Riverside Mall", rate_col].startswith(f"{rsm['rate'].value:.1f}".replace(".", "," if lang == "fr" else "."))
    assert words[0] in table.loc["Riverside Mall", rate_col]
    assert words[1] in table.loc["Harbour Point Office Park", rate_col]
    assert words[2] in table.loc["Lakeview Tower", rate_col]
    assert words[3] in table.loc["Riverton General Hospital campus", rate_col]  # no population, no count: the reason
    assert words[4] in table.loc["Foundry Road Distribution Centre", rate_col]
    # no rate per resident anywhere: no site has residents
    shown = " ".join([chart.title, chart.sentence, *chart.notes, *map(str, chart.table.columns), *chart.table.astype(str).values.ravel()])
    assert ("residents" if lang == "en" else "habitants ") not in shown.replace("no count of residents", "")
    assert any(("No boundaries" if lang == "en" else "Aucune limite") in n for n in chart.notes)
    notes = re.sub("[\u00a0\u202f]", " ", " ".join(chart.notes))  # Babel's French thousands separator is a no-break space
    assert ("18,500 visitors" if lang == "en" else "18 500 visiteurs") in notes


def test_sites_counted_in_one_unit_are_ranked_by_rate(rel, monkeypatch):
    """When every site with a rate counts the same thing, the chart ranks rates per 1,000 of it."""
    real = queries.areas

    def visitors_only(r):
        df = real(r)
        return df.assign(denominator_unit=df["denominator_unit"].where(df["denominator"].isna(), "visitors"))

    ctx = views.context(rel, None, None, "en", lambda fn, *a: (visitors_only if fn is queries.areas else fn)(rel, *a))
    chart = views.map_chart(ctx)
    assert chart.title.startswith("Incidents per 1,000 visitors by site")
    meta = chart.figure.data[0].meta
    assert "FRD" not in meta["areas"] and "RGH" not in meta["areas"]  # too few, and no count: not ranked, in the table
    assert meta["values"] == sorted(meta["values"], reverse=True)
    assert "No rate for" in chart.sentence and "Riverton General Hospital campus" in chart.sentence


# ---------------------------------------------------------------- every public page, a site chosen by name


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_public_page_for_a_site(folder, monkeypatch, page):
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(folder))
    at = _app(folder, page, area="Riverside Mall")  # a link may name the site
    if page != "data":
        assert at.query_params["area"] == ["RSM"] or at.query_params["area"] == "RSM"
        assert at.selectbox[0].value == "RSM" and "Riverside Mall" in at.selectbox[0].options
    body = _texts(at)
    assert "Beacon Guard Services" in body
    figs = _figures(at)
    assert not any(_is_map(f) for f in figs)
    if page in ("overview", "incidents", "community"):
        assert figs, page
    if page == "incidents":
        ranked = [f for f in figs if _is_ranked(f)]
        assert len(ranked) == 1
        assert ranked[0]["data"][0]["y"][ranked[0]["data"][0]["meta"]["areas"].index("RSM")] == "<b>Riverside Mall ◀</b>"
        tables = " ".join(df.astype(str).to_string() for df in all_tables(at)) + " ".join(str(t.value) for t in at.table)
        assert "per 1,000 visitors" in tables and "no count of residents" in tables
        assert "calls for service" in body  # "how we helped": the guard log is mostly calls for service
        # rates per 1,000 visitors, employees and units cannot be ranked together: no choice of a rate is offered
        assert not at.radio or all("1,000" not in o for r in at.radio for o in r.options)
    if page in ("feedback", "trust"):  # the company publishes no concerns or survey: one plain sentence says so
        assert t(f"nodata.{'feedback' if page == 'feedback' else 'survey'}", "en") in body


def test_the_site_selector_chooses_a_site_by_its_name(folder, monkeypatch):
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(folder))
    at = _app(folder, "incidents")
    box = at.selectbox[0]
    assert {name for name, *_ in SITES.values()} <= set(box.options)
    box.select("HPO").run()
    assert not at.exception
    assert at.selectbox[0].value == "HPO"
    ranked = next(f for f in _figures(at) if _is_ranked(f))
    bar = ranked["data"][0]
    assert bar["y"][bar["meta"]["areas"].index("HPO")] == "<b>Harbour Point Office Park ◀</b>"


def test_deck_page_for_a_site(folder, monkeypatch):
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(folder))
    rel = open_release(demo.kind_root(folder, demo.SECURITY))
    deck = D.build(rel, "RSM", None, "en")
    n = [s.key for s in deck.slides].index("map") + 1
    at = _app(folder, "town_hall", area="Riverside Mall", slide=str(n))
    figs = _figures(at)
    assert len(figs) == 1 and _is_ranked(figs[0]) and not _is_map(figs[0])
    assert "Incidents per 1,000 visitors here" in " ".join(str(h.proto.body) for h in at.get("html"))
    # the hospital campus has no count for a rate: its slide gives the count and says why there is no rate
    rgh = next(s for s in D.build(rel, "RGH", None, "en").slides if s.key == "map")
    assert rgh.figures[0].detail and "No rate: no count of residents" in rgh.figures[0].detail[0]


# ---------------------------------------------------------------- the deck file and the static site


@pytest.mark.slow
def test_deck_file_for_one_site_by_name(folder, tmp_path, capsys):
    out = tmp_path / "mall.html"
    sec = demo.kind_root(folder, demo.SECURITY)
    assert main(["deck", str(out), "--area", "Riverside Mall", "--data-dir", str(sec)]) == 0
    assert "Riverside Mall" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    figs = [json.loads(m) for m in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)]
    figs = [f for f in figs if isinstance(f, dict) and "data" in f]
    assert figs and not any(_is_map(f) for f in figs) and sum(_is_ranked(f) for f in figs) == 1
    assert "Incidents per 1,000 visitors here" in html
    assert main(["deck", str(out), "--area", "nowhere mall", "--data-dir", str(sec)]) == 2
    err = capsys.readouterr().err
    assert "Riverside Mall (RSM)" in err and "choose 'all' or one of these names or ids" in err


@pytest.mark.slow
def test_static_site_for_a_store_without_shapes(rel, tmp_path):
    out = tmp_path / "site"
    site.build(rel.store.root, out)
    pages = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}
    for code, (name, *_rest) in SITES.items():
        assert f"area-{code}.html" in pages and name in pages[f"area-{code}.html"]
    mall = pages["area-RSM.html"]
    assert "No boundaries are published for these sites" in mall and "per 1,000 visitors" in mall  # the sites' own word (kind)
    assert '"ranked": true' in mall or '"ranked":true' in mall
    assert not any('"fill": "toself"' in h or '"fill":"toself"' in h for h in pages.values())
    assert "par site" in pages["area-RSM.fr.html"] or "pour 1 000 visiteurs" in pages["area-RSM.fr.html"]
