"""The checks the upload page adds around loaders.ingest: every rejected row with its reason, IDs already published elsewhere,
saved profiles found by headers, and the preview's count diff."""
from __future__ import annotations

from pathlib import Path

from loaders import profiles
from store import uploads
from loaders.ingest import ingest
from loaders.mapping import Spec
from store.versioned import Store
from store import preview

from .analyst_kit import ROOT, VANCOUVER, vancouver_q4, write_csv

SPEC = {"id": "acme-rms", "dataset": "incidents", "title": "Acme RMS", "fields": {
    "incident_id": {"column": "Ref"}, "occurred_at": {"column": "When", "format": "%Y-%m-%d %H:%M"},
    "category": {"column": "Kind", "map": {"BURG": "burglary", "ASLT": "violence"}}, "area": {"column": "Zone"}}}


def test_every_rejected_row_is_in_the_download_with_its_reason(tmp_path):
    rows = [[f"R{i}", "2025-02-03 10:00", "BURG", "N1"] for i in range(20)]
    rows += [[f"X{i}", "2025-02-03 10:00", "ARSON?", "N1"] for i in range(1500)]  # more than the 1,000 itemised
    rows += [["D1", "2025-02-30 10:00", "BURG", "N1"], ["R0", "2025-02-03 11:00", "ASLT", "N2"], ["=1+2", "2025-02-03", "BURG", "@SUM(A1)"]]
    f = write_csv(tmp_path / "q1.csv", ["Ref", "When", "Kind", "Zone"], rows)
    store = Store(tmp_path / "store")
    rep = ingest(f, "incidents", store, profile=Spec.from_dict(SPEC))
    out = uploads.rejected_rows(store, rep["draft"])
    assert len(out) == rep["rows_rejected"] == 1503
    assert out["row"].is_unique and out["reason"].notna().all()
    # rows past the itemised ones share the one reason left over, so it is exact
    assert (out["reason"].str.contains("'category' value is not in the value map")).sum() == 1500
    assert out.loc[out["Ref"] == "D1", "reason"].item().startswith("'occurred_at'")
    assert out.loc[(out["Ref"] == "R0") & (out["Kind"] == "ASLT"), "reason"].item().startswith("duplicate 'incident_id'")
    assert not out["reason"].eq(uploads.NOT_ITEMISED).any()
    text = uploads.safe_csv(out).decode("utf-8-sig")
    assert "'=1+2" in text and "'@SUM(A1)" in text
    assert text.splitlines()[0].startswith("row,reason,column,Ref,When,Kind,Zone")


def test_ids_already_published_in_another_quarter_are_a_warning(tmp_path, realdata):
    store = Store(tmp_path / "store")
    first = ingest(realdata / VANCOUVER, "incidents", store)
    store.publish([first["draft"]], "t", "2025")
    q4 = vancouver_q4(realdata, tmp_path / "q4.csv")
    right = ingest(q4, "incidents", store, quarter="2025Q4")
    assert uploads.published_duplicates(store, right["draft"]) is None  # Q4 again as Q4: a correction, not a duplicate
    wrong = ingest(q4, "incidents", store, quarter="2025Q3")  # the wrong quarter typed in
    w = uploads.published_duplicates(store, wrong["draft"])
    assert w["rows"] == right["rows_accepted"] and "ID already published in another quarter" in w["reason"]
    assert "(published in 2025Q4)" in w["examples"][0]["value"]


def test_saved_profiles_are_found_by_headers(tmp_path):
    headers = ["Ref", "When", "Kind", "Zone", "Notes"]
    profiles.save(tmp_path, "Acme RMS", SPEC, headers, "ana")
    assert profiles.load(tmp_path, "acme-rms").id == "acme-rms"
    assert profiles.find(tmp_path, headers, "incidents").id == "acme-rms"
    assert profiles.find(tmp_path, ["Ref", "When", "Kind", "Zone"], "incidents") is not None  # an unused column gone: still 80 %
    assert profiles.find(tmp_path, ["Ref", "When", "Kind", "Area", "Notes"], "incidents") is None  # a used column missing
    assert profiles.find(tmp_path, headers, "engagement") is None
    # a profile built on a known source keeps the source's id (it fills the source column)
    profiles.save(tmp_path, "vancouver local", {**SPEC, "id": "vancouver-vpd"}, headers, "ana")
    assert profiles.load(tmp_path, "vancouver-local").id == "vancouver-vpd"
    doc = profiles.with_assignments(SPEC, {"category": {"CAR PROWL": "theft_from_vehicle"}})
    assert doc["crosswalks"]["category"] == {"CAR PROWL": "theft_from_vehicle"} and "crosswalks" not in SPEC


def test_preview_diff_and_public_tables_leave_the_store_untouched(tmp_path, realdata):
    store = Store(tmp_path / "store")
    first = ingest(realdata / VANCOUVER, "incidents", store)
    store.publish([first["draft"]], "t", "2025")
    before = sorted(p.name for p in (store.root / "public").iterdir())
    q4 = vancouver_q4(realdata, tmp_path / "q4.csv", drop_every=10)
    d = ingest(q4, "incidents", store, quarter="2025Q4")["draft"]
    rows = preview.count_diff(store, [d])
    assert {r["quarter"] for r in rows} == {"2025Q4"} and all(r["correction"] for r in rows)
    burg = next(r for r in rows if r["category"] == "burglary")
    assert burg["draft"] < burg["published"] and burg["change"] == burg["draft"] - burg["published"]
    rel = preview.build(store, [d])
    assert rel.query("SELECT count(*) AS n FROM incidents WHERE quarter = '2025Q4'")["n"].item() == sum(r["draft"] for r in rows)
    assert "lat" in rel.query("SELECT * FROM incidents LIMIT 1").columns and "incident_id" not in rel.query("SELECT * FROM incidents LIMIT 1").columns
    assert sorted(p.name for p in (store.root / "public").iterdir()) == before  # nothing public was written
    assert store.current()["version"] == 1
    m = store.publish([d], "t", "Q4 corrected")
    published = {(c["quarter"], c.get("category")): (c["before"], c["after"]) for c in m["corrections"]}
    assert published == {(r["quarter"], r["category"]): (r["published"], r["draft"]) for r in rows if r["change"]}


def test_areas_the_boundaries_do_not_have_are_a_warning(tmp_path, realdata):
    """Vancouver's neighbourhoods uploaded to a store with other boundaries: a warning names them with their counts;
    once Vancouver's own boundary file is published, only the two areas it does not have are left."""
    store = Store(tmp_path / "store")
    riverton = ingest(ROOT / "data" / "demo" / "riverton_neighbourhoods.geojson", "areas", store)
    store.publish([riverton["draft"]], "t", "Riverton areas")
    van = ingest(realdata / VANCOUVER, "incidents", store)
    w = uploads.areas_not_in_boundaries(store, van["draft"])
    assert w["rows"] == van["rows_accepted"] - _no_area(store, van["draft"]) and w["column"] == "area"
    assert "24 area(s) not in the published boundaries" in w["reason"]
    assert w["examples"][0]["value"].startswith("Central Business District (")
    bounds = ingest(realdata / "vancouver-vpd-crimedata/local-area-boundary.geojson", "areas", store,
                    population=realdata / "vancouver-vpd-crimedata/van_pop_2016.csv")
    store.publish([bounds["draft"]], "t", "Vancouver areas")
    again = ingest(realdata / VANCOUVER, "incidents", store)
    left = uploads.areas_not_in_boundaries(store, again["draft"])
    assert "2 area(s) not in the published boundaries" in left["reason"]  # the boundary file has no Stanley Park, no Musqueam
    assert sorted(e["value"].split(" (")[0] for e in left["examples"]) == ["Musqueam", "Stanley Park"]
    other = ingest(ROOT / "data" / "demo" / "riverton_neighbourhoods.geojson", "areas", store)
    assert uploads.areas_not_in_boundaries(store, other["draft"]) is None  # a boundary file is not checked against itself


def _no_area(store, draft) -> int:
    return store.draft_rows(draft).column("area").null_count
