"""In a real browser, a private security company's client site (no boundaries) gets its overview with a chart drawn, and
its incidents page draws the ranked chart of sites where a map would be, asking no outside host for anything."""
from __future__ import annotations

import pytest

from demo import build as demo
from store.versioned import Store
from tests.browser import ARTIFACTS, RequestLog, axe_violations, browser, have_chromium, streamlit_server, wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)")]

CHART = '[data-testid="stPlotlyChart"] .main-svg'


def test_overview_for_a_site_draws_a_chart(tmp_path):
    root = tmp_path / "data"  # an empty store of its own, the company in providers/beacon-guard/ (as a fresh checkout has it)
    demo.build_demo(Store(demo.kind_root(root, demo.SECURITY)), kind=demo.SECURITY)
    with streamlit_server(root) as base, browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 900})
        log = RequestLog(page, "127.0.0.1")
        page.goto(f"{base}/?provider={demo.SECURITY_ID}&area=Riverside%20Mall&lang=en")
        wait_for_charts(page)
        body = page.inner_text("body")
        assert "Beacon Guard Services" in body and "Riverside Mall" in body
        # the trend chart is drawn: lines with points, not an empty frame
        assert page.locator(f"{CHART} .scatterlayer .trace .point").count() > 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "site-overview.png"), full_page=True)

        page.goto(f"{base}/incidents?provider={demo.SECURITY_ID}&area=RSM&lang=en")
        page.wait_for_function("[...document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg .ytick text')]"
                               ".some(t => t.textContent.includes('Harbour Point Office Park'))", timeout=60000)
        ranked = page.locator(CHART, has=page.locator(".ytick text", has_text="Foundry Road Distribution Centre"))
        assert ranked.locator(".barlayer .point").count() == 5  # one bar per site, ranked where a map would be
        assert page.locator(f"{CHART} .ytick text", has_text="Riverside Mall ◀").count() == 1  # the chosen site, marked
        violations = axe_violations(page)
        assert not violations, violations
        assert log.outside == [], log.outside
