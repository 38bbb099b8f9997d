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

import plotly.io as pio

from outputs.deck import Deck, Slide
from stats.i18n import locale, t

PLOT_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": False, "scrollZoom": False, "doubleClick": False}
STAGE_W, STAGE_H = 1920, 1080
TEXT_W = 700  # px: the text column of a slide with a chart
PAD = 48
CHART_W = STAGE_W - 2 * PAD - TEXT_W - PAD  # the chart column of a split slide (= outputs.deck.CHART_WIDTH)
ACTION_MAX = 160  # characters of an action shown on a slide (the speaker notes have it all)

# Sizes are in --u: 1 px of a 1920×1080 slide. The offline file draws a fixed 1920×1080 stage scaled to the window
# (--u = 1px); the presenter page sizes with the viewport (--u = 1px at 1080p, smaller windows scale down).
CSS = """
.bridges-deck { --u: 1px; --ink: #000000; --bar: #0B1F3A; --bar-ink: #FFFFFF; --accent: #0072B2; --rule: #333333;
  font-family: "Source Sans Pro", "Source Sans 3", "Liberation Sans", Arial, "DejaVu Sans", sans-serif; color: var(--ink); }
.bridges-deck .slide { box-sizing: border-box; width: 100%; height: 100%; background: #FFFFFF; display: flex; flex-direction: column; }
.bridges-deck .bar { background: var(--bar); color: var(--bar-ink); padding: calc(22 * var(--u)) calc(48 * var(--u)); display: flex;
  align-items: baseline; justify-content: space-between; gap: calc(32 * var(--u)); }
.bridges-deck .bar h1 { font-size: calc(52 * var(--u)); line-height: 1.1; margin: 0; font-weight: 700; color: var(--bar-ink); padding: 0; }
.bridges-deck .bar .where { font-size: calc(30 * var(--u)); white-space: nowrap; color: var(--bar-ink); }
.bridges-deck .body { flex: 1; display: flex; gap: calc(48 * var(--u)); padding: calc(32 * var(--u)) calc(48 * var(--u)) 0; min-height: 0; }
.bridges-deck .text { width: calc(700 * var(--u)); flex: none; font-size: calc(30 * var(--u)); line-height: 1.3; overflow: hidden; }
.bridges-deck .body.full .text { width: 100%; }
.bridges-deck .text p, .bridges-deck .text li { font-size: calc(30 * var(--u)); margin: 0 0 calc(16 * var(--u)); }
.bridges-deck .text ul { margin: 0; padding-left: calc(36 * var(--u)); }
.bridges-deck .text h2 { font-size: calc(34 * var(--u)); margin: calc(8 * var(--u)) 0 calc(12 * var(--u)); }
.bridges-deck .figs { display: grid; grid-template-columns: 1fr; gap: calc(20 * var(--u)); margin-bottom: calc(24 * var(--u)); }
.bridges-deck .body.full .figs { grid-template-columns: 1fr 1fr; column-gap: calc(64 * var(--u)); row-gap: calc(36 * var(--u)); }
.bridges-deck .fig { border-left: calc(10 * var(--u)) solid var(--accent); padding-left: calc(22 * var(--u)); }
.bridges-deck .fig .label { font-size: calc(30 * var(--u)); font-weight: 700; }
.bridges-deck .fig .value { font-size: calc(72 * var(--u)); font-weight: 700; line-height: 1.05; }
.bridges-deck .fig .detail { font-size: calc(28 * var(--u)); margin: calc(4 * var(--u)) 0 0; }
.bridges-deck .chart { flex: 1; min-width: 0; display: flex; flex-direction: column; }
.bridges-deck .chart h2 { font-size: calc(28 * var(--u)); font-weight: 700; margin: 0 0 calc(8 * var(--u)); line-height: 1.2; }
.bridges-deck .foot { display: flex; justify-content: space-between; align-items: flex-end; gap: calc(32 * var(--u));
  padding: calc(10 * var(--u)) calc(48 * var(--u)) calc(16 * var(--u)); font-size: calc(28 * var(--u)); border-top: calc(2 * var(--u)) solid var(--rule); }
.bridges-deck .foot .counter { white-space: nowrap; font-weight: 700; }
.bridges-deck .slide-title .body { flex-direction: column; justify-content: center; }
.bridges-deck .slide-title .text { width: 100%; }
.bridges-deck .slide-title .text p { font-size: calc(40 * var(--u)); }
.bridges-deck .slide-title .text p.lead { font-size: calc(64 * var(--u)); font-weight: 700; }
.bridges-deck .slide-closing .text .block { margin-bottom: calc(28 * var(--u)); }
.bridges-deck .slide-closing .text p { font-size: calc(36 * var(--u)); }
.bridges-deck .notes { font-size: calc(30 * var(--u)); }
"""

FILE_CSS = """
html, body { margin: 0; padding: 0; background: #000000; height: 100%; overflow: hidden; }
#stage-box { position: fixed; inset: 0; display: flex; align-items: center; justify-content: center; }
#stage { width: 1920px; height: 1080px; position: relative; transform-origin: center center; flex: none; }
#stage .slide { position: absolute; inset: 0; display: none; }
#stage .slide.current { display: flex; }
.plot { width: 100%; }
aside.notes { display: none; }
#help { position: fixed; left: 0; right: 0; bottom: 0; background: #FFFFFF; color: #000000; font: 20px Arial, sans-serif; padding: 6px 12px;
  display: none; }
body.show-help #help { display: block; }
/* speaker-notes view (?notes=1): the slide small on the left, the notes large on the right */
body.notes-view { overflow: auto; background: #FFFFFF; }
body.notes-view #stage-box { position: static; display: block; }
body.notes-view #notes-view { display: grid; }
#notes-view { display: none; grid-template-columns: 1fr 1fr; gap: 24px; padding: 24px; font-family: Arial, "Liberation Sans", sans-serif; }
#notes-view .now { font-size: 28px; font-weight: 700; }
#notes-view .notes-text p { font-size: 30px; line-height: 1.35; margin: 0 0 16px; }
#notes-view .next { font-size: 28px; margin-top: 24px; }
#notes-view .preview { width: 100%; aspect-ratio: 16 / 9; position: relative; overflow: hidden; border: 2px solid #000000; }
/* print and PDF: one slide per page */
@page { size: 1920px 1080px; margin: 0; }
@media print {
  html, body { overflow: visible; height: auto; background: #FFFFFF; }
  #stage-box { position: static; display: block; }
  #stage { transform: none !important; width: 1920px; height: auto; }
  #stage .slide { position: relative; display: flex !important; width: 1920px; height: 1080px; break-after: page; page-break-after: always; }
  #stage .slide:last-child { break-after: auto; page-break-after: auto; }
  #help, #notes-view { display: none !important; }
}
body.print #stage-box { position: static; display: block; }
body.print { overflow: visible; height: auto; }
body.print #stage { transform: none !important; height: auto; }
body.print #stage .slide { position: relative; display: flex; width: 1920px; height: 1080px; }
"""

# The keys, auto-advance (?advance=20), the slide in the address (#3 or ?slide=3), speaker notes in a second
# window (N, or ?notes=1) kept in step with postMessage, full screen (F), and print mode (?print=1, every slide).
FILE_JS = r"""
(function () {
  var slides = Array.prototype.slice.call(document.querySelectorAll('#stage .slide'));
  var n = slides.length, cur = 0, partner = window.opener || null, drawn = {};
  var params = new URLSearchParams(location.search);
  var notesView = params.get('notes') === '1', printMode = params.get('print') === '1';
  var stage = document.getElementById('stage');
  function figData(i) { var el = document.getElementById('fig-' + i); return el ? JSON.parse(el.textContent) : null; }
  function draw(i) {
    if (drawn[i]) return drawn[i];
    var f = figData(i), div = document.getElementById('plot-' + i);
    if (!f || !div || !window.Plotly) { drawn[i] = Promise.resolve(); return drawn[i]; }
    drawn[i] = Plotly.newPlot(div, f.data, f.layout, f.config);
    return drawn[i];
  }
  function fit() {
    if (printMode) { stage.style.transform = 'none'; return; }
    var box = notesView ? document.querySelector('#notes-view .preview') : document.getElementById('stage-box');
    if (notesView && stage.parentNode !== box) { box.appendChild(stage); stage.style.position = 'absolute'; stage.style.left = '0'; stage.style.top = '0';
      stage.style.transformOrigin = '0 0'; }
    var w = box.clientWidth || window.innerWidth, h = box.clientHeight || window.innerHeight;
    var s = Math.min(w / 1920, h / 1080);
    stage.style.transform = 'scale(' + s + ')';
  }
  function notesOf(i) { var a = slides[i] && slides[i].querySelector('aside.notes'); return a ? a.innerHTML : ''; }
  function headingOf(i) { var h = slides[i] && slides[i].querySelector('h1'); return h ? h.textContent : ''; }
  function show(i, quiet) {
    i = Math.max(0, Math.min(n - 1, i | 0));
    slides[cur].classList.remove('current');
    cur = i;
    slides[cur].classList.add('current');
    draw(cur);
    if (history.replaceState) { history.replaceState(null, '', '#' + (cur + 1)); }
    if (notesView) {
      document.querySelector('#notes-view .now').textContent = document.getElementById('counter-' + cur).textContent + ' · ' + headingOf(cur);
      document.querySelector('#notes-view .notes-text').innerHTML = notesOf(cur);
      document.querySelector('#notes-view .next').textContent = cur + 1 < n ? (document.body.dataset.nextLabel + ' ' + headingOf(cur + 1)) : document.body.dataset.endLabel;
    }
    if (!quiet && partner && !partner.closed) { try { partner.postMessage({bridgesDeck: 1, slide: cur}, '*'); } catch (e) {} }
  }
  function next() { show(cur + 1); }
  function prev() { show(cur - 1); }
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === 'ArrowRight' || k === 'PageDown' || k === ' ' || k === 'Spacebar' || k === 'ArrowDown' || k === 'Enter') { e.preventDefault(); next(); }
    else if (k === 'ArrowLeft' || k === 'PageUp' || k === 'ArrowUp' || k === 'Backspace') { e.preventDefault(); prev(); }
    else if (k === 'Home') { e.preventDefault(); show(0); }
    else if (k === 'End') { e.preventDefault(); show(n - 1); }
    else if (k === 'f' || k === 'F') { if (document.fullscreenElement) { document.exitFullscreen(); } else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen().catch(function () {}); } }
    else if (k === 'n' || k === 'N') { openNotes(); }
    else if (k === '?' || k === 'h' || k === 'H') { document.body.classList.toggle('show-help'); }
  });
  function openNotes() {
    if (notesView) return;
    var url = location.href.split('#')[0].split('?')[0] + '?notes=1#' + (cur + 1);
    partner = window.open(url, 'bridges-notes');
  }
  window.addEventListener('message', function (e) {
    if (!e.data || e.data.bridgesDeck !== 1) return;
    if (partner === null && e.source) partner = e.source;
    if (e.source !== partner) return;
    show(e.data.slide, true);
  });
  window.addEventListener('resize', fit);
  var start = parseInt((location.hash || '').replace('#', ''), 10) || parseInt(params.get('slide') || '1', 10) || 1;
  if (notesView) document.body.classList.add('notes-view');
  if (printMode) document.body.classList.add('print');
  fit();
  slides.forEach(function (s) { s.classList.remove('current'); });
  slides[0].classList.add('current');
  show(start - 1, true);
  var adv = parseFloat(params.get('advance') || '0');
  if (adv > 0 && !notesView) { setInterval(function () { show(cur + 1 < n ? cur + 1 : cur); }, adv * 1000); }
  function renderAll() { return Promise.all(slides.map(function (s, i) { return draw(i); })); }
  window.bridgesDeck = { show: show, next: next, prev: prev, count: n, current: function () { return cur; }, renderAll: renderAll, ready: draw };
  if (printMode) { renderAll().then(function () { document.body.dataset.ready = '1'; }); }
  window.addEventListener('beforeprint', function () { renderAll(); });
})();
"""


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
    help_text = t("deck.ui.keys", lang)
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(locale(lang).replace("_", "-"))}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; script-src \'unsafe-inline\' \'unsafe-eval\'; '
        f'style-src \'unsafe-inline\'; img-src data: blob:; font-src data:; connect-src \'none\'">'
        f"<title>{esc(deck.title)}</title><style>{CSS}{FILE_CSS}</style></head>"
        f'<body data-next-label="{esc(t("deck.ui.next_slide", lang))}" data-end-label="{esc(t("deck.ui.end", lang))}">'
        f'<div id="notes-view"><div><div class="now"></div><div class="preview"></div><div class="next"></div></div>'
        f'<div class="notes-text"></div></div>'
        f'<div id="stage-box"><div id="stage" class="bridges-deck">{"".join(sections)}</div></div>'
        f'<div id="help">{esc(help_text)}</div>'
        f'{"".join(figs)}<script>{plotly_js()}</script><script>{FILE_JS}</script></body></html>'
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
