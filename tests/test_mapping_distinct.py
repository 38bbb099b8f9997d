"""Mapping a long column once per distinct value gives what mapping every row gives: columns joined once per distinct
combination (loaders.mapping._combine_distinct), a field's later steps on the distinct values a step before found
(_per_unique's memory of its results), and repeated identifiers found from their hashes across batches (KeySet)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from loaders import mapping as M
from loaders import parse
from loaders.streaming import KeySet, StreamState

N = M.UNIQUE_MIN_ROWS + 1_234
NULLS = M.DEFAULT_NULLS


def _column(rng, words: list) -> pa.ChunkedArray:
    picks = rng.integers(0, len(words), N)
    return pa.chunked_array([pa.array([words[i] for i in picks[: N // 2]], pa.string()), pa.array([words[i] for i in picks[N // 2:]], pa.string())])


@pytest.mark.parametrize("cleaned", [True, False])
@pytest.mark.parametrize("ncols", [2, 3])
def test_columns_joined_per_distinct_combination_equal_joined_per_row(cleaned, ncols):
    rng = np.random.default_rng(ncols)
    words = ["THEFT", " THEFT ", "BATTERY", None, "", "N/A", "NULL", "ASSAULT", "ROBBERY  ", "über straße"]
    arrays = [_column(rng, words) for _ in range(ncols)]
    nulls = NULLS if cleaned else None
    got = M._combine_distinct(arrays, " | ", nulls)
    assert got is not None  # few distinct values: the fast way was taken
    want = M._join_parts([parse.clean_text(a, nulls) for a in arrays] if cleaned else arrays, " | ")
    assert got.to_pylist() == want.to_pylist()
    # the next step runs on the distinct combinations, and gives what it gives on every row
    steps = lambda a: parse.clean_text(pc.utf8_lower(a), ["theft | battery"])  # noqa: E731
    assert M._per_unique(got, steps).to_pylist() == steps(want).to_pylist()


def test_many_distinct_values_are_joined_row_by_row():
    arrays = [pa.chunked_array([pa.array([f"id{i}" for i in range(N)])]), pa.chunked_array([pa.array(["x"] * N)])]
    assert M._combine_distinct(arrays, " ", NULLS) is None
    table = pa.table({"a": arrays[0], "b": arrays[1]})
    assert M._combine(table, ["a", "b"], " ", "f.csv", NULLS).to_pylist()[:2] == ["id0 x", "id1 x"]


def test_keyset_counts_repeats_within_and_across_batches():
    """Occurrence numbers and first rows from the hashes equal those counted row by row in Python."""
    rng = np.random.default_rng(7)
    keys = [f"k{v}" for v in rng.integers(0, 3_000, 20_000)]
    keys = [None if i % 97 == 0 else k for i, k in enumerate(keys)]
    state, got_occ, got_first = StreamState(), [], []
    for start in range(0, len(keys), 1_500):
        part = pa.chunked_array([pa.array(keys[start:start + 1_500], pa.string())])
        occ, first = state.occurrences(state.keys, part, np.arange(start, start + len(part)) + 2)
        got_occ += occ.tolist()
        got_first += first.tolist()
    seen: dict = {}
    for i, k in enumerate(keys):
        row = i + 2
        if k is None:
            assert (got_occ[i], got_first[i]) == (0, row)
            continue
        count, first = seen.get(k, (0, row))
        assert (got_occ[i], got_first[i]) == (count, first)
        seen[k] = (count + 1, first)
    assert len(state.keys) == len(seen)
    assert sum(len(lv[0]) for lv in state.keys.levels) == len(seen)


def test_keyset_levels_merge_into_few():
    ks = KeySet()
    rng = np.random.default_rng(3)
    for b in range(40):
        h = rng.integers(0, 2**63, 1_000, dtype=np.int64).astype(np.uint64)
        ks.update(h, np.arange(b * 1_000, (b + 1) * 1_000))
    assert len(ks) == 40_000
    assert len(ks.levels) <= 6  # a lookup searches a handful of sorted arrays
    assert all(np.all(np.diff(lv[0].astype(np.float64)) >= 0) for lv in ks.levels)


def test_a_csv_mapped_by_its_header_reads_only_the_columns_its_mapping_reads(tmp_path):
    """The built-in mapping is known from the header, so the batches read only its columns; a header that names a mapped
    column in another case (looked for among the others) is read whole."""
    from loaders.ingest import _header_spec
    from loaders.textio import csv_batches

    chicago = _builtin("chicago")
    header = sorted(chicago.columns_read() | set(chicago.detect)) + ["Location Of Nothing", "Updated Never"]
    path = tmp_path / "export.csv"
    path.write_text(",".join(header) + "\n" + ",".join("x" for _ in header) + "\n", encoding="utf-8")
    batches = csv_batches(path)
    spec = _header_spec(batches, path, "incidents", None)
    assert spec is not None and spec.id == chicago.id
    batches.columns = sorted(spec.columns_read(), key=batches.names.index)
    (first,) = list(batches)
    assert set(first.columns) == chicago.columns_read() and "Updated Never" not in first.columns
    assert first.table.num_rows == 1

    other = tmp_path / "renamed.csv"
    other.write_text(",".join(h.upper() if h == "Date" else h for h in header) + "\n", encoding="utf-8")
    assert _header_spec(csv_batches(other), other, "incidents", chicago) is None


def _builtin(name: str):
    from pathlib import Path

    from loaders.mapping import Spec

    return Spec.load(Path(__file__).resolve().parents[1] / "loaders" / "sources" / f"{name}.toml")


@pytest.mark.parametrize("arrow", [True, False], ids=["arrow-text", "object"])
def test_blocks_scanned_once_per_distinct_value_find_what_each_row_holds(arrow):
    """gate.public.scan_frame's blocks, looked at once per distinct block: the same hits, rows and order as scanning each
    row's generalized block (the address finder's left out)."""
    import pandas as pd

    from gate.location import generalize_block
    from gate.public import scan_frame
    from gate.scanner import scan

    blocks = ["012XX W MAIN ST", "call 312-555-0199 at 1234 OAK AV", None, "MRS JANE SMITH HOME", "35 AV SW",
              "mail jo.bloggs@example.com", "1234 N STATE ST", "VICTIM JOHN DOE RESIDENCE"] * 40
    frame = pd.DataFrame({"block": pd.Series(blocks, dtype=pd.ArrowDtype(pa.string()) if arrow else object),
                          "__row__": np.arange(len(blocks)) + 2})
    want = []
    for i, v in enumerate(blocks):
        g = generalize_block(v) if isinstance(v, str) else None
        for h in (scan(g) if isinstance(g, str) else []):
            if h.kind != "address":
                want.append({"row": i + 2, "index": i, "column": "block", "value": g, "kind": h.kind, "match": h.match})
    got = scan_frame(frame, "incidents", "__row__")
    assert got == want
    assert {h["kind"] for h in got} >= {"phone", "email"}  # the planted values are found
