"""Bridges' server: `streamlit run app.py` serves dashboard.py's pages, refuses uploads from anyone not signed in, and
sets and clears the analyst cookie (accounts/cookies.py) that binds an analyst's session to their browser.

Streamlit's upload endpoint (/_stcore/upload_file/<session id>/...) takes files for any open session, signed in or
not; the middleware below answers 403 before reading a byte of the body unless the request carries a valid analyst
cookie. A page script cannot set a cookie, so a sign-in sends the browser here with a one-time token.
"""
from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from streamlit import config

from accounts import cookies
from store.versioned import default_data_dir
from ui.analyst.auth import COMPLETE_PATH, SIGN_OUT_PATH, next_page
from ui.public import file_links, served

cookies.serve_routes()
UPLOAD_PATH = "/_stcore/upload_file/"
REFUSED = "Uploads are only for signed-in analysts. Sign in at /sign-in, then upload from the Upload page."


def _base() -> str:
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _https(request: Request) -> bool:
    """Served over https: directly, or by a reverse proxy that says so in X-Forwarded-Proto (uvicorn takes the scheme
    from it only when the proxy is one it trusts: FORWARDED_ALLOW_IPS, by default this machine)."""
    return request.url.scheme == "https"


class UploadsForAnalystsOnly:
    """Refuses every upload request (PUT/POST/DELETE on /_stcore/upload_file/...) without a valid analyst cookie."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and UPLOAD_PATH in scope["path"] and scope["method"] not in ("OPTIONS", "GET", "HEAD"):
            value = Request(scope).cookies.get(cookies.NAME)
            if cookies.read(default_data_dir(), value) is None:
                # the body is never read: refusing costs no memory whatever size the client claims to send
                await PlainTextResponse(REFUSED, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token in this URL goes to no other site
    return response


async def complete_sign_in(request: Request) -> Response:
    """Trade a one-time sign-in token for the analyst cookie, then go on to the page the analyst asked for."""
    root = default_data_dir()
    who = cookies.redeem_token(root, request.query_params.get("token"))
    if who is None:
        return _no_store(RedirectResponse(f"{_base()}/sign-in", status_code=303))
    response = RedirectResponse(_base() + next_page(request.query_params.get("next")), status_code=303)
    response.set_cookie(cookies.NAME, cookies.make(root, *who), max_age=cookies.max_age(root), path=_base() or "/",
                        secure=_https(request), httponly=True, samesite="strict")
    return _no_store(response)


async def sign_out(request: Request) -> Response:
    """Clear the analyst cookie in this browser (the page has already ended it on the server) and show the sign-in form."""
    response = RedirectResponse(f"{_base()}/sign-in", status_code=303)
    response.delete_cookie(cookies.NAME, path=_base() or "/", secure=_https(request), httponly=True, samesite="strict")
    return _no_store(response)


app = st.App(
    "dashboard.py",
    middleware=[Middleware(UploadsForAnalystsOnly)],
    routes=[Route(_base() + COMPLETE_PATH, complete_sign_in, methods=["GET"]),
            Route(_base() + SIGN_OUT_PATH, sign_out, methods=["GET"]),
            # the files public pages link to: a chart as a stamped image, a public table as CSV or Parquet
            Route(_base() + file_links.CHART_PATH, served.chart_endpoint, methods=["GET"]),
            Route(_base() + file_links.TABLE_PATH, served.table_endpoint, methods=["GET"])],
)
