"""Two analysts publish at once, twenty times (two processes, through the same code as the releases page): no release is lost,
and every outcome is a success or a clear "try again" that leaves the draft waiting."""
from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pyarrow.compute as pc
import pytest

from bridges import actions
from accounts import audit
from loaders.ingest import ingest
from loaders.mapping import Spec
from store.versioned import Store

pytestmark = pytest.mark.slow  # two processes, twenty rounds of publishing

ROUNDS = 20
SPEC = {"id": "acme-rms", "dataset": "incidents", "title": "Acme RMS", "fields": {
    "incident_id": {"column": "Ref"}, "occurred_at": {"column": "When", "format": "%Y-%m-%d %H:%M"},
    "category": {"column": "Kind", "map": {"BURG": "burglary", "ASLT": "violence"}}, "area": {"column": "Zone"}}}
QUARTER = {"A": ("2025Q1", "2025-02"), "B": ("2025Q2", "2025-05")}


def _export(folder: Path, tag: str, n: int) -> Path:
    q, month = QUARTER[tag]
    p = folder / f"{tag}-{n}.csv"
    lines = ["Ref,When,Kind,Zone"] + [f"{tag}{n}-{i},{month}-{1 + i % 27:02d} 10:00,{'BURG' if i % 3 else 'ASLT'},N{i % 4}" for i in range(n)]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _rows(n_round: int, tag: str) -> int:
    return 10 + n_round + (7 if tag == "B" else 0)


def worker(root: str, tag: str, barrier, out) -> None:
    """One analyst: each round, check a file into a draft, wait for the other, publish at the same moment."""
    store = Store(Path(root))
    folder = Path(root).parent / f"exports-{tag}"
    folder.mkdir(exist_ok=True)
    for r in range(ROUNDS):
        draft = ingest(_export(folder, tag, _rows(r, tag)), "incidents", store, profile=Spec.from_dict(SPEC), quarter=QUARTER[tag][0])["draft"]
        uid = store.draft(draft)["uid"]
        barrier.wait(timeout=120)
        # even rounds wait for the lock (both succeed, one after the other); odd rounds do not wait (one may be told to try again)
        res = actions.publish(store, [draft], f"analyst {tag}", f"{tag} round {r}", wait=actions.PUBLISH_WAIT if r % 2 == 0 else 0)
        first = {"tag": tag, "round": r, "ok": res["ok"], "busy": res["busy"], "message": res["message"],
                 "version": res["release"]["version"] if res["ok"] else None, "uid": uid, "waiting": draft in store.list_drafts()}
        out.put(first)
        barrier.wait(timeout=120)
        if not res["ok"]:  # the draft was kept: publishing it again after the other analyst is done works
            again = actions.publish(store, [draft], f"analyst {tag}", f"{tag} round {r}, second try")
            out.put({**first, "retry": True, "ok": again["ok"], "version": again["release"]["version"] if again["ok"] else None})
        barrier.wait(timeout=120)


def test_two_analysts_publish_at_once_twenty_times(tmp_path):
    root = tmp_path / "store"
    store = Store(root)
    base = ingest(_export(tmp_path, "A", 5), "incidents", store, profile=Spec.from_dict(SPEC))
    store.publish([base["draft"]], "setup", "base release")
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    out = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(str(root), tag, barrier, out)) for tag in "AB"]
    for p in procs:
        p.start()
    results = []
    for _ in range(2 * ROUNDS):
        results.append(out.get(timeout=300))
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    while not out.empty():
        results.append(out.get())

    first = [r for r in results if not r.get("retry")]
    retries = [r for r in results if r.get("retry")]
    assert len(first) == 2 * ROUNDS
    for r in first:  # a success, or a sentence that says to try again, with the draft still waiting
        assert r["ok"] or (r["busy"] and "Try again in a minute" in r["message"] and r["waiting"]), r
    assert all(r["ok"] for r in retries)
    assert len(retries) == sum(not r["ok"] for r in first)
    assert all(r["ok"] for r in first if r["round"] % 2 == 0)  # waiting for the lock: both always succeed

    # no release lost: one release per success, numbered without gaps, each on top of the one before
    successes = [r for r in results if r["ok"]]
    rels = store.releases()
    assert [m["version"] for m in rels] == list(range(1, len(successes) + 2))
    assert all(m["parent"] == m["version"] - 1 for m in rels[1:])
    assert sorted(r["version"] for r in successes) == [m["version"] for m in rels[1:]]
    by_version = {m["version"]: m for m in rels}
    for r in successes:
        assert [o["uid"] for o in by_version[r["version"]]["ops"]] == [r["uid"]]
    assert not store.list_drafts()
    # the last release holds each analyst's last quarter, whatever the order they landed in
    table = store.dataset_at("incidents", store.current()).to_table()
    counts = {q: int(n) for q, n in zip(*[c.to_pylist() for c in pc.value_counts(table.column("quarter")).flatten()])}
    assert counts == {"2025Q1": _rows(ROUNDS - 1, "A"), "2025Q2": _rows(ROUNDS - 1, "B")}
    ev = [e["event"] for e in audit.entries(root, None)]
    assert ev.count("publish") == len(successes) and ev.count("publish-busy") == len(retries)
    print(f"{len(successes)} releases, {len(retries)} told to try again")
