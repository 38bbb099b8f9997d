"""The static site (`python -m bridges site`): built from the demo, served by `python -m http.server` on a free loopback
port (a subprocess, stopped after), crawled in Debian's chromium from index.html with every request to another host
blocked and recorded: every page renders every chart (each scrolled into view: charts draw as they come near the
screen), every link resolves (pages, anchors, downloads), and nothing is asked of any other host. Also: plotly.js's
basic bundle (vendored at the plotly package's version) is in the site once and is loaded only when a chart comes
near the screen, the downloads are the release's export, the figures are the pages' own (same builders, same
numbers), a chart saves as a stamped SVG and PNG from the site itself, the site and the live dashboard link to each
other when provider.toml gives their addresses, and a folder that is not a Bridges site is never replaced.
"""
from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

from outputs import site as S
from stats import views
from stats.read import open_release
from tests.browser import ARTIFACTS, RequestLog, axe_violations, browser, free_port, have_chromium, stop

SHOTS = ARTIFACTS / "site"


@contextlib.contextmanager
def http_server(root: Path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 20
        while True:
            try:
                urllib.request.urlopen(base + "index.html", timeout=1).read()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("http.server did not start")
                time.sleep(0.1)
        yield base
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def demo_site(demo_store, tmp_path_factory):
    store = demo_store
    out = tmp_path_factory.mktemp("site") / "public"
    from bridges.cli import main

    t0 = time.perf_counter()
    assert main(["site", str(out), "--data-dir", str(store)]) == 0
    return {"out": out, "store": store, "seconds": time.perf_counter() - t0}


@pytest.mark.slow  # demo_site builds the demo's whole site
def test_site_files(demo_site):
    out = demo_site["out"]  # its build time is a figure of bench/deck_site.py, not a test's bound
    pages = sorted(p.name for p in out.glob("*.html"))
    every = open_release(demo_site["store"]).query("SELECT scheme, area_id FROM areas")
    for lang_suffix in ("", ".fr"):
        assert f"index{lang_suffix}.html" in pages and f"data{lang_suffix}.html" in pages and f"area-all{lang_suffix}.html" in pages
        for s, a in zip(every["scheme"], every["area_id"]):  # the neighbourhoods, and the source's districts named by their scheme
            assert f"{s if isinstance(s, str) else 'area'}-{a}{lang_suffix}.html" in pages
    # plotly.js once, beside every page: the basic bundle draws every chart of the site, the full one is not written
    assert sorted(p.name for p in out.rglob("plotly*.js")) == [S.BASIC_BUNDLE]
    bundle = (out / S.BASIC_BUNDLE).stat().st_size
    assert 900_000 < bundle < 1_500_000
    charted = 0
    for p in out.glob("*.html"):
        text = p.read_text(encoding="utf-8")
        assert len(text) < bundle / 2, f"{p.name} seems to carry plotly.js itself"
        assert "<script>" not in text and "Plotly.newPlot" not in text, f"{p.name} has an inline script (CSP: script-src 'self')"
        if 'class="plot"' in text:  # each figure waits as JSON, and the page names the bundle that draws it
            charted += 1
            assert text.count('data-plotly="plotly-basic.min.js"') == 1, p.name
            assert text.count('<script type="application/json"') == text.count('class="plot"'), p.name
        else:
            assert 'data-plotly=""' in text, p.name
        assert not re.search(r'(src|href)="(https?:)?//', text), f"{p.name} points at another host"
    assert charted == 2 * (len(every) + 1)  # every area page of every scheme, both languages
    downloads = {p.name for p in (out / "downloads").iterdir()}
    assert {"incidents.csv", "incidents.parquet", "datapackage.json", "privacy_note.json"} <= downloads
    assert (out / S.MARKER).exists()


@pytest.mark.browser
@pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)")
def test_site_served_renders_and_links_resolve(demo_site):
    out = demo_site["out"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    with http_server(out) as base, browser() as b:
        host = urlparse(base).hostname
        todo, seen, anchors, other_files = [base + "index.html"], {}, [], set()
        page = b.new_page(viewport={"width": 1280, "height": 900})
        log = RequestLog(page, host)
        errors = []
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        # a script or style the Content-Security-Policy refuses, or a missing file, is a console error
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        # axe-core goes in as an inline script, which the pages' policy refuses: it audits in a page of its own
        audit = b.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        RequestLog(audit, host)
        while todo:
            url = todo.pop(0)
            if url in seen:
                continue
            resp = page.goto(url)
            assert resp is not None and resp.status == 200, url
            plots = page.locator("figure.chart .plot").count()
            for i in range(plots):  # charts draw as they come near the screen: bring each one there
                chart = page.locator("figure.chart .plot").nth(i)
                chart.scroll_into_view_if_needed()
                chart.locator(".main-svg").first.wait_for(timeout=60000)
            drawn = page.evaluate("[...document.querySelectorAll('figure.chart .plot')].filter(p => p.querySelector('.main-svg .plot, .main-svg .trace, .main-svg .bars')).length")
            seen[url] = (plots, drawn, page.evaluate("document.documentElement.lang"))
            name = urlparse(url).path.strip("/") or "index.html"
            if name in ("index.html", "area-MS.html", "area-MS.fr.html", "data.html"):
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(SHOTS / f"{name}.png"))
                audit.goto(url)
                for i in range(plots):
                    audit.locator("figure.chart .plot").nth(i).scroll_into_view_if_needed()
                    audit.locator("figure.chart .plot").nth(i).locator(".main-svg").first.wait_for(timeout=60000)
                bad = axe_violations(audit)
                assert not bad, f"{name}: {bad}"
            ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
            for href in page.eval_on_selector_all("a[href], link[href], script[src]", "els => els.map(e => e.href || e.src)"):
                if href == "data:,":  # the empty icon: no request for /favicon.ico (a 404 on most servers)
                    continue
                assert urlparse(href).hostname == host, f"{url} links to another host: {href}"
                target, frag = urldefrag(href)
                if target.endswith(".html"):
                    todo.append(target)
                    if frag:
                        anchors.append((target, frag, url))
                elif target == url and frag:
                    assert frag in ids, f"{url}: no #{frag}"
                else:
                    other_files.add(target)
            seen[url] = (*seen[url], ids)
        for target, frag, source in anchors:
            assert frag in seen[target][3], f"{source} → {target}#{frag}: no such anchor"
        for f in sorted(other_files):  # stylesheet, script, plotly.js, downloads
            with urllib.request.urlopen(f, timeout=10) as r:
                assert r.status == 200 and r.read(1) is not None, f
        assert log.outside == [], log.outside
        assert errors == [], errors[:3]
    pages = {urlparse(u).path.strip("/") for u in seen}
    assert pages == {p.name for p in out.glob("*.html")}, "every page is reachable by links from the index"
    for url, (plots, drawn, lang, _) in seen.items():
        assert drawn == plots, f"{url}: {drawn} of {plots} charts drawn"
        assert lang == ("fr-CA" if url.endswith(".fr.html") else "en-CA"), url
    assert seen[base + "area-MS.html"][0] >= 15
    assert any(u.endswith("/downloads/incidents.csv") for u in other_files)


@pytest.mark.browser
@pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)")
def test_site_saves_a_chart_as_stamped_svg_and_png(demo_site, tmp_path):
    from PIL import Image

    with http_server(demo_site["out"]) as base, browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        log = RequestLog(page, "127.0.0.1")
        page.goto(base + "area-MS.fr.html#fig-incidents-trend")  # on the screen as the page opens: drawn at once
        page.wait_for_selector("#fig-incidents-trend .main-svg")
        fig = page.locator("#fig-incidents-trend")
        with page.expect_download() as dl:
            fig.locator('button[data-image="svg"]').click()
        svg = Path(dl.value.path()).read_text(encoding="utf-8")
        with page.expect_download() as dl2:
            fig.locator('button[data-image="png"]').click()
        png = Image.open(io.BytesIO(Path(dl2.value.path()).read_bytes()))
        assert log.outside == []
        assert dl.value.suggested_filename == "bridges-r1-MS-2026Q3-incidents-trend-fr.svg"
        assert dl2.value.suggested_filename == "bridges-r1-MS-2026Q3-incidents-trend-fr.png"
    for text in ("Incidents signalés par groupe d’infractions, Market Square", "Market Square · de T4 2023 à T3 2026",
                 "Version 1 · Bridges", "Source : Riverton Police Service"):
        assert text in svg, text
    assert png.size == (2400, 1350)
    grey = png.convert("L")
    assert sum(1 for v in grey.crop((0, 0, 2400, 100)).getdata() if v < 110) > 1000  # the stamp's title is drawn


@pytest.mark.slow
def test_site_uses_the_pages_figures(acme_store, tmp_path):
    """Same builders: the Acme fixture's trend on the site has the numbers the overview page draws."""
    store = acme_store
    out = tmp_path / "site"
    result = S.build(store, out)
    assert result["pages"] == 2 * (3 + 1 + 2)  # 3 areas and all areas, index and data, in two languages
    html = (out / "area-N1.html").read_text(encoding="utf-8")
    ctx = views.context(open_release(store), "N1", "2026Q3", "en")
    fig = views.trend_chart(ctx).figure
    burg = next(tr for tr in fig.data if tr.name == "break and enter")
    assert list(burg.y) == [1, None, None, 1, 10]
    assert '"name":"break and enter"' in html and '"y":[1,null,null,1,10]' in html
    assert "Northgate, Q3 2026" in html and "Break and enter: 10 in Q3 2026, up 900 % from 1 in Q2 2026, a real rise" in html
    # text from the data stays text
    from tests.test_pages_app import TRICKY_NAME

    index = (out / "index.html").read_text(encoding="utf-8")
    assert TRICKY_NAME not in index and "East_bank &lt;b&gt;*x*&lt;/b&gt;" in index
    assert 'href="http://evil.example' not in index and "<b>*x*</b>" not in index


@pytest.mark.slow
def test_site_replaces_only_its_own_folder(acme_store, tmp_path):
    store = acme_store
    out = tmp_path / "site"
    S.build(store, out)
    (out / "stale.html").write_text("old", encoding="utf-8")
    S.build(store, out)  # a site Bridges wrote: replaced whole
    assert not (out / "stale.html").exists() and (out / "index.html").exists()
    other = tmp_path / "documents"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    from model.errors import InputError

    with pytest.raises(InputError, match="not a site Bridges wrote"):
        S.build(store, other)
    assert (other / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary folder left behind"


def test_the_vendored_plotly_bundle_is_the_plotly_package_version():
    """The site's basic bundle is plotly.js's official one at the version the Python package bundles (the figures are
    made for it); after a plotly upgrade, `python tools/vendor_plotly.py` brings it level again."""
    sys.path.insert(0, str(S.ROOT / "tools"))
    from vendor_plotly import bundled_version

    head = S.vendored(S.BASIC_BUNDLE)[:200].decode("utf-8")
    assert re.search(r"plotly\.js \(basic - minified\) v(\d+\.\d+\.\d+)", head).group(1) == bundled_version(), \
        "outputs/assets/vendor/plotly-basic.min.js is not at the plotly package's plotly.js version: run python tools/vendor_plotly.py"
    assert b"MIT" in S.vendored("plotly.js-LICENSE")


def test_a_page_loads_the_full_bundle_only_for_a_trace_the_basic_one_cannot_draw():
    page = S._Page(None, "en", "area-X.html", "X")
    assert page.bundle() is None  # no chart: no plotly.js at all
    page.charts, page.traces = 2, {"scatter", "bar"}
    assert page.bundle() == S.BASIC_BUNDLE
    page.traces.add("choroplethmap")  # a map trace needs maplibre: the plotly package's full bundle
    assert page.bundle() == S.FULL_BUNDLE


@pytest.mark.browser
@pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)")
def test_site_draws_charts_as_they_come_near_the_screen(demo_site):
    """On a phone, an area page opens with its text and does not run plotly.js (it may fetch it ahead, once);
    scrolling to a chart runs it and draws that chart, not the ones far below. Without JavaScript the sentences and
    the numbers are all there."""
    out = demo_site["out"]
    with http_server(out) as base, browser() as b:
        page = b.new_page(viewport={"width": 412, "height": 823})
        log = RequestLog(page, "127.0.0.1")
        page.goto(base + "area-MS.html", wait_until="networkidle")
        charts = page.locator("figure.chart .plot")
        n = charts.count()
        assert n >= 15 and charts.first.bounding_box()["y"] > 823  # no chart on the first screen of a phone
        assert page.locator(".plot .main-svg").count() == 0
        assert page.evaluate("typeof window.Plotly") == "undefined", "plotly.js ran with no chart near the screen"
        charts.first.scroll_into_view_if_needed()
        charts.first.locator(".main-svg").first.wait_for(timeout=60000)
        page.wait_for_timeout(500)
        assert charts.nth(n - 1).locator(".main-svg").count() == 0, "a chart far below was drawn before it was near"
        assert page.evaluate("typeof window.Plotly") == "object"
        assert [u.rsplit("/", 1)[-1] for u in log.all if "plotly" in u] == [S.BASIC_BUNDLE]  # fetched once
        assert log.outside == []

        plain = b.new_page(viewport={"width": 412, "height": 823}, java_script_enabled=False)
        plain.goto(base + "area-MS.html")
        assert plain.locator("figure.chart .plot").first.is_hidden()  # no empty box where a chart would be
        assert plain.locator("figure.chart p.sentence").count() == n
        assert plain.locator("figure.chart details table").count() >= n - 2  # the numbers of (almost) every chart


PROVIDER_SITE = """
[site]
live_url = "https://stats.riverton.example/"
static_url = "/statistics"
"""


@pytest.mark.slow
def test_site_and_live_dashboard_link_each_other(acme_copy, tmp_path):
    """With [site] addresses in provider.toml, each site page links to the same view on the live dashboard, and
    static_twin (the Streamlit footer's link) names the site page and section that exist."""
    store = acme_copy
    (store / "provider.toml").write_text(PROVIDER_SITE, encoding="utf-8")
    out = tmp_path / "site"
    S.build(store, out)
    page = lambda name: (out / name).read_text(encoding="utf-8")  # noqa: E731
    assert 'href="https://stats.riverton.example/overview?area=N1&amp;lang=en"' in page("area-N1.html")
    assert 'href="https://stats.riverton.example/overview?area=N1&amp;lang=fr"' in page("area-N1.fr.html")
    assert 'href="https://stats.riverton.example/overview?lang=en"' in page("area-all.html")
    assert 'href="https://stats.riverton.example/overview?lang=fr"' in page("index.fr.html")
    assert 'href="https://stats.riverton.example/data?lang=en"' in page("data.html")
    rel = open_release(store)
    for lang in ("en", "fr"):
        ctx = views.context(rel, "N1", None, lang)
        for section in S.SECTIONS:
            twin = S.static_twin(ctx, section)
            file, anchor = twin.removeprefix("/statistics/").split("#")
            assert file == f"area-N1{S.suffix(lang)}.html" and f'id="{anchor}"' in page(file), twin
        assert S.static_twin(ctx, "data") == f"/statistics/data{S.suffix(lang)}.html"
    assert S.static_twin(views.context(rel, None, None, "en"), "trust") == "/statistics/area-all.html#trust"

    from model.errors import InputError

    (store / "provider.toml").write_text('[site]\nlive_url = "javascript:alert(1)"\nstatic_url = "/s (x)"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"provider.toml: \[site\] live_url = 'javascript:alert\(1\)' is not a web address"):
        S.build(store, tmp_path / "site2")
    assert S.static_twin(views.context(open_release(store), "N1", None, "en"), "overview") is None  # the page shows no link
    (store / "provider.toml").unlink()
    S.build(store, out)
    assert "riverton.example" not in page("area-N1.html") and "/statistics" not in page("area-N1.html")


def test_streamlit_footer_links_to_the_static_twin(acme_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    (acme_copy / "provider.toml").write_text(PROVIDER_SITE, encoding="utf-8")
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(acme_copy))
    at = AppTest.from_file(str(S.ROOT / "dashboard.py"), default_timeout=60)
    at.query_params.update({"lang": "fr", "area": "N1"})
    at.run()
    at.query_params.update({"lang": "fr", "area": "N1"})
    at.switch_page("public_pages/incidents.py").run()
    assert not at.exception, [e.value for e in at.exception]
    links = [link for m in at.markdown for link in re.findall(r"\[[^\]]*\]\(/statistics/[^)]*\)", m.value)]
    assert links == ["[Une version légère de cette page pour les téléphones et les connexions lentes](/statistics/area-N1.fr.html#incidents)"]
