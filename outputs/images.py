"""Shareable images: any chart as a stamped PNG or SVG, and the town-hall slides as PNGs and a PDF. Offline.

A stamped image is newsletter-sized (1200 × 675, PNG drawn at 2×) and says, on the image itself, what the chart
counts (its title), the area, the period, the source and the release: a picture passed around on its own still
carries them. The stamp is text in the SVG (<text>, also <title> and <desc>); the PNG is that same SVG drawn by
chromium, with the stamp also in the PNG's text chunks (iTXt: Title, Description, Source, Software).

Charts are drawn by kaleido 1.5 with Debian's chromium (BROWSER_PATH, default /usr/bin/chromium), the plotly.js
bundled with the plotly package and MathJax off (kaleido's default fetches it from a CDN). Slides and the PDF are
drawn by the same chromium through choreographer (kaleido's browser driver), from the offline deck file. Chromium
is started with a proxy that refuses every connection, so no request can leave the machine even by mistake.
"""
from __future__ import annotations

import asyncio
import base64
import html
import io
import os
import struct
import tempfile
import textwrap
import threading
import zipfile
import zlib
from pathlib import Path

import plotly.graph_objects as go

from stats.i18n import t

CHROMIUM = os.environ.get("BROWSER_PATH") or "/usr/bin/chromium"
NO_NETWORK = "127.0.0.1:9"  # a proxy nothing listens on: any http(s) request fails at once
WIDTH, HEIGHT, PNG_SCALE = 1200, 675, 2
FONT = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"
INK = "#111111"
HEADER_H, LINE_H, FOOT_LINE_H = 30, 24, 19
ALL_AREA_CHARTS = {"incidents.map", "community.area", "community.reach", "trust.areas"}  # charts that show every area

_lock = threading.Lock()
_server_started = False


class ImageError(RuntimeError):
    """An image could not be made (no chromium, or it failed): the caller says so in plain words."""


def available() -> bool:
    return Path(CHROMIUM).exists()


# ---------------------------------------------------------------- kaleido


def _kaleido():
    global _server_started
    os.environ.setdefault("BROWSER_PATH", CHROMIUM)
    import kaleido

    if not _server_started:
        kaleido.start_sync_server(n=1, timeout=90, mathjax=False, path=CHROMIUM, proxy_server=NO_NETWORK, silence_warnings=True)
        _server_started = True
    return kaleido


def render(fig: go.Figure | dict, fmt: str, width: int, height: int, scale: float = 1) -> bytes:
    """One figure to PNG or SVG bytes by kaleido (one call at a time: the sync server is shared by all threads)."""
    if not available():
        raise ImageError(f"no chromium at {CHROMIUM}")
    spec = fig.to_plotly_json() if isinstance(fig, go.Figure) else fig
    global _server_started
    with _lock:
        try:
            k = _kaleido()
            out = k.calc_fig_sync(spec, opts={"format": fmt, "width": width, "height": height, "scale": scale})
        except Exception as exc:  # noqa: BLE001 - kaleido raises many kinds; the caller shows one message
            try:  # start afresh next time (chromium may have died)
                import kaleido

                kaleido.stop_sync_server(silence_warnings=True)
            except Exception:  # noqa: BLE001
                pass
            _server_started = False
            raise ImageError(f"kaleido could not draw the image: {type(exc).__name__}: {exc}") from exc
    return out if isinstance(out, bytes) else str(out).encode("utf-8")


# ---------------------------------------------------------------- the stamp


def stamp_lines(stamp: dict) -> tuple[list[str], list[str]]:
    """(header lines, footer lines) of a stamp {title, area, period, source, version, lang}."""
    lang = stamp.get("lang", "en")
    head = textwrap.wrap(str(stamp.get("title") or ""), 92) or [""]
    head.append(t("image.stamp", lang, area=stamp.get("area") or "", period=stamp.get("period") or ""))
    foot = textwrap.wrap(str(stamp.get("source") or ""), 150)
    foot.append(t("image.release", lang, version=stamp.get("version", "?")))
    return head, foot


def stamp_text(stamp: dict) -> str:
    head, foot = stamp_lines(stamp)
    return " | ".join(head + foot)


def _for_image(fig: go.Figure) -> dict:
    """The chart without its own title (the stamp carries it), on white."""
    d = fig.to_plotly_json()
    lay = dict(d.get("layout") or {})
    lay.pop("title", None)
    m = dict(lay.get("margin") or {})
    m["t"] = 70 if lay.get("showlegend") else 16
    lay["margin"] = m
    lay["paper_bgcolor"] = "#FFFFFF"
    d["layout"] = lay
    return d


def bands(stamp: dict) -> tuple[list[str], list[str], int, int]:
    """(header lines, footer lines, header height, footer height) of a stamp, in px of the image."""
    head, foot = stamp_lines(stamp)
    top = 16 + HEADER_H * (len(head) - 1) + LINE_H + 10
    bottom = 10 + FOOT_LINE_H * len(foot) + 8
    return head, foot, top, bottom


def frame(stamp: dict, width: int = WIDTH, height: int = HEIGHT) -> tuple[str, str, int]:
    """The stamp as the two halves of an SVG document (before and after the chart) and the chart's y offset.

    The chart's own <svg> goes between them at y = top; the static site's script uses the same halves, so a chart
    saved from the site carries the same stamp as one made here."""
    head, foot, top, bottom = bands(stamp)
    e = lambda s: html.escape(s, quote=True)  # noqa: E731
    texts = []
    y = 16
    for i, line in enumerate(head[:-1]):
        y += HEADER_H if i else 24
        texts.append(f'<text x="24" y="{y}" font-size="22" font-weight="700">{e(line)}</text>')
    y += LINE_H
    texts.append(f'<text x="24" y="{y}" font-size="18">{e(head[-1])}</text>')
    y = height - bottom + 10
    for line in foot:
        y += FOOT_LINE_H - 4
        texts.append(f'<text x="24" y="{y}" font-size="15">{e(line)}</text>')
        y += 4
    before = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{width}" height="{height}" '
              f'viewBox="0 0 {width} {height}" role="img"><title>{e(head[0])}</title><desc>{e(stamp_text(stamp))}</desc>'
              f'<rect x="0" y="0" width="{width}" height="{height}" fill="#FFFFFF"/>'
              f'<g font-family="{e(FONT)}" fill="{INK}">{"".join(texts)}')
    after = f'</g><line x1="24" x2="{width - 24}" y1="{height - bottom}" y2="{height - bottom}" stroke="#555555" stroke-width="1"/></svg>'
    return before, after, top


def compose_svg(chart_svg: str, stamp: dict, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The chart's SVG inside a frame that draws the stamp as text: title and area · period above, source and release below."""
    before, after, top = frame(stamp, width, height)
    inner = chart_svg.strip()
    if inner.startswith("<?xml"):
        inner = inner[inner.index("?>") + 2:].strip()
    if not inner.startswith("<svg"):
        raise ImageError("kaleido returned something that is not an SVG")
    return before + f'<svg x="0" y="{top}"' + inner[len("<svg"):] + after


def chart_svg(fig: go.Figure, stamp: dict, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """A chart as a stamped SVG (the stamp is <text> in the file)."""
    _, _, top, bottom = bands(stamp)
    svg = render(_for_image(fig), "svg", width, height - top - bottom).decode("utf-8")
    return compose_svg(svg, stamp, width, height).encode("utf-8")


def svg_to_png(svg: str, width: int, height: int, scale: float = PNG_SCALE) -> bytes:
    """An SVG drawn to PNG by the same chromium (a blank plotly figure whose only content is the SVG as an image)."""
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    frame = {"data": [], "layout": {
        "width": width, "height": height, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "paper_bgcolor": "#FFFFFF", "plot_bgcolor": "#FFFFFF",
        "xaxis": {"visible": False, "range": [0, 1]}, "yaxis": {"visible": False, "range": [0, 1]}, "showlegend": False,
        "images": [{"source": src, "xref": "paper", "yref": "paper", "x": 0, "y": 1, "sizex": 1, "sizey": 1, "xanchor": "left",
                    "yanchor": "top", "sizing": "stretch", "layer": "above"}]}}
    return render(frame, "png", width, height, scale)


def chart_png(fig: go.Figure, stamp: dict, width: int = WIDTH, height: int = HEIGHT, scale: float = PNG_SCALE) -> bytes:
    """A chart as a stamped PNG: the stamped SVG drawn by chromium, with the stamp also in the PNG's text chunks."""
    svg = chart_svg(fig, stamp, width, height).decode("utf-8")
    png = svg_to_png(svg, width, height, scale)
    head, foot = stamp_lines(stamp)
    return png_with_text(png, {"Title": head[0], "Description": stamp_text(stamp), "Source": " ".join(foot), "Software": "Bridges"})


def png_with_text(png: bytes, fields: dict[str, str]) -> bytes:
    """The PNG with iTXt chunks (UTF-8 text, uncompressed) added after its header chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ImageError("not a PNG")
    ihdr_len = struct.unpack(">I", png[8:12])[0]
    cut = 8 + 12 + ihdr_len
    chunks = b""
    for key, value in fields.items():
        body = key.encode("latin-1")[:79] + b"\x00\x00\x00" + b"\x00" + b"\x00" + str(value).encode("utf-8")
        chunks += struct.pack(">I", len(body)) + b"iTXt" + body + struct.pack(">I", zlib.crc32(b"iTXt" + body) & 0xFFFFFFFF)
    return png[:cut] + chunks + png[cut:]


def chart_period(chart, quarter_label: str, lang: str) -> str:
    """The period a chart covers: its span of quarters when its numbers run by quarter, else the quarter shown."""
    tb = getattr(chart, "table", None)
    col = t("col.quarter", lang)
    if tb is not None and col in getattr(tb, "columns", []) and len(tb):
        first, last = str(tb[col].iloc[0]), str(tb[col].iloc[-1])
        return first if first == last else t("span", lang, first=first, last=last)
    return quarter_label


def stamp_for(chart, area: str, quarter_label: str, version: int, lang: str, area_id: str | None = None, quarter: str | None = None) -> dict:
    """The stamp of a chart of the pages, the deck or the site (a chart of every area says so, whatever the view)."""
    if getattr(chart, "key", None) in ALL_AREA_CHARTS:
        area = t("area.all", lang)
        area = area[:1].upper() + area[1:]
    return {"title": chart.title, "area": area, "period": chart_period(chart, quarter_label, lang), "source": chart.source,
            "version": version, "lang": lang, "area_id": area_id, "quarter": quarter, "key": chart.key}


def file_stem(stamp: dict, key: str) -> str:
    """bridges-r1-MS-2026Q3-incidents-trend (ASCII, safe anywhere)."""
    import re

    parts = ["bridges", f"r{stamp.get('version', '')}", stamp.get("area_id") or "all", stamp.get("quarter") or "", key]
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(p for p in parts if p)).strip("-")[:120]


# ---------------------------------------------------------------- slides and PDF (the offline deck file in chromium)


async def _in_chromium(html_text: str, shots: bool, pdf: bool, width: int = 1920, height: int = 1080) -> tuple[list[bytes], bytes | None]:
    from choreographer import Browser

    with tempfile.TemporaryDirectory(prefix="bridges-deck-") as tmp:
        path = Path(tmp) / "deck.html"
        path.write_text(html_text, encoding="utf-8")
        images, pdf_bytes = [], None
        async with Browser(path=CHROMIUM, headless=True, proxy_server=NO_NETWORK) as browser:
            tab = await browser.create_tab("")
            await tab.send_command("Emulation.setDeviceMetricsOverride", params={"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
            await tab.send_command("Page.enable")
            await tab.send_command("Runtime.enable")

            async def load(url: str) -> None:
                ready = tab.subscribe_once("Page.loadEventFired")
                await tab.send_command("Page.navigate", params={"url": url})
                await asyncio.wait_for(ready, 60)

            async def js(expr: str):
                r = await tab.send_command("Runtime.evaluate", params={"expression": expr, "awaitPromise": True, "returnByValue": True})
                if "error" in r or r.get("result", {}).get("exceptionDetails"):
                    raise ImageError(f"the deck script failed: {r}")
                return r["result"].get("result", {}).get("value")

            if shots:
                await load(path.as_uri())
                n = int(await js("window.bridgesDeck.count"))
                for i in range(n):
                    await js(f"window.bridgesDeck.show({i}, true); window.bridgesDeck.ready({i}).then(() => new Promise(r => "
                             "requestAnimationFrame(() => requestAnimationFrame(() => r(1)))))")
                    r = await tab.send_command("Page.captureScreenshot", params={"format": "png"})
                    images.append(base64.b64decode(r["result"]["data"]))
            if pdf:
                await load(path.as_uri() + "?print=1")
                await js("window.bridgesDeck.renderAll().then(() => new Promise(r => requestAnimationFrame(() => r(1))))")
                r = await tab.send_command("Page.printToPDF", params={"printBackground": True, "preferCSSPageSize": True,
                                                                       "paperWidth": width / 96, "paperHeight": height / 96,
                                                                       "marginTop": 0, "marginBottom": 0, "marginLeft": 0, "marginRight": 0})
                pdf_bytes = base64.b64decode(r["result"]["data"])
        return images, pdf_bytes


def _run(coro):
    try:
        return asyncio.run(coro)
    except ImageError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ImageError(f"chromium could not draw the deck: {type(exc).__name__}: {exc}") from exc


def slide_pngs(deck_file_html: str) -> list[bytes]:
    """Every slide of an offline deck file as a 1920 × 1080 PNG, exactly as the file draws it."""
    if not available():
        raise ImageError(f"no chromium at {CHROMIUM}")
    return _run(_in_chromium(deck_file_html, True, False))[0]


def deck_pdf(deck_file_html: str) -> bytes:
    """The offline deck file printed to PDF by chromium, one slide per page."""
    if not available():
        raise ImageError(f"no chromium at {CHROMIUM}")
    return _run(_in_chromium(deck_file_html, False, True))[1]


def slides_zip(deck_file_html: str, stem: str) -> bytes:
    """A ZIP of every slide as PNG: stem-01.png, stem-02.png …"""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for i, png in enumerate(slide_pngs(deck_file_html), start=1):
            z.writestr(f"{stem}-{i:02d}.png", png)
    return buf.getvalue()
