"""The public gate's primitives: location generalization, sensitive masking, small-cell suppression, scanner, safe CSV."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gate import (
    Grid,
    Hit,
    exposed_cells,
    generalize_block,
    generalize_blocks,
    haversine_m,
    mask_sensitive,
    neutralize,
    scan,
    scan_column,
    snap_points,
    suppress_long,
    suppress_table,
    write_safe_csv,
)
from gate.location import DEFAULT_CELL_M, DEFAULT_GUARD_M

DATA = Path(__file__).parent / "data"
REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
MIN_DISTANCE_M = 5.0

# ============================================================================================
# coordinates

lats = st.floats(-90, 90, allow_nan=False)
lons = st.floats(-180, 180, allow_nan=False)
cells = st.floats(100, 250)


@settings(max_examples=400, deadline=None)
@given(lat=lats, lon=lons, cell=cells)
def test_no_published_point_lies_within_a_few_metres_of_its_input(lat, lon, cell):
    out_lat, out_lon = snap_points(np.array([lat]), np.array([lon]), cell_m=cell)
    d = haversine_m(lat, lon, out_lat, out_lon)[0]
    assert d >= MIN_DISTANCE_M
    assert -90 <= out_lat[0] <= 90 and -180 <= out_lon[0] <= 180
    if abs(lat) <= 89:  # about one cell at most (half a diagonal, or one cell when moved off a centre)
        assert d <= 1.1 * cell + DEFAULT_GUARD_M


@settings(max_examples=300, deadline=None)
@given(lat=st.floats(-85, 85), lon=lons, cell=cells, dx=st.floats(-1, 1), dy=st.floats(-1, 1))
def test_points_at_or_near_a_cell_centre_are_moved_away(lat, lon, cell, dx, dy):
    """The adversarial case: a true point sitting exactly on (or metres from) a cell centre."""
    g = Grid(cell_m=cell)
    j = g.row_index(lat)
    _, _, clat, clon = g._cell(j, lon)
    # a point within guard metres of the centre (dx, dy in units of the guard radius)
    r = g.guard_m * 0.99
    plat = float(clat) + dy * r / 111_195.0
    plon = float(clon) + dx * r / (111_195.0 * np.cos(np.radians(float(clat))))
    plon = (plon + 180) % 360 - 180
    out_lat, out_lon = g.snap(np.array([plat]), np.array([plon]))
    assert haversine_m(plat, plon, out_lat, out_lon)[0] >= MIN_DISTANCE_M
    exact_lat, exact_lon = g.snap(np.atleast_1d(clat), np.atleast_1d(clon))
    assert haversine_m(clat, clon, exact_lat, exact_lon)[0] >= g.guard_m


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(lats, lons), min_size=1, max_size=50))
def test_snapping_is_vectorised_and_deterministic(points):
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    a_lat, a_lon = snap_points(lat, lon)
    for i in range(len(points)):
        b_lat, b_lon = snap_points(lat[i : i + 1], lon[i : i + 1])
        assert (a_lat[i], a_lon[i]) == (b_lat[0], b_lon[0])
    again = snap_points(lat, lon)
    assert np.array_equal(again[0], a_lat) and np.array_equal(again[1], a_lon)


def test_grid_cells_are_about_cell_m_square_at_every_latitude():
    for cell in (100.0, DEFAULT_CELL_M, 250.0):
        g = Grid(cell_m=cell)
        for lat in (0.0, 30.0, 43.7, 51.5, 60.0, 75.0):
            j = g.row_index(lat)
            c = g.row_centre(j)
            n = g.cells_in_row(j)
            width = haversine_m(c, 0.0, c, 360.0 / n)
            height = haversine_m(c, 0.0, c + g.row_height_deg, 0.0)
            assert abs(width - cell) / cell < 0.01, (lat, width)
            assert abs(height - cell) / cell < 0.001, (lat, height)


def test_missing_and_invalid_coordinates_stay_missing():
    lat = np.array([np.nan, 41.9, 95.0, 41.9])
    lon = np.array([-87.6, np.nan, -87.6, -200.0])
    out = snap_points(lat, lon)
    assert np.isnan(out[0]).all() and np.isnan(out[1]).all()


def test_grid_rejects_bad_settings():
    with pytest.raises(ValueError):
        Grid(cell_m=10)
    with pytest.raises(ValueError):
        Grid(cell_m=200, guard_m=80)


def test_real_points_chicago_sample():
    path = REAL / "chicago-cpd-crimes" / "sample-2024" / "Crimes_-_2001_to_Present.csv"
    if not path.exists():
        pytest.skip("shared real data not present")
    df = pd.read_csv(path, usecols=["Latitude", "Longitude"]).dropna()
    out_lat, out_lon = snap_points(df["Latitude"], df["Longitude"])
    d = haversine_m(df["Latitude"], df["Longitude"], out_lat, out_lon)
    assert d.min() >= DEFAULT_GUARD_M
    assert d.max() <= DEFAULT_CELL_M + DEFAULT_GUARD_M
    # incidents share published points: the grid is coarser than the data
    assert len(set(zip(out_lat, out_lon))) < 0.7 * len(set(zip(df["Latitude"], df["Longitude"])))


# ============================================================================================
# hundred-blocks

BLOCK_CASES = {
    "1234 N STATE ST": "12XX N STATE ST",
    "012XX W MAIN ST": "012XX W MAIN ST",
    "12XX": "12XX",
    "12XX MAIN ST": "12XX MAIN ST",
    "MAIN ST": "MAIN ST",
    "BOSWORTH ST \\ DIAMOND ST": "BOSWORTH ST \\ DIAMOND ST",
    "CLARK DR / E 1ST AVE": "CLARK DR / E 1ST AVE",
    "MAIN ST & OAK AVE": "MAIN ST & OAK AVE",
    "OFFSET TO PROTECT PRIVACY": "OFFSET TO PROTECT PRIVACY",
    "On or near Judd Street": "On or near Judd Street",
    "1688B MAIN ST": "16XX MAIN ST",
    "2X W HASTINGS ST": "0XX W HASTINGS ST",
    "X W CORDOVA ST": "0XX W CORDOVA ST",
    "7 Main St": "0XX Main St",
    "364 WEST  127 STREET": "3XX WEST  127 STREET",
    "5 AVENUE": "5 AVENUE",
    "5 AVENUE & E 42 STREET": "5 AVENUE & E 42 STREET",
    "12 ST JAMES ST": "0XX ST JAMES ST",
    "1234-1240 MAIN ST": "12XX MAIN ST",
    "5-1234 MAIN ST": "12XX MAIN ST",
    "APT 3, 1234 MAIN ST": "12XX MAIN ST",
    "1234 MAIN ST APT 5": "12XX MAIN ST",
    "Flat 3, 12 High Street": "0XX High Street",
    "1234 1/2 MAIN ST": "12XX MAIN ST",
    "26TH AVE NE / NE BLAKELEY ST": "26TH AVE NE / NE BLAKELEY ST",
    "10XX HAMILTON ST [IFO 1072 HAMILTON ST]": "10XX HAMILTON ST [IFO 10XX HAMILTON ST]",
    "20XX STAINSBURY AVE [IFO 2095 STAINSBURY": "20XX STAINSBURY AVE [IFO 20XX STAINSBURY",
    "1234 n state st": "12XX n state st",
}


@pytest.mark.parametrize("raw,expected", list(BLOCK_CASES.items()))
def test_hundred_block_examples(raw, expected):
    assert generalize_block(raw) == expected


street_word = st.sampled_from(["MAIN", "STATE", "OAK", "LAKE SHORE", "MARTIN LUTHER KING JR", "Queen", "high", "ELM", "5TH", "127"])
street_type = st.sampled_from(["ST", "AVE", "BLVD", "DR", "Road", "Street", "PL", "WAY", "CRES", "TERRACE", "LN"])
direction = st.sampled_from(["", "N ", "S ", "E ", "W ", "NE ", "North "])


@settings(max_examples=300, deadline=None)
@given(
    number=st.integers(0, 99_999),
    pad=st.integers(0, 3),
    letter=st.sampled_from(["", "A", "B", "K"]),
    d=direction,
    name=street_word,
    kind=street_type,
)
def test_every_masked_block_ends_in_xx_then_the_street(number, pad, letter, d, name, kind):
    street = f"{d}{name} {kind}"
    raw = f"{str(number).zfill(len(str(number)) + pad)}{letter} {street}"
    out = generalize_block(raw)
    m = re.fullmatch(r"(\d*XX) (.*)", out)
    assert m, (raw, out)
    assert m.group(2) == street
    assert int(m.group(1)[:-2] or 0) == number // 100


@settings(max_examples=200, deadline=None)
@given(hundreds=st.integers(0, 999), pad=st.integers(0, 3), d=direction, name=street_word, kind=street_type)
def test_masked_blocks_stay_masked(hundreds, pad, d, name, kind):
    block = f"{str(hundreds).zfill(len(str(hundreds)) + pad)}XX {d}{name} {kind}"
    assert generalize_block(block) == block


@settings(max_examples=200, deadline=None)
@given(a=street_word, b=street_word, k1=street_type, k2=street_type, sep=st.sampled_from([" \\ ", " & ", " / ", " AND "]))
def test_intersections_and_streets_without_numbers_stay_as_they_are(a, b, k1, k2, sep):
    assume(not a[0].isdigit())
    for value in (f"{a} {k1}{sep}{b} {k2}", f"{a} {k1}", f"On or near {a} {k1}"):
        assert generalize_block(value) == value


def test_generalize_blocks_is_vectorised_and_keeps_missing():
    s = pd.Series(["1234 N STATE ST", None, "1234 N STATE ST", np.nan, "MAIN ST"], index=[5, 6, 7, 8, 9])
    out = generalize_blocks(s)
    assert list(out.index) == [5, 6, 7, 8, 9]
    assert out[5] == out[7] == "12XX N STATE ST" and out[9] == "MAIN ST"
    assert out[[6, 8]].isna().all()


# ============================================================================================
# sensitive incidents


def _incidents(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cats = np.array(["sexual_offences", "robbery", "violence", "burglary", "other"])
    t = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90 * 24 * 60, n), unit="min")
    lat = rng.uniform(41.65, 42.0, n)
    lat[rng.random(n) < 0.1] = np.nan
    blocks = [f"{rng.integers(1, 12000)} {'NSEW'[rng.integers(0, 4)]} MAIN ST" for _ in range(n)]
    return pd.DataFrame(
        {
            "incident_id": [str(i) for i in range(n)],
            "category": cats[rng.integers(0, len(cats), n)],
            "domestic": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
            "lat": lat,
            "lon": rng.uniform(-87.9, -87.5, n),
            "block": pd.Series(blocks).where(rng.random(n) > 0.1, None),
            "occurred_at": t,
            "reported_at": t + pd.to_timedelta(rng.integers(0, 600, n), unit="min"),
            "time_precision": rng.choice(["exact", "day", "month"], n),
            "area": rng.choice(["1", "2", "3"], n),
        }
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 300), seed=st.integers(0, 10_000), extra=st.sampled_from([(), ("robbery",)]))
def test_mask_sensitive_properties(n, seed, extra):
    frame = _incidents(n, seed)
    before = frame.copy()
    sensitive = {"sexual_offences", *extra}
    out, counts = mask_sensitive(frame, sensitive)
    pd.testing.assert_frame_equal(frame, before)  # the input is not modified
    sens = frame["category"].isin(sensitive) | frame["domestic"].fillna(False).astype(bool)
    # sensitive: no point, no block, no time of day
    assert out.loc[sens, ["lat", "lon"]].isna().all().all()
    assert out.loc[sens, "block"].isna().all()
    for col in ("occurred_at", "reported_at"):
        v = out.loc[sens, col].dropna()
        assert (v == v.dt.normalize()).all()
    assert not out.loc[sens, "time_precision"].eq("exact").any()
    # everything else: generalized, never within a few metres, times untouched
    keep = ~sens & frame["lat"].notna()
    d = haversine_m(frame.loc[keep, "lat"], frame.loc[keep, "lon"], out.loc[keep, "lat"], out.loc[keep, "lon"])
    assert (d >= MIN_DISTANCE_M).all()
    assert out.loc[~sens, "block"].dropna().str.match(r"^\d*XX ").all()
    pd.testing.assert_series_equal(out.loc[~sens, "occurred_at"], frame.loc[~sens, "occurred_at"])
    # counts by area are unchanged; the counts say what happened
    assert out["area"].value_counts().equals(frame["area"].value_counts())
    assert counts["generalized_points"] == int(keep.sum())
    assert counts["generalized_blocks"] == int((~sens & frame["block"].notna()).sum())
    had = frame["lat"].notna() | frame["block"].notna()
    assert counts["withheld_locations"] == int((sens & had).sum())
    lost = sens & (
        frame["time_precision"].eq("exact")
        | (frame["occurred_at"] != frame["occurred_at"].dt.normalize())
        | (frame["reported_at"] != frame["reported_at"].dt.normalize())
    )
    assert counts["dates_only"] == int(lost.sum())


def test_mask_sensitive_defaults_to_the_schema_and_domestic_flag():
    frame = _incidents(50, 1)
    out, _ = mask_sensitive(frame)
    dom = frame["domestic"].fillna(False).astype(bool)
    assert out.loc[dom | frame["category"].eq("sexual_offences"), "lat"].isna().all()
    assert out.loc[~dom & frame["category"].eq("robbery") & frame["lat"].notna(), "lat"].notna().all()


def test_mask_sensitive_rejects_text_timestamps():
    frame = _incidents(5, 2)
    frame["occurred_at"] = frame["occurred_at"].astype(str)
    with pytest.raises(TypeError, match="occurred_at"):
        mask_sensitive(frame, {"robbery", "sexual_offences", "violence", "burglary", "other"})


# ============================================================================================
# small-cell suppression

try:
    from scipy.optimize import linprog
except ImportError:  # pragma: no cover - scipy is present where the suite is run
    linprog = None


def _augment(arr: np.ndarray) -> np.ndarray:
    R, C = arr.shape
    a = np.zeros((R + 1, C + 1))
    a[:R, :C] = arr
    a[:R, C] = arr.sum(1)
    a[R, :C] = arr.sum(0)
    a[R, C] = arr.sum()
    return a


def _feasible_ranges(arr: np.ndarray, hidden: np.ndarray) -> list[tuple[tuple[int, int], float, float]]:
    """For each hidden cell: the least and greatest value it can take given everything published.

    Unknowns are the hidden cells (totals included); constraints: each row of cells adds up to
    its row total, each column to its column total, the totals to the grand total; every hidden
    cell is at least 1 (zeros are always published, so the public knows a hidden cell is not 0).
    """
    a = _augment(arr)
    R, C = a.shape
    cells = list(zip(*np.nonzero(hidden)))
    if not cells:
        return []
    pos = {c: i for i, c in enumerate(cells)}
    rows, rhs = [], []

    def constraint(terms):
        coef, b = np.zeros(len(cells)), 0.0
        for cell, w in terms:
            if cell in pos:
                coef[pos[cell]] += w
            else:
                b -= w * a[cell]
        if coef.any():
            rows.append(coef)
            rhs.append(b)

    for r in range(R):
        constraint([((r, c), 1) for c in range(C - 1)] + [((r, C - 1), -1)])
    for c in range(C):
        constraint([((r, c), 1) for r in range(R - 1)] + [((R - 1, c), -1)])
    A = np.array(rows)
    out = []
    for i, cell in enumerate(cells):
        obj = np.zeros(len(cells))
        obj[i] = 1.0
        lo = linprog(obj, A_eq=A, b_eq=rhs, bounds=[(1, None)] * len(cells), method="highs")
        hi = linprog(-obj, A_eq=A, b_eq=rhs, bounds=[(1, None)] * len(cells), method="highs")
        assert lo.status == 0, "the true table must be feasible"
        top = np.inf if hi.status == 3 else -hi.fun
        out.append((cell, lo.fun, top))
    return out


def _cells_that_can_move(arr: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Exact check without linear programming, for up to 10 hidden inner cells.

    Tries every change of -1, 0 or +1 to each hidden inner cell (totals follow from the cells):
    a change is possible when every published total stays the same and every hidden cell stays
    at least 1. Returns, per cell of the table with margins, whether some possible change moves
    it. (Any possible change splits into cycles whose entries are +-1, so this finds a witness
    whenever one exists.)
    """
    import itertools

    a = _augment(arr)
    R, C = arr.shape
    rows, cols = np.nonzero(hidden[:R, :C])
    h = len(rows)
    moved = np.zeros_like(hidden)
    if h == 0:
        return moved
    d = np.array(list(itertools.product((-1, 0, 1), repeat=h)), dtype=np.int64)
    full = np.zeros((len(d), R, C), np.int64)
    full[:, rows, cols] = d
    dr, dc, dg = full.sum(2), full.sum(1), full.sum((1, 2))
    ok = (d != 0).any(1)
    ok &= (dr[:, ~hidden[:R, C]] == 0).all(1) & (dc[:, ~hidden[R, :C]] == 0).all(1)
    if not hidden[R, C]:
        ok &= dg == 0
    ok &= (a[rows, cols] + d >= 1).all(1)
    ok &= (a[:R, C][hidden[:R, C]] + dr[:, hidden[:R, C]] >= 1).all(1)
    ok &= (a[R, :C][hidden[R, :C]] + dc[:, hidden[R, :C]] >= 1).all(1)
    if hidden[R, C]:
        ok &= a[R, C] + dg >= 1
    good = ok
    moved[rows, cols] = (d[good] != 0).any(0)
    moved[:R, C] = (dr[good] != 0).any(0)
    moved[R, :C] = (dc[good] != 0).any(0)
    moved[R, C] = (dg[good] != 0).any()
    return moved & hidden


small_counts = st.sampled_from([0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 7, 12, 40])


MAX_SIDE = 6 if linprog is not None else 4


@st.composite
def count_tables(draw):
    r = draw(st.integers(1, MAX_SIDE))
    c = draw(st.integers(1, MAX_SIDE))
    values = draw(st.lists(st.lists(small_counts, min_size=c, max_size=c), min_size=r, max_size=r))
    return pd.DataFrame(values, index=[f"area{i}" for i in range(r)], columns=[f"cat{j}" for j in range(c)])


@pytest.mark.slow  # 120 tables, each solved for every suppressed cell
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(table=count_tables(), k=st.sampled_from([2, 3, 5]))
def test_no_suppressed_value_can_be_recovered_from_totals(table, k):
    res = suppress_table(table, k)
    arr = table.to_numpy(dtype=float)
    a = _augment(arr)
    hidden = res.mask.to_numpy()
    # primary cells: every 0 < count < k (cells and totals); zeros never hidden
    assert np.array_equal(res.status.to_numpy() == "primary", (a > 0) & (a < k))
    assert not (hidden & (a == 0)).any()
    # what is published is the truth
    shown = ~hidden
    assert np.array_equal(res.values.to_numpy()[shown], a[shown])
    assert np.isnan(res.values.to_numpy()[hidden]).all()
    assert res.n_primary + res.n_complementary == int(hidden.sum())
    # the classic necessary condition: no row or column holds exactly one hidden cell
    assert not (hidden.sum(axis=1) == 1).any() and not (hidden.sum(axis=0) == 1).any()
    if int(hidden.sum()) == 0:
        return
    # the real test: each hidden cell can take more than one value given everything published
    inner_hidden = int(hidden[:-1, :-1].sum())
    if linprog is not None:
        for cell, lo, hi in _feasible_ranges(arr, hidden):
            assert hi - lo > 0.5, f"cell {cell} (true {a[cell]}) is pinned to [{lo}, {hi}] in\n{table}"
            assert lo - 1e-6 <= a[cell] <= hi + 1e-6
    else:  # pragma: no cover - without scipy, the exact enumeration below is the test
        assume(inner_hidden <= 10)
    if inner_hidden <= 10:
        moved = _cells_that_can_move(arr, hidden)
        assert np.array_equal(moved, hidden), f"pinned: {list(zip(*np.nonzero(hidden & ~moved)))} in\n{table}"
    assert exposed_cells(table, res) == []


def test_suppression_chooses_the_smallest_complementary_cells():
    table = pd.DataFrame([[1, 50, 9], [60, 70, 8], [55, 40, 30]], index=list("abc"), columns=list("xyz"))
    res = suppress_table(table, 3)
    st_ = res.status
    assert st_.loc["a", "x"] == "primary"
    # the cheapest cycle through a-x is a-z (9), b-z (8), b-x (60) = 77 hidden, cheaper than
    # a-z, c-z, c-x (94) or any cycle through the totals
    assert res.n_complementary == 3
    assert {(r, c) for r, c in zip(*np.nonzero(res.status.eq("complementary").to_numpy()))} == {(0, 2), (1, 2), (1, 0)}
    assert set(res.mask.sum(axis=0)[res.mask.sum(axis=0) > 0].index) <= {"x", "z"}
    assert not res.mask.loc["Total"].any() and not res.mask["Total"].any()


def test_suppression_hides_a_total_when_nothing_else_can_protect_a_cell():
    table = pd.DataFrame([[2, 0], [0, 0]], index=["a", "b"], columns=["x", "y"])
    res = suppress_table(table, 3)
    # the only non-zero cells are a-x and its totals: all must go
    assert res.mask.loc["a", "x"] and res.mask.loc["a", "Total"] and res.mask.loc["Total", "x"]
    assert exposed_cells(table, res) == []


def test_k_one_suppresses_nothing_and_bad_input_is_refused():
    table = pd.DataFrame([[1, 2], [3, 0]])
    assert suppress_table(table, 1).n_primary == 0
    with pytest.raises(ValueError):
        suppress_table(table, 0)
    with pytest.raises(ValueError):
        suppress_table(pd.DataFrame([[-1, 2]]), 3)
    with pytest.raises(ValueError):
        suppress_table(pd.DataFrame([[1.5, 2]]), 3)
    with pytest.raises(ValueError, match="margins_name"):
        suppress_table(pd.DataFrame([[1, 2]], columns=["Total", "x"]), 3)


def test_suppress_long():
    df = pd.DataFrame(
        {
            "area": ["A", "A", "B", "C", "C", "A"],
            "category": ["x", "y", "x", "z", "x", "x"],
            "n": [1, 5, 4, 2, 9, 1],  # A/x appears twice: summed to 2
        }
    )
    out, counts = suppress_long(df, "area", "category", "n", k=3)
    assert list(out.columns) == ["area", "category", "n", "suppressed", "suppression"]
    assert str(out["n"].dtype) == "Int64"
    cell = out.set_index(["area", "category"])
    assert cell.loc[("A", "x"), "suppression"] == "primary" and pd.isna(cell.loc[("A", "x"), "n"])
    assert cell.loc[("B", "y"), "n"] == 0  # absent combinations are published zeros
    assert counts["primary"] == int((out["suppression"] == "primary").sum())
    assert counts["complementary"] == int((out["suppression"] == "complementary").sum())
    assert ("Total", "Total") in cell.index
    inner, _ = suppress_long(df, ["area"], ["category"], "n", k=3, include_margins=False)
    assert "Total" not in set(inner["area"]) | set(inner["category"])
    assert len(inner) == 9


def test_suppression_speed_on_a_realistic_table():
    rng = np.random.default_rng(7)
    table = pd.DataFrame(rng.poisson(2, (158, 14)))  # Toronto's 158 neighbourhoods x 14 groups
    res = suppress_table(table, 3)
    assert res.n_primary > 0
    assert exposed_cells(table, res) == []


# ============================================================================================
# free-text scanner


def _lines(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


POSITIVES = _lines("scanner_positive.txt")
NEGATIVES = _lines("scanner_negative.txt")
MAX_MISSES = 0  # the measured false-negative count on scanner_positive.txt must stay at 0


def test_scanner_data_sets_are_big_enough():
    assert len(POSITIVES) >= 50 and len(NEGATIVES) >= 50
    assert len(set(POSITIVES)) == len(POSITIVES) and len(set(NEGATIVES)) == len(NEGATIVES)


def test_scanner_has_no_false_positives_on_negatives():
    flagged = {t: scan(t) for t in NEGATIVES}
    flagged = {t: h for t, h in flagged.items() if h}
    print(f"\nscanner false-positive rate: {len(flagged)}/{len(NEGATIVES)} = {len(flagged) / len(NEGATIVES):.1%}")
    assert not flagged, "flagged ordinary text:\n" + "\n".join(f"  {t!r}: {h}" for t, h in flagged.items())


def test_scanner_false_negative_rate_on_positives():
    misses = [t for t in POSITIVES if not scan(t)]
    print(f"\nscanner false-negative rate: {len(misses)}/{len(POSITIVES)} = {len(misses) / len(POSITIVES):.1%}")
    for t in misses:
        print("  missed:", t)
    assert len(misses) <= MAX_MISSES, misses


@pytest.mark.parametrize(
    "text,kind",
    [
        ("Contact jane.doe@example.com", "email"),
        ("john dot smith at gmail dot com", "email"),
        ("mary(at)example(dot)org", "email"),
        ("Call 312-555-0199", "phone"),
        ("mobile 07700 900123", "phone"),
        ("+44 20 7946 0958", "phone"),
        ("at 1234 N State St", "address"),
        ("Vol au 123 rue Saint-Denis", "address"),
        ("The caller lives in SW1A 1AA", "postcode"),
        ("Mailed to K1A 0B1", "postcode"),
        ("Thanks to Officer Jane Martinez", "name"),
        ("Victim John Smith was treated", "name"),
        ("JOHN SMITH (SUSPECT) ARRESTED", "name"),
    ],
)
def test_scanner_kinds_and_spans(text, kind):
    hits = scan(text)
    assert any(h.kind == kind for h in hits), hits
    for h in hits:
        assert isinstance(h, Hit) and text[h.start : h.end] == h.match


def test_scanner_reports_the_name_not_the_title():
    (hit,) = scan("Thanks to Officer Jane Martinez for the talk")
    assert hit == Hit("name", "Jane Martinez", 18, 31)


def test_scan_column_returns_index_and_hits_only_for_flagged_rows():
    s = pd.Series(["12XX MAIN ST", None, "Call 312-555-0199", 42, "Call 312-555-0199", "Spring forum"], index=list("abcdef"))
    out = scan_column(s)
    assert [i for i, _ in out] == ["c", "e"]
    assert out[0][1][0].kind == "phone"
    assert scan_column(["ok", "Mrs Patel spoke"])[0][0] == 1
    assert scan_column([]) == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_scanner_never_crashes_and_spans_are_exact(text):
    for h in scan(text):
        assert text[h.start : h.end] == h.match and h.kind in {"email", "phone", "address", "postcode", "name"}


def test_scanner_real_offence_descriptions_are_clean():
    path = REAL / "chicago-cpd-crimes" / "sample-2024" / "Crimes_-_2001_to_Present.csv"
    if not path.exists():
        pytest.skip("shared real data not present")
    df = pd.read_csv(path, usecols=["Primary Type", "Description", "Location Description"], dtype=str)
    values = pd.concat([df["Primary Type"], df["Description"], df["Primary Type"] + " - " + df["Description"], df["Location Description"]])
    assert scan_column(values.dropna().drop_duplicates()) == []


def test_scanner_finds_the_exact_addresses_hidden_in_vancouver_blocks():
    """Real Vancouver hundred-blocks carry exact addresses in brackets: the scanner finds them, the block rule masks them."""
    raw = "10XX HAMILTON ST [IFO 1072 HAMILTON ST]"
    assert [h.match for h in scan(raw)] == ["1072 HAMILTON ST"]
    assert scan(generalize_block(raw)) == []


# ============================================================================================
# spreadsheet injection


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=HYPERLINK(\"http://x\",\"click\")", "'=HYPERLINK(\"http://x\",\"click\")"),
        ("+1+1", "'+1+1"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1+1", "'  =1+1"),
        ("＝1+1", "'＝1+1"),
        ("Theft - from vehicle", "Theft - from vehicle"),
        ("12XX MAIN ST", "12XX MAIN ST"),
        ("", ""),
    ],
)
def test_neutralize(value, expected):
    assert neutralize(value) == expected


def test_neutralize_leaves_non_text_alone():
    assert neutralize(-5) == -5 and neutralize(None) is None and neutralize(-2.5) == -2.5


@given(st.text())
def test_neutralized_text_never_starts_with_a_trigger(text):
    out = neutralize(text)
    assert out[:1] not in set("=+-@\t\r")
    assert out in (text, "'" + text)


def test_write_safe_csv(tmp_path):
    frame = pd.DataFrame(
        {
            "area": ["=cmd|' /C calc'!A0", "Côte-des-Neiges", "-5", "@x"],
            "count": [-5, 3, 0, 12],
            "rate": [-1.5, 2.0, np.nan, 0.25],
            "when": pd.to_datetime(["2024-01-01", "2024-02-01", None, "2024-03-01"]),
            "kind": pd.Categorical(["+a", "b", "b", "+a"]),
            "=head": ["x", "y", None, "z"],
        }
    )
    path = write_safe_csv(frame, tmp_path / "out" / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["area", "count", "rate", "when", "kind", "'=head"]
    assert [r[0] for r in rows[1:]] == ["'=cmd|' /C calc'!A0", "Côte-des-Neiges", "'-5", "'@x"]
    assert [r[1] for r in rows[1:]] == ["-5", "3", "0", "12"]  # numeric columns stay numeric
    assert rows[1][2] == "-1.5" and rows[3][2] == ""
    assert [r[4] for r in rows[1:]] == ["'+a", "b", "b", "'+a"]
    for row in rows:
        for cell in row:
            assert cell[:1] not in set("=+@\t\r") and not (cell[:1] == "-" and not re.fullmatch(r"-[\d.]+", cell))
    pd.testing.assert_frame_equal(frame, frame.copy())  # the frame itself is untouched
