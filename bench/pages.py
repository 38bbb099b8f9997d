"""Benchmark: server-side time to build each public page's figures at 1M and 10M incidents, warm and cold, against
the floor (the same aggregates as hand-written DuckDB SQL over the public Parquet files, in the same run), and the
resident memory of a Streamlit server with 20 sessions open.

    python bench/pages.py                 # 1M and 10M, timings; --memory for the 20-session RSS (needs chromium)
    python bench/pages.py --rows 1000000 --repeat 5 --memory

The store is synthetic but has exactly the public tables a release holds (the gate's output): incidents with
every public column, the count cube aggregated from them, and the demo's areas, events, concerns and survey.
It is written once per size under $BRIDGES_BENCH_CACHE (default /tmp/bridges-bench/pages-<rows>).

What is timed, per page (views.page, the function the Streamlit page calls):
- cold: a fresh Release (new DuckDB connection) and no cache: every query runs, then every figure is built;
- warm: the aggregates come from a cache (pickled and unpickled on each hit, as st.cache_data does); figures,
  sentences and tables are built again, as on every Streamlit run;
- floor: the SQL statements that page issues, run as they are on a plain DuckDB connection over read_parquet(...),
  each timed warm (best of the repeats), summed per page.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = Path(os.environ.get("BRIDGES_BENCH_CACHE", "/tmp/bridges-bench"))
GEN_VERSION = 1
PAGES = ("overview", "incidents", "community", "feedback", "trust", "data")


def build_store(rows: int) -> Path:
    """A store whose release 1 has public tables of `rows` incidents (reused when already built)."""
    import duckdb

    from demo.build import build_demo
    from store.versioned import Store

    root = CACHE / f"pages-{rows}"
    stamp = root / f".gen-{GEN_VERSION}"
    if stamp.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    demo = CACHE / "demo-store"
    if not (demo / "releases").exists():
        shutil.rmtree(demo, ignore_errors=True)
        build_demo(Store(demo))
    man = json.loads(sorted((demo / "releases").glob("*.json"))[-1].read_text())
    src = demo / man["public"]
    pub = root / "public" / "000001"
    pub.mkdir(parents=True)
    for name in ("engagement", "feedback", "feedback_counts", "survey", "areas"):
        shutil.copyfile(src / f"{name}.parquet", pub / f"{name}.parquet")
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    areas = [r[0] for r in con.execute(f"SELECT area_id FROM read_parquet('{src}/areas.parquet') ORDER BY area_id").fetchall()]
    cats = ["violence", "sexual_offences", "robbery", "burglary", "theft_from_vehicle", "vehicle_theft", "other_theft",
            "shoplifting", "mischief", "drugs", "weapons", "public_order", "traffic", "other"]
    weights = [18, 2, 3, 8, 12, 5, 16, 8, 9, 4, 2, 7, 4, 2]
    cum, acc = [], 0
    for w in weights:
        acc += w
        cum.append(acc / sum(weights))
    case_cat = "CASE " + " ".join(f"WHEN u < {c} THEN '{n}'" for c, n in zip(cum, cats)) + " ELSE 'other' END"
    area_list = "[" + ",".join(f"'{a}'" for a in areas) + "]"
    con.execute(f"""
        COPY (
          WITH base AS (
            SELECT i, random() AS u, random() AS v, random() AS w, random() AS x,
                   TIMESTAMP '2023-10-01' + to_seconds(CAST(floor(random() * 1096 * 86400) AS BIGINT)) AS t
            FROM range({rows}) r(i))
          SELECT lpad(to_hex(hash(i)), 16, '0') AS record_id, 'bench' AS source,
                 CASE WHEN cat = 'sexual_offences' THEN date_trunc('day', t) ELSE t END AS occurred_at,
                 CAST(NULL AS TIMESTAMP) AS reported_at,
                 CASE WHEN cat = 'sexual_offences' THEN 'day' ELSE 'exact' END AS time_precision,
                 cat AS category, {area_list}[1 + CAST(floor(v * {len(areas)}) AS INT)] AS area, 'D1' AS district,
                 CASE WHEN cat = 'sexual_offences' OR w < 0.08 THEN NULL ELSE 44.0 + v / 50 END AS lat,
                 CASE WHEN cat = 'sexual_offences' OR w < 0.08 THEN NULL ELSE -40.1 + w / 10 END AS lon,
                 NULL::VARCHAR AS block, CASE WHEN x < 0.35 THEN 'cleared' WHEN x < 0.38 THEN 'unfounded' ELSE 'open' END AS status,
                 CASE WHEN x < 0.8 THEN round(3 + x * 60, 1) ELSE NULL END AS response_minutes, 'P' || (1 + CAST(floor(x * 4) AS INT)) AS priority,
                 CAST(year(t) AS VARCHAR) || 'Q' || CAST(quarter(t) AS VARCHAR) AS quarter
          FROM (SELECT *, {case_cat} AS cat FROM base)
        ) TO '{pub}/incidents.parquet' (FORMAT parquet, ROW_GROUP_SIZE 122880)""")
    con.execute(f"""
        COPY (
          SELECT quarter, area, category, n, false AS suppressed FROM (
            SELECT quarter, area, category, count(*)::BIGINT AS n FROM read_parquet('{pub}/incidents.parquet') GROUP BY ALL
            UNION ALL
            SELECT quarter, '__all__' AS area, category, count(*)::BIGINT FROM read_parquet('{pub}/incidents.parquet') GROUP BY ALL)
          ORDER BY quarter, area, category
        ) TO '{pub}/incident_counts.parquet' (FORMAT parquet)""")
    (root / "releases").mkdir(parents=True)
    manifest = {**man, "version": 1, "public": "public/000001", "note": f"bench: {rows:,} synthetic incidents", "corrections": [],
                "row_counts": {**man["row_counts"], "incidents": rows}, "parent": None}
    manifest["privacy"] = {**man["privacy"], "incidents": {**man["privacy"]["incidents"], "records": rows}}
    (root / "releases" / "000001.json").write_text(json.dumps(manifest))
    stamp.write_text("ok")
    return root


class Recorder:
    """Runs queries (optionally from a cache that pickles like st.cache_data) and records the SQL they issue."""

    def __init__(self, rel, cache: dict | None):
        self.rel, self.cache = rel, cache

    def __call__(self, fn, *args):
        key = (fn.__module__, fn.__qualname__, args)
        if self.cache is not None and key in self.cache:
            return pickle.loads(self.cache[key])
        out = fn(self.rel, *args)
        if self.cache is not None:
            self.cache[key] = pickle.dumps(out)
        return out


def record_sql(rel):
    """Wrap rel.query to collect (sql, params) in order."""
    seen = []
    orig = rel.query

    def query(sql, params=None):
        seen.append((sql, list(params or [])))
        return orig(sql, params)

    rel.query = query
    return seen, orig


def page_opts(name: str) -> dict:
    return {"measure": "rate"} if name == "incidents" else {"measure": "trust"} if name == "trust" else {}


def time_pages(root: Path, repeat: int, area: str | None) -> dict:
    import duckdb

    from stats import read, views

    out = {}
    for name in PAGES:
        colds, warms, floors = [], [], []
        statements = None
        for _ in range(repeat):
            read._open.clear()  # a fresh Release: new DuckDB connection, nothing cached
            t0 = time.perf_counter()
            rel = read.open_release(root)
            seen, _ = record_sql(rel)
            run = Recorder(rel, None)
            ctx = views.context(rel, area, None, "en", run)
            views.page(name, ctx, **page_opts(name))
            colds.append(time.perf_counter() - t0)
            statements = list(seen)
        rel = read.open_release(root)
        cache: dict = {}
        run = Recorder(rel, cache)
        views.page(name, views.context(rel, area, None, "en", run), **page_opts(name))  # fill the cache
        for _ in range(repeat):
            t0 = time.perf_counter()
            ctx = views.context(rel, area, None, "en", run)
            views.page(name, ctx, **page_opts(name))
            warms.append(time.perf_counter() - t0)
        # floor: the same statements on a plain connection over the Parquet files
        pub = read.public_dir(rel.store, rel.manifest)
        con = duckdb.connect()
        sub = {t: f"read_parquet('{pub}/{t}.parquet')" for t in read.PUBLIC_TABLES if (pub / f"{t}.parquet").exists()}
        pattern = re.compile(r"\b(FROM|JOIN)\s+(" + "|".join(sorted(sub, key=len, reverse=True)) + r")\b")
        per_stmt = []
        for sql, params in statements:
            plain = pattern.sub(lambda m: f"{m.group(1)} {sub[m.group(2)]}", sql)
            best = float("inf")
            for _ in range(repeat):
                t0 = time.perf_counter()
                con.execute(plain, params).fetchall()
                best = min(best, time.perf_counter() - t0)
            per_stmt.append(best)
        floors.append(sum(per_stmt))
        out[name] = {"cold_ms": 1000 * statistics.median(colds), "warm_ms": 1000 * statistics.median(warms),
                     "floor_ms": 1000 * min(floors), "queries": len(statements)}
    return out


def rss_with_sessions(root: Path, sessions: int = 20) -> dict:
    """Start `streamlit run app.py` on the store, open `sessions` browser tabs over the pages, report the server's RSS."""
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port, stop, wait_for_charts

    port = free_port()
    env = {**os.environ, "BRIDGES_DATA_DIR": str(root)}
    log = open(CACHE / f"streamlit-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def rss() -> int:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    import urllib.request

    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read().strip() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        idle = rss()
        paths = [("/", 1), ("/incidents", 6), ("/community", 4), ("/feedback", 4), ("/trust", 2), ("/data", 0)]
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            pages, t0 = [], time.perf_counter()
            for i in range(sessions):
                path, charts = paths[i % len(paths)]
                ctx = b.new_context(viewport={"width": 1000, "height": 800})
                page = ctx.new_page()
                area = ["", "&area=MS", "&area=HB", "&area=CF"][i % 4]
                page.goto(f"{base}{path}?lang={'fr' if i % 2 else 'en'}{area}")
                if charts:
                    wait_for_charts(page, charts, timeout=180000)
                else:
                    page.wait_for_selector('[data-testid="stDownloadButton"]', timeout=180000)
                pages.append(page)
            opened = time.perf_counter() - t0
            time.sleep(2)
            peak = rss()
            b.close()
        return {"idle_rss_mib": idle / 2**20, "rss_20_sessions_mib": peak / 2**20, "open_all_s": opened}
    finally:
        stop(proc)
        log.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, action="append", help="incident rows (repeatable; default 1M and 10M)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--area", default=None, help="area id for the pages (default: all areas); MS is the demo's busiest")
    ap.add_argument("--memory", action="store_true", help="also measure the server's RSS with 20 sessions (needs chromium)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {}
    for rows in args.rows or [1_000_000, 10_000_000]:
        t0 = time.perf_counter()
        root = build_store(rows)
        built = time.perf_counter() - t0
        res = {"store_s": built, "pages": {}}
        for area in ([args.area] if args.area else [None, "MS"]):
            res["pages"][area or "all"] = time_pages(root, args.repeat, area)
        if args.memory:
            res["memory"] = rss_with_sessions(root)
        results[rows] = res
        if not args.json:
            print(f"\n{rows:,} incidents (store ready in {built:.1f} s)")
            for area, pages in res["pages"].items():
                print(f"  area={area}")
                print(f"    {'page':<10} {'cold ms':>8} {'warm ms':>8} {'floor ms':>9} {'warm/floor':>10} {'queries':>8}")
                for name, r in pages.items():
                    ratio = r["warm_ms"] / r["floor_ms"] if r["floor_ms"] else float("nan")
                    print(f"    {name:<10} {r['cold_ms']:8.0f} {r['warm_ms']:8.0f} {r['floor_ms']:9.0f} {ratio:10.2f} {r['queries']:8d}")
            if "memory" in res:
                m = res["memory"]
                print(f"  server RSS: idle {m['idle_rss_mib']:.0f} MiB, 20 sessions open {m['rss_20_sessions_mib']:.0f} MiB "
                      f"(opened in {m['open_all_s']:.1f} s)")
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
