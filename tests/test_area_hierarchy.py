"""Area schemes and hierarchies (issue 12, item 2): suppression across levels cannot be undone, roll-ups add up, list files load.

The property tests attack every published set of cells as a reader could: each parent's total is the sum of its children,
each partition of the all-areas total sums to it, zeros are published and a hidden count is at least 1. An exact solver
(scipy's linear programming over those equations: their matrix is a network matrix, so its bounds are whole numbers) gives
each hidden cell's least and greatest possible value; the cell is safe when they differ.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from gate.levels import area_levels, areas_with_data
from gate.public import ALL_AREAS, UNKNOWN_AREA, PrivacyConfig, public_incidents
from gate.suppression import suppress_graph
from loaders.ingest import ingest
from model.errors import InputError
from store.versioned import Store

K = 3
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- the attacker


def bounds(values: dict, hidden: set, equations: list[list[tuple[object, int]]]) -> dict:
    """(least, greatest) of every hidden cell, given the published cells and the equations sum(coef * cell) = 0."""
    hid = sorted(hidden, key=str)
    if not hid:
        return {}
    pos = {c: i for i, c in enumerate(hid)}
    A, b = [], []
    for eq in equations:
        row, rhs = np.zeros(len(hid)), 0.0
        for cell, coef in eq:
            if cell in pos:
                row[pos[cell]] += coef
            else:
                rhs -= coef * values.get(cell, 0)
        if row.any():
            A.append(row)
            b.append(rhs)
        else:
            assert abs(rhs) < 1e-9, "the published cells break an equation"
    out = {}
    for c in hid:
        obj = np.zeros(len(hid))
        obj[pos[c]] = 1.0
        lo = linprog(obj, A_eq=np.array(A) if A else None, b_eq=np.array(b) if b else None, bounds=[(1, None)] * len(hid), method="highs")
        hi = linprog(-obj, A_eq=np.array(A) if A else None, b_eq=np.array(b) if b else None, bounds=[(1, None)] * len(hid), method="highs")
        assert lo.status == 0, "the true counts must be a solution"
        out[c] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def derivable(values, hidden, equations) -> list:
    """Hidden cells a reader can work out exactly (least = greatest)."""
    return [c for c, (lo, hi) in bounds(values, hidden, equations).items() if hi - lo < 0.5]


# ---------------------------------------------------------------- random hierarchies


@st.composite
def hierarchies(draw):
    """Districts of beats, each beat a count, and (sometimes) a second partition of the same records (the source's districts)."""
    n_d = draw(st.integers(1, 4))
    beats = {}
    for d in range(n_d):
        for b in range(draw(st.integers(1, 4))):
            beats[f"B{d}{b}"] = f"D{d}"
    records = []
    other = draw(st.booleans())
    for beat in beats:
        for _ in range(draw(st.integers(0, 6))):
            records.append((beat, f"X{draw(st.integers(0, 2))}" if other else None))
    return beats, records, other


def graph_of(beats: dict, records: list, other: bool):
    """Cells and edges as gate.levels builds them (ground 0, all areas 1, the second partition 2, districts 3 ...)."""
    leaf = pd.Series([r[0] for r in records], dtype=object).value_counts().to_dict()
    cells, tails, heads = [], [], []
    dnode = {d: 3 + i for i, d in enumerate(sorted(set(beats.values())))}
    for b, d in beats.items():
        cells.append(("beat", b, leaf.get(b, 0)))
        tails.append(0)
        heads.append(dnode[d])
    for d, node in dnode.items():
        cells.append(("district", d, sum(leaf.get(b, 0) for b, p in beats.items() if p == d)))
        tails.append(node)
        heads.append(1)
    cells.append(("all", "all", len(records)))
    tails.append(1)
    heads.append(2 if other else 0)
    if other:
        xs = pd.Series([r[1] for r in records], dtype=object).value_counts().to_dict()
        for x, n in sorted(xs.items()):
            cells.append(("other", x, n))
            tails.append(2)
            heads.append(0)
    return cells, np.array(tails), np.array(heads)


def equations_of(beats: dict, cells: list, other: bool) -> list:
    keys = [(c[0], c[1]) for c in cells]
    eqs = []
    for d in sorted(set(beats.values())):
        eqs.append([(("district", d), 1)] + [(("beat", b), -1) for b, p in beats.items() if p == d])
    eqs.append([(("all", "all"), 1)] + [(("district", d), -1) for d in sorted(set(beats.values()))])
    if other:
        eqs.append([(("all", "all"), 1)] + [(k, -1) for k in keys if k[0] == "other"])
    return eqs


@SETTINGS
@given(hierarchies())
def test_no_suppressed_cell_can_be_worked_out_across_levels(h):
    beats, records, other = h
    cells, tails, heads = graph_of(beats, records, other)
    values = np.array([c[2] for c in cells])
    status = suppress_graph(values, tails, heads, np.zeros(len(cells), np.int8), K)
    keys = [(c[0], c[1]) for c in cells]
    hidden = {k for k, s in zip(keys, status) if s}
    published = {k: v for k, v, s in zip(keys, values, status) if not s}
    # every small non-zero count is hidden, zeros never are
    assert all(status[i] for i, v in enumerate(values) if 0 < v < K)
    assert not any(status[i] for i, v in enumerate(values) if v == 0)
    # subtraction from a parent's total and its published siblings never gives a hidden cell: an equation never holds
    # exactly one hidden cell ...
    eqs = equations_of(beats, cells, other)
    for eq in eqs:
        assert sum(c in hidden for c, _ in eq) != 1, eq
    # ... and no combination of the equations does either
    assert derivable(published, hidden, eqs) == []


@FEW
@given(hierarchies(), st.data())
def test_cells_hidden_beforehand_stay_hidden_and_safe(h, data):
    """The main table's own rules hide some cells first (gate.levels starts from them): they stay hidden, and the result is safe."""
    beats, records, other = h
    cells, tails, heads = graph_of(beats, records, other)
    values = np.array([c[2] for c in cells])
    before = np.array([data.draw(st.booleans()) and v > 0 for v in values], np.int8) * 2
    status = suppress_graph(values, tails, heads, before, K)
    assert (status[before > 0] > 0).all()
    keys = [(c[0], c[1]) for c in cells]
    hidden = {k for k, s in zip(keys, status) if s}
    assert derivable({k: v for k, v, s in zip(keys, values, status) if not s}, hidden, equations_of(beats, cells, other)) == []


def test_two_small_beats_of_one_district_are_not_enough():
    """1 + 1 under a published district of 7 with a published 5: both hidden beats are worked out as 1 each (they can only
    be 1 and 1); the gate hides more."""
    beats = {"B1": "D", "B2": "D", "B3": "D"}
    records = [("B1", None), ("B2", None)] + [("B3", None)] * 5
    cells, tails, heads = graph_of(beats, records, False)
    values = np.array([c[2] for c in cells])
    naive = np.array([1, 1, 0, 0, 0], np.int8)  # B1, B2 hidden, the rest published
    keys = [(c[0], c[1]) for c in cells]
    eqs = equations_of(beats, cells, False)
    assert sorted(derivable({k: v for k, v, s in zip(keys, values, naive) if not s}, {k for k, s in zip(keys, naive) if s}, eqs)) == [("beat", "B1"), ("beat", "B2")]
    status = suppress_graph(values, tails, heads, np.zeros(len(cells), np.int8), K)
    assert derivable({k: v for k, v, s in zip(keys, values, status) if not s}, {k for k, s in zip(keys, status) if s}, eqs) == []


# ---------------------------------------------------------------- the gate: beats in districts, source districts


def incidents_frame(records: list[tuple[str, str | None, str, str]]) -> pd.DataFrame:
    """Canonical incident rows from (quarter, area, district, category)."""
    n = len(records)
    return pd.DataFrame({
        "incident_id": [f"i{i}" for i in range(n)], "source": "test", "occurred_at": pd.Timestamp("2026-01-05 10:00"),
        "reported_at": None, "occurred_end": None, "time_precision": "exact", "offence_raw": "x", "kind": "crime",
        "category": [r[3] for r in records], "domestic": False, "area": [r[1] for r in records], "district": [r[2] for r in records],
        "lat": None, "lon": None, "block": None, "status": None, "response_minutes": None, "priority": None, "clery_category": None,
        "clery_geography": None, "bias": None, "vawa_offense": None, "clery_action": None, "quarter": [r[0] for r in records]})


@st.composite
def beat_stores(draw):
    n_d = draw(st.integers(1, 3))
    beats = {f"B{d}{b}": f"D{d}" for d in range(n_d) for b in range(draw(st.integers(1, 3)))}
    records = []
    for q in ("2026Q1", "2026Q2"):
        for b in beats:
            for cat in ("sexual_offences", "burglary"):
                records += [(q, b, beats[b], cat)] * draw(st.integers(0, 5))
        records += [(q, None, None, "sexual_offences")] * draw(st.integers(0, 2))
    return beats, records


def areas_frame(beats: dict) -> pd.DataFrame:
    rows = [{"area_id": d, "name": d, "scheme": "district", "kind": "district", "parent": None} for d in sorted(set(beats.values()))]
    rows += [{"area_id": b, "name": b, "scheme": None, "kind": "beat", "parent": d} for b, d in beats.items()]
    return pd.DataFrame(rows)


@pytest.mark.slow  # about 1 s an example: the whole gate runs
@FEW
@given(beat_stores())
def test_the_gate_publishes_beats_and_districts_that_cannot_be_undone(s):
    beats, records = s
    if not records:
        return
    inc = incidents_frame(records)
    rows, cube, note = public_incidents(inc, PrivacyConfig(), b"k" * 32, areas_frame(beats))
    assert note["levels"] == ["district"]
    for (q, cat), g in cube.groupby(["quarter", "category"]):
        cell = {(s if isinstance(s, str) else "main", a): (None if sup else int(n)) for s, a, n, sup in zip(g["scheme"], g["area"], g["n"], g["suppressed"])}
        hidden = {c for c, v in cell.items() if v is None}
        published = {c: v for c, v in cell.items() if v is not None}  # a cell that is not there is a published zero
        leaves = [("main", b) for b in beats] + [("main", UNKNOWN_AREA)]
        eqs = [[(("district", d), 1)] + [(("main", b), -1) for b, p in beats.items() if p == d] for d in sorted(set(beats.values()))]
        eqs.append([(("main", ALL_AREAS), 1)] + [(c, -1) for c in leaves])
        assert derivable(published, hidden, eqs) == [], (q, cat, cell)
        # roll-ups are computed from the finest level: a district's count is the sum of its beats'
        true = inc[(inc["quarter"] == q) & (inc["category"] == cat)]
        for d in set(beats.values()):
            if ("district", d) in published:
                assert published[("district", d)] == int(true["district"].eq(d).sum())
        if cat == "burglary":
            assert not hidden  # only sensitive groups are suppressed, at any level
    # a row never tells more than its cell: a hidden cell's rows have no area, and no sensitive row has a district
    sens = rows["category"] == "sexual_offences"
    assert rows.loc[sens, "district"].isna().all()
    hid = cube[cube["suppressed"] & cube["scheme"].isna()]
    for q, a, cat in zip(hid["quarter"], hid["area"], hid["category"]):
        assert not ((rows["quarter"] == q) & (rows["area"] == a) & (rows["category"] == cat)).any()
    for (q, a, cat), n in rows[rows["area"].notna()].groupby(["quarter", "area", "category"]).size().items():
        c = cube[(cube["quarter"] == q) & cube["scheme"].isna() & (cube["area"] == a) & (cube["category"] == cat)]
        assert int(c["n"].iloc[0]) == n


def test_a_single_level_store_keeps_its_one_table():
    """No parents and no districts: the main table as it always was, with an empty scheme."""
    inc = incidents_frame([("2026Q1", "A", None, "sexual_offences")] * 2 + [("2026Q1", "B", None, "sexual_offences")] * 4)
    _, cube, note = public_incidents(inc, PrivacyConfig(), b"k" * 32)
    assert "levels" not in note and cube["scheme"].isna().all()
    assert area_levels(inc, None) is None


def test_the_source_districts_are_a_second_partition():
    """Areas without parents and incidents with districts: the districts are counted as a scheme of their own, and the
    all-areas total ties the two partitions, so a district hidden alone would be given away."""
    recs = [("2026Q1", "A", "X", "sexual_offences")] * 4 + [("2026Q1", "B", "Y", "sexual_offences")] * 1 + [("2026Q1", "C", "X", "sexual_offences")] * 5
    rows, cube, note = public_incidents(incidents_frame(recs), PrivacyConfig(), b"k" * 32)
    assert note["levels"] == ["district"]
    g = cube[cube["category"] == "sexual_offences"]
    d = g[g["scheme"] == "district"].set_index("area")
    assert bool(d.loc["Y", "suppressed"]) and bool(d.loc["X", "suppressed"])  # Y (1) is small; X = total - Y would give it away
    eqs = [[(("main", ALL_AREAS), 1)] + [(("main", a), -1) for a in "ABC"], [(("main", ALL_AREAS), 1)] + [(("district", x), -1) for x in "XY"]]
    cell = {(s if isinstance(s, str) else "main", a): (None if sup else int(n)) for s, a, n, sup in zip(g["scheme"], g["area"], g["n"], g["suppressed"])}
    assert derivable({c: v for c, v in cell.items() if v is not None}, {c for c, v in cell.items() if v is None}, eqs) == []


def test_areas_named_only_by_the_data_are_listed():
    inc = incidents_frame([("2026Q1", "Riverside Mall", "North", "burglary"), ("2026Q1", "MS", None, "burglary")])
    areas = pd.DataFrame([{"area_id": "MS", "source": "x", "name": "Market Square"}])
    fields = ["area_id", "source", "name", "population", "population_source", "population_year", "geometry", "scheme", "kind", "parent"]
    out = areas_with_data(areas, {"incidents": inc, "survey": pd.DataFrame({"area": ["1610", "16"], "scheme": ["sector", "district"]})}, fields)
    got = {(s if isinstance(s, str) else None, a): n for s, a, n in zip(out["scheme"], out["area_id"], out["name"])}
    assert got == {(None, "MS"): "Market Square", (None, "Riverside Mall"): "Riverside Mall", ("district", "North"): "North",
                   ("district", "16"): "District 16", ("sector", "1610"): "Sector 1610"}
    assert out.loc[out["area_id"] == "Riverside Mall", "geometry"].isna().all()


# ---------------------------------------------------------------- list files


def write(tmp_path, name: str, text: str):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


BEATS = "id,name,population,parent,kind\nD1,District 1,,,district\nD2,District 2,,,district\nB11,Beat 11,1200,D1,beat\nB12,Beat 12,900,D1,Beat\nB21,Beat 21,,D2,beat\n"


def test_a_list_file_loads_through_the_ordinary_ingest(tmp_path):
    store = Store(tmp_path / "store")
    rep = ingest(write(tmp_path, "beats.csv", BEATS), "areas", store)
    assert rep["source"] == "area-list" and rep["rows_accepted"] == 5 and rep["rows_rejected"] == 0
    rows = store.draft_rows(rep["draft"]).to_pandas().set_index("area_id")
    assert rows.loc["B11", "parent"] == "D1" and rows.loc["B12", "kind"] == "beat" and rows.loc["B11", "population"] == 1200
    assert rows.loc["D1", "scheme"] == "district" and pd.isna(rows.loc["B11", "scheme"])  # beats are the main areas
    # sites with a kind and no hierarchy: all main areas
    rep = ingest(write(tmp_path, "sites.csv", "ID,Name,Kind\nRSM,Riverside Mall,client site\nHPO,Harbour Point,Client Site\n"), "areas", store)
    assert set(store.draft_rows(rep["draft"]).column("kind").to_pylist()) == {"client_site"}


@pytest.mark.parametrize("text, where, says", [
    ("id,name\nA,Alpha\n,Beta\n", "row 3, column 'id'", "the area has no id"),
    ("id,name\nA,Alpha\nB,\n", "row 3, column 'name'", "the area has no name"),
    ("id,name\nA,Alpha\nA,Again\n", "row 3, column 'id'", "the id 'A' is already used by row 2"),
    ("id,name,parent\nA,Alpha,Z\n", "row 2, column 'parent'", "the parent 'Z' is not an id of this list"),
    ("id,name,parent\nA,Alpha,B\nB,Beta,C\nC,Gamma,A\n", "row 2, column 'parent'", "the parents go round in a circle: A → B → C → A"),
    ("id,name,parent\nA,Alpha,A\n", "row 2, column 'parent'", "the parents go round in a circle: A → A"),
    ("id,name,kind\nA,Alpha,planet\n", "row 2, column 'kind'", "'planet' is not a kind of area Bridges knows"),
    ("id,name,parent\nD,District,\nB,Beat,D\n", "row 2, column 'kind'", "the area 'D' contains other areas but has no kind"),
])
def test_a_bad_list_file_is_refused_with_where_and_what_to_do(tmp_path, text, where, says):
    with pytest.raises(InputError) as e:
        ingest(write(tmp_path, "list.csv", text), "areas", Store(tmp_path / "store"))
    msg = str(e.value)
    assert msg.startswith(f"list.csv, {where}: {says}"), msg
    assert "then load the list again" in msg or "Write one of" in msg


def test_a_file_with_other_columns_is_not_taken_for_a_list(tmp_path):
    """`id` and `name` are common words: an incidents export that has them is not an area list."""
    from loaders.detect import detect
    from loaders.textio import read_any

    p = write(tmp_path, "x.csv", "id,name,offence\n1,a,b\n")
    assert detect(read_any(p), "incidents") is None


def test_schemes_sit_side_by_side_in_the_store(tmp_path, realdata):
    """Community areas (main) and police districts (scheme district) from two files: publishing one keeps the other."""
    store = Store(tmp_path / "store")
    chi = realdata / "chicago-cpd-crimes"
    store.publish([ingest(chi / "chicago_community_areas.geojson", "areas", store)["draft"]], "t", "community areas")
    store.publish([ingest(chi / "chicago_districts.geojson", "areas", store)["draft"]], "t", "districts")
    m = store.publish([ingest(chi / "chicago_community_areas.geojson", "areas", store)["draft"]], "t", "community areas again")
    a = pq.read_table(store.root / m["public"] / "areas.parquet").to_pandas()
    assert a.groupby(a["scheme"].fillna("main")).size().to_dict() == {"district": 23, "main": 77}
    assert set(a.loc[a["scheme"] == "district", "kind"]) == {"district"}
