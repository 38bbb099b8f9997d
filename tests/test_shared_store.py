"""A store several servers share: the data location as an S3-compatible object store (s3://bucket/prefix).

An S3 server (moto's server mode, from PyPI) runs on loopback for the module. The file layer (model.fs) is checked on a
local folder and on the bucket alike; then a store is built in the bucket, two app servers (`streamlit run app.py`)
are started on it, and what must be shared is shown to be: a publish through one shows on the other, the deck's notes
view follows the deck across both, a sign-in lockout counted on one holds on the other, and two publishes at once
neither tear a release nor both win one version."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from model import fs
from tests import servers

# one moto server, store and pair of app servers for the whole module: under xdist's --dist loadgroup its tests stay on
# one worker instead of each worker building its own
pytestmark = pytest.mark.xdist_group("shared_store")

BUCKET = "bridges-shared"
ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
NAME, PASSWORD = "pat", "correct horse battery staple"


@pytest.fixture(scope="module")
def s3():
    """moto's S3 server on a free loopback port, with the AWS_* variables pointing at it for this process; yields the
    environment a child process (an app server, the CLI) needs to reach it."""
    port = servers.free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"moto-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    env = {**ENV, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    _restart_fork_server()
    try:
        servers.wait_for(env["AWS_ENDPOINT_URL"] + "/moto-api/", proc, 60)
        import boto3

        boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=ENV["AWS_REGION"]).create_bucket(Bucket=BUCKET)
        yield env
    finally:
        servers.stop(proc)
        log.close()
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _restart_fork_server()


def _restart_fork_server() -> None:
    """Stop this process's fork server of upload workers (store.worker), if one runs: the next upload starts one with
    the environment as it is now. A fork server started by an earlier test on this xdist worker would hand its workers
    the environment without the AWS_* variables, and a worker ingesting into the bucket would ask the cloud's metadata
    address for credentials instead."""
    from multiprocessing import forkserver

    forkserver._forkserver._stop()  # the standard library's own tests stop it so


@pytest.fixture(params=["local", "s3"])
def where(request, tmp_path):
    if request.param == "local":
        return tmp_path / "store"
    request.getfixturevalue("s3")
    return fs.location(f"s3://{BUCKET}/unit-{request.node.name.replace('[', '-').rstrip(']')}-{time.time_ns()}")


# ---------------------------------------------------------------- the file layer, on a folder and on the bucket


@pytest.mark.slow
def test_files_read_write_list_and_remove(where):
    f = where / "releases" / "000001.json"
    fs.write_atomic(f, b'{"version": 1}')
    assert f.read_bytes() == b'{"version": 1}' and f.exists() and f.is_file()
    fs.write_atomic(f, b'{"version": 1, "again": true}')  # replaced whole
    assert json.loads(f.read_text()) == {"version": 1, "again": True}
    assert (where / "releases").is_dir() and not (where / "nothing").exists()
    (where / "raw").mkdir(parents=True, exist_ok=True)
    (where / "raw" / "abc123.csv").write_bytes(b"a,b\n1,2\n")
    assert sorted(p.name for p in where.iterdir()) == ["raw", "releases"]
    assert [p.name for p in (where / "raw").glob("abc*")] == ["abc123.csv"]
    table = pa.table({"n": [1, 2, 3]})
    fs.write_parquet(table, where / "public" / "t.parquet")
    assert fs.read_parquet(where / "public" / "t.parquet").equals(table)
    with pytest.raises(FileNotFoundError):
        (where / "none.json").read_bytes()
    fs.remove_tree(where / "raw")
    assert not (where / "raw").exists() and f.exists()


@pytest.mark.slow
def test_a_file_created_once_is_never_replaced_and_one_racer_wins(where):
    target = where / "releases" / "000002.json"
    wins = []

    def race(i):
        wins.append(i) if fs.create_once(target, f"writer {i}".encode()) else None

    threads = [threading.Thread(target=race, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    assert target.read_bytes() == f"writer {wins[0]}".encode()
    assert not fs.create_once(target, b"late")


@pytest.mark.slow
def test_the_lock_is_held_by_one_at_a_time(where):
    from filelock import Timeout

    a, b = fs.lock(where / "store.lock"), fs.lock(where / "store.lock")
    if fs.is_remote(where):  # two servers: two leases on the same object
        with a.acquire(timeout=5):
            with pytest.raises(Timeout):
                b.acquire(timeout=0.5)
        with b.acquire(timeout=5):
            pass
        # a holder that died: its lease expires and another takes it over, once
        dead = fs.lock(where / "other.lock", ttl=0.3)
        dead.acquire(timeout=5)
        t0 = time.monotonic()
        with fs.lock(where / "other.lock").acquire(timeout=10):
            assert time.monotonic() - t0 < 5
    else:
        held = []

        def hold():
            with b.acquire(timeout=10):
                held.append(time.monotonic())

        with a.acquire(timeout=5):
            t = threading.Thread(target=hold)
            t.start()
            time.sleep(0.5)
            assert not held
            released = time.monotonic()
        t.join()
        assert held and held[0] >= released


# ---------------------------------------------------------------- a store in the bucket, and two servers on it


def _cli(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bridges", *args], cwd=servers.ROOT, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=timeout)


def _ingest(env: dict, key: str, dataset: str, profile: str) -> str:
    from demo.build import demo_files

    out = _cli(env, "ingest", str(demo_files()[key]), "--dataset", dataset, "--profile", str(servers.ROOT / "loaders" / "sources" / profile),
               "--by", NAME, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["draft"]


@pytest.fixture(scope="module")
def shared(s3, tmp_path_factory):
    """The police demo built in s3://bridges-shared/store, one local analyst, and two app servers on it."""
    from accounts import users
    from demo.build import build_demo
    from store.versioned import Store

    url = f"s3://{BUCKET}/store"
    store = Store(url)
    build_demo(store)
    users.add_user(store.root, NAME, "analyst", PASSWORD, by="test")
    (store.root / "analyst.toml").write_text("[signin]\nmax_failures = 3\n")
    env = {**s3, "BRIDGES_DATA_DIR": url}
    logs = tmp_path_factory.mktemp("servers")
    a = servers.start(env=env, log_dir=logs)
    try:
        b = servers.start(env=env, log_dir=logs)
    except BaseException:
        servers.stop(a.proc)
        raise
    try:
        yield {"store": store, "env": env, "a": a, "b": b}
    finally:
        servers.stop(a.proc)
        servers.stop(b.proc)


def _page(base: str, page: str, query: str = "", widgets: list | None = None, press: str | None = None) -> str:
    """What a fresh tab draws for page?query (tests.test_hardening_web's websocket Tab); with `press`, the button whose
    key ends so is then pressed and what the rerun draws is returned."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    from tests.test_hardening_web import Tab, _text

    class QueryTab(Tab):
        async def run(self, page_name, widgets=None):
            import tests.test_hardening_web as hw

            real = hw.BackMsg

            def with_query():
                msg = real()
                msg.rerun_script.query_string = query
                return msg

            hw.BackMsg = with_query
            try:
                return await Tab.run(self, page_name, widgets)
            finally:
                hw.BackMsg = real

    async def go():
        tab = QueryTab(base)
        async with tab.open():
            drawn = await tab.run(page, widgets)
            if press:
                wid = next(v for v in tab.widgets.values() if v.endswith(press))
                drawn = await tab.run(page, [WidgetState(id=wid, trigger_value=True)])
            return _text(drawn)

    return asyncio.run(go())


def _wait_text(base: str, page: str, want: str, query: str = "", timeout: float = 30.0) -> float:
    t0 = time.monotonic()
    while True:
        text = _page(base, page, query)
        if want in text:
            return time.monotonic() - t0
        assert time.monotonic() - t0 < timeout, f"{want!r} not on {page} after {timeout} s: {text[:400]}"
        time.sleep(0.5)


@pytest.mark.slow
def test_a_publish_through_one_server_shows_on_the_other(shared):
    a, b, env = shared["a"], shared["b"], shared["env"]
    have = shared["store"].current()["version"]
    _wait_text(a.base, "overview", f"Release {have},")
    _wait_text(b.base, "overview", f"Release {have},")
    draft = _ingest(env, "engagement", "engagement", "demo_engagement.toml")
    out = _cli(env, "publish", draft, "--by", NAME, "--note", "events re-sent")
    assert out.returncode == 0, out.stderr
    took = _wait_text(b.base, "overview", f"Release {have + 1},")
    assert took < 10
    _wait_text(a.base, "overview", f"Release {have + 1},")


@pytest.mark.slow
def test_the_notes_view_follows_the_deck_across_servers(shared):
    a, b = shared["a"], shared["b"]
    room = f"room{time.time_ns()}"
    # the deck opened on server A at slide 3; the notes view opened on server B is at slide 3 too
    _page(a.base, "town-hall", f"area=all&lang=en&room={room}&slide=3")
    text = _page(b.base, "town-hall", f"area=all&lang=en&notes=1&room={room}")
    assert "Slide 3 of" in text
    # the presenter moves on from the notes view (server B); the deck's view on server A follows
    _page(b.base, "town-hall", f"area=all&lang=en&notes=1&room={room}", press="deck-next")
    assert "Slide 4 of" in _page(a.base, "town-hall", f"area=all&lang=en&notes=1&room={room}")


@pytest.mark.slow
def test_a_sign_in_lockout_counted_on_one_server_holds_on_the_other(shared):
    from accounts import signin
    from tests.test_hardening_web import _sign_in

    a, b = shared["a"], shared["b"]
    for _ in range(3):  # max_failures = 3 for a name from one address, counted on server A
        _, text = _sign_in(a.base, "sign-in", NAME, "wrong password")
        assert signin.WRONG in text
    _, text = _sign_in(b.base, "sign-in", NAME, PASSWORD)  # the right password, on server B
    assert "Too many failed sign-ins for this name" in text
    failures = json.loads((shared["store"].root / signin.FILE).read_bytes())
    assert sum(len(v) for v in failures["names"].values()) == 3


@pytest.mark.slow
def test_two_publishes_at_once_neither_tear_nor_both_win(shared):
    from stats.read import open_release

    env, store = shared["env"], shared["store"]
    drafts = [_ingest(env, "feedback", "feedback", "demo_feedback.toml"), _ingest(env, "survey", "survey", "demo_survey.toml")]
    before = store.current()["version"]
    procs = [subprocess.Popen([sys.executable, "-m", "bridges", "publish", d, "--by", NAME, "--note", f"at once {d}", "--json"],
                              cwd=servers.ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for d in drafts]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    versions = sorted(json.loads(o[0])["version"] for o in outs)
    assert versions == [before + 1, before + 2]  # one after the other: never the same version twice
    releases = {r["version"]: r for r in store.releases()}
    assert releases[before + 2]["parent"] == before + 1 and releases[before + 1]["parent"] == before
    # the later release carries both tables as the earlier left them: nothing written by one was lost by the other
    last, first = releases[before + 2], releases[before + 1]
    changed = {d["dataset"] for d in first["ops"]} | {d["dataset"] for d in last["ops"]}
    assert changed == {"feedback", "survey"}
    for name in changed:
        assert last["tables"][name] >= first["tables"][name]
    rel = open_release(store.root, before + 2)
    assert rel.query("select count(*) n from feedback")["n"][0] > 0 and rel.query("select count(*) n from survey")["n"][0] > 0
    assert store.list_drafts() == []
    # and the manifest itself is created only if absent: a second writer of one version is refused
    from store.versioned import write_json_atomic

    with pytest.raises(FileExistsError):
        write_json_atomic(store.releases_dir / f"{before + 2:06d}.json", {"version": before + 2}, exclusive=True)


@pytest.mark.slow
def test_either_server_serves_the_files_the_pages_link_to(shared):
    """The links under a chart and on /data name everything needed to make the file: both servers give the same table,
    and a chart image stamped with the release both show."""
    import urllib.request

    a, b, version = shared["a"], shared["b"], shared["store"].current()["version"]
    _wait_text(a.base, "overview", f"Release {version},")
    _wait_text(b.base, "overview", f"Release {version},")
    table = f"/download/table?v={version}&table=engagement&format=csv"
    chart = f"/download/chart?v={version}&page=incidents&lang=en&measure=count&chart=incidents.trend&format=svg"
    got = {}
    for s in (a, b):
        for path in (table, chart):
            with urllib.request.urlopen(s.base + path, timeout=120) as r:
                got[(s.base, path)] = r.read()
    assert got[(a.base, table)] == got[(b.base, table)] and got[(a.base, table)].startswith(b"\xef\xbb\xbf")
    assert f"Release {version} \u00b7 Bridges".encode() in got[(a.base, chart)] and f"Release {version} \u00b7 Bridges".encode() in got[(b.base, chart)]


@pytest.mark.slow
def test_neither_server_logged_an_error(shared):
    for s in (shared["a"], shared["b"]):
        assert "Traceback" not in s.log.read_text(errors="replace"), s.log
