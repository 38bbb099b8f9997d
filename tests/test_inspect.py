"""`python -m bridges inspect`: drafting mapping profiles for exports never seen before, and ingesting with them."""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from model.errors import InputError
from loaders.ingest import ingest, map_file
from loaders.mapping import Spec
from model.schema import CATEGORIES, dataset as get_dataset
from store.versioned import Store
from loaders.suggest import inspect_file
from loaders.suggest_columns import match_rule, norm_header, rules

ROOT = Path(__file__).resolve().parents[1]
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
VICTIMS = ["Jane Doe", "John Q Public", "Ada Lovelace"]


def _fields(result: dict) -> dict:
    return {f["field"]: f["column"] for f in result["fields"]}


def _columns_in(profile: dict) -> set[str]:
    """Every raw column a profile reads."""
    cols = set()
    for fs in profile.get("fields", {}).values():
        c = fs.get("column")
        cols.update([c] if isinstance(c, str) else (c or []))
    for k in ("lat", "lon", "x", "y", "point"):
        if k in profile.get("coordinates", {}):
            cols.add(profile["coordinates"][k])
    return cols


def _accounted(report: dict) -> None:
    assert report["rows_read"] == report["rows_accepted"] + report["rows_rejected"]


# ------------------------------------------------------------------------------------------------
# (1) a made-up vendor export: "Acme RMS"

ACME_OFFENCES = {
    "ASSAULT - SIMPLE": "violence",
    "AGG ASSAULT W/ WEAPON": "violence",
    "BURGLARY - RESIDENTIAL": "burglary",
    "B&E COMMERCIAL": "burglary",
    "THEFT FROM VEHICLE": "theft_from_vehicle",
    "CAR PROWL": "theft_from_vehicle",
    "SHOPLIFTING": "shoplifting",
    "SEXUAL ASSAULT": "sexual_offences",
    "AUTO THEFT": "vehicle_theft",
    "ROBBERY - STREET": "robbery",
    "VANDALISM": "mischief",
    "DRUG POSSESSION": "drugs",
}
ACME_UNKNOWN = "BYLAW REFERRAL"  # no offence or service keyword rule knows it: the analyst must decide


def write_acme(path: Path, n: int = 120) -> list[dict]:
    """A vendor export with day-first dates, 4-digit HHMM times and a victim-name column."""
    offences = list(ACME_OFFENCES) + [ACME_UNKNOWN]
    times = ["2130", "0005", "1745", "0930", "1200", "2359"]
    rows = []
    for i in range(n):
        day, month = 1 + (i * 7) % 28, 1 + i % 12
        rows.append({
            "Case #": f"AC-2024-{i:05d}",
            "OccDate": f"{day:02d}/{month:02d}/2024",
            "OccTime": times[i % len(times)],
            "Offense Desc": offences[i % len(offences)],
            "Beat": f"B{1 + i % 4}",
            "Lat": f"{43.60 + (i % 10) / 100:.5f}",
            "Long": f"{-79.40 - (i % 10) / 100:.5f}",
            "Victim Name": VICTIMS[i % len(VICTIMS)],
            "Victim Age": str(20 + i % 50),
            "Weapon Code": str(i % 3),
        })
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return rows


def test_acme_vendor_export_is_matched_field_by_field(tmp_path):
    src = tmp_path / "acme_rms_export.csv"
    write_acme(src)
    r = inspect_file(src)

    assert r["detected_source"] is None and r["dataset"] == "incidents"
    assert r["message"].count(".") >= 1 and "\n" not in r["message"]
    f = _fields(r)
    assert f["incident_id"] == "Case #"
    assert f["occurred_at"] == ["OccDate", "OccTime"]  # date and HHMM time joined
    assert f["category"] == "Offense Desc" and f["offence_raw"] == "Offense Desc"
    assert f["area"] == "Beat"
    assert r["coordinates"]["lat"] == "Lat" and r["coordinates"]["lon"] == "Long"
    occ = next(x for x in r["fields"] if x["field"] == "occurred_at")
    assert occ["format"][0] == "%d/%m/%Y %H%M"  # explicit, day-first proven by days above 12
    assert all(0 <= x["confidence"] <= 1 for x in r["fields"])

    profile = tomllib.loads(r["toml"])
    Spec.from_dict(profile)  # the engine reads the draft as it is
    # the time of day comes from OccTime; a row whose time is NULL or blank (this file's or next quarter's) is day-precise
    assert profile["time_precision"] == {"column": "OccTime", "empty": "day"}
    # personal columns are never mapped and are noted as not published
    assert not {"Victim Name", "Victim Age"} & _columns_in(profile)
    personal = {p["column"] for p in r["personal_columns"]}
    assert {"Victim Name", "Victim Age"} <= personal
    assert "NOT PUBLISHED" in r["toml"] and "'Victim Name'" in r["toml"]
    for name in VICTIMS:
        assert name not in r["toml"] and name not in json.dumps({k: v for k, v in r.items() if k != "toml"})
    # unused columns are listed in a comment
    assert "'Weapon Code'" in r["toml"] and any(u["column"] == "Weapon Code" for u in r["unmapped_columns"])
    # the crosswalk holds every offence value; the unknown one is a TODO, never "other"
    cw = profile["crosswalks"]["category"]
    assert cw == ACME_OFFENCES
    assert re.search(rf'^# "{ACME_UNKNOWN}" = ""   # TODO: assign a group', r["toml"], re.M)
    assert r["crosswalks"]["category"]["todo"] == [ACME_UNKNOWN]
    assert "CHECK" in r["toml"] and "TODO" in r["toml"]


def test_acme_profile_ingests_with_full_row_accounting(tmp_path):
    src = tmp_path / "acme_rms_export.csv"
    rows = write_acme(src)
    prof = tmp_path / "acme.toml"
    r = inspect_file(src)
    prof.write_text(r["toml"], encoding="utf-8")
    assert r["trial"]["rows_read"] == len(rows)

    store = Store(tmp_path / "store")
    rep = ingest(src, "incidents", store, profile=prof)
    _accounted(rep)
    unknown = sum(x["Offense Desc"] == ACME_UNKNOWN for x in rows)
    assert rep["rows_read"] == len(rows) and rep["rows_rejected"] == unknown
    assert rep["unmapped"] == {"category": {ACME_UNKNOWN: unknown}}
    assert r["trial"]["rows_accepted"] == rep["rows_accepted"]  # the trial run told the truth

    # the analyst assigns the TODO value and ingests again: every row is accepted
    text = prof.read_text(encoding="utf-8").replace(f'# "{ACME_UNKNOWN}" = ""', f'"{ACME_UNKNOWN}" = "other"')
    prof.write_text(text, encoding="utf-8")
    rep = ingest(src, "incidents", store, profile=prof)
    _accounted(rep)
    assert rep["rows_rejected"] == 0 and rep["rows_accepted"] == len(rows)

    draft = store.draft_rows(rep["draft"]).to_pandas()
    got = draft.set_index("incident_id")["occurred_at"]
    assert got["AC-2024-00000"] == pd.Timestamp("2024-01-01 21:30")  # 01/01/2024 + 2130
    assert got["AC-2024-00001"] == pd.Timestamp("2024-02-08 00:05")  # 08/02/2024 + 0005: day first
    assert set(draft["category"]) <= set(CATEGORIES)
    assert draft["lat"].between(43.5, 43.8).all()
    # the victim's name appears nowhere in the staged draft (table, report, metadata)
    draft_dir = store.drafts_dir / rep["draft"]
    blobs = b"".join(p.read_bytes() for p in draft_dir.rglob("*") if p.is_file())
    assert blobs, draft_dir
    for name in VICTIMS:
        assert name.encode() not in blobs
    assert not any(draft[c].astype(str).isin(VICTIMS).any() for c in draft.columns)


def test_hhmm_without_leading_zeros_is_padded(tmp_path):
    """930 is 09:30 and 5 is 00:05, not 93:0 or 13:00 (strptime alone reads '130' as 13:00)."""
    src = tmp_path / "short_times.csv"
    src.write_text("Incident Number,Incident Date,Time,Offence\n"
                   "1,2024-03-01,930,Theft\n2,2024-03-02,5,Theft\n3,2024-03-03,130,Theft\n4,2024-03-04,2359,Theft\n", encoding="utf-8")
    r = inspect_file(src)
    spec = Spec.from_dict(tomllib.loads(r["toml"]))
    _, _, res = map_file(src, "incidents", spec)
    got = res.frame.set_index("incident_id")["occurred_at"].astype("datetime64[us]")
    assert list(got.dt.strftime("%H:%M")) == ["09:30", "00:05", "01:30", "23:59"]


# ------------------------------------------------------------------------------------------------
# (2) real exports the loaders know, with their headers renamed


def _renamed_vancouver(tmp_path: Path) -> Path:
    src = REALDATA / "vancouver-vpd-crimedata" / "crimedata_csv_AllNeighbourhoods_2025.csv"
    if not src.exists():
        pytest.skip("realdata not present")
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    df.columns = ["Offence Category", "Occ Year", "Occ Month", "Occ Day", "Occ Hour", "Occ Minute",
                  "Block Address", "Neighbourhood Name", "Easting", "Northing"]
    out = tmp_path / "vpd_renamed.csv"
    df.to_csv(out, index=False)
    return out


def test_renamed_vancouver_export_is_drafted_and_ingested(tmp_path):
    src = _renamed_vancouver(tmp_path)
    r = inspect_file(src)
    assert r["detected_source"] is None and r["dataset"] == "incidents"
    f = _fields(r)
    assert f["occurred_at"] == ["Occ Year", "Occ Month", "Occ Day", "Occ Hour", "Occ Minute"]
    assert f["category"] == "Offence Category" and f["area"] == "Neighbourhood Name" and f["block"] == "Block Address"
    assert f["incident_id"] is None  # no identifier column: a stable row hash
    profile = tomllib.loads(r["toml"])
    assert profile["fields"]["incident_id"] == {"generate": "row_hash"}
    # every one of VPD's offence types is recognised by the keyword rules
    assert r["crosswalks"]["category"]["todo"] == []
    cw = profile["crosswalks"]["category"]
    assert cw["Theft from Vehicle"] == "theft_from_vehicle" and cw["Theft of Vehicle"] == "vehicle_theft"
    assert cw["Break and Enter Residential/Other"] == "burglary" and cw["Offence Against a Person"] == "violence"
    assert cw["Vehicle Collision or Pedestrian Struck (with Injury)"] == "traffic"
    # UTM metres: only a commented-out hint, the CRS is the analyst's to give
    assert "coordinates" not in profile
    assert r["coordinates_hint"]["x"] == "Easting" and r["coordinates_hint"]["y"] == "Northing"
    assert '# crs = "EPSG:?????"' in r["toml"]

    prof = tmp_path / "vpd.toml"
    prof.write_text(r["toml"], encoding="utf-8")
    rep = ingest(src, "incidents", Store(tmp_path / "store"), profile=prof)
    _accounted(rep)
    assert rep["rows_read"] == 32_411 and rep["rows_accepted"] == 32_411

    # uncommenting the hint with the right CRS puts the points in Vancouver
    text = r["toml"].replace("# [coordinates]", "[coordinates]").replace('# x = "Easting"', 'x = "Easting"')
    text = text.replace('# y = "Northing"', 'y = "Northing"').replace('# crs = "EPSG:?????"', 'crs = "EPSG:26910"')
    _, _, res = map_file(src, "incidents", Spec.from_dict(tomllib.loads(text)))
    lat = res.frame["lat"].dropna().astype(float)
    assert len(lat) > 25_000 and 49.19 < lat.median() < 49.32


def test_renamed_seattle_json_is_drafted_and_ingested(tmp_path):
    src = REALDATA / "seattle-spd-legacy-incidents-json" / "7ais-f98f.json"
    if not src.exists():
        pytest.skip("realdata not present")
    ren = {"general_offense_number": "GO #", "offense_type": "Offense", "summarized_offense_description": "Offense Summary",
           "occurred_date_or_date_range_start": "Occurred From", "occurred_date_range_end": "Occurred To",
           "date_reported": "Reported", "hundred_block_location": "Block", "zone_beat": "Beat",
           "district_sector": "Sector", "rms_cdw_id": "Record Key"}
    recs = json.loads(src.read_text(encoding="utf-8"))
    out = tmp_path / "spd_renamed.json"
    out.write_text(json.dumps([{ren.get(k, k): v for k, v in rec.items()} for rec in recs]), encoding="utf-8")
    r = inspect_file(out)
    f = _fields(r)
    assert r["dataset"] == "incidents"
    assert f["incident_id"] == "GO #" and f["occurred_at"] == "Occurred From" and f["reported_at"] == "Reported"
    assert f["category"] == "Offense" and f["area"] == "Beat" and f["block"] == "Block"
    assert r["coordinates"]["lat"] in ("latitude", "location.latitude")
    cw = tomllib.loads(r["toml"])["crosswalks"]["category"]
    assert cw["THEFT-CARPROWL"] == "theft_from_vehicle" and cw["THEFT-SHOPLIFT"] == "shoplifting"
    assert cw["VEH-THEFT-AUTO"] == "vehicle_theft" and cw["NARC-POSSESS-HEROIN"] == "drugs"
    todo = r["crosswalks"]["category"]["todo"]
    assert cw["PROPERTY FOUND"] == "lost_found" and "PROPERTY FOUND" not in todo  # not a crime: a call for service (lost and found)
    prof = tmp_path / "spd.toml"
    prof.write_text(r["toml"], encoding="utf-8")
    rep = ingest(out, "incidents", Store(tmp_path / "store"), profile=prof)
    _accounted(rep)
    assert rep["rows_read"] == 1000
    assert set(rep["unmapped"].get("category", {})) == set(todo)
    # a civil dispute and a vehicle recovered for another agency are calls for service: no value is left to assign
    assert todo == [] and cw["DISPUTE-CIVIL PROPERTY (NON AU"] == "disturbance" and cw["VEH-RCVD-FOR OTHER AGENCY"] == "lost_found"
    assert rep["rows_accepted"] == r["trial"]["rows_accepted"] == 1000


# ------------------------------------------------------------------------------------------------
# (3) XLSX and JSON records


def test_xlsx_with_date_and_time_cells(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Export"
    ws.append(["Report No", "Incident Date", "Incident Time", "Crime Type", "Zone", "Latitude", "Longitude", "Suspect DOB", "Narrative"])
    types = ["Theft from Auto", "Residential Burglary", "Simple Assault", "Graffiti", "Weapons Violation", "Disorderly Conduct"]
    for i in range(36):
        ws.append([f"R{1000 + i}", dt.datetime(2025, 1 + i % 12, 1 + i % 28), dt.time(i % 24, (i * 7) % 60), types[i % len(types)],
                   f"Z{i % 3}", 49.2 + i / 1000, -123.1 - i / 1000, dt.date(1980, 1, 1 + i % 28),
                   "Suspect seen near the store; witness Mary Major called at once, phone 555-201-3344."])
    src = tmp_path / "vendor.xlsx"
    wb.save(src)

    r = inspect_file(src)
    f = _fields(r)
    assert r["kind"] == "xlsx" and r["dataset"] == "incidents"
    assert f["incident_id"] == "Report No" and f["occurred_at"] == ["Incident Date", "Incident Time"]
    assert f["category"] == "Crime Type" and f["area"] == "Zone"
    assert {"Suspect DOB", "Narrative"} <= {p["column"] for p in r["personal_columns"]}
    assert "Mary Major" not in r["toml"] and "555-201-3344" not in r["toml"]
    prof = tmp_path / "vendor.toml"
    prof.write_text(r["toml"], encoding="utf-8")
    rep = ingest(src, "incidents", Store(tmp_path / "store"), profile=prof)
    _accounted(rep)
    assert rep["rows_accepted"] == 36
    spec = Spec.load(prof)
    _, _, res = map_file(src, "incidents", spec)
    got = res.frame.set_index("incident_id")["occurred_at"]
    assert got["R1005"] == pd.Timestamp("2025-06-06 05:35")


def test_json_records_nested(tmp_path):
    recs = []
    offences = ["LARCENY/THEFT", "AGG ASSAULT", "DRUG/NARCOTIC VIOLATIONS", "TRESPASS OF REAL PROPERTY", "RETAIL THEFT"]
    for i in range(30):
        recs.append({"eventNumber": f"E-{i}", "when": {"reportedOn": f"2025-0{1 + i % 9}-1{i % 10}T1{i % 10}:00:00"},
                     "offenseType": offences[i % len(offences)], "district": "NS"[i % 2],
                     "geo": {"lat": 40.7 + i / 1000, "lon": -74.0 + i / 1000}, "contact": "555-123-4567",
                     "complainantName": "Pat Example"})
    src = tmp_path / "records.json"
    src.write_text(json.dumps({"meta": {"count": 30}, "results": recs}), encoding="utf-8")
    r = inspect_file(src)
    f = _fields(r)
    assert r["kind"] == "json" and r["dataset"] == "incidents"
    assert f["incident_id"] == "eventNumber" and f["category"] == "offenseType" and f["district"] == "district"
    assert r["coordinates"] == {**r["coordinates"], "lat": "geo.lat", "lon": "geo.lon"}
    # no occurrence date: the report date stands in, and the draft says so
    assert f["occurred_at"] == "when.reportedOn" and "REPORT date" in r["toml"]
    personal = {p["column"]: p["reason"] for p in r["personal_columns"]}
    assert "phone" in personal["contact"] and "complainantName" in personal  # by its values, and by its header
    assert "Pat Example" not in r["toml"] and "555-123-4567" not in r["toml"]
    assert tomllib.loads(r["toml"])["crosswalks"]["category"]["RETAIL THEFT"] == "shoplifting"
    prof = tmp_path / "records.toml"
    prof.write_text(r["toml"], encoding="utf-8")
    rep = ingest(src, "incidents", Store(tmp_path / "store"), profile=prof)
    _accounted(rep)
    assert rep["rows_accepted"] == 30


@pytest.mark.parametrize("dataset", ["feedback", "engagement", "survey"])
def test_other_datasets_are_guessed_and_ingest(tmp_path, dataset):
    src = tmp_path / f"{dataset}.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if dataset == "feedback":
            w.writerow(["Ticket #", "Date Received", "How Received", "Concern Type", "Ward", "Status", "Date Closed", "Action Taken", "Resident Email"])
            for i in range(24):
                w.writerow([f"T{i}", f"2025-0{1 + i % 9}-1{i % 10}", ["Phone", "Web form", "Walk-in", "Town hall"][i % 4],
                            ["Speeding", "Noise"][i % 2], f"W{i % 3}", ["Open", "Closed", "Resolved", "In progress"][i % 4],
                            "" if i % 2 else "2025-10-01", "Added patrols on Main St", f"person{i}@example.org"])
            expect = {"feedback_id": "Ticket #", "received_at": "Date Received", "channel": "How Received", "topic": "Concern Type",
                      "status": "Status", "resolved_at": "Date Closed", "action_taken": "Action Taken"}
        elif dataset == "engagement":
            w.writerow(["Event ID", "Event Date", "Event Type", "Event Name", "Neighbourhood", "Attendance", "Officer Hours", "Partner Organizations"])
            for i in range(20):
                w.writerow([i, f"3/{1 + i}/2025", ["Town Hall", "Coffee with a Cop", "School visit", "Youth basketball", "Bike patrol"][i % 5],
                            "Spring meetup", "Downtown", 5 + i, 1 + i % 4, "YMCA; Library"])
            expect = {"event_id": "Event ID", "date": "Event Date", "type": "Event Type", "title": "Event Name",
                      "attendees": "Attendance", "staff_hours": "Officer Hours", "partners": "Partner Organizations"}
        else:
            w.writerow(["Period Start", "Period End", "District", "Question", "Percent Agree", "Respondents"])
            for qn in ["I trust the police", "I feel safe", "Police treat people with respect", "Police listen to concerns"]:
                for d in "12":
                    w.writerow(["2025-01-01", "2025-03-31", d, qn, 61, 120])
            expect = {"period_start": "Period Start", "period_end": "Period End", "measure": "Question", "score": "Percent Agree",
                      "respondents": "Respondents"}
    r = inspect_file(src)
    assert r["dataset"] == dataset
    assert expect.items() <= _fields(r).items()
    assert r["crosswalks"] and not any(x["todo"] for x in r["crosswalks"].values())
    if dataset == "feedback":
        assert "Resident Email" in {p["column"] for p in r["personal_columns"]} and "@example.org" not in r["toml"]
    prof = tmp_path / "p.toml"
    prof.write_text(r["toml"], encoding="utf-8")
    rep = ingest(src, dataset, Store(tmp_path / "store"), profile=prof)
    _accounted(rep)
    assert rep["rows_rejected"] == 0


# ------------------------------------------------------------------------------------------------
# the rules are data, and they say what they should


def test_keyword_rules_are_data_and_point_at_canonical_values():
    r = rules()
    assert {rule["group"] for rule in r["category"]} <= set(CATEGORIES)
    for ds, fields in r["enums"].items():
        for fname, rule_list in fields.items():
            allowed = set(get_dataset(ds).field(fname).allowed)
            assert {x["value"] for x in rule_list} <= allowed, (ds, fname)
    for ds, spec in r["datasets"].items():
        names = set(get_dataset(ds).names) | {"point"}
        assert set(spec["fields"]) <= names, ds
    cases = {
        "B&E RESIDENCE": "burglary", "BREAK AND ENTER": "burglary", "CAR PROWL": "theft_from_vehicle",
        "THEFT FROM MOTOR VEHICLE": "theft_from_vehicle", "THEFT OF VEHICLE": "vehicle_theft", "RETAIL THEFT": "shoplifting",
        "SEXUAL ASSAULT": "sexual_offences", "RAPE": "sexual_offences", "ASSAULT": "violence", "UCR DESC: BATTERY": "violence",
        "ROBBERY - ARMED": "robbery", "ARSON": "mischief", "DUI": "traffic", "WEAPONS VIOLATION": "weapons",
        "NARCOTICS": "drugs", "LIQUOR LAW VIOLATION": "public_order", "OTHER THEFT": "other_theft",
    }
    for value, group in cases.items():
        assert match_rule(value, r["category"], "group")[0] == group, value
    for value in ("WELFARE CHECK", "LOST PROPERTY", "ESSEX STREET INCIDENT", "MISSING PERSON"):
        assert match_rule(value, r["category"], "group") is None, value  # left for the analyst
    assert norm_header("OccDate") == "occ date" and norm_header("Case #") == "case number" and norm_header("LAT_WGS84") == "lat wgs84"


def test_dataset_can_be_given(tmp_path):
    src = tmp_path / "acme.csv"
    write_acme(src, 30)
    r = inspect_file(src, dataset="incidents")
    assert r["dataset"] == "incidents" and "as you said" in r["message"]
    with pytest.raises(ValueError):
        inspect_file(src, dataset="nonsense")


# ------------------------------------------------------------------------------------------------
# (4) the command line


def _cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", *map(str, args)], cwd=cwd or ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # command-line processes on a real export
def test_cli_inspect_writes_a_profile_that_ingest_reads(tmp_path):
    src = tmp_path / "acme.csv"
    write_acme(src, 60)
    out = tmp_path / "p.toml"
    p = _cli("inspect", src, "--output", out)
    assert p.returncode == 0, p.stderr
    assert out.exists() and "Suggested mapping written to" in p.stdout and "Traceback" not in p.stderr
    tomllib.loads(out.read_text(encoding="utf-8"))
    p = _cli("inspect", src, "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["dataset"] == "incidents" and "toml" not in doc and doc["fields"] and doc["personal_columns"]
    p = _cli("ingest", src, "--dataset", "incidents", "--profile", out, "--data-dir", tmp_path / "store")
    assert p.returncode == 0, p.stderr
    assert re.search(r"Rows read 60 = accepted \d+ \+ rejected \d+", p.stdout)


def test_cli_reports_a_known_export_as_its_builtin_source(tmp_path):
    src = REALDATA / "chicago-cpd-crimes" / "sample-2024" / "Crimes_-_2001_to_Present.csv"
    if not src.exists():
        pytest.skip("realdata not present")
    out = tmp_path / "p.toml"
    p = _cli("inspect", src, "--output", out)
    assert p.returncode == 0, p.stderr
    assert "built-in source 'chicago-cpd'" in p.stdout and not out.exists()
    doc = json.loads(_cli("inspect", src, "--json").stdout)
    assert doc["detected_source"] == "chicago-cpd" and doc["dataset"] == "incidents"
    r = inspect_file(src)
    assert r["toml"] is None and r["detected_source"] == "chicago-cpd"


@pytest.mark.parametrize("name,content", [
    ("empty.csv", b""),
    ("blank.csv", b"\n\n   \n"),
    ("binary.dat", bytes(range(256)) * 8),
    ("header_only.csv", b"Case #,OccDate,Offense\n"),
    ("unrelated.csv", b"foo,bar\n1,2\n3,4\n"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
    ("broken.json", b'[{"a": 1,'),
])
def test_cli_unusable_files_fail_with_one_line(tmp_path, name, content):
    src = tmp_path / name
    src.write_bytes(content)
    out = tmp_path / "p.toml"
    p = _cli("inspect", src, "--output", out)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and name in lines[0]
    assert not out.exists()
    with pytest.raises(InputError):
        inspect_file(src)
