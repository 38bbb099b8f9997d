"""What a public page draws when its elements are folded together to cost the server less (ui/render.py, ui/public/page.py):
every link, heading, note and table is still there, in the elements it now shares."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from stats import views
from stats.i18n import t
from tests.page_kit import open_page


@pytest.fixture
def page(demo_store, monkeypatch):
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(demo_store))

    def run(name: str, lang: str = "en") -> AppTest:
        return open_page(name, {"lang": lang, "area": "MS", "quarter": "2026Q3"})

    return run


def _labels(at) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", x.proto.label) for x in at.get("page_link")]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_overview_links_to_every_other_page_in_its_body(page, lang):
    labels = _labels(page("overview", lang))
    for p in views.PAGES[1:]:
        assert t(f"about.{p}", lang) in labels, p


def test_title_intro_and_footer_share_elements(page):
    at = page("incidents")
    markdown = [m.value for m in at.markdown]
    assert markdown[1].startswith(f"# {t('page.incidents.title', 'en')}")  # after the nav's current page, in bold
    (footer,) = [m for m in markdown if m.startswith("---\n\n")]
    assert "Release 1" in footer or "release 1" in footer
    # the footer's two links come last: /data, then the town-hall slides
    assert _labels(at)[-2:] == [re.sub(r"\\(.)", r"\1", t("footer.data", "en")), re.sub(r"\\(.)", r"\1", t("footer.deck", "en"))]


def test_a_charts_notes_follow_its_sentence(page):
    at = page("incidents")
    sentences = [m.value for m in at.markdown if ":small[" in m.value and not m.value.startswith(("---", "# "))]
    assert len(sentences) == len(at.get("plotly_chart"))  # one element a chart: its sentence, then its notes in small type
    assert all(not s.startswith(":small[") for s in sentences)
