"""Benchmark: ingest and publish of large Chicago-schema exports, each step in its own process, against pyarrow's CSV read
plus Parquet write of the same file (the floor). Prints seconds and peak memory of every step, fastest of the paired runs.

    python bench/ingest_scale.py                       # 1M and 3M rows, 2 paired runs each
    python bench/ingest_scale.py --rows 20000000 --repeat 1

Targets (issue 13, item 4): at 3M rows ingest + publish <= 2.5x the floor; peak memory of either step < 1.5 GiB, also at 20M.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import cached_export, peak_rss_mib  # noqa: E402 (the same generated files and the same memory measure)

ROOT = Path(__file__).resolve().parent.parent
RATIO_TARGET = 2.5
MEMORY_TARGET_MIB = 1536


def _child(kind: str, src: Path, work: Path) -> None:
    """One measured step, in a fresh process: time from just before the call (imports excluded), peak RSS of this process."""
    if kind == "floor":
        import os

        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        # the allocator Bridges uses (gate.batches.arrow_pool), so that the ratio compares the work and not the memory
        # pools: with pyarrow's default pool every batch is fresh memory the kernel zeroes, which on this VM has cost
        # the floor alone 3.3 s or 12 s from one hour to the next
        if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
            try:
                pa.set_memory_pool(pa.jemalloc_memory_pool())
            except NotImplementedError:
                pass

        t0 = time.perf_counter()
        table = pacsv.read_csv(src)
        pq.write_table(table, work / "floor.parquet")
        out = {"seconds": time.perf_counter() - t0, "rows": table.num_rows}
    else:
        sys.path.insert(0, str(ROOT))
        from loaders.ingest import ingest
        from store.versioned import Store

        store = Store(work / "data")
        if kind == "ingest":
            import gate.public  # noqa: F401 (imported by ingest on first use: not part of the time)

            t0 = time.perf_counter()
            r = ingest(src, "incidents", store)
            out = {"seconds": time.perf_counter() - t0, "rows": r["rows_read"], "accepted": r["rows_accepted"], "rejected": r["rows_rejected"],
                   "draft": r["draft"]}
        else:
            import gate.public  # noqa: F401
            import deltalake  # noqa: F401

            draft = store.list_drafts()[0]
            t0 = time.perf_counter()
            m = store.publish([draft], by="bench", note="scale benchmark")
            out = {"seconds": time.perf_counter() - t0, "rows": m["row_counts"]["incidents"]}
    print(json.dumps({**out, "peak_rss_mib": peak_rss_mib()}))


def _run(kind: str, src: Path, work: Path) -> dict:
    p = subprocess.run([sys.executable, __file__, "--child", kind, str(src), str(work)], capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        raise SystemExit(f"{kind} failed:\n{p.stderr[-4000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def measure(rows: int, repeat: int, floor_too: bool = True) -> dict:
    src = cached_export(rows)
    runs = []
    for _ in range(repeat):  # paired: the floor and Bridges one after the other, so machine load hits both alike
        work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
        try:
            # the floor reads the whole file into memory (about twice its size): leave it out for very large files
            floor = _run("floor", src, work) if floor_too else {"seconds": float("nan"), "peak_rss_mib": float("nan")}
            ing = _run("ingest", src, work)
            pub = _run("publish", src, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        runs.append({"floor": floor, "ingest": ing, "publish": pub, "bridges": ing["seconds"] + pub["seconds"]})
        print(f"  {rows:>11,} rows, run {len(runs)}: floor {floor['seconds']:.2f} s, ingest {ing['seconds']:.2f} s, publish {pub['seconds']:.2f} s "
              f"(ratio {runs[-1]['bridges'] / floor['seconds']:.2f}x); peak MiB floor {floor['peak_rss_mib']:.0f}, ingest {ing['peak_rss_mib']:.0f}, "
              f"publish {pub['peak_rss_mib']:.0f}", file=sys.stderr, flush=True)
    return {"rows": rows, "file_mib": src.stat().st_size / 2**20, "runs": runs}


def _spread(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})" if len(xs) > 1 else f"{xs[0]:.2f}"


def report(results: list[dict]) -> bool:
    ok = True
    print(f"{'rows':>11} {'MiB':>6} {'floor s':>8} {'ingest s':>9} {'publish s':>10} {'Bridges s':>10} {'ratio':>6} "
          f"{'peak ingest':>12} {'peak publish':>13} {'peak floor':>11}")
    for r in results:
        runs = r["runs"]
        floor = min(x["floor"]["seconds"] for x in runs)
        best = min(runs, key=lambda x: x["bridges"])
        ratio = best["bridges"] / floor
        pi = max(x["ingest"]["peak_rss_mib"] for x in runs)
        pp = max(x["publish"]["peak_rss_mib"] for x in runs)
        pf = max(x["floor"]["peak_rss_mib"] for x in runs)
        print(f"{r['rows']:>11,} {r['file_mib']:>6.0f} {floor:>8.2f} {best['ingest']['seconds']:>9.2f} {best['publish']['seconds']:>10.2f} "
              f"{best['bridges']:>10.2f} {ratio:>5.2f}x {pi:>9.0f} MiB {pp:>9.0f} MiB {pf:>7.0f} MiB")
        if len(runs) > 1:
            print(f"{'':>11} median (min–max) of {len(runs)}: floor {_spread([x['floor']['seconds'] for x in runs])}, "
                  f"ingest {_spread([x['ingest']['seconds'] for x in runs])}, publish {_spread([x['publish']['seconds'] for x in runs])}, "
                  f"ratio {_spread([x['bridges'] / x['floor']['seconds'] for x in runs])}")
        mem_ok = pi < MEMORY_TARGET_MIB and pp < MEMORY_TARGET_MIB
        ratio_ok = ratio <= RATIO_TARGET or r["rows"] != 3_000_000
        ok &= mem_ok and ratio_ok
        print(f"{'':>11} rows read {runs[0]['ingest']['rows']:,}, accepted {runs[0]['ingest']['accepted']:,}, published {runs[0]['publish']['rows']:,}; "
              f"memory < {MEMORY_TARGET_MIB} MiB: {'met' if mem_ok else 'NOT met'}"
              + (f"; ratio <= {RATIO_TARGET}x: {'met' if ratio <= RATIO_TARGET else 'NOT met'}" if r["rows"] == 3_000_000 else ""))
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 3_000_000])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-floor", action="store_true", help="leave out the floor (for files too large to read whole)")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "SRC", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, src, work = args.child
        _child(kind, Path(src), Path(work))
        return 0
    results = [measure(n, args.repeat, not args.no_floor) for n in args.rows]
    print("each step in a fresh process; seconds exclude interpreter start and imports; peak = the process's VmHWM")
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main())
