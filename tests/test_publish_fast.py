"""The gate's Arrow path over a release's batches (gate.arrow_rows) gives the same public rows and counts as the pandas
path it replaces, on rows with every case the rules treat apart: sensitive categories, the domestic flag and VAWA
offenses, hidden cells and several levels, missing and invalid points, blocks with and without house numbers, times
at midnight and before 1970, kinds missing, NaN in float columns."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from gate.arrow_rows import handles
from gate.batches import ROW_INPUTS, frame_of
from gate.public import PrivacyConfig, _to_arrow, build_public, incident_cells, incident_rows, record_ids
from model.schema import CATEGORIES, SENSITIVE_CATEGORIES, SERVICE_GROUPS
from store.versioned import to_arrow_schema

SECRET = bytes(range(32))
BLOCKS = ["1234 N STATE ST", "12XX W MADISON ST", "", "   ", None, "APT 5 1234 MAIN ST", "\u3000", "E 42 STREET",
          "on or near 17 HIGH ST", "0XX N PARK AVE", "1236 & 1238 N STATE ST", "HWY 101 1200 BLK"]
CATS = sorted(SENSITIVE_CATEGORIES) + sorted(CATEGORIES)[:6] + sorted(SERVICE_GROUPS)[:2] + [None]


def _rows(n: int, seed: int, districts: bool = True, kind_gaps: bool = True) -> pa.Table:
    """`n` canonical incident rows, a few areas and quarters so that with k=5 some sensitive cells are small."""
    rng = np.random.default_rng(seed)
    schema = to_arrow_schema("incidents")
    pick = lambda xs, p=None: [xs[i] for i in rng.choice(len(xs), n, p=p)]  # noqa: E731
    base = dt.datetime(1965, 1, 1)
    seconds = rng.integers(0, 62 * 365 * 86400, n)
    when = [base + dt.timedelta(seconds=int(s)) for s in seconds]
    when = [w.replace(hour=0, minute=0, second=0) if i % 7 == 0 else w for i, w in enumerate(when)]  # midnight: no time lost
    lat = 41.8 + rng.normal(0, 0.05, n)
    lon = -87.6 + rng.normal(0, 0.05, n)
    lat[::11], lon[::13] = np.nan, np.inf
    lat[::17] = 95.0
    lat_l, lon_l = lat.tolist(), lon.tolist()
    for i in range(0, n, 19):
        lat_l[i] = lon_l[i] = None
    resp = rng.uniform(0, 60, n).tolist()
    for i in range(0, n, 5):
        resp[i] = float("nan") if i % 10 else None
    cats = pick(CATS)
    kinds = [("service" if c in SERVICE_GROUPS else "crime") for c in cats]
    if kind_gaps:
        for i in range(0, n // 3, 9):  # rows stored before incidents had a kind: only in the first third's batches
            kinds[i] = None
    data = {
        "incident_id": [f"id-{seed}-{i}" for i in range(n)],
        "source": pick(["rms", "cad"]),
        "occurred_at": when,
        "reported_at": [None if i % 6 == 0 else w + dt.timedelta(minutes=37) for i, w in enumerate(when)],
        "occurred_end": [None if i % 2 else w + dt.timedelta(hours=2) for i, w in enumerate(when)],
        "time_precision": pick(["exact", "exact", "day", "month"]),
        "offence_raw": pick(["THEFT", "BATTERY"]),
        "kind": kinds,
        "category": cats,
        "domestic": pick([True, False, None], [0.1, 0.6, 0.3]),
        "area": pick(["1", "2", "3", "4", "5", None], [0.3, 0.3, 0.2, 0.1, 0.05, 0.05]),
        "district": pick(["D1", "D2", None]) if districts else [None] * n,
        "lat": lat_l,
        "lon": lon_l,
        "block": pick(BLOCKS),
        "status": pick(["open", "cleared", None]),
        "response_minutes": resp,
        "priority": pick(["1", "2", None]),
        "clery_category": pick([None, None, "burglary"]),
        "clery_geography": pick([None, "on_campus", "noncampus"]),
        "bias": [None] * n,
        "vawa_offense": pick([None] * 8 + ["stalking", "dating_violence"]),
        "clery_action": [None] * n,
        "quarter": pick(["2024Q1", "2024Q2", "2024Q3"]),
    }
    return pa.Table.from_pydict({f.name: data[f.name] for f in schema}, schema=schema)


def _both(batch: pa.RecordBatch, cfg: PrivacyConfig, cells) -> tuple[tuple, tuple]:
    ids = record_ids(batch.column("source"), batch.column("incident_id"), SECRET)
    fast = incident_rows(batch, cfg, SECRET, cells, ids=ids)
    rows, counts = incident_rows(frame_of(batch, "incidents"), cfg, SECRET, cells, ids=ids)
    return fast, (_to_arrow("incidents", rows), counts)


@pytest.mark.parametrize("seed,districts", [(1, True), (2, False), (3, True)])
def test_arrow_batches_equal_the_pandas_path(seed, districts):
    table = _rows(3000, seed, districts)
    cfg = PrivacyConfig(k=5)
    cells = incident_cells(table.to_pandas(), cfg)
    assert (cells.levels is not None) == districts
    total: dict = {}
    for batch in table.to_batches(max_chunksize=400):
        assert handles(batch.schema)
        (fast, fast_counts), (slow, slow_counts) = _both(batch, cfg, cells)
        assert fast.schema.equals(slow.schema, check_metadata=True)
        assert fast.equals(slow), [c for c in fast.column_names if not fast.column(c).equals(slow.column(c))]
        assert fast_counts == slow_counts
        for k, v in fast_counts.items():
            total[k] = total.get(k, 0) + v
    # the cases above were all met: every count moved, and some sensitive rows lost their area to a hidden cell
    assert all(v > 0 for v in total.values()), total


def test_blocks_remembered_across_batches_and_forgotten_past_the_limit(monkeypatch):
    import gate.arrow_rows as ar

    monkeypatch.setattr(ar, "_seen", [None])
    monkeypatch.setattr(ar, "SEEN_MAX", 8)  # fewer than the distinct blocks of one batch: the memo starts again each time
    table = _rows(900, 10)
    cfg = PrivacyConfig(k=5)
    cells = incident_cells(table.to_pandas(), cfg)
    for size in (300, 7):  # batches of all the blocks, then of a few new ones each
        for batch in table.to_batches(max_chunksize=size):
            (fast, counts), (slow, slow_counts) = _both(batch, cfg, cells)
            assert fast.equals(slow) and counts == slow_counts
        monkeypatch.setattr(ar, "SEEN_MAX", 1 << 18)


def test_a_batch_without_sensitive_rows_keeps_its_times():
    table = _rows(600, 4)
    cfg = PrivacyConfig(k=5)
    cells = incident_cells(table.to_pandas(), cfg)
    plain = table.filter(np.array([c not in SENSITIVE_CATEGORIES for c in table.column("category").to_pylist()])
                         & ~np.array(table.column("domestic").fill_null(False).to_pylist())
                         & np.array(table.column("vawa_offense").is_null().to_pylist()))
    batch = plain.combine_chunks().to_batches()[0]
    (fast, counts), (slow, slow_counts) = _both(batch, cfg, cells)
    assert fast.equals(slow) and counts == slow_counts
    assert counts["dates_only"] == counts["withheld_locations"] == counts["areas_withheld"] == 0
    assert fast.column("occurred_at").combine_chunks().equals(batch.column("occurred_at"))


@pytest.mark.parametrize("text", [pa.large_string(), pa.string_view()])
def test_a_batch_of_a_table_stored_before_some_fields_existed(text):
    """A stored table read as a dataset: no kind, no domestic, no Clery fields, strings of another Arrow type."""
    table = _rows(1200, 5)
    keep = [c for c in table.column_names if c not in ("kind", "domestic", "clery_geography", "clery_category", "vawa_offense", "bias")]
    old = table.select(keep)
    old = old.cast(pa.schema([pa.field(f.name, text) if f.type == pa.string() else f for f in old.schema]))
    cfg = PrivacyConfig(k=5)
    cells = incident_cells(frame_of(old.to_batches()[0], "incidents"), cfg)
    for batch in old.to_batches(max_chunksize=500):
        assert handles(batch.schema)
        (fast, counts), (slow, slow_counts) = _both(batch, cfg, cells)
        assert fast.equals(slow) and counts == slow_counts


def test_types_the_arrow_path_does_not_take_go_the_pandas_way():
    table = _rows(300, 6)
    cfg = PrivacyConfig(k=5)
    cells = incident_cells(table.to_pandas(), cfg)
    texty = table.set_column(table.schema.get_field_index("domestic"), "domestic",
                             pa.array([None if v is None else str(v) for v in table.column("domestic").to_pylist()], pa.string()))
    batch = texty.combine_chunks().to_batches()[0]
    assert not handles(batch.schema)
    (fast, counts), (slow, slow_counts) = _both(batch, cfg, cells)
    assert fast.equals(slow) and counts == slow_counts
    words = table.set_column(table.schema.get_field_index("occurred_at"), "occurred_at",
                             pa.array([str(v) for v in table.column("occurred_at").to_pylist()], pa.string()))
    batch = words.combine_chunks().to_batches()[0]
    assert not handles(batch.schema)
    with pytest.raises(TypeError, match="must hold timestamps"):  # the pandas path's message, as before
        incident_rows(batch, cfg, SECRET, cells)


class _Batches:
    """A table handed to the gate in batches, as a publish hands it a draft's rows."""

    def __init__(self, table, size: int):
        self.table, self.size, self.schema = table, size, table.schema

    def to_batches(self, columns=None):
        yield from (self.table if columns is None else self.table.select(columns)).to_batches(max_chunksize=self.size)


def test_release_in_batches_equals_whole_and_reads_only_what_it_publishes():
    table = _rows(2500, 7)
    cfg = PrivacyConfig(k=5)
    whole, whole_note = build_public({"incidents": table}, cfg, SECRET)
    read: list = []

    class Watched(_Batches):
        def to_batches(self, columns=None):
            read.append(columns)
            yield from super().to_batches(columns)

    parts, parts_note = build_public({"incidents": Watched(table, 300)}, cfg, SECRET)
    assert whole_note["incidents"]["areas_withheld"] > 0
    assert parts_note == whole_note
    assert sorted(parts) == sorted(whole)
    for name in whole:
        assert parts[name].equals(whole[name]), name
    assert all(c is not None for c in read)  # never every column: the raw offence, bias ... are not read for the rows
    assert {c for cols in read for c in cols} <= ROW_INPUTS | {"clery_category", "vawa_offense", "bias", "reported_at", "occurred_at", "status", "clery_action"}


def test_counts_of_a_draft_read_dictionary_encoded_equal_those_of_its_text(tmp_path):
    """count_frame groups a draft's stored text by its dictionary codes (store.drafts.DraftRows.dictionary_batches): the
    same cells and counts as from the strings, also with kinds to work out and with kept rows of a table before it."""
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    from gate.batches import count_frame
    from store.drafts import DraftRows, Kept, Rows

    keys = ["quarter", "area", "district", "category", "kind"]
    table = _rows(2000, 8)  # kinds missing in the first third
    path = tmp_path / "rows.parquet"
    pq.write_table(table.cast(pa.schema([f.with_nullable(True) for f in table.schema])), path, row_group_size=700)
    draft = DraftRows(path, table.schema)
    as_text = count_frame(_Batches(table, 700)).sort_values(keys).reset_index(drop=True)
    coded = count_frame(draft)
    assert coded.dtypes.equals(as_text.dtypes)
    assert coded.sort_values(keys).reset_index(drop=True).equals(as_text)
    kept = _rows(500, 9, kind_gaps=False)
    both = Rows([Kept(pads.dataset(kept)), draft], table.schema)
    whole = pa.concat_tables([kept, table])
    assert count_frame(both).sort_values(keys).reset_index(drop=True).equals(count_frame(_Batches(whole, 700)).sort_values(keys).reset_index(drop=True))


@pytest.mark.parametrize("cell_m,guard_m", [(200.0, 10.0), (50.0, 12.5), (5000.0, 1000.0)])
def test_snap_measures_only_the_points_near_their_centre_latitude_and_moves_the_same(monkeypatch, cell_m, guard_m):
    """Grid.snap works out distances only for points within NEAR_BAND guard_m of their centre's latitude: the same
    published points as measuring every point, also for points right at the guard distance, near the poles and the
    antimeridian."""
    import gate.location as loc

    grid = loc.Grid(cell_m, guard_m)
    rng = np.random.default_rng(11)
    lat = np.concatenate([rng.uniform(-90, 90, 20000), rng.uniform(41.6, 42.1, 20000), [89.9999, -89.9999, 0.0]])
    lon = np.concatenate([rng.uniform(-180, 180, 20000), rng.uniform(-87.9, -87.5, 20000), [179.9999, -180.0, 180.0]])
    _, _, clat, clon = grid._cell(grid.row_index(lat), lon)
    # points around their cell's centre, at about the guard distance in every direction
    ang = rng.uniform(0, 2 * np.pi, lat.size)
    r = rng.uniform(0.9, 1.1, lat.size) * guard_m / loc.EARTH_RADIUS_M * 180 / np.pi
    lat2 = np.clip(clat + r * np.sin(ang), -90, 90)
    lon2 = clon + r * np.cos(ang) / np.maximum(np.cos(np.radians(clat)), 1e-6)
    lat, lon = np.concatenate([lat, lat2]), np.concatenate([lon, np.clip(lon2, -180, 180)])
    banded = grid.snap(lat, lon)
    monkeypatch.setattr(loc, "NEAR_BAND", np.inf)  # every point measured, as before
    every = grid.snap(lat, lon)
    assert np.array_equal(banded[0], every[0], equal_nan=True) and np.array_equal(banded[1], every[1], equal_nan=True)
    moved = (banded[0] != grid.row_centre(grid.row_index(lat))) & np.isfinite(banded[0])
    assert moved.sum() > 100  # many points took a neighbour's centre: the guard path was exercised
