"""Crash safety: a publish killed with SIGKILL at any point leaves the store at the old release or the new one.

A child process publishes a draft and is killed, either at one of the store's hook points
("after-table-write", "before-manifest", "after-manifest") or after a random delay between zero and
the measured length of a publish. After each kill the store is opened again: the current release
must be the old or the new one, every release's tables must be readable at their pinned Delta
versions with the row counts the manifest promises (and the counts expected for that release), and
the next publish must succeed. Set BRIDGES_CRASH_SEED to replay a run.
"""
from __future__ import annotations

import csv
import io
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deltalake import DeltaTable

from model.errors import InputError
from loaders.ingest import ingest
from store.versioned import Store

pytestmark = pytest.mark.slow  # publishes killed with SIGKILL at every hook and at random: about a minute and a half

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["ID", "Case Number", "Date", "Block", "IUCR", "Primary Type", "Description", "Location Description",
          "Arrest", "Domestic", "Beat", "District", "Ward", "Community Area", "FBI Code", "X Coordinate",
          "Y Coordinate", "Year", "Updated On", "Latitude", "Longitude", "Location"]
HOOKS = ["after-table-write", "before-manifest", "after-manifest"]
RANDOM_KILLS = 21
Q1_ROWS = 30

CHILD = r"""
import os, signal, sys, time
from store.versioned import Store
root, draft, point = sys.argv[1:4]
def hook(p):
    if p == point:
        os.kill(os.getpid(), signal.SIGKILL)
store = Store(root)
print("go", flush=True)
t0 = time.perf_counter()
store.publish([draft], by="crash-test", note="about to be killed", _hook=hook)
print("done", time.perf_counter() - t0, flush=True)
"""


def export(path: Path, q1: int, q2: int, first_id: int) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for k in range(q1 + q2):
        month = "02" if k < q1 else "05"
        i = first_id + k
        w.writerow([str(i), f"JC{i}", f"{month}/{1 + k % 28:02d}/2024 0{1 + k % 9}:30:00 AM", "012XX W MAIN ST", "0486", "BATTERY",
                    "DOMESTIC BATTERY SIMPLE", "STREET", "false", "true", "0111", "001", "1", "32", "08B", "", "", "2024",
                    "01/01/2025 01:00:00 PM", "41.88", "-87.63", "(41.88, -87.63)"])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


class Run:
    """The store under test and what each release should hold."""

    def __init__(self, root: Path, work: Path):
        self.store = Store(root)
        self.work = work
        self.next_id = 1
        self.expected: dict[int, int] = {}  # release version -> rows
        self.n = 0

    def draft(self, q2: int, q1: int = 0) -> str:
        """A draft holding q2 rows for 2024Q2 (and q1 for 2024Q1): publishing it replaces those quarters."""
        self.n += 1
        path = export(self.work / f"upload-{self.n}.csv", q1, q2, self.next_id)
        self.next_id += q1 + q2
        return ingest(path, "incidents", self.store)["draft"]

    def publish(self, draft: str, rows: int) -> dict:
        m = self.store.publish([draft], by="test", note="follow-up")
        self.expected[m["version"]] = rows
        return m

    def check_all_releases(self, why: str) -> None:
        for r in self.store.releases():
            for name, v in r["tables"].items():
                n = DeltaTable(str(self.store.table_path(name)), version=v).to_pyarrow_dataset().count_rows()
                assert n == r["row_counts"][name] == self.expected[r["version"]], f"{why}: release {r['version']} reads {n} rows"


def child(run: Run, draft: str, point: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(run.store.root), draft, point], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_and_check(run: Run, point: str, delay: float | None, why: str) -> str:
    """Publish a new draft in a child, kill it, check the store, publish again. Returns 'old' or 'new'."""
    cur = run.store.current()
    old_v = cur["version"] if cur else 0
    old_rows = run.expected.get(old_v, 0)
    q2 = random.randint(1, 60)
    while Q1_ROWS + q2 == old_rows:
        q2 = random.randint(1, 60)
    new_rows = Q1_ROWS + q2 if cur else q2
    d = run.draft(q2)
    p = child(run, d, point)
    assert p.stdout.readline().strip() == "go", p.stderr.read()
    if delay is not None:
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    stderr = p.stderr.read()
    assert "Traceback" not in stderr, stderr
    # open the store afresh, as a reader would after the crash
    store = Store(run.store.root)
    now = store.current()
    now_v = now["version"] if now else 0
    assert now_v in (old_v, old_v + 1), f"{why}: release {now_v} after {old_v}"
    outcome = "new" if now_v == old_v + 1 else "old"
    if outcome == "new":
        run.expected[now_v] = new_rows
        assert now["ops"][0]["draft"] == d
    run.check_all_releases(why)
    # the next publish succeeds: the interrupted draft itself when it did not make it, else a fresh one
    if outcome == "old":
        m = run.publish(d, new_rows)
    else:
        if d in store.list_drafts():  # killed after the release was written, before the draft was tidied away
            with pytest.raises(InputError, match="already published"):
                store.publish([d], by="test", note="twice")
        q2b = random.randint(61, 90)
        m = run.publish(run.draft(q2b), Q1_ROWS + q2b)
    assert m["version"] == now_v + 1
    run.check_all_releases(why + ", then published")
    assert run.store.list_drafts() == []
    return outcome


def test_publish_survives_sigkill(tmp_path):
    seed = int(os.environ.get("BRIDGES_CRASH_SEED", time.time_ns() % 2**32))
    random.seed(seed)
    started = time.perf_counter()
    run = Run(tmp_path / "data", tmp_path)

    # the very first publish killed before its release exists: the store stays empty, then works
    d0 = run.draft(5, q1=Q1_ROWS)
    p = child(run, d0, "after-table-write")
    p.wait(timeout=60)
    assert p.returncode == -signal.SIGKILL and Store(run.store.root).current() is None
    run.publish(d0, Q1_ROWS + 5)

    # measure how long a publish takes in the child, for the random kills
    p = child(run, run.draft(7), "none")
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    duration = float(out.split()[-1])
    run.expected[run.store.current()["version"]] = Q1_ROWS + 7

    outcomes = {}
    for point in HOOKS * 2:
        outcomes.setdefault(point, []).append(kill_and_check(run, point, None, f"seed {seed}, hook {point}"))
    assert set(outcomes["after-table-write"]) == {"old"}
    assert set(outcomes["before-manifest"]) == {"old"}
    assert set(outcomes["after-manifest"]) == {"new"}

    for i in range(RANDOM_KILLS):
        delay = random.uniform(0, duration * 1.2)
        outcomes.setdefault("random", []).append(kill_and_check(run, "none", delay, f"seed {seed}, kill {i} after {delay * 1000:.0f} ms"))
    kills = 1 + len(HOOKS) * 2 + RANDOM_KILLS
    print(f"\ncrash test (seed {seed}): {kills} kills; publish takes {duration * 1000:.0f} ms; random kills left "
          f"{outcomes['random'].count('old')} at the old release, {outcomes['random'].count('new')} at the new; "
          f"{len(run.store.releases())} releases, all readable; {time.perf_counter() - started:.0f} s")
    assert kills >= 20
