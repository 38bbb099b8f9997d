"""Server CPU per Streamlit element: what one more element on a page costs a page view, kind by kind.

    python bench/elements.py                 # 40 elements of each kind against none, 3 batches of 60 views each
    python bench/elements.py --n 80 --kinds markdown dataframe

Each kind is served by bench/elements_app.py (a title, then N elements of that kind) from the checkout, so
.streamlit/config.toml applies; a page view is a new tab, the script run and every message sent, as in bench/serve.py.
The cost of an element is (CPU of a view with N elements - CPU of a view with none) / N, medians of the batches. It says
how far fewer elements can take a page: Bridges' public pages send 48 (trust) to 87 (incidents) messages a view.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py: the protocol client and the servers)

APP = Path(__file__).resolve().parent / "elements_app.py"
KINDS = ("markdown", "subheader", "container", "expander", "page_link", "download_button", "plotly_chart", "dataframe")


def cpu_per_view(n: int, kind: str, views: int, repeat: int) -> float:
    """Median over `repeat` batches of the server's CPU (ms) per view of the page with n elements of `kind`."""
    with load.streamlit(APP, env={"ELEMENTS_N": str(n), "ELEMENTS_KIND": kind}) as server:
        async def run() -> list[float]:
            view = load.View("", "")
            for _ in range(10):  # imports and first compilation: not counted
                await load.one_view(server.base, view)
            out = []
            for _ in range(repeat):
                c0 = load.cpu_seconds(server.pid)
                for _ in range(views):
                    await load.one_view(server.base, view)
                out.append(1000 * (load.cpu_seconds(server.pid) - c0) / views)
            return out

        return statistics.median(asyncio.run(run()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=40, help="elements of the kind on the page (default 40)")
    ap.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    ap.add_argument("--views", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    base = cpu_per_view(0, "markdown", args.views, args.repeat)
    print(f"server CPU per view, median of {args.repeat} batches of {args.views}; load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print(f"  a title alone: {base:.2f} ms a view")
    for kind in args.kinds:
        with_n = cpu_per_view(args.n, kind, args.views, args.repeat)
        print(f"  {kind:16s} {with_n:6.2f} ms with {args.n}: {(with_n - base) / args.n:.3f} ms an element", flush=True)


if __name__ == "__main__":
    main()
