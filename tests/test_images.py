"""Shareable images: a chart as a stamped SVG and PNG (kaleido + Debian chromium, offline), the slides as PNGs and the
deck as a PDF, and the PNG/SVG links under the charts of the pages (served by app.py).

What is checked, honestly:
- SVG: the stamp (title, area · period, source, release) is <text> in the file, and in <title>/<desc>.
- PNG: the stamp is in the PNG's text chunks, and it is drawn: the header and footer bands (where only the stamp is
  drawn; the chart sits between them) hold dark text pixels, and they change when the stamp's words change while the
  chart's pixels stay the same. (No OCR: we check that text is drawn where the stamp goes, not that it reads right.)
- Offline: kaleido's page loads plotly.js from the plotly package and no MathJax; chromium is started with a proxy
  (here one that records every connection) and nothing the drawing uses is asked for; chromium's own start-up
  services are refused by that proxy (in use it is 127.0.0.1:9, where nothing listens).
"""
from __future__ import annotations

import io
import json
import re
import socket
import threading
import xml.etree.ElementTree as ET
import zipfile

import pytest
from PIL import Image

from outputs import deck as D
from outputs import deck_html as H
from outputs import images
from stats import views
from stats.read import open_release
from tests.browser import have_chromium

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)")]
SVG = "{http://www.w3.org/2000/svg}"


class _Recorder:
    """A 'proxy' on a free local port that records every connection and answers none."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.seen: list[bytes] = []
        self.stop = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                self.seen.append(conn.recv(200))
            except OSError:
                self.seen.append(b"?")
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def store(acme_store):
    """The session's Acme store (read only), under the name these tests use."""
    return acme_store


@pytest.fixture(scope="module")
def made(store):
    """One chart (Northgate's trend) as SVG and PNG, twice with different titles, drawn with a recording proxy."""
    import kaleido

    rel = open_release(store)
    ctx = views.context(rel, "N1", "2026Q3", "en")
    chart = views.trend_chart(ctx)
    stamp = images.stamp_for(chart, "Northgate", "Q3 2026", rel.version, "en", "N1", "2026Q3")
    other = {**stamp, "title": "A different title, to see the header band change"}
    rec = _Recorder()
    kaleido.stop_sync_server(silence_warnings=True)
    images._server_started = False
    old = images.NO_NETWORK
    images.NO_NETWORK = f"127.0.0.1:{rec.port}"
    try:
        out = {"chart": chart, "stamp": stamp, "svg": images.chart_svg(chart.figure, stamp), "png": images.chart_png(chart.figure, stamp),
               "png_other": images.chart_png(chart.figure, other)}
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
        images._server_started = False
        images.NO_NETWORK = old
        rec.close()
    out["connections"] = rec.seen
    return out


def test_stamp_says_what_where_when_source_release(made):
    s = made["stamp"]
    assert s["title"] == "Reported incidents by offence group, Northgate, Q3 2025 to Q3 2026"
    assert s["period"] == "Q3 2025 to Q3 2026"  # a chart of quarters: its span
    assert s["source"] == "Source: Acme RMS (test fixture). Release 1."
    head, foot = images.stamp_lines(s)
    assert head == [s["title"], "Northgate · Q3 2025 to Q3 2026"]
    assert foot == [s["source"], "Release 1 · Bridges"]


def test_svg_carries_the_stamp_as_text(made):
    svg = made["svg"].decode("utf-8")
    root = ET.fromstring(svg)
    assert root.get("width") == "1200" and root.get("height") == "675"
    texts = [el.text for el in root.iter(f"{SVG}text") if el.text]
    for line in ("Reported incidents by offence group, Northgate, Q3 2025 to Q3 2026", "Northgate · Q3 2025 to Q3 2026",
                 "Source: Acme RMS (test fixture). Release 1.", "Release 1 · Bridges"):
        assert line in texts, line
    assert root.find(f"{SVG}title").text.startswith("Reported incidents by offence group")
    assert "Release 1 · Bridges" in root.find(f"{SVG}desc").text
    assert len(root.findall(f".//{SVG}svg")) == 1  # the chart, nested
    assert not re.search(r'(href|src)="(?!#|data:)', svg), "the SVG points at nothing outside itself"


def test_png_carries_the_stamp_in_its_text_and_draws_it(made):
    img = Image.open(io.BytesIO(made["png"]))
    assert img.size == (2400, 1350)  # 1200 × 675, drawn at 2×
    assert img.text["Title"] == made["stamp"]["title"]
    assert "Northgate · Q3 2025 to Q3 2026" in img.text["Description"] and "Release 1 · Bridges" in img.text["Description"]
    _, _, top, bottom = images.bands(made["stamp"])
    grey = img.convert("L")
    w, h = grey.size

    def dark(box):
        return sum(1 for v in grey.crop(box).getdata() if v < 110)

    header, footer = (0, 0, w, top * 2 - 4), (0, h - bottom * 2 + 6, w, h)
    assert dark(header) > 2000, "no text drawn in the header band"
    assert dark(footer) > 1000, "no text drawn in the footer band"
    other = Image.open(io.BytesIO(made["png_other"])).convert("L")
    assert list(grey.crop(header).getdata()) != list(other.crop(header).getdata()), "the header band does not follow the stamp"
    chart_box = (0, top * 2 + 4, w, h - bottom * 2 - 4)
    assert list(grey.crop(chart_box).getdata()) == list(other.crop(chart_box).getdata()), "the chart itself should not change"


def test_drawing_images_needs_nothing_from_outside(made):
    """Chromium's own services (search-engine preconnect, updater, accounts) try to connect at start-up whatever the
    flags; the proxy refuses them all (in use: 127.0.0.1:9, nothing listens), and the images above were drawn anyway.
    None of the attempts is for something the drawing uses: no plotly.js or MathJax CDN, no font, no topojson."""
    wanted = re.compile(rb"plot\.ly|mathjax|cdnjs|jsdelivr|unpkg|fonts\.g|gstatic|topojson|world_110m|mapbox|maplibre|carto", re.I)
    assert not [c for c in made["connections"] if wanted.search(c)], made["connections"]
    import kaleido

    page = kaleido.PageGenerator(mathjax=False).generate_index()  # the page kaleido draws in, as images.py sets it up
    assert "http://" not in page and "https://" not in page, page
    assert images.NO_NETWORK == "127.0.0.1:9"


def test_all_areas_charts_are_stamped_all_areas(store):
    rel = open_release(store)
    ctx = views.context(rel, "N1", "2026Q3", "fr")
    s = images.stamp_for(views.map_chart(ctx), "Northgate", "T3 2026", 1, "fr")
    assert s["area"] == "Tous les secteurs" and s["period"] == "T3 2026"


def test_slides_as_images_and_pdf(store):
    rel = open_release(store)
    html = H.document(D.build(rel, "N1", "2026Q3", "en"))
    z = zipfile.ZipFile(io.BytesIO(images.slides_zip(html, "deck")))
    names = z.namelist()
    assert names == [f"deck-{i:02d}.png" for i in range(1, 10)]
    sizes = {Image.open(io.BytesIO(z.read(n))).size for n in names}
    assert sizes == {(1920, 1080)}
    first, third = (Image.open(io.BytesIO(z.read(n))).convert("L") for n in (names[0], names[2]))
    assert list(first.getdata()) != list(third.getdata())
    pdf = images.deck_pdf(html)
    assert pdf[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 9  # one slide per page


def test_cli_deck_pdf(store, tmp_path):
    from bridges.cli import main

    out = tmp_path / "deck.html"
    assert main(["deck", str(out), "--area", "N1", "--pdf", "--data-dir", str(store)]) == 0
    assert len(re.findall(rb"/Type\s*/Page[^s]", (tmp_path / "deck.pdf").read_bytes())) == 9


def _page_offering(store, monkeypatch, page: str, lang: str, keep_if=lambda name: True):
    """AppTest on a public page for area N1, Q3 2026, recording the files its download buttons offer (name → data or callable)."""
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.testing.v1 import AppTest

    from tests.test_pages_app import DASHBOARD

    offered = {}
    real = DeltaGenerator.download_button

    def keep(self, label, data=None, file_name=None, *args, **kwargs):
        if file_name and keep_if(file_name):
            offered[file_name] = data
        return real(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", keep)
    monkeypatch.setattr(st, "download_button", lambda *a, **k: keep(st._main, *a, **k))
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(store))
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    params = {"area": "N1", "quarter": "2026Q3", "lang": lang}
    at.query_params.update(params)
    at.run()
    at.query_params.update(params)
    at.switch_page(page).run()
    assert not at.exception
    return at, offered


def _linked(at) -> list[str]:
    """The /download/chart links of a page drawn by AppTest, in page order."""
    return [u for m in at.markdown for u in re.findall(r"\]\((/download/chart\?[^)]+)\)", m.value)]


def _chart_file(url: str):
    from urllib.parse import parse_qsl, urlsplit

    from ui.public import served

    return served.chart_file(dict(parse_qsl(urlsplit(url).query)))


def test_page_links_each_chart_as_png_and_svg(store, monkeypatch):
    """AppTest: every chart of the incidents page has a PNG and an SVG link; the files app.py's route makes from them
    carry the stamp of the view on the page."""
    at, _ = _page_offering(store, monkeypatch, "public_pages/incidents.py", "en")
    charts = len(at.get("plotly_chart"))
    links = _linked(at)
    assert charts == 6 and len(links) == 2 * charts and not at.get("download_button")
    assert sum("format=png" in u for u in links) == charts and all("v=1" in u and "area=N1" in u for u in links)
    svg = next(u for u in links if "chart=incidents.trend" in u and "format=svg" in u)
    data, name, mime = _chart_file(svg)
    assert name == "bridges-r1-N1-2026Q3-incidents-trend.svg" and mime == "image/svg+xml"
    assert b"Northgate \xc2\xb7 Q3 2025 to Q3 2026" in data and b"Release 1 \xc2\xb7 Bridges" in data
    png_url = next(u for u in links if "chart=incidents.map" in u and "format=png" in u)
    data, name, _ = _chart_file(png_url)
    png = Image.open(io.BytesIO(data))
    assert name == "bridges-r1-N1-2026Q3-incidents-map.png"
    assert png.size == (2400, 1350) and "All areas · Q3 2026" in png.text["Description"]  # the map shows every area


def test_chart_route_checks_every_parameter(store, monkeypatch):
    """A link naming anything the current release does not have is refused with a sentence (no file is made)."""
    from ui.public import served

    at, _ = _page_offering(store, monkeypatch, "public_pages/incidents.py", "fr")
    from urllib.parse import parse_qsl, urlsplit

    good = dict(parse_qsl(urlsplit(_linked(at)[0]).query))
    for change, words in [({"v": "2"}, "reload the page"), ({"area": "ZZ"}, "area or quarter"), ({"quarter": "1999Q1"}, "area or quarter"),
                          ({"lang": "xx"}, "no language"), ({"page": "../etc"}, "no page"), ({"chart": "nope"}, "no such chart"),
                          ({"format": "pdf"}, "PNG or SVG"), ({"measure": "<script>"}, "choice"), ({"provider": "../../x"}, None)]:
        if words is None:  # a provider the folder does not serve is the folder's own (as on the pages): still a good link
            assert served.chart_file({**good, **change})[1].endswith(".png")
            continue
        with pytest.raises(served.NotServed) as e:
            served.chart_file({**good, **change})
        assert words in e.value.message and e.value.status == 404, change


def test_chart_and_table_links_through_the_server(store):
    """A real `streamlit run app.py`: a chart link gives a stamped PNG as an attachment, a table link the CSV, a
    stale link a 404 with a sentence."""
    import urllib.error
    import urllib.request

    from tests.browser import streamlit_server

    with streamlit_server(store) as base:
        url = f"{base}/download/chart?v=1&page=incidents&lang=en&area=N1&quarter=2026Q3&measure=count&chart=incidents.trend&format=png"
        with urllib.request.urlopen(url, timeout=120) as r:
            assert r.headers["Content-Type"] == "image/png"
            assert r.headers["Content-Disposition"] == 'attachment; filename="bridges-r1-N1-2026Q3-incidents-trend.png"'
            assert Image.open(io.BytesIO(r.read())).size == (2400, 1350)
        with urllib.request.urlopen(f"{base}/download/table?v=1&table=incidents&format=csv", timeout=60) as r:
            assert r.read().startswith(b"\xef\xbb\xbf") and "bridges-release-1-incidents.csv" in r.headers["Content-Disposition"]
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url.replace("v=1", "v=9"), timeout=60)
        assert e.value.code == 404 and b"reload the page" in e.value.read()


def test_deck_page_offers_the_offline_file_and_every_slide_as_png(store, monkeypatch):
    """AppTest on /town-hall: the two downloads under the slide give the offline deck file and a ZIP of nine slide PNGs."""
    _, offered = _page_offering(store, monkeypatch, "public_pages/town_hall.py", "fr")
    assert {k for k in offered if "-deck-" in k} == {"bridges-r1-N1-2026Q3-deck-fr.html", "bridges-r1-N1-2026Q3-deck-fr-slides.zip"}
    html = offered["bridges-r1-N1-2026Q3-deck-fr.html"]()
    assert html.decode("utf-8") == H.document(D.build(open_release(store), "N1", "2026Q3", "fr"))
    z = zipfile.ZipFile(io.BytesIO(offered["bridges-r1-N1-2026Q3-deck-fr-slides.zip"]()))
    assert len(z.namelist()) == 9 and all(Image.open(io.BytesIO(z.read(n))).size == (1920, 1080) for n in z.namelist())
