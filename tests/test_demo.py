"""The embedded demo: deterministic fictional exports, loaded through the same loaders as real data."""
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demo import build as demo, generate as demo_gen
from loaders.detect import detect
from loaders.ingest import ingest
from loaders.mapping import load_crosswalk
from store.versioned import Store
from loaders.textio import read_any

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"
QUARTERS = [f"{y}Q{q}" for y, q in [(2023, 4)] + [(y, q) for y in (2024, 2025) for q in (1, 2, 3, 4)] + [(2026, 1), (2026, 2), (2026, 3)]]
DATASETS = {"areas", "incidents", "engagement", "feedback", "survey"}
SPEC_IDS = {
    "incidents": "demo-riverton-rms", "engagement": "demo-riverton-events", "feedback": "demo-riverton-feedback",
    "survey": "demo-riverton-survey", "areas": "demo-riverton-areas",
}


@pytest.fixture(scope="module")
def built(demo_store):
    """The session's demo store (conftest.demo_store: demo.build_demo on an empty store) and its manifest."""
    store = Store(demo_store)
    return store, store.current()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Every demo file ingested with no profile given: the built-in specs must recognise them."""
    store = Store(tmp_path_factory.mktemp("demo-ingest"))
    files = demo.demo_files()
    out = {}
    for ds in ("incidents", "engagement", "feedback", "survey"):
        out[ds] = ingest(files[ds], ds, store)
    out["areas"] = ingest(files["areas"], "areas", store, population=files["population"])
    return out


def _table(store, manifest, name):
    return store.dataset_at(name, manifest).to_table().to_pandas()


def test_demo_files_are_committed_and_small():
    names = set(demo_gen.FILES.values()) | {"README.md"}
    assert {p.name for p in DEMO.iterdir() if not p.name.startswith(".")} == names
    assert sum(p.stat().st_size for p in DEMO.iterdir()) < 5_000_000
    assert "FICTIONAL" in (DEMO / "README.md").read_text(encoding="utf-8")
    assert "python -m demo.generate" in (DEMO / "README.md").read_text(encoding="utf-8")


def test_generator_is_deterministic(tmp_path):
    demo_gen.generate(tmp_path)
    for name in [*demo_gen.FILES.values(), "README.md"]:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), f"{name} differs: run python -m demo.generate and commit data/demo/"


def test_builtin_specs_recognise_every_demo_file():
    files = demo.demo_files()
    for ds, spec_id in SPEC_IDS.items():
        spec = detect(read_any(files[ds]), ds)
        assert spec is not None and spec.id == spec_id
    assert detect(read_any(files["population"]), "areas").id == "demo-riverton-population"


def test_every_row_is_accepted_except_the_two_deliberate_flaws(reports):
    for ds, r in reports.items():
        assert r["source"] == SPEC_IDS[ds]
        assert r["rows_read"] == r["rows_accepted"] + r["rows_rejected"]
        assert not r["unmapped"], (ds, r["unmapped"])
        if ds != "incidents":
            assert r["rows_rejected"] == 0, (ds, r["rejections"][:3])
    inc = reports["incidents"]
    assert inc["rows_rejected"] == 2
    reasons = sorted(x["reason"] for x in inc["rejections"])
    assert reasons[0].startswith("'occurred_at' is not a date")
    assert reasons[1].startswith("duplicate 'incident_id'")
    # the only warnings are the ones the demo is built to show
    assert {w["reason"].split(":")[0] for w in inc["warnings"]} == {"location unknown, withheld by the source or at 0,0"}
    area_warn = [w for w in reports["areas"]["warnings"] if w["column"] == "population"]
    assert area_warn and area_warn[0]["rows"] == 1 and area_warn[0]["examples"][0]["value"] == "Airport Lands"


def test_quarters_and_areas(reports, built):
    for ds in ("incidents", "engagement", "feedback", "survey"):
        assert list(reports[ds]["quarters"]) == QUARTERS, ds
        assert min(reports[ds]["quarters"].values()) > 0
    assert len(QUARTERS) >= 12 and QUARTERS[-1] == "2026Q3"
    store, m = built
    areas = _table(store, m, "areas")
    assert len(areas) == 10 and areas["area_id"].is_unique
    ids = set(areas["area_id"])
    for ds in ("incidents", "engagement", "feedback", "survey"):
        used = set(_table(store, m, ds)["area"].dropna())
        assert used <= ids, (ds, used - ids)
    inc = _table(store, m, "incidents")
    assert set(inc["area"]) == ids
    per_q = inc.groupby("quarter").size()
    assert per_q.between(1500, 3000).all()
    pop = areas.set_index("name")["population"]
    assert pd.isna(pop["Airport Lands"]) and pop["Ironworks"] < 100
    assert pop.drop(["Airport Lands", "Ironworks"]).min() > 5000
    assert areas["population_source"].dropna().str.contains("fictional").all()


def test_build_demo_publishes_one_release_with_all_five_datasets(built):
    store, m = built
    assert m["version"] == 1 and len(store.releases()) == 1
    assert set(m["tables"]) == DATASETS and all(m["row_counts"][d] > 0 for d in DATASETS)
    assert m["by"] == "demo" and m["note"] == "Demo data: Riverton (fictional)"
    assert {o["dataset"] for o in m["ops"]} == DATASETS
    assert store.list_drafts() == []
    assert demo.build_demo(store) == m  # already built: nothing is rebuilt
    assert demo.ensure_demo(store) is None
    assert len(store.releases()) == 1


def test_known_count_matches_the_raw_file(built):
    """Harbourside (HB) vehicle thefts in 2025Q2, counted by hand from the raw CSV, equal the published count."""
    store, m = built
    raw = pd.read_csv(DEMO / demo_gen.FILES["incidents"], dtype=str, keep_default_na=False)
    raw = raw.drop_duplicates("Occurrence No")
    when = pd.to_datetime(raw["Occurred Date"], format="%d/%m/%Y", errors="coerce")
    raw = raw[when.notna()]
    when = when[when.notna()]
    cw = load_crosswalk("demo")
    vt_names = {k for k, v in cw.items() if v == "vehicle_theft"}
    hand = int(((raw["Nbhd Code"] == "HB") & raw["Offence"].str.upper().isin(vt_names) & (when.dt.to_period("Q").astype(str) == "2025Q2")).sum())
    inc = _table(store, m, "incidents")
    published = int(((inc["area"] == "HB") & (inc["category"] == "vehicle_theft") & (inc["quarter"] == "2025Q2")).sum())
    assert published == hand == 5
    assert len(inc) == len(raw) == m["row_counts"]["incidents"]


def test_the_demo_shows_a_real_change_and_seasonality(built):
    store, m = built
    inc = _table(store, m, "incidents")
    hb = inc[(inc["area"] == "HB") & (inc["category"] == "vehicle_theft")].groupby("quarter").size()
    before = hb[["2024Q1", "2024Q2", "2024Q3", "2024Q4"]].sum()
    after = hb[["2025Q2", "2025Q3", "2025Q4", "2026Q1"]].sum()
    assert 2 * (math.sqrt(after) - math.sqrt(before)) < -4  # a clear fall, far outside normal variation
    qoy = inc["quarter"].str[-1]
    by = inc.groupby([qoy, "category"]).size().unstack()
    assert by.loc["3", "violence"] > by.loc["1", "violence"] and by.loc["3", "mischief"] > by.loc["1", "mischief"]
    assert by.loc["1", "burglary"] > by.loc["3", "burglary"]


def test_the_demo_exercises_the_privacy_rules(built):
    store, m = built
    inc = _table(store, m, "incidents")
    assert (inc["category"] == "sexual_offences").sum() > 100
    assert inc["domestic"].fillna(False).astype(bool).sum() > 500
    assert 0.01 < inc["lat"].isna().mean() < 0.06
    assert inc["response_minutes"].notna().mean() > 0.8 and inc["status"].notna().all()
    sv = _table(store, m, "survey")
    assert sv.loc[sv["area"] == "IW", "respondents"].max() < 10
    fb = _table(store, m, "feedback")
    assert 10 <= fb["days_to_resolve"].median() <= 20
    assert (fb["status"] == "open").sum() > 0 and fb.loc[fb["status"].isin(["open", "in_progress"]), "resolved_at"].isna().all()


def test_public_text_has_no_personal_data(built):
    store, m = built
    texts = list(_table(store, m, "engagement")[["title", "partners"]].stack().dropna()) + list(_table(store, m, "feedback")["action_taken"].dropna())
    assert texts
    for t in texts:
        assert "@" not in t and not re.search(r"\d{3}\D?\d{3}\D?\d{4}", t) and not re.search(r"\b\d+ [A-Z][a-z]+ (St|Ave|Rd|Street|Road)\b", t), t


def test_boundaries_tile_without_overlap_and_points_fall_inside(built):
    doc = json.loads((DEMO / demo_gen.FILES["areas"]).read_text(encoding="utf-8"))
    rings = {f["properties"]["NBHD_CODE"]: f["geometry"]["coordinates"][0] for f in doc["features"]}
    for ring in rings.values():
        x, y = np.asarray(ring).T
        assert ring[0] == ring[-1] and 0.5 * np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]) > 0  # closed, counter-clockwise
    rng = np.random.default_rng(1)
    mx, my = 0.08 * demo_gen.DLON, 0.08 * demo_gen.DLAT  # the outer edge wiggles by up to 7 % of a cell
    x = rng.uniform(demo_gen.LON0 - mx, demo_gen.LON0 + demo_gen.GRID_COLS * demo_gen.DLON + mx, 40000)
    y = rng.uniform(demo_gen.LAT0 - my, demo_gen.LAT0 + demo_gen.GRID_ROWS * demo_gen.DLAT + my, 40000)
    hits = sum(demo_gen._inside(r, x, y).astype(int) for r in rings.values())
    assert hits.max() == 1  # no point lies in two neighbourhoods
    core = (x > demo_gen.LON0 + mx) & (x < demo_gen.LON0 + demo_gen.GRID_COLS * demo_gen.DLON - mx) & (y > demo_gen.LAT0 + my) & (y < demo_gen.LAT0 + demo_gen.GRID_ROWS * demo_gen.DLAT - my)
    assert (hits[core] == 1).all()  # and the town has no gaps between them
    store, m = built
    inc = _table(store, m, "incidents").dropna(subset=["lat"])
    for code, ring in rings.items():
        sub = inc[inc["area"] == code]
        assert demo_gen._inside(ring, sub["lon"].to_numpy(float), sub["lat"].to_numpy(float)).all(), code


@pytest.mark.slow  # two processes build the demo at once
def test_ensure_demo_builds_once_when_two_processes_race(tmp_path):
    code = "import sys; from store.versioned import Store; from demo.build import ensure_demo; m = ensure_demo(Store(sys.argv[1])); print('built' if m else 'skipped')"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert sorted(o[0].strip() for o in outs) == ["built", "skipped"], outs
    store = Store(tmp_path)
    assert len(store.releases()) == 1 and store.list_drafts() == []


@pytest.mark.slow
def test_cli_demo_and_force(tmp_path, capsys):
    from bridges.cli import main

    assert main(["demo", "--data-dir", str(tmp_path)]) == 0
    assert "release 1" in capsys.readouterr().out
    assert main(["demo", "--data-dir", str(tmp_path)]) == 0  # already there: same release
    assert "release 1" in capsys.readouterr().out
    assert main(["demo", "--data-dir", str(tmp_path), "--force"]) == 0
    assert "release 2" in capsys.readouterr().out
    m = Store(tmp_path).current()
    assert m["corrections"] == [] and m["row_counts"] == Store(tmp_path).release(1)["row_counts"]
