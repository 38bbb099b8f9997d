"""Chicago's sentiment survey at district and sector level, published beside incidents by community area (issue 12, item 2).

One store in a tmp folder: the crimes sample of 2024 (area = community area, district = police district), the Police
Sentiment Scores survey (district and sector rows), the community area and police district boundaries. Both survey levels
publish; the districts are a scheme of their own beside the community areas; a public page opens with ?scheme=sector.
"""
from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from loaders.ingest import ingest
from stats import queries, schemes, views
from stats.read import open_release
from store.versioned import Store
from tests.test_area_hierarchy import derivable

pytestmark = pytest.mark.slow  # one Chicago store, about 15 s to build on a quiet machine

DASHBOARD = str(__import__("pathlib").Path(__file__).resolve().parents[1] / "dashboard.py")


@pytest.fixture(scope="module")
def chicago(realdata, tmp_path_factory):
    root = tmp_path_factory.mktemp("chicago") / "store"
    store = Store(root)
    chi = realdata / "chicago-cpd-crimes"
    files = [(chi / "sample-2024" / "Crimes_-_2001_to_Present.csv", "incidents"),
             (realdata / "chicago-police-sentiment-scores" / "Police_Sentiment_Scores.csv", "survey"),
             (chi / "chicago_community_areas.geojson", "areas")]
    reports = [ingest(f, ds, store) for f, ds in files]
    store.publish([r["draft"] for r in reports], "test", "Chicago crimes, sentiment survey, community areas")
    manifest = store.publish([ingest(chi / "chicago_districts.geojson", "areas", store)["draft"]], "test", "police districts")
    return root, manifest, {r["dataset"]: r for r in reports}


def test_district_and_sector_rows_both_publish(chicago):
    root, manifest, reports = chicago
    rep = reports["survey"]
    assert rep["rows_read"] == 9876 and rep["rows_accepted"] == 4404
    assert not any("sector" in reason for reason in rep["rejection_reasons"])
    survey = pq.read_table(root / manifest["public"] / "survey.parquet").to_pandas()
    by = survey.groupby(survey["scheme"].fillna("city"))["area"].nunique(dropna=False).to_dict()
    assert by == {"city": 1, "district": 22, "sector": 69}
    assert len(survey) == 11752


def test_schemes_side_by_side(chicago):
    root, manifest, _ = chicago
    rel = open_release(root)
    assert schemes.schemes(rel) == [None, "district", "sector"]
    areas = schemes.scheme_areas(rel)
    count = areas.groupby(areas["scheme"].fillna("main")).size().to_dict()
    assert count == {"main": 77, "district": 23, "sector": 69}  # 22 surveyed districts + district 31 of the boundaries
    # community area 7 and police district 7 are different areas with the same id
    names = dict(zip(areas["key"], areas["name"]))
    assert names["7"] == "LINCOLN PARK" and names["district:7"] == "Police district 7" and names["sector:1610"] == "Sector 1610"
    assert areas.loc[areas["key"] == "district:7", "kind"].tolist() == ["district"]
    # the main areas are still the community areas that incidents name: every page and output that knows one scheme keeps working
    assert len(queries.areas(rel)) == 77


def test_incidents_by_community_area_and_by_district(chicago):
    root, manifest, _ = chicago
    rel = open_release(root)
    cube = rel.query("SELECT * FROM incident_counts")
    assert set(cube["scheme"].dropna()) == {"district"}
    assert manifest["privacy"]["incidents"]["levels"] == ["district"]
    # both partitions add up to the same all-areas total, for every group with nothing hidden
    for (q, cat), g in cube.groupby(["quarter", "category"]):
        if g["suppressed"].any():
            continue
        main = g[g["scheme"].isna() & (g["area"] != queries.ALL_AREAS)]["n"].sum()
        dist = g[g["scheme"] == "district"]["n"].sum()
        total = g[g["area"] == queries.ALL_AREAS]["n"].sum()
        assert main == dist == total, (q, cat)
    # a sensitive group's hidden cells cannot be worked out from either partition and the total
    for (q, cat), g in cube[cube["category"] == "sexual_offences"].groupby(["quarter", "category"]):
        cell = {(s if isinstance(s, str) else "main", a): (None if sup else int(n)) for s, a, n, sup in zip(g["scheme"], g["area"], g["n"], g["suppressed"])}
        main = [c for c in cell if c[0] == "main" and c[1] != queries.ALL_AREAS]
        eqs = [[(("main", queries.ALL_AREAS), 1)] + [(c, -1) for c in main],
               [(("main", queries.ALL_AREAS), 1)] + [(c, -1) for c in cell if c[0] == "district"]]
        assert derivable({c: v for c, v in cell.items() if v is not None}, {c for c, v in cell.items() if v is None}, eqs) == [], q
    # district 7's trend comes from the cube at its own level
    assert queries.incidents_by_quarter(rel, "district:7")["n"].sum() > 0


def test_a_survey_sector_view(chicago):
    root, _, _ = chicago
    rel = open_release(root)
    ctx = views.context(rel, "sector:1610", None, "en")
    assert ctx.area == "sector:1610" and ctx.where == "Sector 1610"
    series = queries.survey_series(rel, "sector:1610")
    assert set(series["measure"]) >= {"safety", "trust"} and len(series) > 10


def test_trust_page_with_a_sector_in_the_url(chicago, monkeypatch):
    root, _, _ = chicago
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(root))
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    params = {"lang": "en", "scheme": "sector", "area": "1610"}
    at.query_params.update(params)
    at.run()
    at.query_params.update(params)
    at.switch_page("public_pages/trust.py").run()
    assert not at.exception, [e.value for e in at.exception]
    # the selectors offer the schemes present, and the sector is chosen
    boxes = {s.label: s for s in at.selectbox}
    assert boxes["Areas by"].value == "sector" and boxes["Areas by"].options == ["Main areas", "Districts", "Sectors"]
    assert boxes["Sector"].value == "sector:1610"  # the chooser of a scheme's areas is named by their kind
    assert at.query_params["scheme"] == "sector" and at.query_params["area"] == "1610"
    body = "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)
    assert "Sector 1610" in body
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    trust = next(tr for tr in spec["data"] if tr.get("name") == "Trust")
    want = queries.survey_series(open_release(root), "sector:1610")
    want = want[want["measure"] == "trust"]
    assert trust["y"] == [round(y, 1) for y in want["score"]]  # the sector's own scores, not district 16's
    # an old link with no scheme is the main scheme: community area 7, Lincoln Park (LINCOLN PARK in the boundary file)
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    at.query_params.update({"lang": "en", "area": "7"})
    at.run()
    assert not at.exception and {s.label: s for s in at.selectbox}["Area"].value == "7"
    assert "scheme" not in at.query_params
