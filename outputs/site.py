"""A static snapshot of a published release: plain HTML files any web server or CDN can serve (`python -m bridges site`).

    OUTDIR/index.html, index.fr.html         the areas, the headline figures for all areas, links
    OUTDIR/area-<id>.html, area-<id>.fr.html one page per area (and area-all): overview, incidents, community,
                                             "you said, we did", trust — the same blocks as the Streamlit pages
    OUTDIR/<scheme>-<id>.html                one page per area of every other scheme, named by its scheme as the
                                             pages' URLs are (?scheme=district&area=7 is district-7.html)
    OUTDIR/data.html, data.fr.html           downloads, release history and corrections, privacy note, sources,
                                             methodology and data dictionary
    OUTDIR/plotly-basic.min.js               plotly.js's basic bundle (scatter, bar, pie: every chart the site draws;
                                             outputs/assets/vendor/), once for every page, loaded only when a chart
                                             comes near the screen (plotly.min.js, the full bundle, only if a chart
                                             needs another trace type)
    OUTDIR/site.css, site.js                 the style, and the script that draws each chart as it scrolls into view
                                             and saves a chart as a stamped PNG or SVG
    OUTDIR/downloads/                        the open-data export of the release (outputs.export.export_release)

The pages are built from stats.views (the figure builders and sentences the Streamlit pages use), so the site
and the pages cannot disagree. Every text is escaped. Nothing is loaded from another host: no fonts, no scripts,
no map tiles (each page also says so in its Content-Security-Policy). Each chart's figure is JSON in the page, drawn
by site.js; its sentence, notes and table are plain HTML, so nothing is lost without JavaScript.

With `[site] live_url` and `static_url` in the data folder's provider.toml, each page of the site links to the same
view on the live dashboard, and each public Streamlit page links to its page here (`static_twin`).
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import tempfile
import time
import tomllib
from importlib import resources
from pathlib import Path
from string import Template

import pandas as pd
import plotly.io as pio

from model.fs import location
from model.errors import InputError

from stats import blocks as B
from outputs import images
from stats import periods, queries, schemes, sentences, views
from stats.i18n import DEFAULT_LANG, date, language_name, languages, locale, num, quarter_label, t
from outputs.markdown import to_html as markdown
from stats.read import Release, open_release, public_dir
from stats.releases import published_date

MARKER = ".bridges-site"  # a folder with this file is a site Bridges wrote, and may be replaced
SECTIONS = ("overview", "incidents", "community", "feedback", "trust")
PLOT_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True, "scrollZoom": False}
ROOT = Path(__file__).resolve().parents[1]
# plotly.js's basic bundle draws these trace types (a fifth of the full bundle's bytes, and of its parse time on a
# phone); a page with any other type loads the full bundle of the plotly package instead.
BASIC_BUNDLE, BASIC_TRACES = "plotly-basic.min.js", frozenset({"scatter", "bar", "pie"})
FULL_BUNDLE = "plotly.min.js"
PROVIDER_FILE = "provider.toml"


def asset(name: str) -> str:
    """A style, script or page template of outputs/assets/ (plain files beside this module, read through importlib.resources)."""
    return (resources.files(__package__) / "assets" / name).read_text(encoding="utf-8")


# The style and the script every page links (written once as site.css and site.js; the script saves a chart as a
# stamped PNG or SVG, offline), and the page every section goes into (its Content-Security-Policy allows only 'self').
CSS = asset("site.css")
JS = asset("site.js")
PAGE = Template(asset("site-page.html"))


def vendored(name: str) -> bytes:
    """A file of outputs/assets/vendor/ (third-party code, copied as it came: tools/vendor_plotly.py)."""
    return (resources.files(__package__) / "assets" / "vendor" / name).read_bytes()


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


def area_slugs(ids) -> dict[str, str]:
    """Each area id's part of its page's file name (area-<slug>.html): safe for a file name and unique."""
    taken: set[str] = {"all"}
    return {a: _slug(a, taken) for a in ids}


def area_stems(keys) -> dict[str, str]:
    """Each area key's page file name without language and extension (stats.schemes keys): `area-<slug>` for the main
    scheme (as before schemes existed), `<scheme>-<slug>` for another (district 7: `district-7`, as ?scheme=district&area=7);
    unique over every scheme."""
    by: dict[str | None, list[str]] = {}
    for k in keys:
        s, a = schemes.split(k)
        by.setdefault(s, []).append(a)
    out = {k: f"area-{v}" for k, v in area_slugs(by.pop(None, [])).items()}
    taken = set(x.lower() for x in out.values()) | {"area-all", "index", "data"}
    for s, ids in by.items():
        for a in ids:
            out[schemes.key(s, a)] = _slug(f"{s}-{a}", taken)
    return out


def _address(v) -> bool:
    """An address a page may link to: http(s) on any host, or a path from the server's root (no space, quote, bracket
    or backslash, so it goes into an HTML attribute or a Markdown link as it is)."""
    return isinstance(v, str) and bool(re.fullmatch(r"(https?://[^\s\"'<>()\\]+|/[^\s\"'<>()\\]*)", v))


def addresses(root, strict: bool = False) -> dict[str, str]:
    """The static site's and the live dashboard's addresses, from the data folder's provider.toml:

    [site]
    live_url = "https://stats.riverton.example"          # the Streamlit pages
    static_url = "https://riverton.example/statistics"   # where `python -m bridges site` output is served

    Only well-formed addresses are returned (a missing file or key gives none); with strict, a malformed one is an
    InputError that says what to write instead."""
    try:
        doc = tomllib.loads((location(root) / PROVIDER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    section = doc.get("site") if isinstance(doc.get("site"), dict) else {}
    out = {}
    for key in ("live_url", "static_url"):
        v = section.get(key)
        if v is None or v == "":
            continue
        if _address(v):
            out[key] = v.rstrip("/")
        elif strict:
            raise InputError(f"{PROVIDER_FILE}: [site] {key} = {v!r} is not a web address; write one that starts with "
                             "https:// (or a path that starts with /), or remove the line.")
    return out


def live_twin(live_url: str, page: str, area: str | None, lang: str) -> str:
    """The live dashboard's address of a page (overview … data) for an area and a language (latest quarter)."""
    from urllib.parse import urlencode

    scheme, aid = schemes.split(area)
    params = {**({"scheme": scheme} if scheme else {}), "area": aid} if area else {}  # ?scheme=district&area=7, as the pages
    return f"{live_url}/{page}?{urlencode({**params, 'lang': lang})}"


def static_twin(ctx: views.Ctx, page: str) -> str | None:
    """The static site's page of a Streamlit public page (same area and language; the site shows the latest quarter),
    or None when provider.toml names no [site] static_url."""
    base = addresses(ctx.rel.store.root).get("static_url")
    if not base:
        return None
    if page not in SECTIONS:
        return f"{base}/data{suffix(ctx.lang)}.html"
    stem = area_stems(ctx.q(schemes.scheme_areas)["key"]).get(ctx.area) if ctx.area else None
    return f"{base}/{stem or 'area-all'}{suffix(ctx.lang)}.html#{page}"


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
    """One HTML page being written: its charts' figures as JSON, drawn by site.js with the page's plotly.js bundle."""

    def __init__(self, site: "_Site", lang: str, file: str, title: str, live: str | None = None):
        self.site, self.lang, self.file, self.title = site, lang, file, title
        self.live = live  # the same view on the live dashboard (provider.toml [site] live_url)
        self.parts: list[str] = []
        self.charts = 0
        self.traces: set[str] = set()
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

    def chart(self, c: B.Chart, area_name: str, area_id: str | None, q: str | None, level: int = 4) -> None:
        lang = self.lang
        anchor = self.unique(c.key.replace(".", "-"))
        parts = [f'<h{level}>{esc(c.title)}</h{level}>', f'<p class="sentence">{esc(c.sentence)}</p>']
        stamp_attr = ""
        if c.figure is not None:
            fig = c.figure
            fig.update_layout(title=None, margin=dict(t=70 if fig.layout.showlegend else 20))
            self.traces |= {tr.type or "scatter" for tr in fig.data}
            # The figure waits as JSON (pio.to_json escapes "<", ">" and "/": it cannot end its script element) until
            # site.js draws it near the screen; its box has the chart's height already, so nothing shifts then.
            n = self.charts
            self.charts += 1
            self.site.charts += 1
            spec = pio.to_json({"data": fig.data, "layout": fig.layout, "config": PLOT_CONFIG}, validate=False)
            parts.append(f'<div class="plot" role="img" aria-label="{esc(c.sentence)}" style="height:{int(fig.layout.height or 450)}px">'
                         f'<div id="plot-{n}" class="plotly-graph-div" data-figure="plot-{n}-figure"></div></div>'
                         f'<script type="application/json" id="plot-{n}-figure">{spec}</script>')
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
        live = f'<p><a href="{esc(self.live)}">{esc(t("site.live", lang))}</a></p>' if self.live else ""
        return PAGE.substitute(
            lang=esc(locale(lang).replace("_", "-")), title=esc(self.title), site_title=esc(t("site.title", lang)),
            skip=esc(t("site.skip", lang)), home=esc(f"index{suffix(lang)}.html"), nav=nav, main="".join(self.parts), foot=esc(foot),
            live=live, plotly=esc(self.bundle() or ""),
        )

    def bundle(self) -> str | None:
        """The plotly.js this page's charts need: the basic bundle when it draws every trace type here, else the full one."""
        if not self.charts:
            return None
        return BASIC_BUNDLE if self.traces <= BASIC_TRACES else FULL_BUNDLE


class _Site:
    def __init__(self, rel: Release, out: Path):
        self.rel, self.out = rel, out
        self.run = _Memo(rel)
        self.charts = 0
        self.pages: list[str] = []
        pub = published_date(rel.manifest)
        self.published = {lang: (date(pub, lang) if pub else "–") for lang in languages()}
        self.schemes = self.run(schemes.by_scheme)  # every scheme's areas: {scheme: {key: name}}, main first
        self.stems = area_stems([k for names in self.schemes.values() for k in names])
        self.live = addresses(rel.store.root, strict=True).get("live_url")
        self.bundles: set[str] = set()

    def area_file(self, area: str | None, lang: str) -> str:
        return f"{self.stems[area] if area else 'area-all'}{suffix(lang)}.html"

    def write(self, page: _Page) -> None:
        (self.out / page.file).write_text(page.html(), encoding="utf-8")
        self.pages.append(page.file)
        if page.bundle():
            self.bundles.add(page.bundle())

    def live_link(self, page: str, area: str | None, lang: str) -> str | None:
        return live_twin(self.live, page, area, lang) if self.live else None

    def release_line(self, ctx: views.Ctx) -> str:
        as_of = ctx.q(queries.data_as_of)
        return t("release_line", ctx.lang, version=self.rel.version, published=self.published[ctx.lang],
                 as_of=date(as_of.date(), ctx.lang) if as_of is not None else "–")

    # ------------------------------------------------------------ blocks

    def render(self, page: _Page, blocks: list, ctx: views.Ctx, level: int = 3) -> None:
        lang = ctx.lang
        under = level - 1  # the level of the heading the next chart or table goes under (none skipped: screen readers)
        for b in blocks:
            if isinstance(b, B.Heading):
                lv = under = min(level + b.level - 2, 6)
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
                page.chart(b, ctx.where, ctx.area, ctx.quarter, min(under + 1, 6))
            elif isinstance(b, B.Table):
                lv = min(under + 1, 6)
                page.add(f'<h{lv}>{esc(b.title)}</h{lv}><p>{esc(b.sentence)}</p>{table_html(b.table)}'
                         + "".join(f'<p class="note">{esc(n)}</p>' for n in b.notes))
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
        page = _Page(self, lang, self.area_file(area, lang), title, self.live_link("overview", area, lang))
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
        page = _Page(self, lang, f"index{suffix(lang)}.html", t("site.title", lang), self.live_link("overview", None, lang))
        page.add(f"<h1>{esc(t('site.title', lang))}</h1><p>{esc(t('site.intro', lang, version=self.rel.version))}</p>"
                 f"<p class=\"meta\">{esc(self.release_line(ctx))}</p>")
        page.add(f'<h2 id="areas">{esc(t("site.areas", lang))}</h2>')
        q = ctx.quarter
        several = len(self.schemes) > 1
        for i, (scheme, names) in enumerate(self.schemes.items() or [(None, {})]):
            if several:  # beats and districts, neighbourhoods: one list per scheme, under its own heading
                page.add(f'<h3 id="{esc(page.unique("areas-" + (scheme or "main")))}">{esc(schemes.label(scheme, lang))}</h3>')
            page.add('<ul class="areas">')
            for area in ([None] if i == 0 else []) + list(names):
                name = ctx.name(area) if area else t("site.all_areas", lang)
                # a scheme's counts as the release publishes them at that level (its own suppressed cells)
                totals, _ = views.cube_totals(self.run(queries.incidents_by_quarter, area))
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
        page = _Page(self, lang, f"data{suffix(lang)}.html", t("page.data.title", lang), self.live_link("data", None, lang))
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
        raise InputError("nothing is published yet", cli="Publish a draft first (or run: python -m bridges demo).",
                         browser="Publish a draft first on the releases page.")
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
        (tmp / "site.css").write_text(CSS, encoding="utf-8")
        (tmp / "site.js").write_text(JS, encoding="utf-8")
        site = _Site(rel, tmp)
        ids = list(site.stems)  # every area of every scheme
        for lang in languages():
            site.index_page(lang)
            site.data_page(lang)
            for area in [None, *ids]:
                site.area_page(area, lang)
        for bundle in site.bundles:  # only the plotly.js the pages load
            if bundle == BASIC_BUNDLE:
                (tmp / bundle).write_bytes(vendored(BASIC_BUNDLE))
            else:
                (tmp / bundle).write_text(plotly_js(), encoding="utf-8")
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
