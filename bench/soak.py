"""Soak and fault test (issue 14, item 9): residents, hostile analysts and publishes at once on one server, which is killed once in the middle of a publish and restarted; nothing may be lost.

    python bench/soak.py                  # 30 minutes on a fresh demo store
    python bench/soak.py --minutes 2      # what tests/test_soak.py runs in CI
    python bench/soak.py --minutes 10 --json

Everything runs against one `streamlit run app.py` (tests/servers.py) on one store, a demo store built for the run:

- Residents (--residents, default 3) open public pages through Streamlit's websocket protocol (bench/load.py's client): a
  random page, area, quarter and language of the release, five per tab, about a second apart.
- Analysts (--analysts, default 2) sign in with a local account through the sign-in form over the same protocol (the
  page's redirect to the cookie route sets the signed cookie) and upload files the way the browser does: the upload
  page asks for an upload URL (file_urls_request), the file is PUT to Streamlit's upload endpoint with the analyst's
  cookie, and the page is run again with the file in the uploader's widget state. The server reads each upload in a
  worker process (store/worker.py). The files are the hostile corpus of tests/test_hostile_files.py (a workbook whose one
  far cell is XFD1048576, a dense workbook over the store's max_cells, two zip bombs, JSON and GeoJSON nested 100,000
  deep, a CSV with 10^6 columns) and, every fourth upload, a good export of the demo's last quarter, made a draft with
  the page's own button.
- A publisher makes a draft with bridges.actions.ingest_upload (read in a worker process, as `python -m bridges ingest`
  does) and publishes it with `python -m bridges publish`, against the same store: one release every --publish-every
  seconds (default 20) at most, each replacing the last quarter with a few rows fewer.
- Once, at --kill-at of the run (default 0.4), a publish is watched until it writes (the first new file under tables/
  or public/), and then its process and the server are both killed with SIGKILL; the server is started again on the
  same port. The outage runs from the kill until the new server answers /_stcore/health.
- /_stcore/health is asked every 0.5 s by a process of its own (10 s timeout, so a slow answer is measured, not cut
  off); the server's resident memory (and the sum with its child processes: the fork server and upload workers) is
  sampled every 10 s.

Checked after the restart and at the end: lost releases (a publish that printed its release number, whose manifest is
then missing or holds another note), torn releases (a manifest that does not read, whose public files are missing or
do not read, or whose Delta tables do not open at their pinned versions with the promised row counts), the current
release complete, and every Delta table opening at every version with all its files there. Printed: views served,
uploads refused and why, releases published, the longest health-check wait outside the outage, memory over time.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import csv
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import load  # noqa: E402  (the residents' protocol client)
from tests import servers  # noqa: E402  (server start, health, memory)

NAME, PASSWORD = "soak-analyst", "a long soak password 42"
# the store's limits for the run: the dense workbook of the corpus (20,010 cells) is over max_cells, as in the hostile tests
SETTINGS = "[upload]\nmax_cells = 10000\n"
HOSTILE = ("sparse.xlsx", "dense.xlsx", "bomb.xlsx", "lying-bomb.xlsx", "deep.json", "deep.geojson", "wide.csv")
GOOD_EVERY = 4
HEALTH_EVERY, HEALTH_TIMEOUT, HEALTH_LIMIT = 0.5, 10.0, 2.0
RSS_EVERY = 10.0
XSRF = servers.XSRF
BUSY = "another upload is being read"
QUARTER = "2026Q3"  # the demo's last quarter, which every publish replaces
QUARTER_MONTHS = ("07/2026", "08/2026", "09/2026")


# ---------------------------------------------------------------- what the run shares between its parts


@dataclass
class Outage:
    start: float | None = None
    end: float | None = None

    def covers(self, t0: float, t1: float, grace: float = 0.0) -> bool:
        """Whether [t0, t1] touches the outage (from the kill until the new server answered, plus `grace`)."""
        return self.start is not None and t1 >= self.start and (self.end is None or t0 <= self.end + grace)


@dataclass
class Soak:
    root: Path
    work: Path
    server: servers.Server
    t0: float
    stop_at: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)
    outage: Outage = field(default_factory=Outage)
    health: list = field(default_factory=list)  # (asked at, answered at, ok)
    memory: list = field(default_factory=list)  # (seconds into the run, server RSS, with its child processes, how many children, load average); None while down
    views: int = 0
    views_in_outage: int = 0  # failed because the server was down
    views_after_restart: int = 0
    view_errors: collections.Counter = field(default_factory=collections.Counter)
    view_samples: list = field(default_factory=list)
    uploads: collections.Counter = field(default_factory=collections.Counter)  # (file, outcome)
    refused: collections.Counter = field(default_factory=collections.Counter)  # reason
    unexpected: list = field(default_factory=list)  # an upload whose outcome was not the one expected (text)
    uploads_in_outage: int = 0
    sign_ins: int = 0
    promised: dict = field(default_factory=dict)  # release version -> note, for every publish that said it was done
    publish_failures: list = field(default_factory=list)
    kill: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)  # (when, check_store(...))
    events: list = field(default_factory=list)  # (start, end, what): uploads and publishes, to see what ran during a slow answer

    @property
    def base(self) -> str:
        return self.server.base

    def now(self) -> float:
        return time.monotonic() - self.t0


# ---------------------------------------------------------------- the store and the corpus


def prepare(root: Path) -> None:
    """The analysts' account and the run's [upload] limits, in the store."""
    from accounts import users

    if NAME not in users.load(root):
        users.add_user(root, NAME, "analyst", PASSWORD)
    (root / "analyst.toml").write_text(SETTINGS, encoding="utf-8")


def build_corpus(folder: Path) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, the phrase its refusal must hold): the hostile files of tests/test_hostile_files.py."""
    from tests.test_hostile_files import CORPUS

    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in HOSTILE:
        build, _dataset, _settings, said = CORPUS[name]
        out[name] = (build(folder / name).read_bytes(), said)
    return out


def quarter_rows() -> tuple[list[str], list[list[str]]]:
    """The demo's incident export (its header and the last quarter's rows): what the publisher and the analysts send again."""
    from demo.build import demo_files

    with open(demo_files()["incidents"], encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], [r for r in rows[1:] if r[1][3:] in QUARTER_MONTHS]


def export_bytes(header: list[str], rows: list[list[str]], rng: random.Random, drop: int) -> bytes:
    """The quarter's export with `drop` random rows left out (so each release revises the counts a little)."""
    keep = sorted(rng.sample(range(len(rows)), len(rows) - drop))
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows[i] for i in keep)
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------- nothing lost, nothing torn


def _delta_problems(path: Path, version: int) -> tuple[list[str], object]:
    from deltalake import DeltaTable

    try:
        t = DeltaTable(str(path), version=version)
    except Exception as exc:  # noqa: BLE001 - reported, not raised: the check lists every problem
        return [f"{path.name} does not open at version {version} ({type(exc).__name__}: {exc})"], None
    missing = [u for u in t.file_uris() if not Path(u.removeprefix("file://")).exists()]
    return ([f"{path.name} version {version}: {len(missing)} file(s) missing, e.g. {missing[0]}"] if missing else []), t


def release_problems(root: Path, m: dict) -> list[str]:
    """What is wrong with one release: its Delta tables at their pinned versions (files there, the promised row counts)
    and its public files (there, and each one reads)."""
    import pyarrow.parquet as pq

    out = []
    for name, version in (m.get("tables") or {}).items():
        if version is None:
            continue
        problems, t = _delta_problems(root / "tables" / name, int(version))
        out += problems
        if t is not None and not problems:
            rows = t.to_pyarrow_dataset().count_rows()
            if rows != (m.get("row_counts") or {}).get(name):
                out.append(f"{name} at version {version} has {rows:,} rows, the manifest says {m.get('row_counts', {}).get(name)}")
    if m.get("public"):
        folder = root / m["public"]
        if not folder.is_dir():
            out.append(f"its public folder {m['public']} is missing")
        else:
            for f in sorted(folder.iterdir()):
                try:
                    if f.suffix == ".parquet":
                        pq.read_table(f)
                    elif f.suffix == ".json":
                        json.loads(f.read_text(encoding="utf-8"))
                except Exception as exc:  # noqa: BLE001
                    out.append(f"{m['public']}/{f.name} does not read ({type(exc).__name__})")
    return out


def check_store(root: Path, promised: dict[int, str]) -> dict:
    """Lost and torn releases, the current release, and every Delta table at every version (see the module's docstring)."""
    from deltalake import DeltaTable

    from model.releases import RELEASE_RE, Published

    manifests, torn = {}, []
    for p in sorted((root / "releases").iterdir()):
        if RELEASE_RE.match(p.name):
            try:
                m = json.loads(p.read_text(encoding="utf-8"))
                manifests[int(m["version"])] = m
            except Exception as exc:  # noqa: BLE001
                torn.append(f"{p.name} does not read ({type(exc).__name__})")
    lost = sorted(v for v, note in promised.items() if v not in manifests or manifests[v].get("note") != note)
    for v, m in sorted(manifests.items()):
        torn += [f"release {v}: {x}" for x in release_problems(root, m)]
    try:
        cur = Published(root).current()
    except Exception as exc:  # noqa: BLE001
        cur, torn = None, torn + [f"the current release does not read ({type(exc).__name__})"]
    versions, delta = 0, []
    for path in sorted((root / "tables").iterdir()):
        if not DeltaTable.is_deltatable(str(path)):
            continue
        for v in range(DeltaTable(str(path)).version() + 1):
            versions += 1
            delta += _delta_problems(path, v)[0]
    return {"releases": len(manifests), "newest": max(manifests) if manifests else None, "lost": lost, "torn": torn,
            "current": cur["version"] if cur else None, "current_complete": bool(cur) and not release_problems(root, cur),
            "delta_versions": versions, "delta_problems": delta}


# ---------------------------------------------------------------- residents


async def resident(soak: Soak, views: list, rng: random.Random, think: float) -> None:
    """Anonymous page views, five to a tab, about `think` seconds apart; a view that fails while the server is down, or on
    a tab whose connection the kill cut, is counted apart (the resident waits a moment and opens a new tab)."""
    while time.monotonic() < soak.stop_at:
        tab = load.Tab(soak.base, timeout=90)
        opened = time.monotonic()  # a tab opened before the kill was connected to the killed server: its views fail after it
        try:
            for _ in range(5):
                if time.monotonic() >= soak.stop_at:
                    break
                t0 = time.monotonic()
                try:
                    await tab.view(rng.choice(views))
                except Exception as exc:  # noqa: BLE001 - a ViewError, or anything else the socket raised: counted
                    with soak.lock:
                        if soak.outage.covers(min(t0, opened), time.monotonic(), grace=2.0):
                            soak.views_in_outage += 1
                        else:
                            kind = exc.kind if isinstance(exc, load.ViewError) else type(exc).__name__
                            soak.view_errors[kind] += 1
                            if len(soak.view_samples) < 5:
                                soak.view_samples.append(f"{soak.now():.0f} s: {exc}"[:300])
                    await asyncio.sleep(1.0)
                    break
                with soak.lock:
                    soak.views += 1
                    soak.views_after_restart += soak.outage.end is not None and t0 > soak.outage.end
                await asyncio.sleep(rng.expovariate(1 / think) if think > 0 else 0)
        finally:
            await tab.close()


# ---------------------------------------------------------------- analysts


@dataclass
class Drawn:
    errors: list = field(default_factory=list)  # the error alerts' text
    exceptions: list = field(default_factory=list)  # an exception element: a traceback on a page
    texts: list = field(default_factory=list)


class AnalystTab(servers.TabState):
    """One analyst's browser tab: the xsrf cookie and token, the analyst's cookie, a websocket carrying BackMsg and
    ForwardMsg, and the upload endpoint."""

    def __init__(self, base: str, cookie: str | None):
        super().__init__()
        self.base, self.cookie = base, cookie
        self.token = ""

    async def __aenter__(self):
        import httpx
        import websockets

        async with httpx.AsyncClient(timeout=30) as c:
            self.token = (await c.get(self.base + servers.HEALTH)).cookies.get(XSRF) or ""
        cookies = {XSRF: self.token, **({self._cookie_name(): self.cookie} if self.cookie else {})}
        self.cookies = cookies
        self.ws = await websockets.connect(self.base.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit", self.token],
                                           origin=self.base, additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
                                           max_size=None, open_timeout=60)
        return self

    async def __aexit__(self, *exc):
        with contextlib.suppress(Exception):
            await self.ws.close()

    @staticmethod
    def _cookie_name() -> str:
        from accounts import cookies

        return cookies.NAME

    async def _read(self, until, timeout: float = 300):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        deadline = time.monotonic() + timeout
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), max(0.1, deadline - time.monotonic())))
            got = until(fwd)
            if got is not None:
                return got

    async def run(self, page: str, states: list | None = None) -> Drawn:
        """Run `page` with these widget states; what it drew."""
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.page_name = page
        msg.rerun_script.widget_states.widgets.extend(states or [])
        await self.ws.send(msg.SerializeToString())
        drawn = Drawn()

        def take(fwd):
            element = self.note(fwd)
            if element:
                what, proto = element
                if what == "alert" and proto.format == Alert.ERROR:
                    drawn.errors.append(proto.body.replace("\\", "").replace("\u2060", ""))
                elif what == "exception":
                    drawn.exceptions.append(f"{proto.type}: {proto.message}"[:300])
                elif what in ("markdown", "heading", "alert"):
                    drawn.texts.append(getattr(proto, "body", ""))
            elif fwd.WhichOneof("type") == "script_finished" and fwd.script_finished != ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN"):
                return drawn
            return None

        return await self._read(take)

    async def signed_in_cookie(self) -> str | None:
        """Fill the local-account form on the upload page and follow the redirect to the cookie route; the analyst's cookie."""
        await self.sign_in("upload", NAME, PASSWORD)
        if not self.redirect:
            return None
        _, cookie = await asyncio.to_thread(servers.cookie_from, self.base, self.redirect, self._cookie_name(), timeout=60)
        return cookie

    async def upload(self, name: str, data: bytes):
        """Put a file in the page's uploader as the browser does; the widget state that carries it."""
        import httpx
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.Common_pb2 import FileUploaderState, UploadedFileInfo
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        request = str(uuid.uuid4())
        msg = BackMsg()
        msg.file_urls_request.request_id = request
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.session or ""
        await self.ws.send(msg.SerializeToString())
        resp = await self._read(lambda f: f.file_urls_response if f.WhichOneof("type") == "file_urls_response"
                                and f.file_urls_response.response_id == request else None, timeout=60)
        if resp.error_msg or not resp.file_urls:
            raise RuntimeError(f"no upload URL: {resp.error_msg}")
        urls = resp.file_urls[0]
        async with httpx.AsyncClient(timeout=300, cookies=self.cookies) as c:
            r = await c.put(self.base + urls.upload_url, files={"file": (name, data)}, headers={"X-Xsrftoken": self.token})
        if r.status_code != 204:
            raise RuntimeError(f"the upload endpoint answered {r.status_code}: {r.text[:200]}")
        info = UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id, file_urls=urls)
        return WidgetState(id=self.widgets["upl_file"], file_uploader_state_value=FileUploaderState(uploaded_file_info=[info]))


def _reason(text: str) -> str:
    """A short name for why an upload was refused, from the sentence the analyst read."""
    for phrase, reason in (("XFD1048576", "a cell as far out as XFD1048576 (the sheet would be 17 billion cells)"),
                           ("cells this server reads", "more cells than [upload] max_cells"),
                           ("zip bomb", "a zip bomb (a part unpacks far larger than it is packed)"),
                           ("the workbook is damaged", "a damaged workbook (its zip directory lies about sizes)"),
                           ("nested more than 64", "JSON nested more than 64 levels deep"),
                           ("more than 5,000 columns", "more than 5,000 columns"),
                           (BUSY, "every upload reader busy ([upload] max_workers)"),
                           ("of memory this server gives", "over the worker's memory limit"),
                           ("took longer than", "over the worker's time limit")):
        if phrase in text:
            return reason
    return "other: " + text[:120]


async def analyst(soak: Soak, number: int, corpus: dict, good: tuple, rng: random.Random, think: float) -> None:
    """A signed-in analyst uploading the hostile corpus in turn, and a good export every GOOD_EVERY uploads (made a draft)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    cookie, turn = None, 0
    names = list(corpus)
    rng.shuffle(names)
    while time.monotonic() < soak.stop_at:
        turn += 1
        is_good = turn % GOOD_EVERY == 0
        name = f"riverton-{number}-{turn}.csv" if is_good else names[(turn - turn // GOOD_EVERY) % len(names)]
        data = export_bytes(*good, rng, rng.randint(1, 20)) if is_good else corpus[name][0]
        label = "good export" if is_good else name
        t0 = time.monotonic()
        try:
            if cookie is None:
                async with AnalystTab(soak.base, None) as tab:
                    cookie = await tab.signed_in_cookie()
                if cookie is None:
                    raise RuntimeError("signing in gave no cookie")
                with soak.lock:
                    soak.sign_ins += 1
            async with AnalystTab(soak.base, cookie) as tab:
                first = await tab.run("upload")
                if "upl_file" not in tab.widgets:
                    cookie = None  # the cookie opens nothing any more: sign in again
                    raise RuntimeError("the upload page showed no uploader: " + " ".join(first.texts)[:200])
                state = await tab.upload(name, data)
                drawn = await tab.run("upload", [state])
                if is_good and not drawn.errors and not drawn.exceptions and "upl_check" in tab.widgets:
                    drawn = await tab.run("upload", [state, WidgetState(id=tab.widgets["upl_check"], trigger_value=True)])
            outcome = "refused" if drawn.errors else ("error" if drawn.exceptions else ("draft" if is_good else "read"))
            with soak.lock:
                soak.uploads[(label, outcome)] += 1
                soak.events.append((t0, time.monotonic(), f"upload {label}"))
                if drawn.errors:
                    soak.refused[_reason(drawn.errors[0])] += 1
                busy = bool(drawn.errors) and BUSY in drawn.errors[0]
                right = outcome == ("draft" if is_good else "refused") and (is_good or corpus[name][1] in drawn.errors[0])
                if not right and not busy:
                    soak.unexpected.append(f"{soak.now():.0f} s, {label}: {outcome}: " + " ".join(drawn.errors + drawn.exceptions)[:300])
        except Exception as exc:  # noqa: BLE001 - the socket closed, a timeout, no cookie: counted, then the analyst goes on
            with soak.lock:
                if soak.outage.covers(t0, time.monotonic(), grace=2.0):
                    soak.uploads_in_outage += 1
                else:
                    soak.uploads[(label, "failed")] += 1
                    soak.unexpected.append(f"{soak.now():.0f} s, {label}: {type(exc).__name__}: {exc}"[:300])
            await asyncio.sleep(1.0)
        await asyncio.sleep(rng.expovariate(1 / think) if think > 0 else 0)


# ---------------------------------------------------------------- the publisher, and the kill


def _cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bridges", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _snapshot(root: Path) -> set[str]:
    """The entries a publish adds while it writes: Delta data files and log entries, and public folders."""
    out = set()
    for folder in [root / "public", *(root / "tables").glob("*"), *(root / "tables").glob("*/_delta_log")]:
        with contextlib.suppress(OSError):
            out.update(str(p) for p in folder.iterdir())
    return out


def publisher(soak: Soak, good: tuple, rng: random.Random, every: float, kill_at: float) -> None:
    """A release every `every` seconds by the command line; the kill once, after `kill_at` (see the module's docstring)."""
    from accounts import audit
    from bridges import actions
    from store.versioned import Store

    store = Store(soak.root)
    n = 0
    while time.monotonic() < soak.stop_at - 5:
        started = time.monotonic()
        n += 1
        path = soak.work / f"publish-{n}.csv"
        path.write_bytes(export_bytes(*good, rng, rng.randint(1, 20)))
        try:  # the draft through bridges.actions (read in a worker, as the command line does), one process start fewer
            draft = actions.ingest_upload(store, path, "incidents", NAME, quarter=QUARTER, origin=audit.COMMAND_LINE)["draft"]
            soak.events.append((started, time.monotonic(), "ingest"))
        except Exception as exc:  # noqa: BLE001 - reported in the figures
            soak.publish_failures.append(f"ingest {n}: {type(exc).__name__}: {exc}"[:300])
        else:
            note = f"soak release {n} ({uuid.uuid4().hex[:8]})"
            if not soak.kill and time.monotonic() >= kill_at:
                _publish_and_kill(soak, draft, note, rng)
            else:
                _publish(soak, draft, note)
        soak.done.wait(max(0.0, every - (time.monotonic() - started)))


def _publish(soak: Soak, draft: str, note: str) -> None:
    t0 = time.monotonic()
    out = _cli("publish", draft, "--note", note, "--by", NAME, "--data-dir", str(soak.root), "--json")
    soak.events.append((t0, time.monotonic(), "publish"))
    if out.returncode == 0:
        m = json.loads(out.stdout)
        with soak.lock:
            soak.promised[int(m["version"])] = note
    else:
        soak.publish_failures.append(f"publish {note}: exit {out.returncode}: {out.stderr.strip()[-300:]}")


def _publish_and_kill(soak: Soak, draft: str, note: str, rng: random.Random) -> None:
    """Start a publish, wait until it writes, then SIGKILL it and the server at once; start the server again."""
    before = _snapshot(soak.root)
    proc = subprocess.Popen([sys.executable, "-m", "bridges", "publish", draft, "--note", note, "--by", NAME, "--data-dir", str(soak.root), "--json"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    new: set[str] = set()
    while proc.poll() is None and not new and time.monotonic() - t0 < 600:
        time.sleep(0.01)
        new = _snapshot(soak.root) - before
    if proc.poll() is not None:  # it was done before it was seen writing: an ordinary publish; the kill waits for the next
        stdout, stderr = proc.communicate()
        if proc.returncode == 0:
            with soak.lock:
                soak.promised[int(json.loads(stdout)["version"])] = note
        else:
            soak.publish_failures.append(f"publish {note}: exit {proc.returncode}: {stderr.strip()[-300:]}")
        return
    time.sleep(rng.uniform(0.0, 0.5))  # somewhere in the writing, not always at its first file
    new = _snapshot(soak.root) - before
    server = soak.server
    with soak.lock:
        soak.outage.start = time.monotonic()
    os.kill(proc.pid, signal.SIGKILL)
    os.kill(server.pid, signal.SIGKILL)
    proc.wait()
    server.proc.wait()
    cur = sorted((soak.root / "releases").glob("*.json"))
    rel = lambda p: str(Path(p).relative_to(soak.root))  # noqa: E731
    soak.kill = {"at_s": round(soak.outage.start - soak.t0, 1), "publish_ran_s": round(soak.outage.start - t0, 1),
                 "new_entries": sorted(rel(p) for p in new)[:8], "new_entry_count": len(new),
                 "manifest_written": any(note in p.read_text(encoding="utf-8") for p in cur[-2:]), "exit": proc.returncode}
    # the server again, on the same port (the residents and analysts keep their address)
    port = int(server.base.rsplit(":", 1)[1])
    for attempt in range(3):
        try:
            fresh = servers.start(data_dir=soak.root, log_dir=soak.work, port=port if attempt < 2 else None, timeout=180)
            break
        except RuntimeError:
            if attempt == 2:
                raise
            time.sleep(2)
    _tell_base(soak, fresh.base)
    with soak.lock:
        soak.server = fresh
        soak.outage.end = time.monotonic()
    soak.kill["outage_s"] = round(soak.outage.end - soak.outage.start, 1)
    soak.kill["restarted_on_same_port"] = fresh.base == server.base
    check = check_store(soak.root, dict(soak.promised))
    soak.checks.append(("after the restart", check))
    soak.kill["current_after_restart"] = check["current"]


# ---------------------------------------------------------------- health and memory


# the health checks run in a process of their own, so the clients' work in this one never delays them; the server's
# address is read from a file each time (it is the same after the restart, unless that port could not be had again)
HEALTH_CHILD = r"""
import json, sys, time, urllib.request
from pathlib import Path
from tests import servers
base_file, out_file, stop_file, every, timeout, control = sys.argv[1:7]
with open(out_file, "a", encoding="utf-8") as out:
    while not Path(stop_file).exists():
        base = Path(base_file).read_text(encoding="utf-8").strip()
        if not base:
            time.sleep(0.05)
            continue
        t0 = time.monotonic()  # CLOCK_MONOTONIC: the same clock in every process of the machine
        ok, wait = servers.health(base, float(timeout))
        t1 = time.monotonic()
        try:  # a bare Python web server on the same machine, asked right after: what the machine alone costs an answer
            urllib.request.urlopen(control, timeout=float(timeout)).read()
        except OSError:
            pass
        out.write(json.dumps([t0, t0 + wait, ok, time.monotonic() - t1]) + "\n")
        out.flush()
        time.sleep(max(0.0, float(every) - wait))
"""


def _tell_base(soak: Soak, base: str) -> None:
    """Write the server's address for the health process, whole (it never reads half a file)."""
    tmp = soak.work / "server-base.tmp"
    tmp.write_text(base, encoding="utf-8")
    os.replace(tmp, soak.work / "server-base.txt")


def start_health(soak: Soak) -> tuple[subprocess.Popen, subprocess.Popen]:
    """The health process, and the control it asks after each health check: `python -m http.server` on the machine."""
    _tell_base(soak, soak.base)
    (soak.work / "health.stop").unlink(missing_ok=True)
    port = servers.free_port()
    control = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(soak.work)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/server-base.txt"
    servers.wait_for(url, control, timeout=60)
    return subprocess.Popen([sys.executable, "-c", HEALTH_CHILD, str(soak.work / "server-base.txt"), str(soak.work / "health.jsonl"),
                             str(soak.work / "health.stop"), str(HEALTH_EVERY), str(HEALTH_TIMEOUT), url], cwd=ROOT), control


def stop_health(soak: Soak, procs: tuple[subprocess.Popen, subprocess.Popen]) -> None:
    proc, control = procs
    (soak.work / "health.stop").touch()
    try:
        proc.wait(HEALTH_TIMEOUT + 5)
    except subprocess.TimeoutExpired:
        proc.kill()
    servers.stop(control)
    soak.health = [tuple(json.loads(line)) for line in (soak.work / "health.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def _children(pid: int) -> list[int]:
    """Every process below `pid` (the fork server and the upload workers), from /proc."""
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        todo += kids
    return out


def memory_loop(soak: Soak) -> None:
    while not soak.done.is_set():
        pid = soak.server.pid
        try:
            kids = _children(pid)
            own = servers.rss(pid)
            tree = own + sum(servers.rss(k) for k in kids if Path(f"/proc/{k}").exists())
            sample = (round(soak.now()), own, tree, len(kids), os.getloadavg()[0])
        except OSError:  # the server is down
            sample = (round(soak.now()), None, None, 0, os.getloadavg()[0])
        with soak.lock:
            soak.memory.append(sample)
        soak.done.wait(RSS_EVERY)


# ---------------------------------------------------------------- the run


def run(root: Path, minutes: float = 30.0, residents: int = 3, analysts: int = 2, publish_every: float = 20.0, kill_at: float = 0.4,
        think: float = 1.0, upload_think: float = 2.0, seed: int = 1, work: Path | None = None, say=print) -> dict:
    """The soak on the store at `root` (a published store: the demo); the figures and the checks as a dict (see summary)."""
    rng = random.Random(seed)
    work = Path(work or tempfile.mkdtemp(prefix="bridges-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    prepare(root)
    say(f"building the hostile corpus in {work / 'corpus'}")
    corpus = build_corpus(work / "corpus")
    good = quarter_rows()
    views = load.views_of(root, quarters=2)
    server = servers.start(data_dir=root, log_dir=work, timeout=180)
    t0 = time.monotonic()
    soak = Soak(root, work, server, t0, t0 + minutes * 60)
    say(f"server at {server.base} (pid {server.pid}), store {root}; running {minutes:g} minutes")
    (work / "health.jsonl").unlink(missing_ok=True)
    health = start_health(soak)
    threads = [threading.Thread(target=memory_loop, args=(soak,), daemon=True, name="soak-memory"),
               threading.Thread(target=publisher, args=(soak, good, random.Random(rng.random()), publish_every, t0 + kill_at * minutes * 60),
                                daemon=True, name="soak-publisher")]
    for t in threads:
        t.start()

    async def clients():
        await asyncio.gather(*[resident(soak, views, random.Random(rng.random()), think) for _ in range(residents)],
                             *[analyst(soak, i + 1, corpus, good, random.Random(rng.random()), upload_think) for i in range(analysts)])

    try:
        asyncio.run(clients())
        threads[1].join()  # the publish under way ends
        soak.done.set()
        threads[0].join(15)
        stop_health(soak, health)
        serving = _still_serving(soak, views)
        soak.checks.append(("at the end", check_store(root, dict(soak.promised))))
        rss_end = servers.rss(soak.server.pid)
    finally:
        soak.done.set()
        if health[0].poll() is None:
            stop_health(soak, health)
        servers.stop(soak.server.proc)
    return summary(soak, minutes, residents, analysts, publish_every, serving, rss_end)


def _still_serving(soak: Soak, views: list) -> bool:
    """After the run: health answers and a resident's page view finishes."""
    ok, _ = servers.health(soak.base, timeout=HEALTH_LIMIT)
    try:
        asyncio.run(load.one_view(soak.base, views[0], timeout=120))
    except Exception:  # noqa: BLE001
        return False
    return ok


def summary(soak: Soak, minutes: float, residents: int, analysts: int, publish_every: float, serving: bool, rss_end: int) -> dict:
    outside = [h for h in soak.health if not soak.outage.covers(h[0], h[1])]
    waits = sorted(h[1] - h[0] for h in outside if h[2])
    slowest = sorted(((b - a, a, rest[0] if rest else None) for a, b, ok, *rest in outside if ok), reverse=True)[:5]
    controls = sorted(h[3] for h in outside if len(h) > 3)
    after = soak.kill.get("current_after_restart")
    failed_outside = sum(1 for h in outside if not h[2])

    def during(a: float, b: float) -> list[str]:
        return sorted({what for s, e, what in soak.events if s <= b and e >= a})

    refused = {k: v for k, v in soak.refused.most_common()}
    by_file = collections.defaultdict(dict)
    for (label, outcome), n in sorted(soak.uploads.items()):
        by_file[label][outcome] = n
    end = soak.checks[-1][1] if soak.checks else {}
    mib = lambda b: None if b is None else round(b / 2**20)  # noqa: E731
    return {
        "minutes": minutes, "residents": residents, "analysts": analysts, "publish_every_s": publish_every,
        "views_served": soak.views, "view_errors": dict(soak.view_errors), "view_error_samples": soak.view_samples,
        "views_failed_in_outage": soak.views_in_outage, "views_after_restart": soak.views_after_restart,
        "uploads": sum(soak.uploads.values()), "uploads_by_file": dict(by_file), "uploads_refused": sum(soak.refused.values()),
        "refused_because": refused, "uploads_unexpected": soak.unexpected, "uploads_failed_in_outage": soak.uploads_in_outage,
        "sign_ins": soak.sign_ins,
        "releases_published": len(soak.promised), "publish_failures": soak.publish_failures, "kill": soak.kill,
        "releases_after_restart": sum(1 for v in soak.promised if after is not None and v > after),
        "lost": end.get("lost"), "torn": end.get("torn"), "current": end.get("current"), "current_complete": end.get("current_complete"),
        "delta_versions": end.get("delta_versions"), "delta_problems": end.get("delta_problems"),
        "checks": [{"when": w, **{k: c[k] for k in ("releases", "current", "current_complete", "lost", "torn", "delta_versions", "delta_problems")}}
                   for w, c in soak.checks],
        "health_checks": len(soak.health), "health_outside_outage": len(outside), "health_failed_outside_outage": failed_outside,
        "longest_health_wait_s": round(waits[-1], 3) if waits else None,
        "p99_health_wait_s": round(waits[min(len(waits) - 1, math.ceil(0.99 * len(waits)) - 1)], 3) if waits else None,
        "slowest_health_answers": [{"wait_s": round(w, 3), "at_s": round(t - soak.t0), "control_s": None if c is None else round(c, 3),
                                    "during": during(t, t + w)} for w, t, c in slowest],
        "longest_control_wait_s": round(controls[-1], 3) if controls else None,
        "outage_s": soak.kill.get("outage_s"),
        "memory": [{"s": s, "server_mib": mib(own), "with_children_mib": mib(tree), "children": n, "load": round(la, 1)}
                   for s, own, tree, n, la in soak.memory],
        "rss_end_mib": mib(rss_end), "still_serving": serving,
    }


def report(r: dict) -> str:
    lines = [f"Soak of {r['minutes']:g} minutes: {r['residents']} residents, {r['analysts']} signed-in analysts uploading, "
             f"a publish at most every {r['publish_every_s']:g} s by the command line; the server and a publish killed once while it wrote",
             f"views served: {r['views_served']:,} (errors outside the outage: {sum(r['view_errors'].values())}{' ' + str(r['view_errors']) if r['view_errors'] else ''}; "
             f"failed while the server was down: {r['views_failed_in_outage']}; served after the restart: {r['views_after_restart']:,})"]
    lines += [f"  {s}" for s in r["view_error_samples"]]
    lines.append(f"uploads: {r['uploads']:,} ({r['sign_ins']} sign-in(s)); refused {r['uploads_refused']:,}, because:")
    lines += [f"  {n:>5}  {why}" for why, n in r["refused_because"].items()]
    lines.append("  by file: " + "; ".join(f"{f} " + ", ".join(f"{k} {v}" for k, v in o.items()) for f, o in r["uploads_by_file"].items()))
    lines.append(f"  not as expected: {len(r['uploads_unexpected'])}; failed while the server was down: {r['uploads_failed_in_outage']}")
    lines += [f"    {u}" for u in r["uploads_unexpected"][:10]]
    k = r["kill"]
    if k:
        lines.append(f"kill at {k['at_s']} s: the publish had run {k['publish_ran_s']} s and added {k['new_entry_count']} entries "
                     f"({', '.join(k['new_entries'][:4])}...); manifest written: {k['manifest_written']}; server back after {k['outage_s']} s "
                     f"(same port: {k['restarted_on_same_port']}); current release after the restart: {k['current_after_restart']}")
    else:
        lines.append("kill: did not happen (the run was too short to reach --kill-at with a publish under way)")
    lines.append(f"releases published (reported done): {r['releases_published']} ({r['releases_after_restart']} after the restart); "
                 f"publish failures: {len(r['publish_failures'])}")
    lines += [f"  {f}" for f in r["publish_failures"][:5]]
    for c in r["checks"]:
        lines.append(f"check {c['when']}: {c['releases']} releases, lost {len(c['lost'])}, torn {len(c['torn'])}, current {c['current']} "
                     f"complete: {c['current_complete']}, Delta versions opened {c['delta_versions']} (problems {len(c['delta_problems'])})")
        lines += [f"  {x}" for x in (c["lost"] + c["torn"] + c["delta_problems"])[:10]]
    lines.append(f"health: {r['health_checks']:,} checks; outside the outage: longest wait {r['longest_health_wait_s']} s, p99 "
                 f"{r['p99_health_wait_s']} s, failed {r['health_failed_outside_outage']}; outage {r['outage_s']} s; slowest: "
                 + "; ".join(f"{x['wait_s']} s at {x['at_s']} s" + (f" (control {x['control_s']} s; during: {', '.join(x['during']) or 'page views only'})"
                                                                     if x.get("control_s") is not None else "") for x in r["slowest_health_answers"]))
    if r.get("longest_control_wait_s") is not None:
        lines.append(f"  a control (python -m http.server on the same machine, asked right after each check) took at most {r['longest_control_wait_s']} s")
    lines.append("memory, MiB every 10 s (server / summed with its child processes: the fork server and upload workers): " + ", ".join(
        f"{m['s'] // 60}:{m['s'] % 60:02d} " + ("down" if m["server_mib"] is None else f"{m['server_mib']}/{m['with_children_mib']}")
        for m in r["memory"]))
    loads = [m["load"] for m in r["memory"] if m.get("load") is not None]
    if loads:  # the machine's 1-minute load average: the health waits depend on it as much as on the server
        lines.append(f"machine load average (1 min) over the run: median {sorted(loads)[len(loads) // 2]}, max {max(loads)} "
                     f"on {os.cpu_count()} CPUs")
    lines.append(f"still serving at the end: {r['still_serving']}")
    return "\n".join(lines)


def fresh_demo(folder: Path) -> Path:
    """A demo store built for the run (the police demo: python -m bridges demo)."""
    root = folder / "store"
    subprocess.run([sys.executable, "-m", "bridges", "demo", "--data-dir", str(root)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0, help="how long (default 30)")
    ap.add_argument("--residents", type=int, default=3, help="anonymous residents at once (default 3)")
    ap.add_argument("--analysts", type=int, default=2, help="signed-in analysts uploading at once (default 2)")
    ap.add_argument("--publish-every", type=float, default=20.0, help="seconds between publishes (default 20)")
    ap.add_argument("--kill-at", type=float, default=0.4, help="when the publish is killed, as a share of the run (default 0.4)")
    ap.add_argument("--data-dir", type=Path, help="a copy of a published store to run on (default: a fresh demo store; it is changed)")
    ap.add_argument("--work", type=Path, help="folder for the store, corpus and logs (default: a new temporary folder, kept)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="bridges-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.data_dir:
        root = args.data_dir
    else:
        print(f"building a demo store in {work / 'store'}", file=sys.stderr)
        root = fresh_demo(work)
    r = run(root, args.minutes, args.residents, args.analysts, args.publish_every, args.kill_at, seed=args.seed, work=work,
            say=lambda s: print(s, file=sys.stderr))
    print(json.dumps(r, indent=1) if args.json else report(r))
    bad = r["lost"] or r["torn"] or not r["current_complete"] or r["delta_problems"] or not r["still_serving"] or \
        r["health_failed_outside_outage"] or (r["longest_health_wait_s"] or 0) > HEALTH_LIMIT
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
