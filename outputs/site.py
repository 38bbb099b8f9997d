"""A static snapshot of a published release: plain HTML files any web server or CDN can serve (`python -m bridges site`).

    OUTDIR/index.html, index.fr.html         the areas, the headline figures for all areas, links
    OUTDIR/area-<id>.html, area-<id>.fr.html one page per area (and area-all): overview, incidents, community,
                                             "you said, we did", trust — the same blocks as the Streamlit pages
    OUTDIR/data.html, data.fr.html           downloads, release history and corrections, privacy note, sources,
                                             methodology and data dictionary
    OUTDIR/plotly.min.js                     plotly.js, once for every page (include_plotlyjs="directory")
    OUTDIR/site.css, site.js                 the style, and the script that saves a chart as a stamped PNG or SVG
    OUTDIR/downloads/                        the open-data export of the release (outputs.export.export_release)

The pages are built from stats.views (the figure builders and sentences the Streamlit pages use), so the site
and the pages cannot disagree. Every text is escaped. Nothing is loaded from another host: no fonts, no scripts,
no map tiles (each page also says so in its Content-Security-Policy).
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
import plotly.io as pio

from model.errors import InputError

from stats import blocks as B
from outputs import images
from stats import periods, queries, sentences, views
from stats.i18n import DEFAULT_LANG, date, language_name, languages, locale, num, quarter_label, t
from outputs.markdown import to_html as markdown
from stats.read import Release, open_release, public_dir
from stats.releases import published_date

MARKER = ".bridges-site"  # a folder with this file is a site Bridges wrote, and may be replaced
SECTIONS = ("overview", "incidents", "community", "feedback", "trust")
PLOT_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True, "scrollZoom": False}
ROOT = Path(__file__).resolve().parents[1]
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'none'; frame-src 'none'; object-src 'none'")

CSS = """
:root { --ink: #1A1A1A; --muted: #333333; --link: #00558C; --rule: #BBBBBB; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Source Sans Pro", "Liberation Sans", Arial, "DejaVu Sans", sans-serif; color: var(--ink);
  background: #FFFFFF; font-size: 17px; line-height: 1.5; }
a { color: var(--link); }
a:focus, button:focus, summary:focus { outline: 3px solid #000000; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #FFFFFF; padding: 4px 8px; }
header.site { border-bottom: 1px solid var(--rule); padding: 10px 24px; display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: baseline; }
header.site .brand { font-weight: 700; font-size: 19px; color: var(--ink); text-decoration: none; }
header.site nav a { margin-right: 16px; }
main { max-width: 1100px; margin: 0 auto; padding: 8px 24px 48px; }
h1 { font-size: 32px; line-height: 1.2; } h2 { font-size: 26px; margin-top: 40px; border-top: 2px solid var(--ink); padding-top: 12px; }
h3 { font-size: 21px; margin-top: 28px; } h4 { font-size: 18px; margin: 0 0 6px; }
.meta, .note, .source { color: var(--muted); font-size: 15px; }
.metrics { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 16px; margin: 16px 0; }
.metric { border: 1px solid var(--rule); border-left: 6px solid var(--accent); padding: 10px 14px; }
.metric .label { font-weight: 700; } .metric .value { font-size: 34px; font-weight: 700; line-height: 1.15; }
.metric p { margin: 4px 0; font-size: 15px; }
figure.chart { margin: 24px 0 32px; padding: 0; }
figure.chart .plot { min-height: 200px; }
.image-links { font-size: 15px; margin: 6px 0; }
.image-links button { font: inherit; color: var(--link); background: none; border: 1px solid var(--link); border-radius: 4px; padding: 2px 10px;
  cursor: pointer; margin-left: 6px; }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--link); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0; font-size: 15px; }
th, td { border: 1px solid var(--rule); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #F2F2F2; }
ul.areas li { margin: 6px 0; }
pre { background: #F5F5F5; padding: 8px; overflow-x: auto; }
footer.site { border-top: 1px solid var(--rule); padding: 16px 24px; color: var(--muted); font-size: 15px; }
"""

# Saves a chart as PNG or SVG with the stamp (the same frame as outputs.images, handed over in data-stamp), offline:
# Plotly.toImage draws the chart's SVG, the frame goes around it, and a canvas turns it into a PNG.
JS = r"""
(function () {
  function save(blob, name) {
    var a = document.createElement('a'); a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click(); setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function stamped(gd, st) {
    return Plotly.toImage(gd, {format: 'svg', width: st.width, height: st.height - st.top - st.bottom}).then(function (url) {
      var svg = decodeURIComponent(url.slice(url.indexOf(',') + 1));
      return st.before + '<svg x="0" y="' + st.top + '"' + svg.slice(svg.indexOf('<svg') + 4) + st.after;
    });
  }
  window.bridgesImage = function (button) {
    var fig = button.closest('figure'), gd = fig.querySelector('.js-plotly-plot'), st = JSON.parse(fig.getAttribute('data-stamp'));
    var fmt = button.getAttribute('data-image');
    return stamped(gd, st).then(function (svg) {
      if (fmt === 'svg') { save(new Blob([svg], {type: 'image/svg+xml'}), st.file + '.svg'); return svg; }
      return new Promise(function (resolve) {
        var img = new Image();
        img.onload = function () {
          var c = document.createElement('canvas'); c.width = st.width * 2; c.height = st.height * 2;
          var x = c.getContext('2d'); x.scale(2, 2); x.fillStyle = '#FFFFFF'; x.fillRect(0, 0, st.width, st.height);
          x.drawImage(img, 0, 0, st.width, st.height);
          c.toBlob(function (b) { save(b, st.file + '.png'); resolve(svg); }, 'image/png');
        };
        img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
      });
    });
  };
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[data-image]');
    if (b) { e.preventDefault(); window.bridgesImage(b); }
  });
})();
"""


def esc(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def suffix(lang: str) -> str:
    return "" if lang == DEFAULT_LANG else f".{lang}"


def _slug(area_id: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "_", str(area_id)).strip("_") or "area"
    slug, n = base, 2
    while slug.lower() in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug.lower())
    return slug


class _Memo:
    """run(fn, *args) → fn(rel, *args), each result computed once for the whole build (the pages share most queries)."""

    def __init__(self, rel: Release):
        self.rel, self.cache = rel, {}

    def __call__(self, fn, *args):
        key = (fn.__module__, fn.__qualname__, args)
        if key not in self.cache:
            self.cache[key] = fn(self.rel, *args)
        return self.cache[key]


def table_html(df: pd.DataFrame | None) -> str:
    if df is None or not len(df):
        return ""
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in df.columns)
    rows = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in r) + "</tr>" for r in df.astype(str).itertuples(index=False))
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


class _Page:
    """One HTML page being written: its charts share one plotly.js (the first chart's script tag loads it)."""

    def __init__(self, site: "_Site", lang: str, file: str, title: str):
        self.site, self.lang, self.file, self.title = site, lang, file, title
        self.parts: list[str] = []
        self.charts = 0
        self.ids: set[str] = set()

    def unique(self, anchor: str) -> str:
        """An id not used yet on this page (the overview and the incidents section both show the trend)."""
        a, n = anchor, 2
        while a in self.ids:
            a, n = f"{anchor}-{n}", n + 1
        self.ids.add(a)
        return a

    def add(self, s: str) -> None:
        self.parts.append(s)

    def chart(self, c: B.Chart, area_name: str, area_id: str | None, q: str | None) -> None:
        lang = self.lang
        anchor = self.unique(c.key.replace(".", "-"))
        parts = [f'<h4>{esc(c.title)}</h4>', f'<p class="sentence">{esc(c.sentence)}</p>']
        stamp_attr = ""
        if c.figure is not None:
            fig = c.figure
            fig.update_layout(title=None, margin=dict(t=70 if fig.layout.showlegend else 20))
            div = pio.to_html(fig, full_html=False, include_plotlyjs="directory" if self.charts == 0 else False, config=PLOT_CONFIG,
                              div_id=f"plot-{self.charts}", validate=False)
            self.charts += 1
            self.site.charts += 1
            parts.append(f'<div class="plot" role="img" aria-label="{esc(c.sentence)}">{div}</div>')
            stamp = images.stamp_for(c, area_name, quarter_label(q, lang) if q else "", self.site.rel.version, lang, area_id, q)
            before, after, top = images.frame(stamp)
            _, _, _, bottom = images.bands(stamp)
            data = {"before": before, "after": after, "top": top, "bottom": bottom, "width": images.WIDTH, "height": images.HEIGHT,
                    "file": images.file_stem(stamp, c.key) + suffix(lang).replace(".", "-")}
            stamp_attr = f" data-stamp='{esc(json.dumps(data, ensure_ascii=False))}'"
            parts.append(f'<p class="image-links">{esc(t("site.image_links", lang))}'
                         f'<button type="button" data-image="png">PNG</button><button type="button" data-image="svg">SVG</button></p>')
        parts += [f'<p class="note">{esc(n)}</p>' for n in c.notes]
        if c.source:
            parts.append(f'<p class="source">{esc(c.source)}</p>')
        if c.table is not None and len(c.table):
            parts.append(f"<details><summary>{esc(t('show_numbers', lang))}</summary>{table_html(c.table)}</details>")
        self.add(f'<figure class="chart" id="fig-{esc(anchor)}"{stamp_attr}>' + "".join(parts) + "</figure>")

    def file_in(self, other: str) -> str:
        """This page's file in another language (area-MS.html ↔ area-MS.fr.html)."""
        stem = self.file[: -len(suffix(self.lang) + ".html")]
        return stem + suffix(other) + ".html"

    def html(self) -> str:
        lang, site = self.lang, self.site
        others = " ".join(f'<a href="{esc(self.file_in(o))}" lang="{esc(locale(o).replace("_", "-"))}">{esc(language_name(o))}</a>'
                          for o in languages() if o != lang)
        nav = (f'<nav aria-label="{esc(t("site.title", lang))}"><a href="index{suffix(lang)}.html">{esc(t("site.home", lang))}</a>'
               f'<a href="data{suffix(lang)}.html">{esc(t("nav.data", lang))}</a>{others}</nav>')
        foot = t("site.generated", lang, version=site.rel.version, published=site.published[lang]) + " " + t("footer.text", lang, version=site.rel.version)
        return (f'<!DOCTYPE html>\n<html lang="{esc(locale(lang).replace("_", "-"))}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
                f'<title>{esc(self.title)} · {esc(t("site.title", lang))}</title><link rel="stylesheet" href="site.css">'
                f'<script src="site.js" defer></script></head><body><a class="skip" href="#main">{esc(t("site.skip", lang))}</a>'
                f'<header class="site"><a class="brand" href="index{suffix(lang)}.html">{esc(t("site.title", lang))}</a>{nav}</header>'
                f'<main id="main">{"".join(self.parts)}</main><footer class="site"><p>{esc(foot)}</p></footer></body></html>')


class _Site:
    def __init__(self, rel: Release, out: Path):
        self.rel, self.out = rel, out
        self.run = _Memo(rel)
        self.charts = 0
        self.pages: list[str] = []
        pub = published_date(rel.manifest)
        self.published = {lang: (date(pub, lang) if pub else "–") for lang in languages()}
        ids = self.run(queries.areas)["area_id"].astype(str).tolist()
        taken: set[str] = {"all"}
        self.slugs = {a: _slug(a, taken) for a in ids}

    def area_file(self, area: str | None, lang: str) -> str:
        return f"area-{self.slugs[area] if area else 'all'}{suffix(lang)}.html"

    def write(self, page: _Page) -> None:
        (self.out / page.file).write_text(page.html(), encoding="utf-8")
        self.pages.append(page.file)

    def release_line(self, ctx: views.Ctx) -> str:
        as_of = ctx.q(queries.data_as_of)
        return t("release_line", ctx.lang, version=self.rel.version, published=self.published[ctx.lang],
                 as_of=date(as_of.date(), ctx.lang) if as_of is not None else "–")

    # ------------------------------------------------------------ blocks

    def render(self, page: _Page, blocks: list, ctx: views.Ctx, level: int = 3) -> None:
        lang = ctx.lang
        for b in blocks:
            if isinstance(b, B.Heading):
                lv = min(level + b.level - 2, 6)
                page.add(f'<h{lv} id="{esc(page.unique(b.anchor))}">{esc(b.text)}</h{lv}>' if b.anchor else f"<h{lv}>{esc(b.text)}</h{lv}>")
            elif isinstance(b, B.Text):
                page.add(f'<p class="{"note" if b.kind == "note" else "text"}">{esc(b.text)}</p>')
            elif isinstance(b, B.Bullets):
                page.add("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in b.items) + "</ul>")
            elif isinstance(b, B.Metrics):
                page.add('<div class="metrics">' + "".join(
                    f'<div class="metric"><div class="label">{esc(m.label)}</div><div class="value">{esc(m.value)}</div>'
                    + "".join(f"<p>{esc(d)}</p>" for d in m.detail) + "</div>" for m in b.items) + "</div>")
            elif isinstance(b, B.Chart):
                page.chart(b, ctx.where, ctx.area, ctx.quarter)
            elif isinstance(b, B.Table):
                page.add(f'<h4>{esc(b.title)}</h4><p>{esc(b.sentence)}</p>{table_html(b.table)}' + "".join(f'<p class="note">{esc(n)}</p>' for n in b.notes))
            elif isinstance(b, B.Links):
                continue  # the site's own navigation replaces the links between Streamlit pages
            elif isinstance(b, B.Downloads):
                page.add(self.downloads_html(lang))
            elif isinstance(b, B.Doc):
                page.add(self.doc_html(b, lang, level))

    def doc_html(self, d: B.Doc, lang: str, level: int) -> str:
        p = ROOT / d.path
        translated = p.with_name(f"{p.stem}.{lang}{p.suffix}")
        if translated.exists():
            p = translated
        if not p.exists():
            return f'<p class="note">{esc(d.path)}</p>'
        body = markdown(p.read_text(encoding="utf-8"), heading_offset=level, id_prefix=f"{d.anchor or p.stem}-")
        return f'<details><summary>{esc(d.title)}</summary><div class="doc">{body}</div></details>'

    def downloads_html(self, lang: str) -> str:
        rows = []
        for f in sorted((self.out / "downloads").iterdir()):
            rows.append(f'<tr><td><a href="downloads/{esc(f.name)}" download>{esc(f.name)}</a></td>'
                        f'<td>{esc(num(f.stat().st_size / 1024, lang, 1))} KB</td></tr>')
        return (f'<p>{esc(t("site.downloads_intro", lang, version=self.rel.version))}</p><div class="table-wrap"><table><thead><tr>'
                f'<th scope="col">{esc(t("site.file", lang))}</th><th scope="col">{esc(t("site.size", lang))}</th></tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></div>')

    # ------------------------------------------------------------ pages

    def area_page(self, area: str | None, lang: str) -> None:
        ctx = views.context(self.rel, area, None, lang, self.run)
        title = t("site.area_page", lang, where=B.cap(ctx.where), quarter=ctx.ql(ctx.quarter))
        page = _Page(self, lang, self.area_file(area, lang), title)
        page.add(f"<h1>{esc(title)}</h1><p class=\"meta\">{esc(self.release_line(ctx))}</p>")
        page.add("<nav><ul>" + "".join(f'<li><a href="#{s}">{esc(t(f"nav.{s}", lang))}</a></li>' for s in SECTIONS) + "</ul></nav>")
        for s in SECTIONS:
            page.add(f'<h2 id="{page.unique(s)}">{esc(t(f"nav.{s}", lang))}</h2>')
            blocks = views.page(s, ctx)
            if s == "overview":  # the overview's "more detail" links point at the sections below
                blocks = [b for b in blocks if not (isinstance(b, B.Heading) and b.anchor == "sections")]
            self.render(page, blocks, ctx)
        self.write(page)

    def index_page(self, lang: str) -> None:
        ctx = views.context(self.rel, None, None, lang, self.run)
        page = _Page(self, lang, f"index{suffix(lang)}.html", t("site.title", lang))
        page.add(f"<h1>{esc(t('site.title', lang))}</h1><p>{esc(t('site.intro', lang, version=self.rel.version))}</p>"
                 f"<p class=\"meta\">{esc(self.release_line(ctx))}</p>")
        page.add(f'<h2 id="areas">{esc(t("site.areas", lang))}</h2><ul class="areas">')
        q = ctx.quarter
        for area in [None] + sorted(ctx.names, key=lambda a: ctx.names[a].lower()):
            name = ctx.name(area) if area else t("site.all_areas", lang)
            cube = self.run(queries.incidents_by_quarter, area)
            totals, _ = views.cube_totals(cube)
            line = ""
            if q in totals:
                line = t("s.trend.total", lang, where=B.cap(name), quarter=ctx.ql(q), n=num(totals[q], lang))
                prev = periods.previous(q)
                if prev in ctx.quarters:
                    line += " " + B.cap(sentences.judged_change(totals.get(prev, 0), totals[q], ctx.ql(prev), lang)) + "."
            page.add(f'<li><a href="{esc(self.area_file(area, lang))}">{esc(B.cap(name))}</a>'
                     + (f" — {esc(line)}" if line else "") + "</li>")
        page.add("</ul>")
        page.add(f'<h2 id="headlines">{esc(t("overview.h.headlines", lang, where=B.cap(ctx.where), quarter=ctx.ql(q)))}</h2>')
        overview = views.overview(ctx)
        self.render(page, [b for b in overview if isinstance(b, (B.Metrics, B.Bullets))], ctx)
        page.add(f'<h2 id="data">{esc(t("nav.data", lang))}</h2><p><a href="data{suffix(lang)}.html">{esc(t("about.data", lang))}</a></p>')
        self.write(page)

    def data_page(self, lang: str) -> None:
        ctx = views.context(self.rel, None, None, lang, self.run)
        page = _Page(self, lang, f"data{suffix(lang)}.html", t("page.data.title", lang))
        page.add(f"<h1>{esc(t('page.data.title', lang))}</h1><p>{esc(t('page.data.intro', lang))}</p><p class=\"meta\">{esc(self.release_line(ctx))}</p>")
        self.render(page, views.data(ctx), ctx, level=2)
        self.write(page)


def _replaceable(out: Path) -> bool:
    return not out.exists() or (out.is_dir() and ((out / MARKER).exists() or not any(out.iterdir())))


def build(data_dir, outdir, version: int | None = None) -> dict:
    """Write the static site of release `version` (default: the newest) to `outdir`, replacing a site written there
    before (never any other folder). The site is written beside it first and swapped in, so a reader never sees half."""
    t0 = time.perf_counter()
    rel = open_release(data_dir, version)
    if rel is None:
        raise InputError("nothing is published yet; publish a draft first (or run: python -m bridges demo).")
    pdir = public_dir(rel.store, rel.manifest)
    if pdir is None:
        raise InputError(f"release {rel.version} was published before the public gate existed; publish again to make a site of it.")
    out = Path(outdir)
    if not _replaceable(out):
        raise InputError(f"{out} exists and is not a site Bridges wrote (no {MARKER} file in it); choose an empty or new folder.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        from outputs.export import export_release

        from outputs.deck_html import plotly_js

        export_release(pdir, rel.manifest, tmp / "downloads")
        (tmp / "plotly.min.js").write_text(plotly_js(), encoding="utf-8")
        (tmp / "site.css").write_text(CSS, encoding="utf-8")
        (tmp / "site.js").write_text(JS, encoding="utf-8")
        site = _Site(rel, tmp)
        ids = list(site.slugs)
        for lang in languages():
            site.index_page(lang)
            site.data_page(lang)
            for area in [None, *ids]:
                site.area_page(area, lang)
        (tmp / MARKER).write_text(json.dumps({"version": rel.version, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")}), encoding="utf-8")
        os.chmod(tmp, 0o755)
        if out.exists():
            old = out.with_name(f".{out.name}-old-{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    files = [p for p in out.rglob("*") if p.is_file()]
    return {"version": rel.version, "pages": len(site.pages), "charts": site.charts, "files": len(files),
            "bytes": sum(p.stat().st_size for p in files), "seconds": time.perf_counter() - t0, "out": out}
