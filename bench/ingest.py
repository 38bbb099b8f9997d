"""Benchmark: ingest + publish of a 1,000,000-row Chicago export against a plain Arrow CSV → Parquet floor."""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(os.environ.get("BRIDGES_REALDATA", ROOT.parent / "shared" / "realdata")) / "chicago-cpd-crimes" / "sample-2024" / "Crimes_-_2001_to_Present.csv"
CACHE = Path(os.environ.get("BRIDGES_BENCH_CACHE", "/tmp/bridges-bench"))
GEN_VERSION = 1  # bump when the generator changes, so a stale cached file is not reused


def generate(path: Path, rows: int, seed: int = 20240101, first_id: int = 13_000_000, append: bool = False) -> Path:
    """Write `rows` records in the portal's exact CSV layout, resampled from the real 10,000-row sample.

    Each record takes the offence, place, beat/district/ward/community area and block of a random real
    record (so the mix of categories, blanks and quoted commas is the real one); the ID, case number,
    date, arrest/domestic flags, update time and coordinates are new (coordinates jittered by up to
    ~100 m, kept empty where the real record had none). UTF-8 with BOM and LF, like the portal.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    names = pacsv.read_csv(SAMPLE, read_options=pacsv.ReadOptions(skip_rows=0)).column_names
    src = pacsv.read_csv(SAMPLE, convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True))
    pick = pa.array(rng.integers(0, src.num_rows, rows))
    t = src.take(pick)
    cols = {n: t[n].combine_chunks() for n in names}

    ids = np.arange(first_id, first_id + rows) + rng.integers(0, 50, rows).cumsum() // 10
    cols["ID"] = pa.array(ids.astype(str))
    letters = np.array(list("ABCDEFGHJK"))
    case = np.char.add(np.char.add("J", letters[rng.integers(0, 10, rows)]), (100000 + np.arange(rows) % 900000).astype(str))
    cols["Case Number"] = pa.array(case)
    start = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)
    secs = start + rng.integers(0, 366 * 86400, rows)
    secs = secs - secs % np.where(rng.random(rows) < 0.3, 3600, 60)  # many reports are on the hour
    ts = pa.array(secs, pa.timestamp("s"))
    cols["Date"] = pc.strftime(ts, format="%m/%d/%Y %I:%M:%S %p")
    upd = pa.array(secs + rng.integers(86400, 400 * 86400, rows), pa.timestamp("s"))
    cols["Updated On"] = pc.strftime(upd, format="%m/%d/%Y %I:%M:%S %p")
    cols["Year"] = pc.cast(pc.year(ts), pa.string())
    cols["Arrest"] = pa.array(np.where(rng.random(rows) < 0.17, "true", "false"))
    cols["Domestic"] = pa.array(np.where(rng.random(rows) < 0.19, "true", "false"))
    has = pc.is_valid(cols["Latitude"])
    lat = pc.add(pc.cast(cols["Latitude"], pa.float64()), pa.array(rng.normal(0, 0.0005, rows)))
    lon = pc.add(pc.cast(cols["Longitude"], pa.float64()), pa.array(rng.normal(0, 0.0007, rows)))
    lat = pc.round(lat, 9)
    lon = pc.round(lon, 9)
    lat_s, lon_s = pc.cast(lat, pa.string()), pc.cast(lon, pa.string())
    cols["Latitude"], cols["Longitude"] = lat_s, lon_s
    cols["Location"] = pc.binary_join_element_wise("(", lat_s, ", ", lon_s, ")", "")
    del has

    # CSV lines, quoting only the values that need it (as the portal does)
    parts = []
    for n in names:
        v = cols[n]
        need = pc.fill_null(pc.match_substring_regex(v, r'[",\n]'), False)
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(v, '"', '""'), '"', "")
        parts.append(pc.fill_null(pc.if_else(need, quoted, v), ""))
    lines = pc.binary_join_element_wise(*parts, ",")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path if append else path.with_suffix(".tmp")
    with open(tmp, "ab" if append else "wb") as fh:
        if not append:
            fh.write(b"\xef\xbb\xbf" + ",".join(names).encode() + b"\n")
        step = 100_000
        for i in range(0, rows, step):
            chunk = lines.slice(i, step).to_pylist()
            fh.write(("\n".join(chunk) + "\n").encode("utf-8"))
    if not append:
        os.replace(tmp, path)
    return path


CHUNK = 1_000_000  # files longer than this are written a million records at a time (each with its own seed and IDs)


def generate_large(path: Path, rows: int, seed: int = 20240101) -> Path:
    """A file of many millions of records in bounded memory: generate()'s records, a million at a time; each million
    has its own seed and a range of IDs of its own (a million records use under 3.5 million IDs), so no ID repeats."""
    tmp = path.with_suffix(".part")
    tmp.unlink(missing_ok=True)
    for i, start in enumerate(range(0, rows, CHUNK)):
        n = min(CHUNK, rows - start)
        if i == 0:
            generate(tmp, n, seed, 13_000_000)
        else:
            generate(tmp, n, seed + i, 13_000_000 + i * 5_000_000, append=True)
    os.replace(tmp, path)
    return path


def cached_export(rows: int) -> Path:
    large = rows > 5 * CHUNK  # written in chunks: a different file from what generate() would write at once
    path = CACHE / f"chicago-{rows}-v{GEN_VERSION}{'c' if large else ''}.csv"
    if not path.exists():
        t0 = time.perf_counter()
        (generate_large if large else generate)(path, rows)
        print(f"generated {path} ({path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


# ---------- the two measured operations, each run in a fresh child process

def child_floor(src: Path, work: Path) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    table = pacsv.read_csv(src)
    pq.write_table(table, work / "floor.parquet")
    _done(time.perf_counter() - t0, table.num_rows)


def child_bridges(src: Path, work: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from loaders.ingest import ingest
    from store.versioned import Store

    store = Store(work / "data")
    t0 = time.perf_counter()
    report = ingest(src, "incidents", store)
    t1 = time.perf_counter()
    m = store.publish([report["draft"]], by="bench", note="1M-row benchmark")
    t2 = time.perf_counter()
    _done(t2 - t0, m["row_counts"]["incidents"], rejected=report["rows_rejected"], ingest=t1 - t0, publish=t2 - t1)


def child_profile(src: Path, work: Path) -> None:
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    from loaders.ingest import ingest
    from store.versioned import Store

    store = Store(work / "data")
    prof = cProfile.Profile()
    prof.enable()
    report = ingest(src, "incidents", store)
    store.publish([report["draft"]], by="bench", note="profile")
    prof.disable()
    pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    _done(0.0, 0)


def peak_rss_mib() -> float:
    """This process's peak resident set size. VmHWM belongs to the process image, while ru_maxrss on Linux
    carries over the parent's peak through fork + exec, so it would report the generator's memory."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _done(seconds: float, rows: int, **extra) -> None:
    rss = peak_rss_mib()
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_rss_mib": rss, **extra}))


def run_child(kind: str, src: Path) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    try:
        out = subprocess.run([sys.executable, __file__, "--child", kind, str(src), str(work)], capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            raise SystemExit(f"{kind} run failed:\n{out.stderr[-4000:]}")
        if kind == "profile":
            print(out.stderr, file=sys.stderr)
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="also print a cProfile of one ingest + publish")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "SRC", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, src, work = args.child
        {"floor": child_floor, "bridges": child_bridges, "profile": child_profile}[kind](Path(src), Path(work))
        return 0

    src = cached_export(args.rows)
    runs = {"floor": [], "bridges": []}
    for _ in range(args.repeat):  # interleaved, so drift in machine load hits both alike
        for kind in runs:
            runs[kind].append(run_child(kind, src))
    f = statistics.median(r["seconds"] for r in runs["floor"])
    b = statistics.median(r["seconds"] for r in runs["bridges"])
    f_rss = max(r["peak_rss_mib"] for r in runs["floor"])
    b_rss = max(r["peak_rss_mib"] for r in runs["bridges"])
    ratio = b / f
    rows = runs["bridges"][0]["rows"]
    print(f"file: {src} ({src.stat().st_size / 2**20:.0f} MiB, {args.rows:,} records; published {rows:,}, rejected {runs['bridges'][0]['rejected']:,})")
    print(f"median of {args.repeat} runs, each in a fresh process (time excludes interpreter start and imports)")
    print(f"{'':10}{'seconds':>10}{'peak RSS MiB':>15}")
    print(f"{'floor':10}{f:10.2f}{f_rss:15.0f}   pyarrow.csv.read_csv + pyarrow.parquet.write_table")
    b_ing = statistics.median(r["ingest"] for r in runs["bridges"])
    b_pub = statistics.median(r["publish"] for r in runs["bridges"])
    print(f"{'bridges':10}{b:10.2f}{b_rss:15.0f}   loaders.ingest.ingest ({b_ing:.2f} s) + Store.publish ({b_pub:.2f} s)")
    print(f"{'ratio':10}{ratio:10.2f}×")
    ok = ratio <= 3.0 and b_rss < 2048
    print(f"targets (ratio ≤ 3×, peak < 2048 MiB): {'met' if ok else 'NOT met'}")
    if args.profile:
        run_child("profile", src)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
