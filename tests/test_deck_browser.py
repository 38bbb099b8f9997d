"""The town-hall deck in Debian's chromium at 1920×1080, with every request outside the app (or outside the file) blocked
and recorded: the presenter page /town-hall on a Streamlit server, and the offline deck file opened from disk.

For each slide: the counter, its chart drawn (plotly's SVG with marks in it), every text at least 28 px, the headline
figures at least 40 px, chart text at least 24 px, the slide inside the screen, and no Streamlit chrome. The keys:
ArrowRight, PageDown and Space go forward, ArrowLeft and PageUp go back. Screenshots go to test-artifacts/deck/.
"""
from __future__ import annotations

import re
import time

import pytest

from outputs import deck as D
from stats.read import open_release
from tests.browser import ARTIFACTS, RequestLog, axe_violations, browser, have_chromium, streamlit_server

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)")]

SHOTS = ARTIFACTS / "deck"
VIEW = {"width": 1920, "height": 1080}
CHART_SLIDES = {"changed", "categories", "map", "engagement", "said_did", "trust"}
MIN_BODY, MIN_FIGURE, MIN_CHART = 28.0, 40.0, 24.0
# forward keys used in turn from slide 1 to 9
FORWARD = ["ArrowRight", "PageDown", "Space", "ArrowRight", "PageDown", "Space", "ArrowRight", "PageDown"]

MEASURE = """(root) => {
  const text = [], chart = [];
  const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (w.nextNode()) {
    const n = w.currentNode, el = n.parentElement;
    if (!n.textContent.trim() || !el) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    (el.closest('svg') ? chart : text).push([size, n.textContent.trim().slice(0, 60)]);
  }
  const figs = [...root.querySelectorAll('.fig .value')].map(e => [parseFloat(getComputedStyle(e).fontSize), e.textContent]);
  const box = root.getBoundingClientRect();
  return {text, chart, figs, bottom: box.bottom, right: box.right,
          marks: root.querySelectorAll('.main-svg .trace, .main-svg .point, .main-svg path.js-line, .main-svg .bars path').length,
          svgs: root.querySelectorAll('.main-svg').length};
}"""


def _check_sizes(m: dict, where: str) -> None:
    small = [x for x in m["text"] if x[0] < MIN_BODY - 0.01]
    assert not small, f"{where}: text under {MIN_BODY} px: {small[:5]}"
    assert all(x[0] >= MIN_FIGURE for x in m["figs"]), f"{where}: {m['figs']}"
    small = [x for x in m["chart"] if x[0] < MIN_CHART]
    assert not small, f"{where}: chart text under {MIN_CHART} px: {small[:5]}"
    assert m["bottom"] <= VIEW["height"] + 1 and m["right"] <= VIEW["width"] + 1, f"{where}: the slide does not fit the screen"


@pytest.fixture(scope="module")
def demo(demo_store):
    """The session's demo store (the presenter page only reads it)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return demo_store


# ---------------------------------------------------------------- the presenter page


def _wait_slide(page, i: int, n: int, lang: str) -> None:
    label = f"Slide {i} of {n}" if lang == "en" else f"Diapositive {i} sur {n}"
    page.wait_for_function("t => { const c = document.querySelector('.st-key-bridges-slide .counter'); return c && c.textContent === t; }",
                           arg=label, timeout=30000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"running\"]')", timeout=30000)
    _keys_ready(page)


def _keys_ready(page) -> None:
    """The shortcut buttons are mounted (Streamlit loads the button component lazily; a key pressed before is lost)."""
    page.wait_for_function("document.querySelectorAll('.st-key-bridges-keys button').length === 5", timeout=30000)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_presenter_page(demo, lang):
    keys = [s.key for s in D.build(open_release(demo), "MS", "2026Q3", lang).slides]
    n = len(keys)
    with streamlit_server(demo) as base, browser() as b:
        page = b.new_page(viewport=VIEW)
        log = RequestLog(page, "127.0.0.1")
        page.goto(f"{base}/town-hall?area=MS&quarter=2026Q3&lang={lang}")
        _wait_slide(page, 1, n, lang)
        # no Streamlit chrome, without ?embed=true
        for sel in ('[data-testid="stHeader"]', '[data-testid="stToolbar"]', '[data-testid="stSidebar"]', '[data-testid="stDecoration"]'):
            assert not page.locator(sel).is_visible(), sel
        assert page.evaluate("document.querySelector('.st-key-bridges-slide').getBoundingClientRect().top") == 0
        previous_title = None
        for i, key in enumerate(keys, start=1):
            _wait_slide(page, i, n, lang)
            root = ".st-key-bridges-slide"
            if key in CHART_SLIDES:
                page.wait_for_function("t => { const h = document.querySelector('.st-key-slide-chart h2'); "
                                       "return h && h.textContent !== t && document.querySelector('.st-key-slide-chart .main-svg'); }",
                                       arg=previous_title or "", timeout=30000)
                page.wait_for_timeout(300)
                previous_title = page.inner_text(".st-key-slide-chart h2")
            m = page.eval_on_selector(root, MEASURE)
            if key in CHART_SLIDES:
                assert m["svgs"] >= 1 and m["marks"] > 0, f"slide {i} ({key}): chart not drawn"
            else:
                assert m["svgs"] == 0, f"slide {i} ({key}) should have no chart"
            _check_sizes(m, f"page slide {i} ({key}, {lang})")
            page.screenshot(path=str(SHOTS / f"page-{lang}-{i:02d}-{key}.png"))
            if key in ("headlines", "map"):
                assert not axe_violations(page), f"page slide {i}: {axe_violations(page)}"
            if i < n:
                page.keyboard.press(FORWARD[i - 1])
        # back: ArrowLeft, then PageUp
        page.keyboard.press("ArrowLeft")
        _wait_slide(page, n - 1, n, lang)
        page.keyboard.press("PageUp")
        _wait_slide(page, n - 2, n, lang)
        assert f"slide={n - 2}" in page.url  # the slide is in the address: a reload keeps it
        assert log.outside == [], log.outside
        assert len(log.all) > 0


def test_presenter_page_auto_advance_and_notes_in_step(demo):
    with streamlit_server(demo) as base, browser() as b:
        page = b.new_page(viewport=VIEW)
        log = RequestLog(page, "127.0.0.1")
        page.goto(f"{base}/town-hall?area=HB&quarter=2026Q3&lang=en&advance=2")
        _wait_slide(page, 1, 9, "en")
        t0 = time.time()
        _wait_slide(page, 3, 9, "en")  # two steps of 2 s
        assert 3.0 < time.time() - t0 < 12.0
        assert log.outside == []
        page.close()
        # N opens the speaker-notes view; it follows the deck, and the deck follows it
        ctx = b.new_context(viewport=VIEW)
        log = RequestLog(ctx, "127.0.0.1")  # the whole context: the notes window too, from its first request
        page = ctx.new_page()
        page.goto(f"{base}/town-hall?area=HB&quarter=2026Q3&lang=en&slide=2")
        _wait_slide(page, 2, 9, "en")
        assert page.evaluate("window.__bridgesDeckKeys === true")  # our few lines for F and N are on the page
        page.wait_for_selector('.st-key-bridges-controls a[href*="notes=1"]', state="attached")  # N clicks this link
        with page.expect_popup() as pop:
            page.keyboard.press("n")
        notes = pop.value
        assert "notes=1" in notes.url and "room=" in notes.url
        notes.wait_for_selector(".st-key-bridges-notes h1", timeout=30000)
        assert notes.inner_text(".st-key-bridges-notes h1").startswith("Slide 2 of 9")
        # the "Next:" line is drawn a moment after the heading on a busy machine: wait for it
        notes.wait_for_function("document.querySelector('.st-key-bridges-notes').innerText.includes('Next: What changed since the last meeting')", timeout=30000)
        _keys_ready(notes)
        notes.keyboard.press("ArrowRight")
        _wait_slide(page, 3, 9, "en")
        page.keyboard.press("PageDown")
        notes.wait_for_function("document.querySelector('.st-key-bridges-notes h1').textContent.startsWith('Slide 4 of 9')", timeout=30000)  # the notes poll the room: slow under three test workers
        assert log.outside == []


# ---------------------------------------------------------------- the offline file


@pytest.fixture(scope="module")
def deck_file(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("usb") / "town-hall-MS.html"
    from bridges.cli import main

    assert main(["deck", str(out), "--area", "MS", "--quarter", "2026Q3", "--data-dir", str(demo)]) == 0
    return out


def test_deck_file_is_self_contained(deck_file):
    text = deck_file.read_text(encoding="utf-8")
    assert text.count("<script") == text.count("</script>")
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)=', text), "no element loads anything"
    assert "@import" not in text and "@font-face" not in text
    assert "default-src 'none'" in text  # the file forbids itself any request


def test_deck_file_from_disk(deck_file):
    """file:// with the network blocked: every slide renders, the keys work, and nothing outside the file is asked for."""
    with browser() as b:
        page = b.new_page(viewport=VIEW)
        log = RequestLog(page, None)  # only file: (and data:/blob:) go through
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(deck_file.as_uri())
        page.wait_for_function("window.bridgesDeck && window.bridgesDeck.count === 9")
        keys = page.eval_on_selector_all("#stage .slide", "els => els.map(e => e.dataset.key)")
        for i, key in enumerate(keys, start=1):
            page.wait_for_function("t => document.querySelector('.slide.current .counter').textContent === t", arg=f"Slide {i} of 9")
            if key in CHART_SLIDES:
                page.wait_for_selector(".slide.current .main-svg", timeout=15000)
                page.wait_for_timeout(200)
            m = page.eval_on_selector(".slide.current", MEASURE)
            if key in CHART_SLIDES:
                assert m["svgs"] >= 1 and m["marks"] > 0, f"slide {i} ({key}): chart not drawn"
            _check_sizes(m, f"file slide {i} ({key})")
            if key in ("title", "said_did"):
                bad = axe_violations(page)
                assert not bad, f"file slide {i}: {bad}"
            assert page.url.endswith(f"#{i}")
            page.screenshot(path=str(SHOTS / f"file-{i:02d}-{key}.png"))
            if i < 9:
                page.keyboard.press(FORWARD[i - 1])
        page.keyboard.press("PageDown")  # past the end: stays on the last slide
        assert page.evaluate("bridgesDeck.current()") == 8
        page.keyboard.press("ArrowLeft")
        assert page.evaluate("bridgesDeck.current()") == 7
        page.keyboard.press("PageUp")
        assert page.evaluate("bridgesDeck.current()") == 6
        # speaker notes in a second window (N), kept in step both ways
        with page.expect_popup() as pop:
            page.keyboard.press("n")
        notes = pop.value
        nlog = RequestLog(notes, None)
        notes.wait_for_function("window.bridgesDeck && document.body.classList.contains('notes-view')")
        notes.wait_for_function("document.querySelector('#notes-view .now').textContent.startsWith('Slide 7 of 9')")
        assert "Next: Trust and safety" in notes.inner_text("#notes-view")
        notes.keyboard.press("ArrowRight")
        page.wait_for_function("bridgesDeck.current() === 7")
        page.keyboard.press("ArrowLeft")
        notes.wait_for_function("bridgesDeck.current() === 6")
        assert errors == []
        assert log.outside == [] and nlog.outside == [], (log.outside, nlog.outside)
        assert all(u.startswith("file:") for u in log.all) and len(log.all) == 1, log.all  # the file itself, nothing else


def test_deck_file_auto_advance(deck_file):
    with browser() as b:
        page = b.new_page(viewport=VIEW)
        log = RequestLog(page, None)
        page.goto(deck_file.as_uri() + "?advance=1")
        page.wait_for_function("window.bridgesDeck && bridgesDeck.current() >= 2", timeout=10000)
        assert log.outside == []


def test_deck_file_smaller_screen_scales(deck_file):
    """On a 1280×720 projector the whole 1920×1080 slide is scaled to fit (nothing cut off)."""
    with browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 720})
        RequestLog(page, None)
        page.goto(deck_file.as_uri() + "#4")
        page.wait_for_selector(".slide.current .main-svg")
        box = page.eval_on_selector(".slide.current", "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }")
        assert box[0] >= -1 and box[1] >= -1 and box[2] <= 1281 and box[3] <= 721, box
