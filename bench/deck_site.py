"""Town-hall deck file and static site: build times and sizes on the demo (target: each under 30 s).

    python bench/deck_site.py [--data-dir DIR] [--pdf] [--images] [--repeat N]

Builds the demo store in a temporary folder unless --data-dir is given, then times, each in a fresh process so the
figures include start-up and imports (what a presenter or a cron job sees):
- `python -m bridges deck` for one area (Market Square) and for all areas, in English and French;
- `python -m bridges site` for the whole release (every area, both languages, downloads);
- with --pdf, the deck with its PDF; with --images, one chart as a stamped PNG and SVG, and the slides as PNGs.
Prints one line per measurement: the median of --repeat runs (default 3) with the fastest and slowest, and sizes.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


REPEAT = 3


def run(args: list[str], repeat: int | None = None) -> str:
    """`python -m bridges ARGS` in a fresh process, `repeat` times: "median s (min–max)"."""
    times = []
    for _ in range(repeat or REPEAT):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "loaders", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    if len(times) == 1:
        return f"{times[0]:5.1f} s"
    return f"{statistics.median(times):5.1f} s ({min(times):.1f}–{max(times):.1f}, {len(times)} runs)"


def size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def main() -> None:
    global REPEAT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir")
    ap.add_argument("--pdf", action="store_true")
    ap.add_argument("--images", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is printed)")
    opts = ap.parse_args()
    REPEAT = max(1, opts.repeat)
    with tempfile.TemporaryDirectory(prefix="bridges-bench-") as tmp:
        tmp = Path(tmp)
        data = Path(opts.data_dir) if opts.data_dir else tmp / "store"
        if not opts.data_dir:
            print(f"demo store: {run(['demo', '--data-dir', str(data)], 1)}")
        for area, lang in (("MS", "en"), ("MS", "fr"), ("all", "en")):
            out = tmp / f"deck-{area}-{lang}.html"
            s = run(["deck", str(out), "--area", area, "--quarter", "latest", "--lang", lang, "--data-dir", str(data)])
            print(f"deck file   area={area:<3} lang={lang}: {s}  {mb(size(out))} (plotly.js {mb(len(_plotly_js()))} of it)")
        if opts.pdf:
            out = tmp / "deck-pdf.html"
            s = run(["deck", str(out), "--area", "MS", "--pdf", "--data-dir", str(data)])
            print(f"deck + PDF  area=MS  lang=en: {s}  HTML {mb(size(out))}, PDF {mb(size(out.with_suffix('.pdf')))}")
        site = tmp / "site"
        s = run(["site", str(site), "--data-dir", str(data)])
        pages = list(site.glob("*.html"))
        print(f"static site: {s}  {len(pages)} pages, {mb(size(site))} in all: pages {mb(sum(size(p) for p in pages))} "
              f"(largest {mb(max(size(p) for p in pages))}), plotly.js {mb(sum(size(p) for p in site.glob('plotly*.js')))} once, "
              f"downloads {mb(size(site / 'downloads'))}")
        if opts.images:
            _images(data)


def _plotly_js() -> str:
    from outputs.deck_html import plotly_js

    return plotly_js()


def _images(data: Path) -> None:
    from outputs import deck as D
    from outputs import deck_html as H
    from outputs import images
    from stats import views
    from stats.read import open_release

    rel = open_release(data)
    ctx = views.context(rel, "MS", None, "en")
    chart = views.trend_chart(ctx)
    stamp = images.stamp_for(chart, ctx.where, ctx.ql(ctx.quarter), rel.version, "en", "MS", ctx.quarter)
    t0 = time.perf_counter()
    images.chart_svg(chart.figure, stamp)
    first = time.perf_counter() - t0
    for fmt in ("svg", "png"):
        t0 = time.perf_counter()
        b = images.chart_svg(chart.figure, stamp) if fmt == "svg" else images.chart_png(chart.figure, stamp)
        print(f"chart image {fmt}: {time.perf_counter() - t0:5.2f} s  {len(b) / 1e3:.0f} kB (first image, with chromium start: {first:.1f} s)")
    html = H.document(D.build(rel, "MS", None, "en"))
    t0 = time.perf_counter()
    z = images.slides_zip(html, "deck")
    print(f"slides as PNGs (ZIP): {time.perf_counter() - t0:5.1f} s  {mb(len(z))}")


if __name__ == "__main__":
    main()
