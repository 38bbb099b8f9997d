"""The town-hall deck as HTML: the slide markup and style shared by the presenter page and the offline deck file.

Every text is escaped here (html.escape): text from the data (area names, topics, actions taken) and from the
provider's own provider.toml is shown as text, never as markup. No Streamlit here.

The offline file is one document with everything inside it: the style, the slides, the figures as JSON, plotly.js
(the copy bundled with the installed plotly package) and a small script for the keys. Nothing is loaded from any
host: no fonts (the system's sans-serif), no scripts, no images, no map tiles or topojson (the map is plain shapes).
"""
from __future__ import annotations

import html
import json
from functools import lru_cache
from importlib import resources
from string import Template

import plotly.io as pio

from outputs.deck import Deck, Slide
from stats.i18n import locale, t

PLOT_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": False, "scrollZoom": False, "doubleClick": False}
STAGE_W, STAGE_H = 1920, 1080
TEXT_W = 700  # px: the text column of a slide with a chart
PAD = 48
CHART_W = STAGE_W - 2 * PAD - TEXT_W - PAD  # the chart column of a split slide (= outputs.deck.CHART_WIDTH)
ACTION_MAX = 160  # characters of an action shown on a slide (the speaker notes have it all)


def asset(name: str) -> str:
    """A style, script or page template of outputs/assets/ (plain files beside this module, read through importlib.resources)."""
    return (resources.files(__package__) / "assets" / name).read_text(encoding="utf-8")


# The slides' style, shared with the presenter page (sizes in --u, 1 px of a 1920×1080 slide); the offline file's own
# style (stage, notes view, print) and script (keys, notes window, auto-advance); and the page they go into.
CSS = asset("deck.css")
FILE_CSS = asset("deck-file.css")
FILE_JS = asset("deck.js")
PAGE = Template(asset("deck.html"))


def esc(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _short(text: str, limit: int = ACTION_MAX) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def layout(slide: Slide) -> str:
    """'split' (text beside the chart), 'full' (text only) or 'title'."""
    if slide.key == "title":
        return "title"
    return "split" if slide.figure is not None else "full"


def header_html(deck: Deck, slide: Slide) -> str:
    where = "" if slide.key == "title" else f'<div class="where">{esc(deck.where[:1].upper() + deck.where[1:])} · {esc(deck.quarter_label)}</div>'
    return f'<header class="bar"><h1>{esc(slide.heading)}</h1>{where}</header>'


def text_html(slide: Slide, lang: str) -> str:
    """The text column: headline figures, bullets, paragraphs, and the closing slide's contact and data blocks."""
    parts = []
    if slide.key == "title":
        lines = list(slide.text)
        if lines:
            parts.append(f'<p class="lead">{esc(lines[0])}</p>')
        parts += [f"<p>{esc(x)}</p>" for x in lines[1:]]
        return "".join(parts)
    if slide.figures:
        parts.append('<div class="figs">')
        for f in slide.figures:
            detail = "".join(f'<p class="detail">{esc(d)}</p>' for d in f.detail)
            parts.append(f'<div class="fig"><div class="label">{esc(f.label)}</div><div class="value">{esc(f.value)}</div>{detail}</div>')
        parts.append("</div>")
    if slide.bullets:
        items = slide.bullets if slide.key != "said_did" else [_short(b, ACTION_MAX + 60) for b in slide.bullets]
        parts.append("<ul>" + "".join(f"<li>{esc(b)}</li>" for b in items) + "</ul>")
    if slide.contact:
        parts.append('<div class="block"><h2>' + esc(t("deck.closing.contact", lang)) + "</h2>" +
                     "".join(f"<p>{esc(c)}</p>" for c in slide.contact) + "</div>")
    if slide.data:
        parts.append('<div class="block"><h2>' + esc(t("deck.closing.data", lang)) + "</h2>" +
                     "".join(f"<p>{esc(c)}</p>" for c in slide.data) + "</div>")
    parts += [f"<p>{esc(x)}</p>" for x in slide.text]
    return "".join(parts)


def footer_html(deck: Deck, slide: Slide, i: int, n: int) -> str:
    src = slide.source or t("deck.foot.release", deck.lang, version=deck.version, published=deck.published)
    counter = t("deck.ui.counter", deck.lang, i=i + 1, n=n)
    return f'<footer class="foot"><span class="source">{esc(src)}</span><span class="counter" id="counter-{i}">{esc(counter)}</span></footer>'


def notes_html(slide: Slide) -> str:
    return "".join(f"<p>{esc(x)}</p>" for x in slide.notes)


def figure_json(fig, width: int | None = None) -> str:
    """A figure as JSON safe inside <script type="application/json"> ("</" never closes the element)."""
    d = json.loads(pio.to_json(fig, validate=False))
    if width:
        d.setdefault("layout", {})["width"] = width
    d["config"] = PLOT_CONFIG
    return json.dumps(d, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def slide_html(deck: Deck, slide: Slide, i: int, n: int) -> str:
    """One slide of the offline file (a <section>), with its speaker notes in an <aside> the notes view shows."""
    lay = layout(slide)
    chart = ""
    if slide.figure is not None:
        chart = (f'<div class="chart"><h2>{esc(slide.chart.title)}</h2>'
                 f'<div class="plot" id="plot-{i}" role="img" aria-label="{esc(slide.chart.sentence)}"></div></div>')
    body_cls = "body full" if lay == "full" else "body"
    return (f'<section class="slide slide-{esc(slide.key)}" data-key="{esc(slide.key)}" aria-roledescription="slide" '
            f'aria-label="{esc(t("deck.ui.counter", deck.lang, i=i + 1, n=n))}: {esc(slide.heading)}">'
            f'{header_html(deck, slide)}<div class="{body_cls}"><div class="text">{text_html(slide, deck.lang)}</div>{chart}</div>'
            f'{footer_html(deck, slide, i, n)}<aside class="notes">{notes_html(slide)}</aside></section>')


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js as bundled with the installed plotly package (never a CDN)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def document(deck: Deck) -> str:
    """The whole offline deck: one self-contained HTML file (plotly.js inside, nothing from any host)."""
    n = len(deck.slides)
    sections, figs = [], []
    for i, s in enumerate(deck.slides):
        sections.append(slide_html(deck, s, i, n))
        if s.figure is not None:
            figs.append(f'<script type="application/json" id="fig-{i}">{figure_json(s.figure, CHART_W)}</script>')
    lang = deck.lang
    return PAGE.substitute(
        lang=esc(locale(lang).replace("_", "-")), title=esc(deck.title), style=CSS + FILE_CSS,
        next_label=esc(t("deck.ui.next_slide", lang)), end_label=esc(t("deck.ui.end", lang)),
        slides="".join(sections), help=esc(t("deck.ui.keys", lang)), figures="".join(figs), plotly=plotly_js(), script=FILE_JS,
    )


def write(rel, outfile, area: str | None, quarter: str | None, lang: str, pdf: bool = False) -> dict:
    """Write the offline deck of `area` ("all" or None: all areas) and `quarter` ("latest" or None: the latest) to
    `outfile`, and with pdf=True a PDF beside it (one slide per page, printed by chromium). Returns what was written."""
    from pathlib import Path

    from outputs import deck as D

    deck = D.build(rel, area, quarter, lang)
    out = Path(outfile)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = document(deck)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    result = {"deck": deck, "html": out, "bytes": out.stat().st_size, "pdf": None}
    if pdf:
        from outputs.images import deck_pdf

        pdf_path = out.with_suffix(".pdf")
        pdf_path.write_bytes(deck_pdf(text))
        result["pdf"] = pdf_path
    return result
