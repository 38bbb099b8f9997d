"""In a real browser, the dashboard shows a chart from the store and asks no outside host for anything."""
import pytest

from loaders.ingest import ingest
from store.versioned import Store
from tests.browser import ARTIFACTS, RequestLog, browser, have_chromium, streamlit_server, wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)")]


def test_overview_draws_offline(tmp_path, realdata):
    data = tmp_path / "store"
    store = Store(data)
    r = ingest(realdata / "chicago-cpd-crimes" / "sample-2024" / "Crimes_-_2001_to_Present.csv", "incidents", store)
    store.publish([r["draft"]], "test", "chicago 2024")
    with streamlit_server(data) as base, browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 900})
        log = RequestLog(page, "127.0.0.1")
        page.goto(base + "/")
        wait_for_charts(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
        assert log.outside == [], log.outside
