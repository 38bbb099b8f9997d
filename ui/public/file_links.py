"""Links from a public page to the files app.py serves (ui/public/served.py): a chart's stamped PNG and SVG, a table's CSV and Parquet.

A link is a plain Markdown link in a paragraph the page draws anyway, not a download button: a button is an element
(and, deferred, a callable held for the session) on every view, about 0.2 ms of server CPU each, where a link costs
nothing until it is followed. A link names everything the server needs to make the file again (provider, release,
page, view), so any replica behind a load balancer can serve it.
"""
from __future__ import annotations

from urllib.parse import urlencode

from streamlit import config

CHART_PATH = "/download/chart"
TABLE_PATH = "/download/table"
IMAGE_FORMATS = ("png", "svg")
TABLE_FORMATS = ("csv", "parquet")


def base() -> str:
    """The server's base URL path ("" or "/bridges"), as app.py mounts its routes under it."""
    b = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{b}" if b else ""


def view(provider: str | None, version: int, page: str, area: str | None, quarter: str | None, lang: str, opts: tuple = ()) -> tuple:
    """The query parameters that name one view of a page of one release, as (name, value) pairs (hashable: the links a
    view draws are made once, ui.public.page.image_links); opts are the page's options, such as the measure."""
    out = [("v", str(version)), ("page", page), ("lang", lang)]
    out += [(k, v) for k, v in (("provider", provider), ("area", area), ("quarter", quarter)) if v]
    return tuple(out + [(k, str(v)) for k, v in opts])


def chart_url(view_params: tuple, key: str, fmt: str) -> str:
    return f"{base()}{CHART_PATH}?{urlencode([*view_params, ('chart', key), ('format', fmt)])}"


def table_url(provider: str | None, version: int, name: str, fmt: str) -> str:
    params = {"v": str(version), "table": name, "format": fmt, **({"provider": provider} if provider else {})}
    return f"{base()}{TABLE_PATH}?{urlencode(params)}"
