"""What every public page shares: URL state, header (release, data as of, language, navigation), footer."""
from __future__ import annotations

import dataclasses
import functools
import json
import os
import time
from dataclasses import dataclass

import streamlit as st

from model.releases import default_data_dir, provider_root, providers
from outputs import images as chart_images
from outputs.deck import provider
from outputs import site as static_site
from stats import clery, queries, schemes, views
from stats.blocks import cap, charts
from stats.i18n import date, label, language_name, locale, quarter_label, set_area_kind, set_count_unit, t
from stats.releases import published_date

from ui import pages as app_pages, state
from ui.data import Memo, current_release, freeze_long_lived, provider_id, runner, shared
from ui.public import file_links, warm
from ui.render import Escaped, md_escape, prepare, render, small

CLERY_PAGES = ("clery", "crime_log")  # a campus's Annual Security Report and daily crime log: in the nav when the release has Clery data
PAGE_FILES = {p: f"public_pages/{p}.py" for p in (*views.PAGES, *CLERY_PAGES)}
DECK_FILE = "public_pages/town_hall.py"
# every page but the data page has an area and a quarter
NEEDS_SELECTION = {"overview", "incidents", "community", "feedback", "trust"}


def link_to(page: str, label: str, params: dict | None = None) -> None:
    st.page_link(app_pages.page(PAGE_FILES[page]), label=md_escape(label), query_params=params if params is not None else _params())


def _params() -> dict:
    seen = state.view()
    return seen[0] if seen else {"lang": state.lang()}


def start(page: str) -> views.Ctx | None:
    """Read the URL, open the release, draw the header and the selectors; None when nothing is published."""
    lang = state.lang()
    _document_language(lang)
    state.write(provider=provider_id())  # a provider the data folder does not serve leaves the URL
    rel = current_release()
    if rel is None:
        st.title(t(f"nav.{page}", lang))
        st.info(md_escape(t("nothing_published", lang)))
        st.stop()
    warm.ensure(rel)  # the release's other views, prepared ahead of residents in a process of their own
    ctx = _context(rel, state.area_key(), state.raw("quarter"), lang)
    _header(page, ctx)
    if page in NEEDS_SELECTION:
        _selectors(ctx, page)
    params = state.current(ctx.area, ctx.quarter, lang)
    state.remember_view(params, page)  # the links carry the view's parameters; the footer links to this page's static twin
    scheme, aid = schemes.split(ctx.area)
    state.write(**{"area": aid, "scheme": scheme or _chosen_scheme(ctx), "quarter": ctx.quarter, "lang": lang})
    return ctx


# what every view looks up before its page is drawn (checking the URL, the header and its nav, the selectors, trust's
# measures): from the query cache, each would be copied for every view
BASICS = (queries.areas, queries.quarters, queries.all_quarters, views.release_sources, queries.data_as_of, queries.survey_measures,
          schemes.scheme_areas, schemes.schemes, clery.has_clery, queries.area_shapes, schemes.main_kind)
NAMES = "main area names"  # {area id: name} of the main scheme, in the selector's order
KNOWN = "views of the URL"  # the (area, quarter) values a URL may hold that name a view of the release


def release_basics(rel) -> dict:
    """BASICS of a release, looked up once (through ui.data.shared) and read by every view, with the main areas' names
    and the URL values that name a view."""
    run = runner(rel)
    out = {fn: run(fn) for fn in BASICS}
    areas = out[queries.areas]
    names = dict(zip(areas["area_id"].astype(str), areas["name"].astype(str)))
    out[NAMES] = {a: names[a] for a in sorted(names, key=lambda a: names[a].lower())}
    out[KNOWN] = ({None, *names, *out[schemes.scheme_areas]["key"]}, {None, *out[queries.all_quarters]})
    return out


def view_context(rel, area: str | None, quarter: str | None, lang: str) -> views.Ctx:
    """stats.views.context of one view, made once per release (ui.data.shared); every view draws on a copy."""
    return views.context(rel, area, quarter, lang, _run(rel))


def _context(rel, area: str | None, quarter: str | None, lang: str) -> views.Ctx:
    """The view's context: a copy of the shared one when the URL names a view of the release (a URL naming anything
    else, by an area's name say, is worked out for this view alone and never fills the shared cache)."""
    basics = shared(rel)(release_basics)
    areas, quarters = basics[KNOWN]
    if area not in areas or quarter not in quarters:
        return views.context(rel, area, quarter, lang, _run(rel))
    # what views.context says for the view, in this session's context: what a row counts, what the main areas are called
    set_count_unit(rel.count_unit)
    set_area_kind(basics[schemes.main_kind])
    return dataclasses.replace(shared(rel)(view_context, area, quarter, lang))


def _run(rel):
    """run(fn, *args) for a view: BASICS from one shared object, anything else from the query cache."""
    basics = shared(rel)(release_basics)
    cached = runner(rel)
    return lambda fn, *args: basics[fn] if not args and fn in basics else cached(fn, *args)


def _document_language(lang: str) -> None:
    """Tell screen readers the page's language (<html lang="fr-CA">): Streamlit's page always says "en".
    The value is a catalog's locale code, never text from the data."""
    code = json.dumps(locale(lang).replace("_", "-"))
    st.html(f"<script>document.documentElement.lang = {code};</script>", unsafe_allow_javascript=True, width="content")


@functools.lru_cache(maxsize=256)
def label_of(key: str, lang: str, **values) -> Escaped:
    """A catalog text made safe for Markdown, once per process (the catalogs are part of the code)."""
    return md_escape(t(key, lang, **values))


def _nav(page: str, ctx: views.Ctx) -> None:
    params = state.current(ctx.area, ctx.quarter, ctx.lang)
    if page == "overview":  # the other providers this site publishes, on its front page (five elements a view elsewhere)
        _providers(ctx.lang)
    pages = (*views.PAGES, *CLERY_PAGES) if ctx.q(clery.has_clery) else views.PAGES
    with st.container(horizontal=True, key="bridges-nav", gap="small", vertical_alignment="center"):
        for p in pages:
            if p == page:  # the current page: plain bold text, not a greyed-out link (contrast)
                st.markdown(f"**{label_of(f'nav.{p}', ctx.lang)}**", width="content")
            else:
                st.page_link(app_pages.page(PAGE_FILES[p]), label=label_of(f"nav.{p}", ctx.lang), query_params=params)
    for other in state.other_languages(ctx.lang):
        st.page_link(app_pages.page(PAGE_FILES[page]), label=md_escape(language_name(other)), query_params={**params, "lang": other},
                     help=t("switch_language", other))


PROVIDERS_TTL = 60  # seconds: a provider added to the data folder shows within a minute
_provider_memo: dict[tuple[str, str], tuple[float, list]] = {}


def _provider_names(root: str, lang: str) -> list[tuple[str | None, str]]:
    """(id, name) of the data folder's own provider (id None) and of each other one it serves (providers/<id>/, each with
    its provider.toml); empty when it serves one only. Looked up again after PROVIDERS_TTL seconds (a dict, not
    st.cache_data, which copies its value and hashes its arguments on every view)."""
    seen = _provider_memo.get((root, lang))
    if seen and time.monotonic() - seen[0] < PROVIDERS_TTL:
        return seen[1]
    others = providers(root)
    names = [(None, provider(root, lang)["name"])] + [(p, provider(provider_root(root, p), lang)["name"]) for p in others] if others else []
    _provider_memo[(root, lang)] = (time.monotonic(), names)
    return names


def _providers(lang: str) -> None:
    """Links to the other providers whose statistics this site publishes (each opens on its overview)."""
    names = _provider_names(_data_dir(), lang)
    if not names:
        return
    here = provider_id()
    with st.container(horizontal=True, key="bridges-providers", gap="small", vertical_alignment="center"):
        st.markdown(md_escape(t("providers.label", lang)), width="content")
        for pid, name in names:
            if pid == here:
                st.markdown(f"**{md_escape(name)}**", width="content")
            else:
                st.page_link(app_pages.page(PAGE_FILES["overview"]), label=md_escape(name), query_params={"lang": lang, **({"provider": pid} if pid else {})})


_RELEASE_LINES = Memo(256)


def _release_line(ctx: views.Ctx) -> Escaped:
    """The release line (version, published, data as of) in the view's language, once per release and language."""
    def build() -> Escaped:
        pub = published_date(ctx.rel.manifest)
        as_of = ctx.q(queries.data_as_of)
        return md_escape(t("release_line", ctx.lang, version=ctx.rel.version, published=date(pub, ctx.lang) if pub else "–",
                           as_of=date(as_of.date(), ctx.lang) if as_of is not None else "–"))

    return _RELEASE_LINES.get((str(ctx.rel.store.root), ctx.rel.version, ctx.lang), build)


def _header(page: str, ctx: views.Ctx) -> None:
    lang = ctx.lang
    _nav(page, ctx)
    # whose statistics these are, on a site that publishes several providers' (the overview links to the others instead)
    whose = "" if page == "overview" else next(
        (f"**{md_escape(name)}**\n\n" for pid, name in _provider_names(_data_dir(), lang) if pid == provider_id()), "")
    # the page's title (an h1 whose anchor is made from the catalog's words, as st.title's is), intro and, in small type,
    # its release line: one element
    st.markdown(f"# {label_of(f'page.{page}.title', lang)}\n\n{whose}{label_of(f'page.{page}.intro', lang)}\n\n:small[{_release_line(ctx)}]")


@functools.lru_cache(maxsize=8)
def _data_dir_of(setting: str | None) -> str:
    return str(default_data_dir())


def _data_dir() -> str:
    """The data folder (default_data_dir), worked out once per value of $BRIDGES_DATA_DIR."""
    return _data_dir_of(os.environ.get("BRIDGES_DATA_DIR"))


def _chosen_scheme(ctx: views.Ctx) -> str | None:
    """The scheme the view is in: the selected area's, else the URL's when the release has it (None: the main one)."""
    scheme, _ = schemes.split(ctx.area)
    asked = state.raw("scheme")
    return scheme or (asked if asked in ctx.q(schemes.schemes) else None)


def _selectors(ctx: views.Ctx, page: str) -> None:
    lang = ctx.lang
    present = ctx.q(schemes.schemes)
    scheme = _chosen_scheme(ctx)
    if scheme is None:
        names = shared(ctx.rel)(release_basics)[NAMES]  # in the selector's order already
        ids = ["", *names]
    else:
        names = {k: v for k, v in ctx.scheme_names.items() if schemes.split(k)[0] == scheme}
        ids = [""] + sorted(names, key=lambda a: names[a].lower())
    qs = list(reversed(ctx.all_quarters))
    # the choices side by side in one flex row (st.columns is a block for the row and one for each column)
    row = st.container(horizontal=True, key="bridges-choices", gap="medium")
    c0 = c1 = c2 = row
    if len(present) > 1:  # several schemes side by side (beats and districts, neighbourhoods): choose one first
        with c0:
            chosen = state.select("scheme", t("select.scheme", lang), [s or "" for s in present], scheme or "",
                                  lambda s: schemes.label(s or None, lang), page)
        if (chosen or None) != scheme:
            scheme = chosen or None
            names = ({k: v for k, v in ctx.scheme_names.items() if schemes.split(k)[0] == scheme} if scheme else
                     dict(zip(ctx.areas["area_id"].astype(str), ctx.areas["name"].astype(str))))
            ids = [""] + sorted(names, key=lambda a: names[a].lower())
    everywhere = schemes.all_word(scheme, lang)  # worked out now: a widget's format_func may be called after the run
    with c1:
        area = state.select("area", schemes.area_word(scheme, lang), ids, ctx.area or "", lambda a: names.get(a, a) if a else everywhere, page)
    with c2:
        quarter = state.select("quarter", t("select.quarter", lang), qs, ctx.quarter, _quarter_labels(tuple(qs), lang).__getitem__,
                               page) if qs else None
    ctx.area = area or None
    ctx.quarter = quarter or ctx.quarter


@functools.lru_cache(maxsize=64)
def _quarter_labels(quarters: tuple, lang: str) -> dict[str, str]:
    """The quarter selector's labels ("Q3 2026"), made once per list of quarters and language, not an option a view."""
    return {q: quarter_label(q, lang) for q in quarters}


@dataclass(frozen=True)
class Ready:
    """One view of a public page, ready to draw: its blocks (figures as JSON) and each chart's image stamp."""

    blocks: list
    stamps: dict


def ready_page(rel, page: str, area: str | None, quarter: str | None, lang: str, opts: tuple) -> Ready:
    """Build one view of a page (area and quarter already checked against the release). Called through
    ui.data.shared: once per release version, then every session that opens the view draws the same object."""
    ctx = views.context(rel, area, quarter, lang, runner(rel))
    blocks = views.page(page, ctx, **dict(opts))
    period = quarter_label(ctx.quarter, lang) if ctx.quarter else ""
    # stamps before prepare(): a stamp's period is read from the chart's table while it is still a DataFrame
    stamps = {c.key: chart_images.stamp_for(c, cap(ctx.where), period, rel.version, lang, ctx.area, ctx.quarter)
              for c in charts(blocks) if c.figure is not None}
    return Ready(prepare(blocks), stamps)


def body(page: str, ctx: views.Ctx, downloads=None, hooks: dict | None = None, **opts) -> None:
    """Draw the page's blocks, built once per (release, page, area, quarter, language, options) for every session; each
    chart with links to itself as a stamped PNG and SVG (served by app.py, ui/public/served.py)."""
    options_ = tuple(sorted(opts.items()))
    ready = shared(ctx.rel)(ready_page, page, ctx.area, ctx.quarter, ctx.lang, options_)
    view = file_links.view(provider_id(), ctx.rel.version, page, ctx.area, ctx.quarter, ctx.lang, options_)
    render(ready.blocks, ctx.lang, lambda p, label: link_to(p, label), downloads, hooks,
           image_links=lambda key: image_links(view, key, ctx.lang), lazy_docs=True)


@functools.lru_cache(maxsize=8192)
def image_links(view: tuple, key: str, lang: str) -> Escaped:
    """"Download as image: PNG image · SVG image", the links of one chart (under its heading, which names the chart);
    made once per view and chart (view: file_links.view)."""
    if not chart_images.available():
        return Escaped("")
    png, svg = (file_links.chart_url(view, key, f) for f in file_links.IMAGE_FORMATS)
    return Escaped(f"{md_escape(t('site.image_links', lang))} [{md_escape(t('image.png', lang))}]({png}) · "
                   f"[{md_escape(t('image.svg', lang))}]({svg})")


_MEASURES = Memo(4096)


def measures(page: str, ctx: views.Ctx) -> dict[str, str] | None:
    """The measures a page lets the reader choose between (value → label), None for a page without that choice; worked
    out once per view."""
    if page not in ("incidents", "trust"):
        return None
    key = (str(ctx.rel.store.root), ctx.rel.version, page, ctx.area, ctx.quarter, ctx.lang)
    return _MEASURES.get(key, lambda: _measures(page, ctx))


def _measures(page: str, ctx: views.Ctx) -> dict[str, str]:
    if page == "incidents":  # no rate where the areas' rates are per 1,000 of different things, or none
        return views.map_measures(ctx)
    found = sorted(ctx.q(queries.survey_measures) or ["trust"], key=lambda m: (m != "trust", m))  # trust
    return {m: label("measure", m, ctx.lang) for m in found}


def options(page: str, ctx: views.Ctx, get) -> tuple | None:
    """The options (as body() keys them) that `get` (a link's parameters) names for a page, when the page offers them;
    None when it does not."""
    offered = measures(page, ctx)
    if offered is None:
        return () if get("measure") is None else None
    return (("measure", get("measure")),) if get("measure") in offered else None


def choice(key: str, label: str, options: list[str], format_func, default: str | None = None) -> str:
    """The value of a radio drawn later by `radio(key, ...)` (read first, so the page can be built with it)."""
    v = st.session_state.get(key, default or options[0])
    return v if v in options else options[0]


def radio(key: str, label: str, options: list[str], format_func) -> None:
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[0]
    st.radio(md_escape(label), options, key=key, format_func=format_func, horizontal=True)


FOOTER_TTL = 60  # seconds: a [site] static_url written into provider.toml shows within a minute
_footer_memo: dict[tuple, tuple[float, str]] = {}


def _footer_text(ctx: views.Ctx, page: str) -> str:
    """The footer's last element: a link to the same view as plain files, light on a phone (provider.toml [site]
    static_url), and the footer's words. Made once a minute per view: the static twin's address is read from
    provider.toml."""
    key = (str(ctx.rel.store.root), ctx.rel.version, page, ctx.area, ctx.lang)
    seen = _footer_memo.get(key)
    if seen and time.monotonic() - seen[0] < FOOTER_TTL:
        return seen[1]
    twin = static_site.static_twin(ctx, page)
    last = f":small[{label_of('footer.text', ctx.lang, version=ctx.rel.version)}]"
    # the rule that opens the footer is this element's first line (st.divider was an element of its own)
    text = f"---\n\n[{label_of('footer.static', ctx.lang)}]({twin})\n\n{last}" if twin else f"---\n\n{last}"
    if len(_footer_memo) > 8192:
        _footer_memo.clear()
    _footer_memo[key] = (time.monotonic(), text)
    return text


def footer(ctx: views.Ctx) -> None:
    """A rule, the link to the same view as plain files and the footer's words (one element), then the links to /data
    and to the town-hall slides."""
    lang = ctx.lang
    seen = state.view()
    st.markdown(_footer_text(ctx, seen[1] if seen else "overview"))
    link_to("data", label_of("footer.data", lang))  # one link: the privacy note, the methodology and the downloads share /data
    # the town-hall slides of the area and quarter shown (presenters find them here; /town-hall is not in the nav)
    st.page_link(app_pages.page(DECK_FILE), label=label_of("footer.deck", lang), query_params=_params())
    freeze_long_lived()
