"""The files public pages link to (ui/public/file_links.py), served by app.py's routes from the provider's current release.

GET /download/chart?v=&page=&chart=&format=png|svg&lang=&area=&quarter=&provider=&measure=  a chart, stamped as on the page
GET /download/table?v=&table=&format=csv|parquet&provider=                              a public table

Every parameter is checked against the release before anything is made: a page, chart, area, quarter, language, option or
table it does not have is 404 with a sentence saying what to do. Only the current release is served (a rolled-back
one never is): a link from a page opened before a new release asks the reader to reload. Images are made one at a
time by chromium (outputs.images); while MAX_WAITING are being made or waited for, another is 503 (try again).
"""
from __future__ import annotations

import threading

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from model.public import PUBLIC_TABLES
from model.releases import default_data_dir, provider_root
from outputs import downloads as D
from outputs import images
from stats import blocks as B
from stats import queries, views
from stats.blocks import cap
from stats.i18n import languages, t

from ui.data import Memo, newest_release, runner, shared
from ui.public import clery as clery_ui
from ui.public import page as page_ui
from ui.public.file_links import IMAGE_FORMATS, TABLE_FORMATS

MIME = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}
MAX_WAITING = 4  # image requests being made or waiting for chromium at once; more are told to try again
_waiting = threading.BoundedSemaphore(MAX_WAITING)
_IMAGES = Memo(64)  # made images, for whoever asks for the same one next (a town hall's audience, say)
_TABLES = Memo(32)  # files of small tables
SMALL_ROWS = 50_000


class NotServed(Exception):
    """A request the server cannot answer with a file: the status and a sentence for the reader."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _release(params):
    """The current release of the provider the link names; NotServed when the link is from another release."""
    root = provider_root(default_data_dir(), params.get("provider"))
    rel = newest_release(root)
    if rel is None:
        raise NotServed(404, "Nothing is published here yet.")
    if params.get("v") != str(rel.version):
        raise NotServed(404, "The statistics have been updated since this page was opened: reload the page, then download again.")
    return rel


def _lang(params) -> str:
    lang = params.get("lang")
    if lang not in languages():
        raise NotServed(404, "This link names no language of this site: open the chart's page and use its link.")
    return lang


def _view_blocks(rel, params, lang: str):
    """(blocks, stamps) of the view the link names, from the same shared cache the page was drawn from."""
    name = params.get("page")
    if name == "clery":
        return shared(rel)(clery_ui.ready_report, lang), None
    if name not in views.PAGES:
        raise NotServed(404, "This link names no page of this site: open the page and use its link.")
    areas, quarters = shared(rel)(page_ui.release_basics)[page_ui.KNOWN]
    area, quarter = params.get("area") or None, params.get("quarter") or None
    if area not in areas or quarter not in quarters:
        raise NotServed(404, "This link names an area or quarter the release does not have: open the page and use its link.")
    ctx = shared(rel)(page_ui.view_context, area, quarter, lang)
    opts = page_ui.options(name, ctx, params.get)
    if opts is None:
        raise NotServed(404, "This link names a choice the page does not offer: open the page and use its link.")
    ready = shared(rel)(page_ui.ready_page, name, area, quarter, lang, opts)
    return ready.blocks, ready.stamps


def chart_file(params) -> tuple[bytes, str, str]:
    """(bytes, file name, MIME type) of the chart a link names, stamped with its view and release."""
    fmt = params.get("format")
    if fmt not in IMAGE_FORMATS:
        raise NotServed(404, "Charts come as PNG or SVG: use the links under the chart.")
    rel = _release(params)
    lang = _lang(params)
    blocks, stamps = _view_blocks(rel, params, lang)
    chart = next((c for c in B.charts(blocks) if c.key == params.get("chart") and c.figure is not None), None)
    if chart is None:
        raise NotServed(404, "This page has no such chart: open the page and use the links under the chart.")
    stamp = (stamps or {}).get(chart.key) or images.stamp_for(chart, cap(t("area.all", lang)), "", rel.version, lang)
    name = f"{images.file_stem(stamp, chart.key)}.{fmt}"
    if not images.available():
        raise NotServed(503, t("deck.ui.images_failed", lang))
    key = (str(rel.store.root), rel.version, params.get("page"), tuple(sorted(stamp.items())), fmt)

    def make() -> bytes:
        if not _waiting.acquire(blocking=False):
            raise NotServed(503, "The server is making other images: try again in a minute.")
        try:
            fig = chart.figure  # a ReadyFigure (ui.render): its to_plotly_json() is what outputs.images draws
            return images.chart_png(fig, stamp) if fmt == "png" else images.chart_svg(fig, stamp)
        except images.ImageError:
            raise NotServed(503, t("deck.ui.images_failed", lang)) from None
        finally:
            _waiting.release()

    return _IMAGES.get(key, make), name, MIME[fmt]


def table_file(params) -> tuple[bytes, str, str]:
    """(bytes, file name, MIME type) of the public table a link names: formula-safe CSV, or the Parquet file as published."""
    fmt, name = params.get("format"), params.get("table")
    if fmt not in TABLE_FORMATS or name not in PUBLIC_TABLES:
        raise NotServed(404, "This link names no table of this site: open the Data page and use its links.")
    rel = _release(params)

    def make() -> bytes:
        return D.csv_bytes(rel, name) if fmt == "csv" else D.parquet_bytes(rel, name)

    small = runner(rel)(queries.table_rows, name) <= SMALL_ROWS
    data = _TABLES.get((str(rel.store.root), rel.version, name, fmt), make) if small else make()
    if not data:
        raise NotServed(404, "This release has no such table: open the Data page and use its links.")
    return data, D.file_name(rel, name, fmt), MIME[fmt]


def _answer(make):
    async def endpoint(request: Request) -> Response:
        try:
            data, name, mime = await run_in_threadpool(make, request.query_params)
        except NotServed as e:
            return PlainTextResponse(e.message, status_code=e.status, headers={"Cache-Control": "no-store"})
        # attachment: the browser saves the file (the page's link opens no tab that stays)
        return Response(data, media_type=mime, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                         "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

    return endpoint


chart_endpoint = _answer(chart_file)
table_endpoint = _answer(table_file)
