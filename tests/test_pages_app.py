"""Every public page in AppTest, in English and French, with area and quarter in the URL, against a small store whose
numbers are known (built here from made-up "Acme" exports through the ordinary loaders, the gate and a publish).

Known values (2026Q3 unless said):
- incidents, Northgate (N1): break and enter 1 (2025Q3), 1 (2026Q2), 10 (a real rise); violence 3, 4, 4; one
  sexual offence (hidden: fewer than 3). All of Northgate: 4, 5, 14. Southmoor (S2, 50 residents): 3 break and enter. Eastbank (E3, no population): 5 vehicle
  thefts, one with no coordinates. Northgate: 2000 residents → 7.0 incidents per 1,000.
- Northgate's break-ins happen at 22:xx, its assaults at 14:00; 6 cleared, 8 open; response 10..100 min (median 55).
- events, Northgate: 2 foot patrols (30 + 20 people), 1 town hall (100) → 150 attendances = 75.0 per 1,000.
- concerns, Northgate: Speeding 4, Noise 3; 6 of 7 resolved, median 7 days; one Noise open since 2 July (90 days
  on 30 September, the last date in the data).
- survey, Northgate: trust 60 (2026Q2, 200 answered) → 70 (200): a real rise; Southmoor 80 from 5 people: withheld.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from loaders.ingest import ingest
from loaders.mapping import Spec
from store.versioned import Store
from tests.numbers import markdown_tables, tables
from tests.page_kit import open_page

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = str(ROOT / "dashboard.py")
TRICKY_NAME = "East_bank <b>*x*</b> [docks](http://evil.example)"  # text from an upload must stay text


def _square(lon: float, lat: float, d: float = 0.01) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _incident_rows() -> list[list]:
    rows, n = [], 0

    def add(count, when, kind, zone, outcome, resp=None, coords=True, minute_step=0):
        nonlocal n
        for i in range(count):
            n += 1
            day, hm = when
            r = resp[i] if resp else ""
            lat, lon = {"N1": (10.005, -59.995), "S2": (10.005, -59.985), "E3": (10.005, -59.975)}[zone]
            if coords == "first missing" and i == 0:
                lat, lon = "", ""
            rows.append([f"AC-{n:04d}", f"{day} {hm}", kind, zone, outcome(i) if callable(outcome) else outcome, r, lat, lon])

    # 2025Q3
    add(1, ("2025-07-10", "22:00"), "BURG", "N1", "O")
    add(3, ("2025-08-01", "14:00"), "ASLT", "N1", "C")
    add(4, ("2025-09-01", "08:00"), "VEH", "E3", "O")
    # 2026Q2
    add(1, ("2026-04-10", "22:00"), "BURG", "N1", "O")
    add(4, ("2026-05-01", "14:00"), "ASLT", "N1", "C")
    add(3, ("2026-06-01", "10:00"), "BURG", "S2", "O")
    add(5, ("2026-06-10", "08:00"), "VEH", "E3", "O")
    # 2026Q3
    add(10, ("2026-07-06", "22:15"), "BURG", "N1", lambda i: "C" if i < 2 else "O", resp=[10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    add(4, ("2026-08-03", "14:00"), "ASLT", "N1", "C")
    add(1, ("2026-08-15", "03:00"), "SEX", "N1", "O")
    add(3, ("2026-09-01", "10:00"), "BURG", "S2", "O")
    add(5, ("2026-09-10", "08:00"), "VEH", "E3", "O", coords="first missing")
    return rows


def build_fixture(root: Path) -> Path:
    """Ingest and publish the Acme fixture; returns the store's folder."""
    raw = root / "exports"
    raw.mkdir(parents=True, exist_ok=True)
    store = Store(root / "store")
    drafts = []

    areas = _write(raw / "acme_zones.csv", ["Zone Code", "Zone Label", "Residents", "Residents Source", "Residents Year", "Shape"], [
        ["N1", "Northgate", "2000", "Fixture census", "2024", _square(-60.00, 10.0)],
        ["S2", "Southmoor", "50", "Fixture census", "2024", _square(-59.99, 10.0)],
        ["E3", TRICKY_NAME, "", "", "", _square(-59.98, 10.0)],
    ])
    drafts.append(ingest(areas, "areas", store, profile=Spec.from_dict({
        "id": "acme-zones", "dataset": "areas", "title": "Acme zones (test fixture)", "fields": {
            "area_id": {"column": "Zone Code"}, "name": {"column": "Zone Label"}, "population": {"column": "Residents"},
            "population_source": {"column": "Residents Source"}, "population_year": {"column": "Residents Year"},
            "geometry": {"column": "Shape"}}}))["draft"])

    inc = _write(raw / "acme_rms.csv", ["Ref", "When", "Kind", "Zone", "Outcome", "Resp", "Lat", "Lon"], _incident_rows())
    drafts.append(ingest(inc, "incidents", store, profile=Spec.from_dict({
        "id": "acme-rms", "dataset": "incidents", "title": "Acme RMS (test fixture)", "fields": {
            "incident_id": {"column": "Ref"}, "occurred_at": {"column": "When", "format": "%Y-%m-%d %H:%M"},
            "category": {"column": "Kind", "map": {"BURG": "burglary", "ASLT": "violence", "VEH": "vehicle_theft", "SEX": "sexual_offences"}},
            "area": {"column": "Zone"}, "status": {"column": "Outcome", "map": {"C": "cleared", "O": "open"}},
            "response_minutes": {"column": "Resp"}},
        "coordinates": {"lat": "Lat", "lon": "Lon"}}))["draft"])

    ev = _write(raw / "acme_events.csv", ["Ev", "Day", "Kind", "Zone", "People", "Hours", "Title"], [
        ["E1", "2026-05-05", "Patrol", "N1", 10, 2, "Evening foot patrol"],
        ["E2", "2026-07-05", "Patrol", "N1", 30, 4, "Evening foot patrol"],
        ["E3", "2026-08-05", "Patrol", "N1", 20, 6, "Market foot patrol"],
        ["E4", "2026-09-30", "Meeting", "N1", 100, 10, "Autumn town hall"],
        ["E5", "2026-07-20", "Outreach", "S2", 5, 2, "=1+1 seniors safety talk"],
        ["E6", "2026-09-20", "Thanks", "", 50, 5, "Volunteer thank-you evening"],
    ])
    drafts.append(ingest(ev, "engagement", store, profile=Spec.from_dict({
        "id": "acme-events", "dataset": "engagement", "title": "Acme events (test fixture)", "fields": {
            "event_id": {"column": "Ev"}, "date": {"column": "Day", "format": "%Y-%m-%d"},
            "type": {"column": "Kind", "map": {"Patrol": "foot_patrol", "Meeting": "town_hall", "Outreach": "outreach", "Thanks": "recognition"}},
            "area": {"column": "Zone"}, "attendees": {"column": "People"}, "staff_hours": {"column": "Hours"}, "title": {"column": "Title"}}}))["draft"])

    fb_rows = []
    for i, days in enumerate([2, 4, 6, 8]):
        fb_rows.append([f"F{i}", "2026-07-01 09:00", "Web", "Speeding", "N1", "Fixed", f"2026-07-{1 + days:02d} 09:00", "Added speed checks on Main Road."])
    fb_rows += [["F10", "2026-07-01 09:00", "Phone", "Noise", "N1", "Fixed", "2026-07-11 09:00", "Spoke with the venue owner."],
                ["F11", "2026-07-01 09:00", "Phone", "Noise", "N1", "Fixed", "2026-08-10 09:00", "Added patrols on weekend nights."],
                ["F12", "2026-07-02 09:00", "Phone", "Noise", "N1", "Open", "", ""],
                ["F20", "2026-08-01 09:00", "Phone", "Parking", "E3", "Fixed", "2026-08-02 09:00", "Referred to the town."],
                ["F21", "2026-08-01 10:00", "Phone", "Parking", "E3", "Fixed", "2026-08-02 10:00", "Referred to the town."],
                ["F22", "2026-08-01 11:00", "Phone", "Parking", "E3", "Fixed", "2026-08-02 11:00", "Referred to the town."],
                ["F30", "2026-08-05 09:00", "Phone", "Graffiti", "S2", "Fixed", "2026-08-08 09:00", "Cleaned by the town."]]
    fb_rows += [[f"F4{i}", "2026-05-01 09:00", "Web", "Speeding", "N1", "Fixed", "2026-05-06 09:00", "Speed sign installed."] for i in range(3)]
    fb = _write(raw / "acme_311.csv", ["Case", "Opened", "Via", "Subject", "Zone", "State", "Closed", "Done"], fb_rows)
    drafts.append(ingest(fb, "feedback", store, profile=Spec.from_dict({
        "id": "acme-311", "dataset": "feedback", "title": "Acme concerns (test fixture)", "fields": {
            "feedback_id": {"column": "Case"}, "received_at": {"column": "Opened", "format": "%Y-%m-%d %H:%M"},
            "channel": {"column": "Via", "map": {"Web": "online", "Phone": "phone"}}, "topic": {"column": "Subject"},
            "area": {"column": "Zone"}, "status": {"column": "State", "map": {"Fixed": "resolved", "Open": "open"}},
            "resolved_at": {"column": "Closed", "format": "%Y-%m-%d %H:%M"}, "action_taken": {"column": "Done"}}}))["draft"])

    sv = _write(raw / "acme_survey.csv", ["Start", "End", "Zone", "Q", "Score", "N"], [
        ["2026-05-01", "2026-05-20", "N1", "TRUST", 60, 200], ["2026-05-01", "2026-05-20", "ALL", "TRUST", 64, 400],
        ["2026-08-01", "2026-08-20", "N1", "TRUST", 70, 200], ["2026-08-01", "2026-08-20", "S2", "TRUST", 80, 5],
        ["2026-08-01", "2026-08-20", "ALL", "TRUST", 65, 400], ["2026-08-01", "2026-08-20", "N1", "SAFE", 55, 200],
    ])
    drafts.append(ingest(sv, "survey", store, profile=Spec.from_dict({
        "id": "acme-survey", "dataset": "survey", "title": "Acme survey (test fixture)", "fields": {
            "survey_id": {"column": ["Start", "Zone", "Q"], "join": " | "},
            "period_start": {"column": "Start", "format": "%Y-%m-%d"}, "period_end": {"column": "End", "format": "%Y-%m-%d"},
            "area": {"column": "Zone", "null_values": ["ALL"]}, "measure": {"column": "Q", "map": {"TRUST": "trust", "SAFE": "safety"}},
            "score": {"column": "Score"}, "respondents": {"column": "N"}}}))["draft"])

    store.publish(drafts, "test", "Acme fixture")
    return store.root


@pytest.fixture
def app(acme_store, monkeypatch):
    """The dashboard on the Acme store (conftest.acme_store: build_fixture, run once per session)."""
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(acme_store))

    def run(page: str, lang: str = "en", area: str | None = "N1", quarter: str | None = "2026Q3", **more) -> AppTest:
        return open_page(page, {"lang": lang, **({"area": area} if area else {}), **({"quarter": quarter} if quarter else {}), **more})

    return run


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def trace(spec: dict, name: str) -> dict:
    for tr in spec["data"]:
        if tr.get("name") == name:
            return tr
    raise AssertionError(f"no trace {name!r} in {[t.get('name') for t in spec['data']]}")


def texts(at: AppTest) -> str:
    """Every text the page shows (Markdown sources unescaped), for 'does this appear' checks."""
    import re

    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [h.value for h in at.header] + [h.value for h in at.subheader] + \
        [h.value for h in at.title] + [m.label for m in at.metric] + [m.value for m in at.metric]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts)).replace("\u2060", "")  # md_escape's word joiners stop autolinks


# ---------------------------------------------------------------- overview


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_overview_headlines_and_trend(app, lang):
    at = app("overview", lang)
    m = {x.label.replace("\\", ""): x.value for x in at.metric}
    inc = "Incidents reported" if lang == "en" else "Incidents signalés"
    assert m[inc] == "14"  # 10 break-ins + 4 assaults; the sexual offence is hidden
    s = specs(at)
    assert len(s) == 1
    burg = "break and enter" if lang == "en" else "introductions par effraction"
    viol = "violence"
    assert trace(s[0], burg)["y"] == [1, None, None, 1, 10]  # 2025Q4 and 2026Q1 have no data: gaps, not zeros
    assert trace(s[0], viol)["y"] == [3, None, None, 4, 4]
    numbers = markdown_tables(at)[0]  # "show the numbers": the hidden cell is marked, never estimated
    sex = "sexual offences" if lang == "en" else "infractions sexuelles"
    assert list(numbers[sex]) == (["0", "no data", "no data", "0", "fewer than 3*"] if lang == "en" else ["0", "pas de données", "pas de données", "0", "moins de 3*"])
    body = texts(at)
    if lang == "en":
        assert trace(s[0], burg)["x"] == ["Q3 2025", "Q4 2025", "Q1 2026", "Q2 2026", "Q3 2026"]
        assert "Up 180 % from 5 in Q2 2026, within normal variation" in body  # 5 → 14: exact p = 0.064
        assert "Up 250 % from 4 in Q3 2025, a real rise (more than normal variation)" in body  # 4 → 14: p = 0.031
        assert "Break and enter: 10 in Q3 2026, up 900 % from 1 in Q2 2026, a real rise" in body
        assert "Violence" not in body  # 4 → 4 and 3 → 4: nothing to report
        assert "Release 1, published" in body
    else:
        assert trace(s[0], burg)["x"] == ["T3 2025", "T4 2025", "T1 2026", "T2 2026", "T3 2026"]
        assert "En hausse de 180 % par rapport à 5 au T2 2026, dans la variation normale" in body
        assert "Version 1, publiée le" in body
        assert "Ce qui a changé" in body
    assert not any("%" in x and "variation" not in x for x in body.split("\n") if x.startswith(("Up ", "Down ", "En hausse", "En baisse")))


def test_overview_all_areas_counts_the_hidden_cell_out(app):
    at = app("overview", area=None)
    m = {x.label: x.value for x in at.metric}
    assert m["Incidents reported"] == "22"  # 14 + 3 + 5; the one sexual offence is hidden at every level
    assert "(1 hidden counts are not included.)" in texts(at)


# ---------------------------------------------------------------- incidents


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_incidents_page(app, lang):
    at = app("incidents", lang)
    s = specs(at)
    assert len(s) == 6  # trend, map, hour, weekday, status, response
    trend, amap, hour, weekday, status, resp = s
    # map: rates per 1,000 residents, none where the population is missing or tiny
    areas = {tr["meta"]["area"]: tr["meta"]["value"] for tr in amap["data"] if isinstance(tr.get("meta"), dict)}
    assert areas == {"N1": 7.0, "S2": None, "E3": None}
    assert hour["data"][0]["y"][22] == 10 and hour["data"][0]["y"][14] == 4 and sum(hour["data"][0]["y"]) == 14
    assert sum(weekday["data"][0]["x"]) == 14 and len(weekday["data"][0]["y"]) == 7
    st_ = dict(zip(status["data"][0]["y"], status["data"][0]["x"]))
    if lang == "en":
        assert st_ == {"cleared": 6, "open": 8}
        assert trace(resp, "Half of calls reached within")["y"][-1] == 55.0
        body = texts(at)
        assert "Southmoor (only 50 residents, fewer than 100)" in body and f"{TRICKY_NAME} (population unknown)" in body
        assert "Residents: Fixture census, 2024." in body
        assert "Of the 23 incidents of this quarter, 2 have no map point" in body
    else:
        assert st_ == {"résolu": 6, "ouvert": 8}
        assert trace(resp, "La moitié des appels atteints en")["y"][-1] == 55.0
        body = texts(at)
        assert "population inconnue" in body and "Incidents selon l’heure de la journée" in body
        assert weekday["data"][0]["y"][0] == "lundi"


def test_incidents_map_counts_and_unmapped(app):
    at = app("incidents", area=None)
    at.radio(key="map_measure").set_value("count").run()
    amap = specs(at)[1]
    areas = {tr["meta"]["area"]: tr["meta"]["value"] for tr in amap["data"] if isinstance(tr.get("meta"), dict)}
    assert areas == {"N1": 14, "S2": 3, "E3": 5}
    hour = specs(at)[2]["data"][0]["y"]
    assert hour[22] == 10 and hour[14] == 4 and hour[10] == 3 and hour[8] == 5  # the sexual offence has no time of day
    assert "1 incidents with a date but no time of day are not shown" in texts(at)


# ---------------------------------------------------------------- community


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_community_page(app, lang):
    at = app("community", lang)
    by_type, by_area, attendance, reach = specs(at)
    assert dict(zip(by_type["data"][0]["y"], by_type["data"][0]["x"])) == (
        {"foot patrols": 2, "town halls": 1} if lang == "en" else {"patrouilles à pied": 2, "assemblées publiques": 1})
    assert dict(zip(by_area["data"][0]["y"], by_area["data"][0]["x"])) == {"Northgate": 3, "Southmoor": 1}
    assert attendance["data"][0]["y"] == [10, 150]  # 2026Q2, 2026Q3
    # reach beside incident rate: only Northgate has a population large enough for both rates
    assert [tr["y"] for tr in reach["data"]] == [["Northgate"], ["Northgate"]]
    assert [tr["x"] for tr in reach["data"]] == [[75.0], [7.0]]
    body = texts(at)
    assert ("1 events were service-wide, with no area." if lang == "en" else "1 activités couvraient tout le territoire") in body


# ---------------------------------------------------------------- feedback


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_feedback_page(app, lang):
    at = app("feedback", lang)
    topics, channels, resolved, days = specs(at)
    assert dict(zip(topics["data"][0]["y"], topics["data"][0]["x"])) == {"Speeding": 4, "Noise": 3}
    ch = dict(zip(channels["data"][0]["y"], channels["data"][0]["x"]))
    assert ch == ({"online": 4, "phone": 3} if lang == "en" else {"en ligne": 4, "téléphone": 3})
    assert resolved["data"][0]["y"] == [100.0, 85.7]  # 2026Q2: 3 of 3; 2026Q3: 6 of 7
    assert days["data"][0]["y"] == [5.0, 7.0]
    body = texts(at)
    if lang == "en":
        assert "Northgate: 1 concerns have been open for more than 30 days; the oldest was received on July 2, 2026." in body
    else:
        assert "la plus ancienne a été reçue le 2 juillet 2026" in body
    frames = tables(at)  # short tables are Markdown tables (ui.render.MARKDOWN_TABLE_ROWS), longer ones data grids
    actions = [f for f in frames if ("What we did" if lang == "en" else "Ce que nous avons fait") in f.columns]
    assert actions and "Added speed checks on Main Road." in set(actions[0].iloc[:, -1])


def test_feedback_small_cells_show_as_hidden(app):
    at = app("feedback", area="S2")
    # its only concern (Graffiti) is a hidden cell, and that row's area is withheld: no chart, the table says why
    assert specs(at) == []
    assert "Southmoor, Q3 2026: no topic can be shown: 1 topics have a hidden count (fewer than 3)." in texts(at)
    frames = tables(at)
    topic_table = next(f for f in frames if "Topic" in f.columns and "Concerns" in f.columns)
    assert topic_table.to_dict("records") == [{"Topic": "Graffiti", "Concerns": "fewer than 3*"}]


# ---------------------------------------------------------------- trust


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_trust_page(app, lang):
    at = app("trust", lang)
    series, by_area = specs(at)
    assert trace(series, "Trust" if lang == "en" else "Confiance")["y"] == [60.0, 70.0]
    assert dict(zip(by_area["data"][0]["y"], by_area["data"][0]["x"])) == {"Northgate": 70.0}  # Southmoor: 5 answered, withheld
    body = texts(at)
    if lang == "en":
        assert "Trust: 70 out of 100 (200 answered), up 10 points from 60 in Q2 2026, a real rise" in body
        assert "1 areas are withheld because fewer than 10 people answered." in body
    else:
        assert "Confiance : 70 sur 100 (200 répondants), en hausse de 10 points" in body


# ---------------------------------------------------------------- data


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_data_page(app, lang):
    at = app("data", lang)
    body = texts(at)
    # one list: a line a public table, each with a link to its CSV and to its Parquet (files served by app.py)
    listing = next(m.value for m in at.markdown if "/download/table?" in m.value)
    assert len(re.findall(r"^- ", listing, re.M)) == 7 and listing.count("format=csv") == 7 and listing.count("format=parquet") == 7
    assert not at.get("download_button")
    if lang == "en":
        assert "Of 44 incidents" in body and "No figure has been corrected so far." in body
        assert "Acme RMS (test fixture)" in str([f.to_dict("records") for f in tables(at)])
    else:
        assert "Sur 44 incidents" in body and "Aucun chiffre n’a été corrigé jusqu’ici." in body
        # the project's documents are sent once their expander is opened (ui.render.doc, lazy)
        assert "# Comment les chiffres sont produits" not in body
        at.session_state["doc-methodology-doc"] = True
        at.run()
        assert "# Comment les chiffres sont produits" in texts(at)  # docs/methodology.fr.md


def test_downloads_are_formula_safe_with_bom(acme_store):
    from outputs import downloads
    from stats.read import open_release

    rel = open_release(acme_store)
    data = downloads.csv_bytes(rel, "engagement")
    assert data.startswith(b"\xef\xbb\xbf")
    assert "'=1+1 seniors safety talk" in data.decode("utf-8-sig") and ",=1+1" not in data.decode("utf-8-sig")
    assert downloads.parquet_bytes(rel, "engagement")[:4] == b"PAR1"


def test_data_page_lists_corrections(acme_copy, tmp_path, monkeypatch):
    """A re-published quarter shows its corrections in words ('revised 2 → 3')."""
    root = acme_copy  # laid out as build_fixture(tmp_path): the exports are in tmp_path/exports
    store = Store(root)
    rows = [r for r in _incident_rows() if r[1].startswith("2026-0") and r[1][5:7] in ("04", "05", "06")]
    rows.append(["AC-9999", "2026-04-11 22:00", "BURG", "N1", "O", "", 10.005, -59.995])
    p = _write(tmp_path / "exports" / "acme_rms_q2_again.csv", ["Ref", "When", "Kind", "Zone", "Outcome", "Resp", "Lat", "Lon"], rows)
    spec = Spec.from_dict({"id": "acme-rms", "dataset": "incidents", "fields": {
        "incident_id": {"column": "Ref"}, "occurred_at": {"column": "When", "format": "%Y-%m-%d %H:%M"},
        "category": {"column": "Kind", "map": {"BURG": "burglary", "ASLT": "violence", "VEH": "vehicle_theft", "SEX": "sexual_offences"}},
        "area": {"column": "Zone"}, "status": {"column": "Outcome", "map": {"C": "cleared", "O": "open"}}}, "coordinates": {"lat": "Lat", "lon": "Lon"}})
    store.publish([ingest(p, "incidents", store, profile=spec, quarter="2026Q2")["draft"]], "test", "Q2 again with a late break-in")
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(root))
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("public_pages/data.py").run()
    assert not at.exception
    assert "Release 2: Q2 2026, break and enter: revised 4 → 5" in texts(at)


# ---------------------------------------------------------------- URL state, safety


def test_url_carries_the_state_and_bad_values_fall_back(app):
    at = app("incidents", area="nowhere", quarter="1999Q1")
    assert at.query_params.get("quarter") == "2026Q3" and "area" not in at.query_params and at.query_params.get("lang") == "en"
    at.selectbox(key="url_area_incidents").set_value("S2").run()
    assert at.query_params.get("area") == "S2"
    at.selectbox(key="url_quarter_incidents").set_value("2026Q2").run()
    assert at.query_params.get("quarter") == "2026Q2"
    assert specs(at)[2]["data"][0]["y"][10] == 3  # the hour chart now shows Southmoor's 2026Q2 break-ins (10:00)
    # every link to another page, and the language switch, carry the same view
    links = {p.proto.page: p.proto.query_string for p in at.get("page_link")}
    assert links["community"] == "lang=en&area=S2&quarter=2026Q2"
    assert "lang=fr&area=S2&quarter=2026Q2" in [p.proto.query_string for p in at.get("page_link") if p.proto.page == "incidents"]


def test_uploaded_text_is_never_markup(app):
    at = app("incidents", area="E3")
    md = "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)
    assert "[docks](http" not in md and "<b>" not in md and "*x*" not in md
    assert "\\[docks\\]\\(http" in md  # shown, as text
    amap = specs(at)[1]
    labels = json.dumps(amap)
    assert "<b>" not in labels and "&lt;b&gt;" in labels  # plotly would render <b> and <a>: escaped


def test_no_pages_folder_beside_the_entry():
    """A folder named pages/ beside dashboard.py makes Streamlit ignore st.navigation and serve every file in it."""
    assert not (ROOT / "pages").exists()


def test_nothing_published(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("demo.build.ensure_demo", lambda store: None)
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.query_params["lang"] = "fr"
    at.run()
    assert not at.exception
    assert "Rien n’est encore publié" in "\n".join(i.value.replace("\\", "") for i in at.info)
