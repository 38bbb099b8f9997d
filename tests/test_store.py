"""The versioned store: publish, quarter replacement with corrections, releases, rollback, raw files, locking, drafts."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing as mp
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

from model.errors import InputError
from loaders.ingest import ingest
from store.versioned import Store, StoreBusy

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["ID", "Case Number", "Date", "Block", "IUCR", "Primary Type", "Description", "Location Description",
          "Arrest", "Domestic", "Beat", "District", "Ward", "Community Area", "FBI Code", "X Coordinate",
          "Y Coordinate", "Year", "Updated On", "Latitude", "Longitude", "Location"]
# Primary Type -> canonical category through the chicago crosswalk
TYPES = {"burglary": "BURGLARY", "other_theft": "THEFT", "robbery": "ROBBERY", "violence": "BATTERY", "drugs": "NARCOTICS"}
QUARTER_START = {"2024Q1": "01", "2024Q2": "04", "2024Q3": "07", "2024Q4": "10"}


def export(path: Path, counts: dict[tuple[str, str], int], first_id: int) -> Path:
    """A Chicago-layout export with `counts[(quarter, category)]` incidents each, IDs from first_id."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    i = first_id
    for (quarter, cat), n in counts.items():
        for k in range(n):
            date = f"{QUARTER_START[quarter]}/{1 + k % 28:02d}/2024 {1 + k % 12:02d}:15:00 PM"
            w.writerow([str(i), f"JS{i}", date, "012XX W MAIN ST", "0000", TYPES[cat], "ANY", "STREET", "false", "false",
                        "0111", "001", "1", "32", "00", "", "", "2024", "01/01/2025 01:00:00 PM", "41.88", "-87.63", "(41.88, -87.63)"])
            i += 1
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def make_draft(store: Store, path: Path, counts: dict, first_id: int, **kw) -> str:
    return ingest(export(path, counts, first_id), "incidents", store, **kw)["draft"]


def table_at(store: Store, release: dict):
    return store.dataset_at("incidents", release).to_table()


def counts_by(table, *cols) -> dict:
    g = table.select(list(cols)).group_by(list(cols)).aggregate([([], "count_all")]).to_pylist()
    return {tuple(r[c] for c in cols): r["count_all"] for r in g}


BASE = {("2024Q1", "burglary"): 12, ("2024Q1", "other_theft"): 8, ("2024Q2", "burglary"): 41, ("2024Q2", "other_theft"): 10, ("2024Q2", "drugs"): 5}


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "data")


def test_publish_makes_a_readable_release(store, tmp_path):
    d = make_draft(store, tmp_path / "q1q2.csv", BASE, 1000)
    assert store.list_drafts() == [d]
    m = store.publish([d], by="ana", note="first upload")
    assert m["version"] == 1 and m["parent"] is None and m["kind"] == "publish"
    assert m["row_counts"] == {"incidents": 76}
    assert store.list_drafts() == []  # a published draft is gone from the waiting list
    t = table_at(store, m)
    assert t.num_rows == 76 and counts_by(t, "quarter") == {("2024Q1",): 20, ("2024Q2",): 56}
    assert DeltaTable(str(store.table_path("incidents")), version=m["tables"]["incidents"]).count() == 76
    assert m["raw_files"][0]["sha256"] == m["ops"][0]["sha256"] and m["ops"][0]["draft"] == d
    assert store.current() == m == store.release(1)
    cfg = DeltaTable(str(store.table_path("incidents"))).metadata().configuration
    assert cfg.get("delta.enableExpiredLogCleanup") == "false"  # old versions stay readable for ever


def test_publish_needs_who_and_why_and_one_draft_per_dataset(store, tmp_path):
    d1 = make_draft(store, tmp_path / "a.csv", {("2024Q1", "drugs"): 2}, 1)
    d2 = make_draft(store, tmp_path / "b.csv", {("2024Q2", "drugs"): 2}, 10)
    with pytest.raises(InputError, match="--by"):
        store.publish([d1], by="", note="x")
    with pytest.raises(InputError, match="two drafts for incidents"):
        store.publish([d1, d2], by="ana", note="both")
    with pytest.raises(InputError, match="there is no draft"):
        store.publish(["incidents-nope"], by="ana", note="x")
    assert store.current() is None and sorted(store.list_drafts()) == sorted([d1, d2])


def test_quarter_replace_records_corrections(store, tmp_path):
    r1 = store.publish([make_draft(store, tmp_path / "v1.csv", BASE, 1000)], by="ana", note="Q1 and Q2")
    # Q2 re-exported: break-ins revised 41 -> 44, two robberies added, the drug cases withdrawn, thefts unchanged
    fixed = {("2024Q2", "burglary"): 44, ("2024Q2", "other_theft"): 10, ("2024Q2", "robbery"): 2}
    r2 = store.publish([make_draft(store, tmp_path / "v2.csv", fixed, 5000)], by="ben", note="Q2 corrected")
    assert r2["version"] == 2 and r2["parent"] == 1
    got = {(c["quarter"], c["category"]): (c["before"], c["after"]) for c in r2["corrections"]}
    assert got == {("2024Q2", "burglary"): (41, 44), ("2024Q2", "robbery"): (0, 2), ("2024Q2", "drugs"): (5, 0)}
    assert all(c["dataset"] == "incidents" for c in r2["corrections"])
    t2 = table_at(store, r2)
    assert counts_by(t2, "quarter", "category") == {("2024Q1", "burglary"): 12, ("2024Q1", "other_theft"): 8, **fixed}
    assert r2["row_counts"] == {"incidents": 20 + 56}
    # the old release is still there, as it was
    assert counts_by(table_at(store, store.release(1)), "quarter", "category") == BASE
    assert store.release(1) == r1
    # the CLI prints the correction in words
    out = subprocess.run([sys.executable, "-m", "loaders", "releases", "--data-dir", str(store.root)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and "2024Q2 burglary revised 41 → 44" in out.stdout


def test_explicit_quarter_replaces_only_that_quarter(store, tmp_path):
    store.publish([make_draft(store, tmp_path / "v1.csv", BASE, 1000)], by="ana", note="start")
    late = {("2024Q2", "violence"): 3, ("2024Q1", "violence"): 1}  # one late report dated in Q1
    r = store.publish([make_draft(store, tmp_path / "q2.csv", late, 7000, quarter="2024Q2")], by="ana", note="Q2 again")
    t = table_at(store, r)
    assert counts_by(t, "quarter") == {("2024Q1",): 20, ("2024Q2",): 4}  # Q1 untouched; the late row is kept under Q2


def test_releases_listing(store, tmp_path):
    for i, note in enumerate(["one", "two", "three"]):
        store.publish([make_draft(store, tmp_path / f"{i}.csv", {("2024Q1", "drugs"): i + 1}, 100 * i)], by=f"user{i}", note=note)
    rels = store.releases()
    assert [r["version"] for r in rels] == [1, 2, 3]
    assert [r["parent"] for r in rels] == [None, 1, 2]
    assert [(r["by"], r["note"]) for r in rels] == [("user0", "one"), ("user1", "two"), ("user2", "three")]
    assert [r["row_counts"]["incidents"] for r in rels] == [1, 2, 3]
    out = subprocess.run([sys.executable, "-m", "loaders", "releases", "--json", "--data-dir", str(store.root)], cwd=ROOT, capture_output=True, text=True)
    assert json.loads(out.stdout) == rels


def test_rollback_is_a_new_release_and_nothing_is_lost(store, tmp_path):
    r1 = store.publish([make_draft(store, tmp_path / "v1.csv", BASE, 1000)], by="ana", note="v1")
    r2 = store.publish([make_draft(store, tmp_path / "v2.csv", {("2024Q2", "burglary"): 3}, 5000)], by="ben", note="bad Q2")
    rb = store.rollback(1, by="ana", note="Q2 upload was wrong")
    assert rb["version"] == 3 and rb["kind"] == "rollback" and rb["restores"] == 1 and rb["parent"] == 2
    assert rb["tables"] == r1["tables"] and rb["row_counts"] == r1["row_counts"]
    assert store.current()["version"] == 3
    assert counts_by(table_at(store, rb), "quarter", "category") == BASE
    # every release is still readable, at its own version
    assert table_at(store, store.release(2)).num_rows == 20 + 3
    assert table_at(store, store.release(1)).num_rows == 76
    # a publish after the rollback builds on the restored state, not on the abandoned release 2
    r4 = store.publish([make_draft(store, tmp_path / "v4.csv", {("2024Q3", "robbery"): 4}, 9000)], by="ana", note="Q3")
    assert r4["parent"] == 3
    assert counts_by(table_at(store, r4), "quarter") == {("2024Q1",): 20, ("2024Q2",): 56, ("2024Q3",): 4}
    # and the abandoned release can be restored too
    r5 = store.rollback(2, by="ana", note="it was right after all")
    assert table_at(store, r5).num_rows == 23 and [r["version"] for r in store.releases()] == [1, 2, 3, 4, 5]
    with pytest.raises(InputError, match="no release 9"):
        store.rollback(9, by="ana", note="x")


def _file_state(p: Path) -> tuple:
    st = p.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size, stat.S_IMODE(st.st_mode)


def test_raw_files_kept_by_sha256_read_only_and_never_modified(store, tmp_path):
    src = export(tmp_path / "upload.csv", {("2024Q1", "drugs"): 3}, 1)
    body = src.read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    rep = ingest(src, "incidents", store)
    assert rep["sha256"] == sha
    raw = store.raw_dir / f"{sha}.csv"
    assert raw.read_bytes() == body and store.raw_path(sha) == raw
    assert stat.S_IMODE(raw.stat().st_mode) == 0o400  # read-only, and no other local user reads it
    before = _file_state(raw)
    # the same bytes again (even under another name): the stored file is left exactly as it was
    again = tmp_path / "renamed.csv"
    again.write_bytes(body)
    ingest(again, "incidents", store)
    assert _file_state(raw) == before
    # the upload changes on disk: a new raw file; the first one is untouched
    src.write_bytes(body.replace(b"NARCOTICS", b"ROBBERY"))
    rep2 = ingest(src, "incidents", store)
    assert rep2["sha256"] != sha and _file_state(raw) == before and raw.read_bytes() == body
    assert sorted(p.name for p in store.raw_dir.iterdir()) == sorted([f"{sha}.csv", f"{rep2['sha256']}.csv"])  # no temp files left
    store.publish([rep2["draft"]], by="ana", note="x")
    assert _file_state(raw) == before
    for p in store.raw_dir.iterdir():
        assert hashlib.sha256(p.read_bytes()).hexdigest() == p.stem
    # a refused upload leaves nothing in raw/
    bad = tmp_path / "bad.csv"
    bad.write_text("Foo,Bar\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError):
        ingest(bad, "incidents", store)
    assert len(list(store.raw_dir.iterdir())) == 2


def test_draft_deletion(store, tmp_path):
    d = make_draft(store, tmp_path / "a.csv", {("2024Q1", "drugs"): 2}, 1)
    keep = make_draft(store, tmp_path / "b.csv", {("2024Q1", "drugs"): 3}, 50)
    assert store.draft(d)["rows"] == 2
    store.delete_draft(d)
    assert store.list_drafts() == [keep]
    assert not any(p.name.startswith(".") for p in store.drafts_dir.iterdir())  # no half-deleted leftovers
    with pytest.raises(InputError, match="there is no draft"):
        store.delete_draft(d)
    with pytest.raises(InputError, match="there is no draft"):
        store.publish([d], by="ana", note="x")
    assert store.publish([keep], by="ana", note="y")["row_counts"] == {"incidents": 3}


def test_interrupted_publish_does_not_publish_a_draft_twice(store, tmp_path):
    d = make_draft(store, tmp_path / "a.csv", {("2024Q1", "drugs"): 2}, 1)

    def crash(point):
        if point == "after-manifest":
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        store.publish([d], by="ana", note="x", _hook=crash)
    assert store.current()["version"] == 1 and d in store.list_drafts()
    with pytest.raises(InputError, match="already published as release 1"):
        store.publish([d], by="ana", note="again")
    assert store.list_drafts() == [] and store.current()["version"] == 1


def test_failed_table_write_leaves_the_old_release(store, tmp_path):
    r1 = store.publish([make_draft(store, tmp_path / "a.csv", BASE, 1)], by="ana", note="x")

    def crash(point):
        if point == "after-table-write":
            raise RuntimeError("disk full")

    d = make_draft(store, tmp_path / "b.csv", {("2024Q2", "robbery"): 1}, 500)
    with pytest.raises(RuntimeError):
        store.publish([d], by="ana", note="y", _hook=crash)
    assert store.current() == r1 and table_at(store, r1).num_rows == 76
    r2 = store.publish([d], by="ana", note="y again")
    assert r2["version"] == 2 and counts_by(table_at(store, r2), "quarter") == {("2024Q1",): 20, ("2024Q2",): 1}


# ---------------------------------------------------------------- two publishers at once

def _publisher(root: str, work: str, who: int, rounds: int, queue) -> None:
    """One process: ingest a draft for its own quarter each round and try to publish it."""
    from store.versioned import Store, StoreBusy

    store = Store(Path(root))
    quarter = ["2024Q1", "2024Q2"][who]
    out = []
    for r in range(rounds):
        n = 1 + (r * 7 + who * 3) % 11
        d = make_draft(store, Path(work) / f"p{who}-{r}.csv", {(quarter, "drugs"): n}, 100000 * (who + 1) + 1000 * r)
        try:
            m = store.publish([d], by=f"publisher{who}", note=f"round {r}", wait=0.05)
            out.append(("ok", d, n, m["version"]))
        except StoreBusy:
            out.append(("busy", d, n, None))
            store.delete_draft(d)
    queue.put((who, out))


@pytest.mark.slow
def test_two_concurrent_publishers(tmp_path):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    root = tmp_path / "data"
    procs = [ctx.Process(target=_publisher, args=(str(root), str(tmp_path), who, 20, q)) for who in (0, 1)]
    for p in procs:
        p.start()
    results = dict(q.get(timeout=240) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    store = Store(root)
    outcomes = [o for who in (0, 1) for o in results[who]]
    assert len(outcomes) == 40 and {o[0] for o in outcomes} <= {"ok", "busy"}
    ok = [o for o in outcomes if o[0] == "ok"]
    rels = store.releases()
    # no release lost, none duplicated: each success is exactly one release, numbered without gaps
    assert [r["version"] for r in rels] == list(range(1, len(ok) + 1))
    assert sorted(o[3] for o in ok) == [r["version"] for r in rels]
    by_version = {o[3]: o for o in ok}
    latest = {}
    for r in rels:
        _, draft, n, _ = by_version[r["version"]]
        assert [op["draft"] for op in r["ops"]] == [draft]
        latest[r["ops"][0]["file"][1]] = n  # publisher 0 or 1 (file p0-… / p1-…)
        assert r["row_counts"]["incidents"] == sum(latest.values())
        assert table_at(store, r).num_rows == sum(latest.values())  # readable at its pinned version
    assert store.list_drafts() == []


def test_same_file_again_in_the_same_second_is_a_new_draft(store, tmp_path):
    """Draft names come from the time and the file's hash, so they can repeat: a repeat is still a new draft."""
    src = export(tmp_path / "same.csv", {("2024Q1", "drugs"): 2}, 1)
    for i in range(3):
        d = ingest(src, "incidents", store)["draft"]
        assert store.publish([d], by="ana", note=f"again {i}")["version"] == i + 1
