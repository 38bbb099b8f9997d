"""One screenshot per kind of provider the demo serves, for the README: a police service's map, a campus's Annual Security
Report and a private security company's client site (no map: its sites ranked).

    python bench/screenshots.py [--data-dir DIR] [--out docs/screenshots]

Builds the three demo providers into a temporary data folder (unless --data-dir names one that has them), starts
`streamlit run app.py` on a free local port, and saves each view as a PNG with Playwright and Debian's chromium
(/usr/bin/chromium, no browser download). Nothing is fetched from another host. Prints each file with its size.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests import servers  # noqa: E402  (free port, waiting for a server, stopping it: shared with the tests)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1280, "height": 1000}
CHART = '[data-testid="stPlotlyChart"] .main-svg'
# file name, page and query, the text to scroll to (None: the top), how many charts to wait for
SHOTS = [
    ("police.png", "/incidents?lang=en&area=HB", "By area", 2),
    ("campus.png", "/clery?lang=en&provider=riverton-state", None, 0),
    ("private-security.png", "/incidents?lang=en&provider=beacon-guard&area=RSM", "By area", 2),
]


def ensure_demo(data_dir: Path) -> None:
    """The three demo providers in data_dir (each built only if missing), through the command line as a newcomer would."""
    subprocess.run([sys.executable, "-m", "bridges", "demo", "--kind", "all", "--data-dir", str(data_dir)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def take(base: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith((base, "data:", "blob:")) else route.abort())
            for name, path, anchor, charts in SHOTS:
                page.goto(base + path)
                page.wait_for_selector('[data-testid="stMarkdownContainer"]', timeout=120000)
                if charts:
                    page.wait_for_function(f"document.querySelectorAll('{CHART}').length >= {charts}", timeout=120000)
                else:
                    page.wait_for_selector('[data-testid="stTable"], [data-testid="stDataFrame"]', timeout=120000)
                if anchor:
                    page.get_by_role("heading", name=anchor).first.evaluate("e => e.scrollIntoView({block: 'start'})")
                    page.evaluate("window.scrollBy(0, -80)")  # Streamlit's header bar covers the top
                page.wait_for_timeout(1500)  # let plotly finish its transitions
                target = out / name
                page.screenshot(path=str(target))
                saved.append(target)
        finally:
            browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, help="a data folder with the three demo providers (default: built in a temporary folder)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data_dir or Path(tmp) / "data"
        ensure_demo(data)
        with servers.streamlit(servers.APP, data) as server:
            for p in take(server.base, args.out):
                print(f"{p}  {p.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
