"""Fuzzing the readers and the mapping (issue 14, item 8), a fixed-seed run for CI (bench/fuzz.py runs longer ones).

Generated CSV (any header, delimiter, line ending, encoding, stray quotes, cut short, or random bytes), XLSX written by
openpyxl (odd values, several sheets, merged header cells, a cell anywhere up to XFD1048576), JSON and GeoJSON (any
shape, cut short), and real demo exports of known sources damaged cell by cell (as CSV, XLSX or JSON) go through the
upload worker as an upload does: loaders.textio.read_any for the first three, loaders.ingest.ingest with the built-in
mapping for the last. Each must be read or refused with InputError and nothing else, within the worker's memory
(1 GB) and time, and every ingest's rows must add up. Hypothesis runs derandomized, so CI sees the same examples.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

from tests.fuzz_kit import FUZZ_LIMITS, csv_files, damaged_exports, json_files, verdict, xlsx_books

pytestmark = pytest.mark.slow

CI = settings(derandomize=True, database=None, deadline=dt.timedelta(seconds=20),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
_n = itertools.count()
EVENT = {"event_ref": "CR-2023-0001", "event_date": "2023-10-04", "event_type": "Foot Patrol", "title": "Market Square foot patrol",
         "location": {"nbhd_code": "MS"}, "attendance": 70, "officer_hours": 9.0, "partners": None}  # one of the demo's events


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """A store with the fuzzing limits, and the worker's fork server started (it preloads the readers once)."""
    from store import worker

    root = tmp_path_factory.mktemp("fuzz") / "store"
    root.mkdir()
    (root / "analyst.toml").write_text(FUZZ_LIMITS, encoding="utf-8")
    worker.run(root, "os:getpid")
    return root


def _file(root: Path, name: str, data: bytes) -> Path:
    folder = root.parent / f"in-{next(_n)}"
    folder.mkdir()
    (folder / name).write_bytes(data)
    return folder / name


@settings(CI, max_examples=60)
@given(f=csv_files())
def test_csv_is_read_or_refused_in_a_sentence(root, f):
    path = _file(root, *f)
    verdict(root, "tests.fuzz_kit:read_summary", path)
    shutil.rmtree(path.parent)


@settings(CI, max_examples=30)
@given(book=xlsx_books())
def test_xlsx_is_read_or_refused_in_a_sentence(root, book):
    path = _file(root, "export.xlsx", book.bytes())
    out = verdict(root, "tests.fuzz_kit:read_sheets_summary", path)
    far = [s[2] for s in book.sheets if s[2]]
    if any(r * c > 10_000_000 or c > 5_000 for r, c in far):
        assert out.startswith("refused:") and "this server reads" in out, out  # refused before the reader lays it out
    shutil.rmtree(path.parent)


@settings(CI, max_examples=50)
@given(f=json_files())
@example(f=("export.json", b"\xff\xfe["))  # UTF-16 cut part-way through a character: UnicodeDecodeError before
@example(f=("areas.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": true, "geometry": null}]}'))
def test_json_is_read_or_refused_in_a_sentence(root, f):
    path = _file(root, *f)
    verdict(root, "tests.fuzz_kit:read_summary", path)
    shutil.rmtree(path.parent)


@settings(CI, max_examples=25)
@given(f=damaged_exports())
@example(f=("demo_engagement.toml", "export.json", json.dumps({"events": [{}, {**EVENT, "start_time": ""}]}).encode()))  # a row whose
# joined date and time are both missing: pyarrow 26 left it out of the join, so the columns no longer lined up
@example(f=("demo_engagement.toml", "export.json", json.dumps({"events": [{**EVENT, "attendance": "1E20"}]}).encode()))  # over int64
def test_a_damaged_known_export_is_mapped_and_every_row_accounted_for(root, f):
    spec_file, name, data = f
    path = _file(root, name, data)
    store = path.parent / "store"
    store.mkdir()
    (store / "analyst.toml").write_text(FUZZ_LIMITS, encoding="utf-8")
    verdict(store, "tests.fuzz_kit:ingest_summary", path, spec_file, store)
    shutil.rmtree(path.parent)
