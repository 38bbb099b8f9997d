"""HTML reports printed to PDF by Debian's chromium with no network: the Annual Security Report and the client-site report."""
from __future__ import annotations

import asyncio
import base64
import tempfile
from pathlib import Path

from .images import CHROMIUM, NO_NETWORK, ImageError, available

PDF_TIMEOUT = 60  # seconds chromium may take to load and print the page


async def _print(page: str, footer: str | None) -> bytes:
    from choreographer import Browser

    with tempfile.TemporaryDirectory(prefix="bridges-print-") as tmp:
        path = Path(tmp) / "report.html"  # a file, not a data: URL, so the page's own @page size and fonts apply
        path.write_text(page, encoding="utf-8")
        async with Browser(path=CHROMIUM, headless=True, proxy_server=NO_NETWORK) as browser:
            tab = await browser.create_tab("")
            await tab.send_command("Page.enable")
            loaded = tab.subscribe_once("Page.loadEventFired")
            await tab.send_command("Page.navigate", params={"url": path.as_uri()})
            await asyncio.wait_for(loaded, PDF_TIMEOUT)
            params = {"printBackground": True, "preferCSSPageSize": True}
            if footer is not None:  # chromium's own page footer: placed on every printed page, unlike a fixed-position one
                params |= {"displayHeaderFooter": True, "headerTemplate": "<span></span>", "footerTemplate": footer}
            r = await tab.send_command("Page.printToPDF", params=params)
            return base64.b64decode(r["result"]["data"])


def print_pdf(page: str, footer_template: str | None = None) -> bytes:
    """`page` (a whole HTML document) as PDF bytes; `footer_template` is chromium's footer HTML for every page, if any.
    Raises ImageError with a sentence when chromium is missing or fails."""
    if not available():
        raise ImageError(f"no chromium at {CHROMIUM}")
    try:
        return asyncio.run(_print(page, footer_template))
    except Exception as exc:  # noqa: BLE001 (chromium's failures come in many types; the caller words one message)
        raise ImageError(f"chromium could not print the report: {type(exc).__name__}: {exc}") from exc
