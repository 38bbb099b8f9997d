"""Cheap page views: the protocol client of bench/load.py still speaks Streamlit's websocket protocol, and a page
drawn from the shared cache (figures as JSON, tables as Arrow) shows exactly what the page built afresh shows."""
from __future__ import annotations

import asyncio
import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from bench import load
from tests.browser import streamlit_server
from tests.test_pages_app import DASHBOARD


@pytest.mark.slow  # a Streamlit server in a subprocess, driven for ten seconds
def test_protocol_client_drives_real_sessions(demo_copy):
    """Three residents for about ten seconds against a real server: pages open, nothing fails."""
    views = load.views_of(demo_copy)
    assert {v.page for v in views} == {"", "incidents", "community", "feedback", "trust", "data"}
    with streamlit_server(demo_copy) as base:
        result = asyncio.run(load.drive(base, views, sessions=3, duration=10, views_per_session=3, timeout=60))
    summary = result.summary()
    assert summary["views"] > 0 and summary["sessions"] >= 3, summary
    assert summary["errors"] == 0, summary


@pytest.mark.slow  # a Streamlit server in a subprocess
def test_protocol_client_reports_a_failing_page(demo_copy):
    """An error the server reports (here: a page that does not exist) counts as an error, not as a view."""
    with streamlit_server(demo_copy) as base:
        with pytest.raises(load.ViewError) as e:
            asyncio.run(load.one_view(base, load.View("no-such-page", "lang=en")))
    assert e.value.kind == "page_not_found"


def _snapshot(at: AppTest, offered: list) -> dict:
    """What a resident gets from the page: every text, chart spec, table and download offered."""
    return {
        "offered": list(offered),
        "titles": [x.value for x in at.title], "headers": [x.value for x in at.header], "subheaders": [x.value for x in at.subheader],
        "markdown": [x.value for x in at.markdown], "metrics": [(m.label, m.value) for m in at.metric],
        "charts": [json.loads(c.proto.spec) for c in at.get("plotly_chart")],
        "tables": [df.value.reset_index(drop=True).astype(str).to_dict("list") for df in at.dataframe],
        "downloads": [b.proto.label for b in at.get("download_button")],
        "links": [(p.proto.label, p.proto.page) for p in at.get("page_link")],
    }


def _record_downloads(monkeypatch) -> list:
    """Record each download button's label and file name, and what a deferred one would make its file from (the
    chart's JSON and stamp an image button hands to outputs.images), without making it."""
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    offered = []
    real = DeltaGenerator.download_button

    def keep(self, label, data=None, file_name=None, *args, **kwargs):
        inputs = [c.cell_contents for c in (getattr(data, "__closure__", None) or ()) if isinstance(c.cell_contents, str)]
        offered.append((label, file_name, inputs))
        return real(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", keep)
    monkeypatch.setattr(st, "download_button", lambda *a, **k: keep(st._main, *a, **k))  # st.download_button is bound at import
    return offered


def _view(page: str, params: dict, offered: list | None = None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.query_params.update(params)
    at.run()
    at.query_params.update(params)
    if offered is not None:
        offered.clear()  # only what the page asked for offers
    at.switch_page(f"public_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page,area,quarter,lang", [("incidents", "MS", "2026Q2", "fr"), ("feedback", None, "2025Q3", "en"),
                                                     ("overview", "HB", "2024Q4", "fr")])
def test_cached_page_shows_what_the_page_built_afresh_shows(demo_copy, monkeypatch, page, area, quarter, lang):
    """The same view three times: built afresh and drawn as before the cache (blocks straight from stats.views),
    then through the cache (built once), then from the cache only (building is made to fail): all three alike."""
    from stats import views
    from ui import render as R
    from ui.public import file_links
    from ui.public import page as P

    monkeypatch.setenv("BRIDGES_DATA_DIR", str(demo_copy))
    params = {"lang": lang, "quarter": quarter, **({"area": area} if area else {})}

    def afresh(name, ctx, downloads=None, hooks=None, **opts):  # the page body built on this view (prepared for drawing, not cached)
        view = file_links.view(None, ctx.rel.version, name, ctx.area, ctx.quarter, ctx.lang, tuple(sorted(opts.items())))
        R.render(R.prepare(views.page(name, ctx, **opts)), ctx.lang, lambda p, label: P.link_to(p, label), downloads, hooks,
                 image_links=lambda key: P.image_links(view, key, ctx.lang))

    offered = _record_downloads(monkeypatch)

    def snapshot() -> dict:
        return _snapshot(_view(page, params, offered), offered)

    with monkeypatch.context() as m:
        m.setattr(P, "body", afresh)
        before = snapshot()
    first = snapshot()

    def no_build(*a, **k):
        raise AssertionError("the page was built again instead of coming from the cache")

    with monkeypatch.context() as m:
        m.setattr(views, "page", no_build)
        cached = snapshot()
    assert before["charts"] and before["markdown"] and any(m.startswith("| ") for m in before["markdown"])  # numbers as tables
    svg_links = [u for m in before["markdown"] for u in re.findall(r"\]\((/download/chart\?[^)]+format=svg[^)]*)\)", m)]
    assert len(svg_links) == len(before["charts"])  # a link to each chart as an image
    for part in before:
        assert first[part] == before[part], part
        assert cached[part] == before[part], part


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_ready_figure_sends_what_streamlit_makes_of_the_figure(demo_store, lang):
    """st.plotly_chart's own path (plotly.tools.return_figure_from_figure_or_data, then plotly.io.to_json) gives the
    same JSON, character for character, for a ReadyFigure as for the figure laid out as the page lays it out."""
    import plotly.io as pio
    import plotly.tools

    from stats import views
    from stats.blocks import charts
    from stats.read import open_release
    from ui import render as R

    def sent(fig) -> str:
        return pio.to_json(plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True), validate=False)

    rel = open_release(demo_store)
    n = 0
    for page in views.PAGES:
        for c in charts(views.page(page, views.context(rel, "UH", None, lang))):
            if c.figure is not None:
                ready = R.prepare([c])[0].figure
                assert isinstance(ready, R.ReadyFigure) and sent(ready) == sent(R.lay_out(c.figure)) == ready.to_json(), c.key
                n += 1
    assert n >= 15
