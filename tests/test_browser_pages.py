"""Every public page in Debian's chromium, on the demo store, in English and French.

Each page draws its charts, shows no error, asks no host but the app's own for anything, and has no serious
or critical axe-core violation (with every "show the numbers" table open). A screenshot of each page is saved
under test-artifacts/pages/. The controls work from the keyboard.

axe-core comes from the npm registry: `npm ci --prefix tests/browser` (.ci/run does it).
"""
from __future__ import annotations

import os

import pytest

from tests.browser import ARTIFACTS, ROOT, RequestLog, browser, have_chromium, streamlit_server, wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)")]

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ARTIFACTS / "pages"
# page name, URL path, charts drawn for Market Square in 2026Q3
PAGES = [("overview", "/", 1), ("incidents", "/incidents", 6), ("community", "/community", 4), ("feedback", "/feedback", 4),
         ("trust", "/trust", 2), ("data", "/data", 0)]
LANGS = ("en", "fr")
VIEW = "area=MS&quarter=2026Q3"

AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.html.slice(0, 160))}));
}"""
CONTENT_HEIGHT = """() => { const m = document.querySelector('[data-testid="stMain"]') || document.scrollingElement;
  return Math.max(m.scrollHeight, document.body.scrollHeight); }"""


def _settle(page, charts: int) -> None:
    if charts:
        wait_for_charts(page, charts)
    else:
        page.wait_for_selector('a[href*="/download/table"]', timeout=60000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30000)
    page.wait_for_timeout(500)


def _open_tables(page) -> int:
    closed = '[data-testid="stExpander"] details:not([open]) > summary'
    n = page.locator(closed).count()
    page.eval_on_selector_all(closed, "els => els.forEach(e => e.click())")
    page.wait_for_timeout(800)
    return n


@pytest.fixture(scope="module")
def visits(demo_store):
    """Load every page once per language; keep what the tests below look at."""
    data = demo_store  # the public pages only read the store
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = {}
    with streamlit_server(data) as base, browser() as b:
        for lang in LANGS:
            for name, path, charts in PAGES:
                page = b.new_page(viewport={"width": 1280, "height": 900})
                log = RequestLog(page, "127.0.0.1")
                page.goto(f"{base}{path}?{VIEW}&lang={lang}")
                _settle(page, charts)
                drawn = page.locator('[data-testid="stPlotlyChart"] .main-svg').count()
                plots = page.locator('[data-testid="stPlotlyChart"]').count()
                opened = _open_tables(page)
                html = page.content()
                violations = None
                assert AXE.exists() or not os.environ.get("BRIDGES_REQUIRE_AXE"), f"axe-core is missing at {AXE}"
                if AXE.exists():
                    page.add_script_tag(path=str(AXE))
                    violations = page.evaluate(AXE_RUN)
                page.set_viewport_size({"width": 1280, "height": min(int(page.evaluate(CONTENT_HEIGHT)) + 40, 16000)})
                page.wait_for_timeout(700)
                page.screenshot(path=str(SHOTS / f"{name}-{lang}.png"), full_page=True)
                out[(name, lang)] = {"plots": plots, "drawn": drawn, "opened": opened, "html": html, "violations": violations,
                                     "outside": list(log.outside), "requests": len(log.all), "text": page.inner_text("body"),
                                     "sidebar_nav": page.locator('[data-testid="stSidebarNav"]').count(),
                                     "html_lang": page.evaluate("document.documentElement.lang")}
                page.close()
        # a phone-sized view of the overview, for the record
        page = b.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        log = RequestLog(page, "127.0.0.1")
        page.goto(f"{base}/?{VIEW}&lang=fr")
        _settle(page, 1)
        page.screenshot(path=str(SHOTS / "overview-fr-phone.png"))
        out["phone"] = {"outside": list(log.outside)}
        page.close()
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, path, charts", PAGES)
def test_page_draws_its_charts(visits, name, path, charts, lang):
    v = visits[(name, lang)]
    assert v["plots"] == charts, f"{path}: {v['plots']} charts, expected {charts}"
    assert v["drawn"] >= charts
    assert "stException" not in v["html"] and "Traceback" not in v["html"]
    assert v["sidebar_nav"] == 0  # st.navigation is in charge (no pages/ folder listing)
    assert (SHOTS / f"{name}-{lang}.png").stat().st_size > 10_000
    if name != "data":
        assert v["opened"] >= charts  # a "show the numbers" table per chart


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, path, charts", PAGES)
def test_page_asks_no_other_host(visits, name, path, charts, lang):
    v = visits[(name, lang)]
    assert v["requests"] > 0
    assert v["outside"] == [], v["outside"]
    assert visits["phone"]["outside"] == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name, path, charts", PAGES)
def test_page_has_no_serious_accessibility_violation(visits, name, path, charts, lang):
    v = visits[(name, lang)]
    if v["violations"] is None:
        pytest.skip("axe-core is not installed: run `npm ci --prefix tests/browser`")
    bad = [x for x in v["violations"] if x["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(f"{x['impact']} {x['id']}: {x['help']} {x['nodes']}" for x in bad)


def test_pages_speak_the_language_of_the_url(visits):
    assert visits[("incidents", "fr")]["html_lang"] == "fr-CA" and visits[("incidents", "en")]["html_lang"] == "en-CA"
    assert "Incidents signalés" in visits[("overview", "fr")]["text"]
    assert "Incidents reported" in visits[("overview", "en")]["text"]
    assert "Délais d’intervention" in visits[("incidents", "fr")]["text"]
    assert "T3 2026" in visits[("trust", "fr")]["text"]


def test_controls_work_from_the_keyboard(demo_store):
    """Tab to a "show the numbers" table and open it with Enter; choose an area by typing; follow a link with Enter."""
    data = demo_store
    with streamlit_server(data) as base, browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 900})
        RequestLog(page, "127.0.0.1")
        page.goto(f"{base}/incidents?{VIEW}&lang=en")
        _settle(page, 6)
        # Tab through the page until a "show the numbers" summary has the focus
        for _ in range(120):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement && document.activeElement.tagName === 'SUMMARY'"):
                break
        else:
            raise AssertionError("no 'show the numbers' control reachable with Tab")
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)
        assert page.evaluate("document.activeElement.parentElement.open") is True
        # choose an area with the keyboard: the URL follows
        page.get_by_role("combobox", name="Area", exact=True).focus()  # not "Areas by" (the scheme), where a store has two
        page.keyboard.type("Harbour")
        page.keyboard.press("Enter")
        page.wait_for_function("location.search.includes('area=HB')", timeout=30000)
        _settle(page, 6)
        assert "Harbourside" in page.inner_text("body")
        # follow the link to the community page with the keyboard: area, quarter and language come along
        page.get_by_role("link", name="Community").first.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("location.pathname.endsWith('/community')", timeout=30000)
        _settle(page, 4)
        assert "area=HB" in page.url and "quarter=2026Q3" in page.url and "lang=en" in page.url
