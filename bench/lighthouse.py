"""Lighthouse on a phone: performance and accessibility of the static site's pages (target: performance ≥ 90 and
accessibility 100 on the index, an area page and the data page), and of the Streamlit overview for comparison.

    python bench/lighthouse.py [--site DIR | --data-dir DIR] [--runs N] [--desktop] [--streamlit] [--scroll] [--page FILE ...]

Lighthouse 12 (bench/lighthouse/package.json and its lock pin it; installed with `npm ci --prefix bench/lighthouse`
on first use) runs Debian's chromium (/usr/bin/chromium, headless) with its default mobile profile: a Moto G Power
screen, slow 4G and a CPU 4× slower, simulated. The site is built from the demo in a temporary folder (unless --site
or --data-dir is given) and served by `python -m http.server` on 127.0.0.1; nothing leaves the machine. Prints, per
page, the median of --runs runs (default 3): performance and accessibility scores, first contentful paint, largest
contentful paint, total blocking time, layout shift, speed index, and the bytes the page loaded. --desktop adds
Lighthouse's desktop profile (no CPU slow-down; on a wide screen the charts near the top draw as the page opens).

Lighthouse does not scroll, and the site loads plotly.js only when a chart comes near the screen, so --scroll
measures what the reader pays then: in Playwright on a phone-sized page with the CPU 4× slower (network not
throttled), the time from scrolling to the area page's first chart until it is drawn, the main thread's blocking
time over that and over scrolling through every chart, and the time to parse and run plotly.js's basic bundle
against the plotly package's full one.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests import servers  # noqa: E402  (free port, waiting for a server, stopping it: shared with the tests)
from tests.servers import free_port, stop  # noqa: E402

NPM_DIR = ROOT / "bench" / "lighthouse"
LIGHTHOUSE = NPM_DIR / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-background-networking"
PAGES = ("index.html", "area-MS.html", "data.html")
METRICS = {  # Lighthouse audit id -> (column, unit)
    "first-contentful-paint": ("FCP", "s"),
    "largest-contentful-paint": ("LCP", "s"),
    "total-blocking-time": ("TBT", "ms"),
    "cumulative-layout-shift": ("CLS", ""),
    "speed-index": ("SI", "s"),
    "total-byte-weight": ("bytes", "MB"),
}


def ensure_lighthouse() -> None:
    """Install the pinned Lighthouse into bench/lighthouse/node_modules once (npm ci: exactly the lock file)."""
    if LIGHTHOUSE.exists():
        return
    print("installing Lighthouse: npm ci --prefix bench/lighthouse", file=sys.stderr)
    subprocess.run(["npm", "ci", "--prefix", str(NPM_DIR), "--no-audit", "--no-fund", "--loglevel=error"], check=True)


@contextlib.contextmanager
def static_server(root: Path):
    """The site served as any plain web server would: python -m http.server on a free loopback port."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        servers.wait_for(base + "index.html", proc, timeout=60)
        yield base
    finally:
        stop(proc)


def lighthouse_once(url: str, desktop: bool = False) -> dict:
    """One Lighthouse run of `url` (default mobile profile, or the desktop preset): scores and metrics."""
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    with tempfile.TemporaryDirectory(prefix="bridges-lh-") as tmp:
        report = Path(tmp) / "report.json"
        done = subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
                               "--only-categories=performance,accessibility", f"--chrome-flags={CHROME_FLAGS}",
                               *(["--preset=desktop"] if desktop else [])],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0 or not report.exists():
            raise RuntimeError(f"Lighthouse failed on {url} (exit {done.returncode}): {done.stderr.strip()[-1500:]}")
        lhr = json.loads(report.read_text(encoding="utf-8"))
    if lhr.get("runtimeError"):
        raise RuntimeError(f"Lighthouse could not measure {url}: {lhr['runtimeError']}")
    out = {"performance": round(100 * (lhr["categories"]["performance"]["score"] or 0)),
           "accessibility": round(100 * (lhr["categories"]["accessibility"]["score"] or 0))}
    for audit, (col, _) in METRICS.items():
        out[col] = lhr["audits"][audit].get("numericValue")
    out["failing"] = sorted(a["id"] for a in lhr["categories"]["accessibility"]["auditRefs"]
                            if a.get("weight") and lhr["audits"][a["id"]].get("score") not in (None, 1))
    return out


def lighthouse(url: str, runs: int, desktop: bool = False) -> dict:
    """The median of `runs` Lighthouse runs of `url`, each figure on its own."""
    results, failures = [], []
    while len(results) < runs:  # on a busy machine a run can time out inside Lighthouse: try again, twice at most
        try:
            results.append(lighthouse_once(url, desktop))
        except RuntimeError as e:
            failures.append(e)
            print(f"run failed, trying again: {e}", file=sys.stderr)
            if len(failures) > 2:
                raise
    med = {k: statistics.median(r[k] for r in results) for k in results[0] if k != "failing"}
    med["failing"] = sorted({a for r in results for a in r["failing"]})
    med["performance_range"] = (min(r["performance"] for r in results), max(r["performance"] for r in results))
    return med


def line(name: str, r: dict) -> str:
    lo, hi = r["performance_range"]
    spread = f" ({lo}–{hi})" if lo != hi else ""
    fail = f"  accessibility audits failing: {', '.join(r['failing'])}" if r["failing"] else ""
    return (f"{name:<34} performance {r['performance']:3.0f}{spread:<9} accessibility {r['accessibility']:3.0f}  "
            f"FCP {r['FCP'] / 1000:4.1f} s  LCP {r['LCP'] / 1000:4.1f} s  TBT {r['TBT']:5.0f} ms  CLS {r['CLS']:.3f}  "
            f"SI {r['SI'] / 1000:4.1f} s  {r['bytes'] / 1e6:5.2f} MB{fail}")


def scroll_cost(base: str, page_name: str) -> str:
    """--scroll: what drawing the charts costs a phone's reader once they scroll (see the module's docstring)."""
    from playwright.sync_api import sync_playwright
    from plotly.offline import get_plotlyjs

    from outputs.site import BASIC_BUNDLE, vendored

    longtasks = ("window.bridgesLong = []; new PerformanceObserver(l => l.getEntries().forEach("
                 "e => window.bridgesLong.push([e.startTime, e.duration]))).observe({type: 'longtask', buffered: true});")
    blocking = "(t0) => window.bridgesLong.filter(e => e[0] >= t0).reduce((s, e) => s + Math.max(0, e[1] - 50), 0)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"])
        try:
            page = b.new_page(viewport={"width": 412, "height": 823}, device_scale_factor=1.75, is_mobile=True, has_touch=True)
            page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
            page.add_init_script(longtasks)
            page.goto(base + page_name, wait_until="networkidle")
            charts = page.locator("figure.chart .plot")
            t0 = page.evaluate("performance.now()")
            charts.first.scroll_into_view_if_needed()
            charts.first.locator(".main-svg").first.wait_for(timeout=120000)
            first = page.evaluate("performance.now()") - t0
            tbt_first = page.evaluate(blocking, t0)
            for i in range(charts.count()):
                charts.nth(i).scroll_into_view_if_needed()
                charts.nth(i).locator(".main-svg").first.wait_for(timeout=120000)
            every = page.evaluate("performance.now()") - t0
            tbt_every = page.evaluate(blocking, t0)
            n = charts.count()
            parse = {}
            for name, src in (("basic", vendored(BASIC_BUNDLE).decode("utf-8")), ("full", get_plotlyjs())):
                blank = b.new_page()
                blank.context.new_cdp_session(blank).send("Emulation.setCPUThrottlingRate", {"rate": 4})
                parse[name] = blank.evaluate("(src) => { const t = performance.now(); (0, eval)(src); return performance.now() - t; }", src)
                blank.close()
        finally:
            b.close()
    return (f"phone, CPU 4× slower, {page_name}: first chart drawn {first / 1000:.1f} s after scrolling to it (blocking {tbt_first:.0f} ms); "
            f"all {n} charts, scrolled one by one, {every / 1000:.1f} s (blocking {tbt_every:.0f} ms in all); "
            f"parse and run plotly.js: basic bundle {parse['basic']:.0f} ms, full bundle {parse['full']:.0f} ms")


def build_site(data_dir: Path | None, tmp: Path) -> tuple[Path, Path]:
    """(store, site): the demo store (built here unless given) and its static site, each by `python -m bridges`."""
    store = data_dir or tmp / "store"
    if data_dir is None:
        subprocess.run([sys.executable, "-m", "bridges", "demo", "--data-dir", str(store)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    site = tmp / "site"
    subprocess.run([sys.executable, "-m", "bridges", "site", str(site), "--data-dir", str(store)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return store, site


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", help="a site already written by python -m bridges site (default: build the demo's)")
    ap.add_argument("--data-dir", help="a store to build the site from (default: the demo, built in a temporary folder)")
    ap.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (the median is printed)")
    ap.add_argument("--page", action="append", help=f"a page of the site to measure (default: {', '.join(PAGES)})")
    ap.add_argument("--desktop", action="store_true", help="also run Lighthouse's desktop profile on the site's pages")
    ap.add_argument("--streamlit", action="store_true", help="also measure the Streamlit overview of the same store")
    ap.add_argument("--scroll", action="store_true", help="also measure drawing the area page's charts as a phone scrolls")
    opts = ap.parse_args()
    runs = max(1, opts.runs)
    ensure_lighthouse()
    with tempfile.TemporaryDirectory(prefix="bridges-bench-") as tmp:
        tmp = Path(tmp)
        if opts.site:
            site, store = Path(opts.site), Path(opts.data_dir) if opts.data_dir else None
        else:
            store, site = build_site(Path(opts.data_dir) if opts.data_dir else None, tmp)
        print(f"Lighthouse 12, default mobile profile (slow 4G, 4× CPU, simulated), median of {runs} run(s); "
              f"chromium {subprocess.run([CHROMIUM, '--version'], capture_output=True, text=True).stdout.split()[1]}")
        with static_server(site) as base:
            for page in opts.page or PAGES:
                print(line(f"site {page}", lighthouse(base + page, runs)), flush=True)
            if opts.desktop:
                for page in opts.page or PAGES:
                    print(line(f"site {page} (desktop)", lighthouse(base + page, runs, desktop=True)), flush=True)
            if opts.scroll:
                print(scroll_cost(base, next(p for p in (opts.page or PAGES) if p.startswith("area-"))), flush=True)
        if opts.streamlit:
            if store is None:
                sys.exit("--streamlit needs the store: give --data-dir with --site.")
            from tests.browser import streamlit_server

            with streamlit_server(store) as base:
                url = base + "/overview?area=MS"
                try:  # the server's first run imports everything: not counted (and may time out: then it is retried below)
                    lighthouse_once(url)
                except RuntimeError as e:
                    print(f"warm-up run: {e}", file=sys.stderr)
                print(line("streamlit /overview?area=MS", lighthouse(url, runs)), flush=True)


if __name__ == "__main__":
    main()
