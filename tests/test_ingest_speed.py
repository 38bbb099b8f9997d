"""What made ingest and publish faster keeps their results: the gate's stages run side by side in order and hand errors
on, Parquet files skip dictionaries only where values are all different, and one DuckDB database serves every thread (gate.batches.duckdb_cursor)."""
from __future__ import annotations

import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gate.batches import ahead
from store.drafts import dictionary_columns, plain_columns


def test_ahead_keeps_order_and_stops_its_thread():
    before = threading.active_count()
    assert list(ahead(iter(range(50)))) == list(range(50))
    assert threading.active_count() == before  # joined, not left running


def test_ahead_hands_an_error_on_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise OSError("disk full (simulated)")

    got = []
    with pytest.raises(OSError, match="simulated"):
        for x in ahead(items()):
            got.append(x)
    assert got == [1, 2]


def test_ahead_stops_when_its_reader_stops():
    made = []

    def items():
        for i in range(1000):
            made.append(i)
            yield i

    it = ahead(items())
    assert next(it) == 0
    it.close()  # the reader gives up: the thread makes at most one more item and ends
    assert len(made) <= 3


def test_dictionary_columns_leave_out_identifiers_times_and_points():
    from store.versioned import to_arrow_schema

    schema = to_arrow_schema("incidents")
    enc = dictionary_columns(schema, ("incident_id",))
    assert {"category", "area", "district", "block", "quarter", "offence_raw", "domestic"} <= set(enc)
    assert not {"incident_id", "occurred_at", "reported_at", "lat", "lon"} & set(enc)
    assert set(plain_columns(schema, ("incident_id",))) == set(schema.names) - set(enc)
    assert "lat" in dictionary_columns(schema, ("record_id",), floats=True)  # public points are snapped: they repeat


def test_draft_parquet_reads_back_the_same_rows(tmp_path):
    from store.drafts import DraftWriter
    from store.versioned import Store, to_arrow_schema

    store = Store(tmp_path / "data")
    schema = to_arrow_schema("incidents")
    n = 1000
    cols = {f.name: pa.nulls(n, f.type) for f in schema}
    cols.update(incident_id=pa.array([f"ID{i}" for i in range(n)]), source=pa.array(["x"] * n), time_precision=pa.array(["exact"] * n),
                occurred_at=pa.array([1_700_000_000_000_000 + i * 60_000_000 for i in range(n)], pa.timestamp("us")),
                kind=pa.array(["crime"] * n), category=pa.array(["violence", "robbery"] * (n // 2)), quarter=pa.array(["2024Q1"] * n),
                lat=pa.array([41.0 + i / 1e4 for i in range(n)]), lon=pa.array([-87.0 - i / 1e4 for i in range(n)]))
    table = pa.Table.from_pydict(cols, schema=schema)
    w = DraftWriter(store, "incidents")
    w.write(table)
    draft = w.commit("0" * 64, {"file": "x.csv"})
    path = store.drafts_dir / draft / "rows.parquet"
    assert pq.read_table(path).equals(table)
    meta = pq.ParquetFile(path).metadata.row_group(0)
    enc = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(meta.num_columns)}
    assert "RLE_DICTIONARY" not in enc["incident_id"] and "RLE_DICTIONARY" in enc["category"]


def test_duckdb_hashes_from_several_threads_at_once():
    """One DuckDB database, a cursor a call: threads hashing at the same time get what one thread gets."""
    import numpy as np

    import loaders.streaming as ls

    keys = pa.array([f"k{i % 5000}" for i in range(50_000)])
    want = ls.key_hashes(keys)
    got, errors = [], []

    def work():
        try:
            got.append(ls.key_hashes(keys))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(got) == 4 and all(np.array_equal(g, want) for g in got)
    assert want[0] == want[5000] != want[1]
