"""Browser-test helpers: a Streamlit server on a free local port and Debian's chromium via Playwright."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from urllib.parse import urlparse

from tests import servers
from tests.servers import ROOT, free_port, stop  # noqa: F401  (imported from here by the browser tests)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"]
ARTIFACTS = ROOT / "test-artifacts"


def have_chromium() -> bool:
    return Path(CHROMIUM).exists()


@contextlib.contextmanager
def streamlit_server(data_dir: Path, env: dict | None = None, timeout: float = 90.0):
    """Start `streamlit run app.py` (dashboard.py's pages behind the upload gate and the cookie routes) on a free port
    with the given store; yield its base URL."""
    with servers.streamlit(servers.APP, data_dir, env=env, timeout=timeout) as server:
        yield server.base


@contextlib.contextmanager
def browser():
    """A headless Debian chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class RequestLog:
    """Records every request a page makes and blocks any to a host other than the allowed one."""

    def __init__(self, page, allowed_host: str | None):
        self.outside: list[str] = []
        self.all: list[str] = []
        self.allowed = allowed_host

        def handle(route):
            url = route.request.url
            self.all.append(url)
            host = urlparse(url).hostname
            if url.startswith(("data:", "blob:")) or (self.allowed and host == self.allowed) or (self.allowed is None and url.startswith("file:")):
                route.continue_()
            else:
                self.outside.append(url)
                route.abort()

        page.route("**/*", handle)


def wait_for_charts(page, n: int = 1, timeout: float = 60000):
    page.wait_for_function(f"document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg').length >= {n}", timeout=timeout)


AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
AXE_SERIOUS = """async () => { const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.impact + ' ' + v.id + ': ' + v.help); }"""


def axe_violations(page) -> list | None:
    """Serious or critical axe-core violations on the page (None when axe-core is not installed: npm ci --prefix tests/browser)."""
    if not AXE.exists():
        assert not os.environ.get("BRIDGES_REQUIRE_AXE"), f"axe-core is missing at {AXE}"
        return None
    page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_SERIOUS)
