"""Opening a public page of the dashboard in AppTest with its URL's parameters, as a reader's link does."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

DASHBOARD = str(Path(__file__).resolve().parents[1] / "dashboard.py")


def open_page(page: str, params: dict) -> AppTest:
    """The dashboard run on `page` ("overview", or a script of public_pages/) with `params` in its URL; no exception."""
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.query_params.update(params)
    at.run()
    if page != "overview":
        at.query_params.update(params)
        at.switch_page(f"public_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at
