"""Many residents on one machine: concurrent sessions driven through Streamlit's own websocket protocol.

    python bench/load.py --sessions 50 --duration 300     # starts a Bridges server on the demo store
    python bench/load.py --sessions 10 --duration 30      # a short run while developing
    python bench/load.py --url http://127.0.0.1:8501 --data-dir DIR --pid PID   # a server already running
    python bench/load.py --quarters 1 --think 10 --post-script-gc true   # current quarter only, readers, Streamlit's GC per run
    python bench/load.py --no-warm          # no views prepared ahead (ui/public/warm.py): every first view is built
    python bench/load.py --cold             # drive at once, while the warmer prepares the views
    python bench/load.py --view-cache DIR   # keep the prepared views for the next run (same code, same release)

The server starts with an empty view cache folder of its own (BRIDGES_VIEW_CACHE under $BRIDGES_BENCH_CACHE), so
every run pays for preparing the release's views: its first view starts the warmer (ui/public/warm.py, a process of its
own at nice 19), and the run waits until it has finished (printing how long it took and its CPU) unless --cold.

Each simulated resident does what a browser tab does, without a browser: it opens `/_stcore/stream` with the
`streamlit` subprotocol, sends a `rerun_script` BackMsg whose client state holds the page's query string and page
name (`/incidents?area=MS&quarter=2026Q3&lang=fr`), and reads ForwardMsgs until `script_finished`. Like the
browser, it then sends the hashes of the messages it holds, so the server may answer with a reference instead of
sending a message again. It opens a random public page, area (or all areas), quarter and language of the release
each time, and after `--views-per-session` views closes the tab and opens a new one (a new session). A view is an
error when the script raises (an exception element), the page is not found, the script does not compile, the
connection drops, or no `script_finished` comes within `--timeout` seconds.

Printed: page views per second, p50 and p95 of the time from asking for a page to `script_finished` (a new tab's
first view includes opening the websocket), errors by kind, and the server's resident memory (RSS) at the start,
after the first minute (`--settle`, at most half the run) and at the end, with the growth after the first minute,
and the machine's load average (1 minute, sampled every 10 s) over the run: on a shared machine, read every figure
with it. The client runs on the same machine as the server, so its own CPU competes with the server's.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests import servers  # noqa: E402  (the server start, health and memory helpers shared with the tests)
from tests.servers import rss  # noqa: E402

CACHE = Path(os.environ.get("BRIDGES_BENCH_CACHE", "/tmp/bridges-bench"))
# the browser forgets a cached message that was not used for this many script runs (Streamlit's
# global.maxCachedMessageAge default); hashes older than that are not sent back
MAX_CACHED_MESSAGE_AGE = 2
FINISHED_OK = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
FINISHED_EARLY = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")


# ---------------------------------------------------------------- the server


def demo_store() -> Path:
    """The demo store under $BRIDGES_BENCH_CACHE (built once; bench/pages.py uses the same one)."""
    from demo.build import build_demo
    from store.versioned import Store

    root = CACHE / "demo-store"
    if not (root / "releases").exists():
        build_demo(Store(root))
    return root


@contextlib.contextmanager
def streamlit(script: Path, env: dict | None = None, timeout: float = 120.0, args: tuple = ()):
    """`streamlit run script` on a free local port, from the checkout (so .streamlit/config.toml applies); yields a
    tests.servers.Server (base, pid), its log under $BRIDGES_BENCH_CACHE."""
    with servers.streamlit(script, env=env, timeout=timeout, args=args, log_dir=CACHE) as server:
        yield server


def bridges_server(root: Path, env: dict | None = None, **kw):
    """The Bridges server (`streamlit run app.py`: dashboard.py's pages behind the upload gate) on the store at `root`."""
    return streamlit(ROOT / "app.py", env={"BRIDGES_DATA_DIR": str(root), **(env or {})}, **kw)


@contextlib.contextmanager
def view_cache(warm: bool = True, keep: Path | None = None):
    """Environment for a server with an empty view cache folder of its own (removed afterwards), or the folder `keep`
    (kept: a later run finds the views prepared), the warmer on or off; yields (env, folder)."""
    from ui.data import code_version

    code_version()  # the code's fingerprint as the server will see it (kept: a file edited during the run changes it)
    CACHE.mkdir(parents=True, exist_ok=True)
    folder = keep or Path(tempfile.mkdtemp(prefix="views-", dir=CACHE))
    try:
        yield {"BRIDGES_VIEW_CACHE": str(folder), "BRIDGES_WARM_VIEWS": "1" if warm else "0"}, folder
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def wait_for_warm(folder: Path, timeout: float = 1800.0) -> dict | None:
    """What the warmer says it did (its done.json) once it has finished; None if it has not within `timeout` seconds."""
    from ui.data import code_version

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = list(folder.glob(f"*/v*-{code_version()}/done.json"))  # this code's, not a kept folder's older ones
        if done:
            return json.loads(done[0].read_text())
        time.sleep(1)
    return None


def server_args(post_script_gc: str | None) -> tuple:
    """--runner.postScriptGC true|false for the server, or nothing (what .streamlit/config.toml says)."""
    return ("--runner.postScriptGC", post_script_gc) if post_script_gc else ()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- what residents open


@dataclass(frozen=True)
class View:
    page: str  # the URL path without its slash: "" is the overview
    query: str  # "area=MS&quarter=2026Q3&lang=fr"

    @property
    def path(self) -> str:
        return f"/{self.page}?{self.query}"


def views_of(root: Path, quarters: int | None = None) -> list[View]:
    """Every public page × area (and all areas) × quarter × language of the store's current release; with `quarters`,
    only that many of the newest quarters."""
    from urllib.parse import urlencode

    from stats import queries, views
    from stats.i18n import languages
    from stats.read import open_release

    rel = open_release(root)
    if rel is None:
        raise SystemExit(f"Nothing is published in {root}: publish a release or leave out --data-dir to use the demo.")
    areas = [None] + sorted(str(a) for a in queries.areas(rel)["area_id"])
    shown = queries.all_quarters(rel)[-quarters:] if quarters else queries.all_quarters(rel)
    out = []
    for page in views.PAGES:
        for area in areas:
            for quarter in shown:
                for lang in languages():
                    q = {**({"area": area} if area else {}), "quarter": quarter, "lang": lang}
                    out.append(View("" if page == "overview" else page, urlencode(q)))
    return out


# ---------------------------------------------------------------- one tab


class ViewError(Exception):
    """A page view that did not finish cleanly; `kind` groups them in the report."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


class Tab:
    """One browser tab: one websocket, one Streamlit session, the messages it has cached."""

    def __init__(self, base: str, timeout: float = 60.0):
        self.base, self.timeout = base, timeout
        self.ws = None
        self.run = 0
        self.cached: dict[str, int] = {}  # message hash → the run that last used it
        self.messages = 0
        self.bytes = 0

    async def open(self) -> None:
        url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        try:
            self.ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout)
        except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as e:
            raise ViewError("connect", repr(e)) from e

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
            self.ws = None

    async def view(self, v: View) -> None:
        """Ask for a page and read until the script has finished; raise ViewError when it does not finish cleanly."""
        if self.ws is None:
            await self.open()
        self.run += 1
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = v.query
        cs.page_name = v.page
        cs.page_script_hash = ""  # the server finds the page by its URL path, as on a first load
        cs.cached_message_hashes.extend(h for h, used in self.cached.items() if self.run - used <= MAX_CACHED_MESSAGE_AGE)
        cs.context_info.timezone = "America/Toronto"
        cs.context_info.locale = "fr-CA" if "lang=fr" in v.query else "en-CA"
        cs.context_info.url = self.base + v.path
        try:
            await self.ws.send(msg.SerializeToString())
            deadline = time.monotonic() + self.timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ViewError("timeout", f"no script_finished within {self.timeout:.0f} s for {v.path}")
                data = await asyncio.wait_for(self.ws.recv(), left)
                self.messages += 1
                self.bytes += len(data)
                fm = ForwardMsg()
                fm.ParseFromString(data)
                kind = fm.WhichOneof("type")
                if fm.hash and fm.metadata.cacheable:
                    self.cached[fm.hash] = self.run
                if kind == "ref_hash":
                    self.cached[fm.ref_hash] = self.run
                elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element" and fm.delta.new_element.WhichOneof("type") == "exception":
                    ex = fm.delta.new_element.exception
                    raise ViewError("exception", f"{v.path}: {ex.type} {ex.message}"[:300])
                elif kind == "page_not_found":
                    raise ViewError("page_not_found", v.path)
                elif kind == "script_finished":
                    if fm.script_finished == FINISHED_OK:
                        return
                    if fm.script_finished != FINISHED_EARLY:  # a rerun the script asked for goes on; anything else is wrong
                        raise ViewError("script_finished", f"{ForwardMsg.ScriptFinishedStatus.Name(fm.script_finished)} for {v.path}")
        except asyncio.TimeoutError as e:
            raise ViewError("timeout", f"no script_finished within {self.timeout:.0f} s for {v.path}") from e
        except websockets.exceptions.ConnectionClosed as e:
            self.ws = None
            raise ViewError("closed", f"{v.path}: {e}") from e


async def one_view(base: str, v: View, timeout: float = 60.0) -> float:
    """A resident opening one page in a new tab and closing it: seconds until script_finished."""
    tab = Tab(base, timeout)
    t0 = time.perf_counter()
    try:
        await tab.view(v)
        return time.perf_counter() - t0
    finally:
        await tab.close()


# ---------------------------------------------------------------- many tabs


@dataclass
class Result:
    views: int = 0
    seconds: list[float] = field(default_factory=list)
    errors: collections.Counter = field(default_factory=collections.Counter)
    error_samples: list[str] = field(default_factory=list)
    sessions: int = 0
    elapsed: float = 0.0
    rss: dict[str, int] = field(default_factory=dict)
    load: list[float] = field(default_factory=list)  # the machine's 1-minute load average, every 10 s
    rss_series: list[tuple[int, int]] = field(default_factory=list)  # (seconds into the run, server RSS), every 10 s
    server_cpu: float | None = None  # seconds of CPU the server used during the run
    client_cpu: float = 0.0  # and this process (the simulated residents), on the same machine

    def record_error(self, e: ViewError) -> None:
        self.errors[e.kind] += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(str(e))

    def summary(self) -> dict:
        s = sorted(self.seconds)
        q = statistics.quantiles(s, n=100, method="inclusive") if len(s) >= 2 else s * 99
        out = {"views": self.views, "errors": sum(self.errors.values()), "errors_by_kind": dict(self.errors), "error_samples": self.error_samples,
               "sessions": self.sessions, "seconds": round(self.elapsed, 1), "views_per_s": self.views / self.elapsed if self.elapsed else 0.0,
               "p50_s": q[49] if s else None, "p95_s": q[94] if s else None, "max_s": s[-1] if s else None}
        if self.server_cpu is not None:
            out["server_cpu_ms_per_view"] = round(1000 * self.server_cpu / self.views, 1) if self.views else None
            out["server_busy_pct"] = round(100 * self.server_cpu / self.elapsed, 1) if self.elapsed else None
        out["client_busy_pct"] = round(100 * self.client_cpu / self.elapsed, 1) if self.elapsed else None
        if self.load:
            out["load_average"] = [round(min(self.load), 1), round(statistics.median(self.load), 1), round(max(self.load), 1)]
        if self.rss:
            out["rss_mib"] = {k: round(v / 2**20, 1) for k, v in self.rss.items()}
            if "settled" in self.rss and "end" in self.rss:
                out["growth_after_settle_pct"] = round(100 * (self.rss["end"] - self.rss["settled"]) / self.rss["settled"], 1)
        if self.rss_series:
            out["rss_mib_over_time"] = [[t, round(v / 2**20)] for t, v in self.rss_series]
        return out


async def resident(base: str, views: list[View], stop_at: float, result: Result, rng: random.Random, views_per_session: int, timeout: float,
                   think: float = 0.0) -> None:
    """One resident after another in the same slot: each opens `views_per_session` pages in one tab, then closes it,
    reading each page for a random time of mean `think` seconds (0: the next page at once)."""
    while time.monotonic() < stop_at:
        tab = Tab(base, timeout)
        result.sessions += 1
        try:
            for _ in range(views_per_session):
                if time.monotonic() >= stop_at:
                    break
                v = rng.choice(views)
                t0 = time.perf_counter()
                try:
                    await tab.view(v)
                except ViewError as e:
                    result.record_error(e)
                    await tab.close()  # a broken tab is closed; the resident opens a new one
                    break
                result.seconds.append(time.perf_counter() - t0)
                result.views += 1
                if think > 0:
                    await asyncio.sleep(min(rng.expovariate(1 / think), max(0.0, stop_at - time.monotonic())))
        finally:
            await tab.close()


async def drive(base: str, views: list[View], sessions: int, duration: float, pid: int | None = None, settle: float = 60.0,
                views_per_session: int = 5, timeout: float = 60.0, seed: int = 1, think: float = 0.0) -> Result:
    """`sessions` residents at once for `duration` seconds; RSS sampled at the start, after `settle` s and at the end."""
    result = Result()
    rng = random.Random(seed)
    if pid:
        result.rss["start"] = rss(pid)
        cpu0 = cpu_seconds(pid)
    client0 = time.process_time()
    t0 = time.monotonic()
    stop_at = t0 + duration
    settle = min(settle, duration / 2)

    async def sample():
        await asyncio.sleep(settle)
        if pid:
            result.rss["settled"] = rss(pid)

    async def load_average():
        while True:
            result.load.append(os.getloadavg()[0])
            if pid:
                result.rss_series.append((round(time.monotonic() - t0), rss(pid)))
            await asyncio.sleep(10)

    sampler = asyncio.create_task(sample())
    loads = asyncio.create_task(load_average())
    await asyncio.gather(*(resident(base, views, stop_at, result, random.Random(rng.random()), views_per_session, timeout, think)
                           for _ in range(sessions)))
    result.elapsed = time.monotonic() - t0
    result.client_cpu = time.process_time() - client0
    sampler.cancel()
    loads.cancel()
    if pid:
        result.server_cpu = cpu_seconds(pid) - cpu0
        result.rss["end"] = rss(pid)
        result.rss.setdefault("settled", result.rss["end"])
    return result


def report(r: dict, sessions: int, duration: float, think: float = 0.0) -> str:
    pace = f"reading each page {think:g} s on average" if think else "back to back"
    lines = [f"{sessions} sessions for {duration:.0f} s, {pace}: {r['views']} page views in {r['seconds']} s = {r['views_per_s']:.1f} views/s "
             f"({r['sessions']} tabs opened)"]
    if r["views"]:
        lines.append(f"time to script_finished: p50 {r['p50_s']:.2f} s, p95 {r['p95_s']:.2f} s, max {r['max_s']:.2f} s")
    lines.append(f"errors: {r['errors']} {r['errors_by_kind']}" if r["errors"] else "errors: 0")
    if r.get("load_average"):
        lo, mid, hi = r["load_average"]
        lines.append(f"machine load average (1 min) during the run: median {mid}, {lo}–{hi} ({os.cpu_count()} cores)")
    if r.get("server_busy_pct") is not None:
        lines.append(f"server CPU: {r['server_cpu_ms_per_view']} ms per view, busy {r['server_busy_pct']} % of one core "
                     f"(the simulated residents: {r['client_busy_pct']} %)")
    for s in r["error_samples"]:
        lines.append(f"  {s}")
    if "rss_mib" in r:
        m = r["rss_mib"]
        lines.append(f"server RSS: start {m['start']:.0f} MiB, after the first minute {m['settled']:.0f} MiB, end {m['end']:.0f} MiB "
                     f"(growth after the first minute {r['growth_after_settle_pct']:+.1f} %)")
    if r.get("rss_mib_over_time"):
        lines.append("server RSS over the run (s: MiB): " + ", ".join(f"{t}: {v}" for t, v in r["rss_mib_over_time"][::3]))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=50, help="residents at once (default 50)")
    ap.add_argument("--duration", type=float, default=300, help="seconds (default 300)")
    ap.add_argument("--views-per-session", type=int, default=5, help="pages a resident opens in one tab before closing it (default 5)")
    ap.add_argument("--quarters", type=int, help="only the newest N quarters (default: every quarter of the release; 1: what most "
                    "residents open, the current one)")
    ap.add_argument("--think", type=float, default=0, help="mean seconds a resident reads a page before the next (default 0: "
                    "back to back, the hardest case)")
    ap.add_argument("--settle", type=float, default=60, help="seconds before the 'after the first minute' memory sample (at most half the run)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds a view may take before it counts as an error")
    ap.add_argument("--url", help="a server already running (default: start one on --data-dir or the demo)")
    ap.add_argument("--pid", type=int, help="that server's process id, for its memory")
    ap.add_argument("--data-dir", type=Path, help="the store the server reads (default: the demo under $BRIDGES_BENCH_CACHE)")
    ap.add_argument("--post-script-gc", choices=("true", "false"),
                    help="start the server with runner.postScriptGC set so (a full garbage collection after every script run, or "
                    "none); default: what .streamlit/config.toml says")
    ap.add_argument("--no-warm", action="store_true", help="no views prepared ahead: each first view is built by the server")
    ap.add_argument("--cold", action="store_true", help="drive at once instead of waiting for the warmer to finish")
    ap.add_argument("--view-cache", type=Path, help="keep the view cache folder here (default: an empty one, removed after the run); "
                    "a later run with the same code and release finds every view prepared")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    root = args.data_dir or demo_store()
    views = views_of(root, args.quarters)
    warmed: dict = {}

    async def run(base: str, pid: int | None, folder: Path | None = None) -> Result:
        await one_view(base, views[0], args.timeout)  # the server's first run imports everything (and starts the warmer): not counted
        if folder is not None and not args.no_warm and not args.cold:
            t0 = time.monotonic()
            warmed.update(await asyncio.to_thread(wait_for_warm, folder) or {"views": None})
            warmed["waited"] = round(time.monotonic() - t0, 1)
        return await drive(base, views, args.sessions, args.duration, pid, args.settle, args.views_per_session, args.timeout, args.seed, args.think)

    print(f"machine load average before the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)", flush=True)
    if args.url:
        res = asyncio.run(run(args.url.rstrip("/"), args.pid))
    else:
        with view_cache(not args.no_warm, args.view_cache) as (env, folder), bridges_server(root, env=env, args=server_args(args.post_script_gc)) as srv:
            res = asyncio.run(run(srv.base, srv.pid, folder))
    r = res.summary()
    if warmed:
        r["warm"] = warmed
    if args.json:
        print(json.dumps(r, indent=1))
        return
    if warmed:
        print(f"views prepared ahead: {warmed.get('built')} of {warmed.get('views')} in {warmed.get('seconds')} s "
              f"({warmed.get('cpu_seconds')} s of CPU in the warmer, nice 19); the run started {warmed['waited']} s after the first view")
    print(report(r, args.sessions, args.duration, args.think))


if __name__ == "__main__":
    main()
