"""Server CPU per page view: the Bridges dashboard against a trivial one-chart-one-table Streamlit page, same run.

    python bench/serve.py                    # demo store, 60 views a batch, 5 batches each, interleaved
    python bench/serve.py --views 120 --repeat 7 --data-dir DIR
    python bench/serve.py --post-script-gc true  # both servers with Streamlit's full collection after every run
    python bench/serve.py --no-warm              # no views prepared ahead: the first pass builds every view

Both servers run from the checkout (so .streamlit/config.toml applies to both: no file watcher). A page view is
what a resident opening a link costs: a new tab (websocket, new Streamlit session), the script run, every message
sent, the tab closed (bench/load.py's protocol client, one view at a time). The CPU of a view is the server
process's user + system time (/proc/<pid>/stat, every thread) over a batch, divided by the views in it.

Bridges' views go round a fixed list covering every public page, areas (and all areas), quarters and both
languages. The Bridges server starts with an empty view cache folder; its first view starts the warmer
(ui/public/warm.py, a process of its own), and the batches start once it has prepared every view (its CPU is printed
apart: it is not the server's). A first pass over the list, not counted in the ratio, is reported as "first views":
each view in it is read from the view cache folder (with --no-warm: built from the release). The batches that follow are what a server sees once residents have opened those
pages before; the median and the spread (fastest–slowest batch) of each, and the ratio of the medians, are printed.
Batches of the two servers alternate, so a busy spell on a shared machine falls on both.
Streamlit keeps a closed tab's session for server.disconnectedSessionTTL (120 s) before cleaning it up, so part of
that cleanup lands in later batches; with several batches it evens out.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py: the protocol client and the servers)

TRIVIAL = load.ROOT / "bench" / "trivial_app.py"


def sample_views(root: Path, n: int, seed: int = 7) -> list[load.View]:
    """n views spread over the pages (round robin), each with a random area, quarter and language."""
    every = load.views_of(root)
    by_page: dict[str, list[load.View]] = {}
    for v in every:
        by_page.setdefault(v.page, []).append(v)
    rng = random.Random(seed)
    pages = itertools.cycle(sorted(by_page))
    return [rng.choice(by_page[next(pages)]) for _ in range(n)]


async def batch(base: str, pid: int, views: list[load.View]) -> dict:
    """Open each view in a new tab, one after another; server CPU and wall time per view."""
    c0, t0 = load.cpu_seconds(pid), time.perf_counter()
    for v in views:
        await load.one_view(base, v)
    c1, t1 = load.cpu_seconds(pid), time.perf_counter()
    return {"cpu_ms": 1000 * (c1 - c0) / len(views), "wall_ms": 1000 * (t1 - t0) / len(views)}


def spread(xs: list[float]) -> str:
    return f"{statistics.median(xs):6.1f} ms ({min(xs):.1f}–{max(xs):.1f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--views", type=int, default=60, help="views in a batch (default 60: ten of each page)")
    ap.add_argument("--repeat", type=int, default=5, help="batches per server (default 5)")
    ap.add_argument("--data-dir", type=Path, help="the store (default: the demo under $BRIDGES_BENCH_CACHE)")
    ap.add_argument("--post-script-gc", choices=("true", "false"),
                    help="run both servers with runner.postScriptGC set so (default: what .streamlit/config.toml says)")
    ap.add_argument("--no-warm", action="store_true", help="no views prepared ahead: the first pass builds every view")
    ap.add_argument("--view-cache", type=Path, help="keep the view cache folder here (default: an empty one, removed after the run)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    root = args.data_dir or load.demo_store()
    views = sample_views(root, args.views)
    trivial_views = [load.View("", "")] * args.views
    server_args = load.server_args(args.post_script_gc)
    out: dict = {"views_per_batch": args.views, "batches": args.repeat, "post_script_gc": args.post_script_gc or "config",
                 "bridges": [], "trivial": [], "load_average": [os.getloadavg()[0]]}
    with load.view_cache(not args.no_warm, args.view_cache) as (env, folder), load.bridges_server(root, env=env, args=server_args) as bridges, \
            load.streamlit(TRIVIAL, args=server_args) as trivial:
        async def run():
            # the first run of each server imports plotly, pandas and the rest (and starts the warmer): not counted anywhere
            await load.one_view(bridges.base, views[0])
            await load.one_view(trivial.base, trivial_views[0])
            if not args.no_warm:
                out["warm"] = await asyncio.to_thread(load.wait_for_warm, folder)
            out["first_views"] = await batch(bridges.base, bridges.pid, views)
            await batch(trivial.base, trivial.pid, trivial_views[:10])
            for _ in range(args.repeat):
                out["trivial"].append(await batch(trivial.base, trivial.pid, trivial_views))
                out["bridges"].append(await batch(bridges.base, bridges.pid, views))
                out["load_average"].append(os.getloadavg()[0])

        asyncio.run(run())
    b = [r["cpu_ms"] for r in out["bridges"]]
    t = [r["cpu_ms"] for r in out["trivial"]]
    out["ratio"] = statistics.median(b) / statistics.median(t)
    out["ratio_spread"] = [min(x / y for x, y in zip(b, t)), max(x / y for x, y in zip(b, t))]
    if args.json:
        print(json.dumps(out, indent=1))
        return
    gc_note = {"true": "runner.postScriptGC true", "false": "runner.postScriptGC false", None: ".streamlit/config.toml"}[args.post_script_gc]
    la = out["load_average"]
    print(f"server CPU per page view, {args.repeat} batches of {args.views} views each, {gc_note}; median (fastest–slowest batch); "
          f"machine load average (1 min) {statistics.median(la):.1f} ({min(la):.1f}–{max(la):.1f}), {os.cpu_count()} cores:")
    print(f"  trivial page (one chart, one table): {spread(t)}   wall {spread([r['wall_ms'] for r in out['trivial']])}")
    print(f"  Bridges public pages:                {spread(b)}   wall {spread([r['wall_ms'] for r in out['bridges']])}")
    print(f"  ratio Bridges / trivial: {out['ratio']:.2f} (batch by batch {out['ratio_spread'][0]:.2f}–{out['ratio_spread'][1]:.2f})")
    f = out["first_views"]
    how = "built from the release" if args.no_warm else "read from the view cache folder"
    print(f"  first views (each page, area, quarter and language {how}): {f['cpu_ms']:.1f} ms CPU, {f['wall_ms']:.1f} ms wall")
    if out.get("warm"):
        w = out["warm"]
        print(f"  views prepared ahead by the warmer (its own process, nice 19): {w['built']} in {w['seconds']} s, {w['cpu_seconds']} s of CPU "
              f"({1000 * w['cpu_seconds'] / max(w['built'], 1):.0f} ms a view)")


if __name__ == "__main__":
    main()
