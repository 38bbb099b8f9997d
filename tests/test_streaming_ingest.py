"""A file read in batches gives the same accounting, draft and published tables as read whole; a failure part-way
through a batched ingest or publish leaves nothing half-staged or half-published."""
from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from loaders.ingest import ingest
from loaders.mapping import Spec
from store.versioned import Store

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "chicago-cpd-crimes" / "sample-2024" / "Crimes_-_2001_to_Present.csv"
BATCH = 700  # records a batch: the file below spans five batches
SECRET = bytes(range(32))


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    """3,000 real Chicago records with what must be exact across batches: identifiers repeated in later batches, records
    that do not fit the header, empty identifiers, unreadable dates, and a record set aside as no offence whose incident
    is counted from a later batch."""
    if not SAMPLE.exists():
        pytest.skip("../shared/realdata is not beside the checkout")
    with SAMPLE.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:3001]
    col = {h: i for i, h in enumerate(header)}
    lines = [list(r) for r in body]
    for src, dst in ((5, 900), (10, 1500), (20, 2900), (1400, 2100)):  # the same ID again, in a later batch
        lines[dst][col["ID"]] = lines[src][col["ID"]]
    lines[1200][col["ID"]] = ""
    lines[1800][col["Date"]] = "13/45/2024 99:00:00 PM"
    aside = list(lines[300])
    aside[col["ID"]] = "NO-OFFENCE-1"
    aside[col["Primary Type"]], aside[col["Description"]] = "NON-CRIMINAL", "NOTHING TO REPORT"
    counted = list(lines[2500])
    counted[col["ID"]] = "NO-OFFENCE-1"
    lines[300], lines[2500] = aside, counted
    path = tmp_path_factory.mktemp("export") / "chicago.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for i, r in enumerate(lines):
            w.writerow(r)
            if i in (650, 2200):  # a record cut short, and one with a field too many
                fh.write("123,JX1,01/01/2024\n")
                w.writerow(r + ["extra"])
    return path


def _fold_spec() -> Spec:
    doc = dict(Spec.load(Path(__file__).resolve().parents[1] / "loaders" / "sources" / "chicago.toml").raw)
    doc.update(id="chicago-fold", duplicates="fold", crosswalks={"category": {"NON-CRIMINAL | NOTHING TO REPORT": "no_offence"}})
    return Spec.from_dict(doc)


KEYS = ("rows_read", "rows_accepted", "rows_folded", "rows_rejected", "rejection_reasons", "quarters", "date_range", "records_out",
        "unmapped", "privacy_hit_count", "folded_by", "counts")


def _store(root: Path) -> Store:
    root.mkdir(parents=True)
    (root / "secret.key").write_bytes(SECRET)  # the same keyed record ids in both stores
    return Store(root)


@pytest.mark.slow
@pytest.mark.parametrize("profile", [None, "fold"], ids=["reject-repeats", "fold-repeats"])
def test_batches_equal_whole(export, tmp_path, profile):
    from loaders.textio import csv_batches

    assert [len(b.table) + len(b.bad_rows) for b in csv_batches(export, BATCH)] == [702, 700, 700, 702, 200]  # records a batch, with the unreadable ones among them
    spec = _fold_spec() if profile else None
    whole_store, batch_store = _store(tmp_path / "whole"), _store(tmp_path / "batches")
    whole = ingest(export, "incidents", whole_store, profile=spec, batch_rows=10**9)
    batched = ingest(export, "incidents", batch_store, profile=spec, batch_rows=BATCH)
    assert whole["rows_read"] == 3004
    assert whole["rows_rejected"] >= 5  # the two unfit records, the empty ID, the bad date, (a repeat)
    if profile:
        assert whole["rows_folded"] == 5  # four repeated IDs and the no-offence row of a counted incident
    else:
        assert any("duplicate" in r for r in whole["rejection_reasons"])
    for k in KEYS:
        assert batched[k] == whole[k], k
    assert batched["rows_read"] == batched["rows_accepted"] + batched["rows_folded"] + batched["rows_rejected"]
    assert sorted((x["row"], x["reason"]) for x in batched["rejections"]) == sorted((x["row"], x["reason"]) for x in whole["rejections"])
    assert batch_store.draft_rows(batched["draft"]).equals(whole_store.draft_rows(whole["draft"]))

    wm = whole_store.publish([whole["draft"]], by="test", note="whole")
    bm = batch_store.publish([batched["draft"]], by="test", note="batches")
    assert bm["privacy"] == wm["privacy"]
    assert bm["row_counts"] == wm["row_counts"]
    for name in ("incidents", "incident_counts"):
        a = pq.read_table(whole_store.root / wm["public"] / f"{name}.parquet")
        b = pq.read_table(batch_store.root / bm["public"] / f"{name}.parquet")
        assert b.equals(a), name


@pytest.mark.slow
def test_failure_part_way_leaves_no_draft(export, tmp_path, monkeypatch):
    import loaders.ingest as ing

    store = _store(tmp_path / "data")
    real, calls = ing.finish_spec, []

    def failing(run, quarter=None, state=None):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full (simulated) in the third batch")
        return real(run, quarter, state)

    monkeypatch.setattr(ing, "finish_spec", failing)
    with pytest.raises(OSError, match="simulated"):
        ingest(export, "incidents", store, batch_rows=BATCH)
    assert store.list_drafts() == []
    assert not any(store.drafts_dir.iterdir()) if store.drafts_dir.exists() else True  # no hidden half-written folder either
    assert not any(p.name.startswith(".tmp") for p in store.raw_dir.iterdir()) if store.raw_dir.exists() else True


def test_failure_while_the_next_batch_is_prepared_leaves_no_draft_and_no_thread(export, tmp_path, monkeypatch):
    """The next batch is mapped in a thread of its own: its error reaches the ingest, and no thread is left running."""
    import threading

    import loaders.ingest as ing

    store = _store(tmp_path / "data")
    real, calls = ing.prepare_spec, []

    def failing(raw, spec):
        calls.append(1)
        if len(calls) == 4:
            raise OSError("disk full (simulated) in the fourth batch")
        return real(raw, spec)

    monkeypatch.setattr(ing, "prepare_spec", failing)
    with pytest.raises(OSError, match="simulated"):
        ingest(export, "incidents", store, batch_rows=BATCH)
    assert store.list_drafts() == []
    assert not [t for t in threading.enumerate() if t.name.startswith(("bridges-map-ahead", "bridges-read-ahead"))]


class _Batches:
    """A table handed to the gate in small batches, as a publish hands it a release's rows."""

    def __init__(self, table, size: int):
        self.table, self.size, self.schema = table, size, table.schema

    def to_batches(self, columns=None):
        yield from (self.table if columns is None else self.table.select(columns)).to_batches(max_chunksize=self.size)


@pytest.mark.slow
def test_gate_in_batches_equals_whole(export, tmp_path):
    from gate.public import PrivacyConfig, build_public
    from store.versioned import to_arrow_schema

    store = _store(tmp_path / "data")
    table = store.draft_rows(ingest(export, "incidents", store)["draft"]).cast(to_arrow_schema("incidents"))
    cfg = PrivacyConfig(k=5)  # more small cells, so more are suppressed and more sensitive rows lose their area
    whole, whole_note = build_public({"incidents": table}, cfg, SECRET)
    parts, parts_note = build_public({"incidents": _Batches(table, 400)}, cfg, SECRET)
    assert whole_note["incidents"]["cells_suppressed"] > 0 and whole_note["incidents"]["areas_withheld"] > 0
    assert parts_note == whole_note
    assert sorted(parts) == sorted(whole)
    for name in whole:
        assert parts[name].equals(whole[name]), name


@pytest.mark.slow
def test_failed_publish_leaves_release_as_it_was(export, tmp_path, monkeypatch):
    import gate.public as gp

    store = _store(tmp_path / "data")
    first = store.publish([ingest(export, "incidents", store, batch_rows=BATCH)["draft"]], by="test", note="first")
    draft = ingest(export, "incidents", store, batch_rows=BATCH)["draft"]
    real, calls = gp.incident_rows, []

    def failing(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full (simulated) while writing public rows")
        return real(*a, **k)

    monkeypatch.setattr(gp, "incident_rows", failing)
    monkeypatch.setattr("store.drafts.BATCH_ROWS", BATCH)  # the release's rows reach the gate in several batches
    with pytest.raises(OSError, match="simulated"):
        store.publish([draft], by="test", note="second")
    assert store.current()["version"] == first["version"]
    assert sorted(p.name for p in store.public_dir.iterdir() if not p.name.startswith(".")) == [f"{first['version']:06d}"]
    assert store.list_drafts() == [draft]  # still there, to publish again
    monkeypatch.setattr(gp, "incident_rows", real)
    second = store.publish([draft], by="test", note="second")
    assert second["version"] == first["version"] + 1
    assert second["row_counts"] == first["row_counts"]


@pytest.mark.slow
def test_delta_write_stopped_between_commits_leaves_release_as_it_was(export, tmp_path, monkeypatch):
    """A draft replacing quarters of a table whose other quarters stay: its rows written in chunks (deltalake's commits,
    never the draft's file as it is: a table of both kinds of file read back with two string types), stopped after a
    first commit."""
    import store.versioned as sv

    store = _store(tmp_path / "data")
    first = store.publish([ingest(export, "incidents", store)["draft"]], by="test", note="first")
    draft = ingest(export, "incidents", store)["draft"]
    monkeypatch.setattr("store.versioned.SIDE_BY_SIDE_ROWS", 0)  # the table before the gate runs, as a long draft does
    calls = []
    monkeypatch.setattr("store.drafts.DELTA_CHUNK_ROWS", 500)  # the draft goes to the table in six commits
    real, target, name = sv.write_deltalake, sv, "write_deltalake"

    def failing(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full (simulated) in the third commit")
        return real(*a, **k)

    monkeypatch.setattr(target, name, failing)
    with pytest.raises(OSError, match="simulated"):
        store.publish([draft], by="test", note="second")
    assert store.current()["version"] == first["version"]
    assert sv.DeltaTable(str(store.table_path("incidents"))).version() > first["tables"]["incidents"]  # commits no release names
    assert store.list_drafts() == [draft]
    monkeypatch.setattr(target, name, real)
    added = []
    monkeypatch.setattr(sv, "add_file", lambda *a, real=sv.add_file, **k: added.append(1) or real(*a, **k))
    second = store.publish([draft], by="test", note="second")
    assert not added  # other quarters stay: never the draft's file as it is
    assert second["row_counts"] == first["row_counts"]  # the stray commits undone, the quarters replaced once
    assert second["version"] == first["version"] + 1
