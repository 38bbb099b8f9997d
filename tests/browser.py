"""Browser-test helpers: a Streamlit server on a free local port and Debian's chromium via Playwright."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"]
ARTIFACTS = ROOT / "test-artifacts"


def have_chromium() -> bool:
    return Path(CHROMIUM).exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(data_dir: Path, env: dict | None = None, timeout: float = 90.0):
    """Start `streamlit run app.py` (dashboard.py's pages behind the upload gate and the cookie routes) on a free port
    with the given store; yield its base URL."""
    port = free_port()
    full_env = {**os.environ, "BRIDGES_DATA_DIR": str(data_dir), **(env or {})}
    log = open(data_dir.parent / f"streamlit-{port}.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read().strip() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("streamlit did not start: " + (data_dir.parent / f"streamlit-{port}.log").read_text()[-2000:])
            time.sleep(0.3)
        yield base
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen) -> None:
    """End a server started for a test or a benchmark: politely, then for sure."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


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
