"""A campus gets its Annual Security Report and its daily crime log from its own export (issue 12, item 4, "Done when"):
the campus demo's safety log re-written as two other vendors would (renamed, run-together and misspelled headers, other
date formats, Clery geography as codes or as words, vendor words for categories, biases, arrests and dispositions; one
as CSV, one as an Excel sheet), inspected by `inspect`, ingested with its drafted profile untouched and published: the
/clery tables and the /crime-log come out equal to those of the demo's own import. Also inspect's Clery value rules
one by one, and that a police export gets no Clery field."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from demo import build as demo
from loaders.detect import detect
from loaders.ingest import ingest
from loaders.mapping import Spec
from loaders.suggest import inspect_file
from loaders.suggest_clery import place
from loaders.textio import read_any
from model import clery as C
from stats import clery
from stats.read import open_release
from store.versioned import Store

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "loaders" / "sources"
YEARS = (2023, 2024, 2025)

# ---------------------------------------------------------------- two vendors' exports of the same log

GEO_CODES = {"On Campus": "OC", "On Campus - Residential": "OCSH", "Non-Campus": "NC", "Public Property": "PP", "": "Non-Clery"}
BIAS_A = {"Race": "Racial", "Religion": "Religious", "Sexual orientation": "Sexual Orientation", "Gender": "Gender",
          "Gender Identity": "Gender Identity", "Disability": "Disability", "Ethnicity": "Ethnicity", "National origin": "National Origin"}
BIAS_B = {"Race": "Anti-Black or African American", "Religion": "Anti-Jewish", "Sexual orientation": "Anti-Gay (Male)",
          "Gender": "Anti-Female", "Gender Identity": "Anti-Transgender", "Disability": "Anti-Physical Disability",
          "Ethnicity": "Anti-Hispanic or Latino", "National origin": "Anti-Immigrant"}
# vendor A's words for the Clery categories (none of them the Department of Education's own)
CLERY_A = {"Larceny-theft": "Larceny", "Destruction/damage/ vandalism of property": "Destruction/Damage/Vandalism",
           "Simple assault": "Simple Assault", "Burglary": "Burglary", "Motor vehicle theft": "MV Theft", "Fondling": "Fondling",
           "Rape": "Rape", "Intimidation": "Intimidation", "Aggravated assault": "Agg. Assault", "Robbery": "Robbery",
           "Statutory rape": "Statutory Rape", "Arson": "Arson", "": "Not Clery Reportable"}
# violations carry the arrest or referral in their name ("Liquor Law Violation - Referral")
VIOLATION = {"Liquor law violations": "Liquor Law Violation", "Drug law violations": "Drug Abuse Violation",
             "Illegal weapons possession": "Weapons Law Violation"}
ACTION_A = {"Arrest": "Arrest", "Judicial Referral": "Referred to Student Conduct", "": ""}
STATUS_A = {"Inactive - No Leads": "Inactive", "Closed - Referred to Student Conduct": "Referred to Student Conduct",
            "Closed - Arrest": "Cleared - Arrest", "Closed - Cleared by Arrest": "Cleared by Arrest",
            "Closed - Exceptionally Cleared": "Exceptionally Cleared", "Unfounded": "Unfounded", "Open - Under Investigation": "Open"}
VAWA_B = {"Domestic violence": "DV", "Dating violence": "DATING", "Stalking": "STALKING", "": ""}


def demo_log() -> pd.DataFrame:
    """The campus demo's safety log as its department wrote it, every cell as text."""
    return pd.read_csv(demo.demo_files()["campus_incidents"], dtype=str, keep_default_na=False)


def _when(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.replace("", None), format="%m/%d/%Y %H:%M")


def vendor_a(log: pd.DataFrame, path: Path) -> Path:
    """CSV: run-together and misspelled headers, ISO report dates, 2-digit-year AM/PM occurrence dates, geography as
    OC/OCSH/NC/PP codes under an unhelpful header, vendor words everywhere, and two personal columns to be left out."""
    rep, start, end = _when(log["Date Reported"]), _when(log["Occurred From"]), _when(log["Occurred To"])
    clery_text = [VIOLATION[c] + " - " + ("Arrest" if a == "Arrest" else "Referral") if c in VIOLATION else CLERY_A[c]
                  for c, a in zip(log["Clery Classification"], log["Arrest/Referral"])]
    out = pd.DataFrame({
        "Incident #": log["Case Number"].str.replace("RSU-", "", regex=False),
        "Nature": log["Incident Type"].str.upper(),
        "datereported": rep.dt.strftime("%Y-%m-%d %H:%M"),
        "Occured Start": start.dt.strftime("%m/%d/%y %I:%M %p"),
        "Occured End": end.dt.strftime("%m/%d/%y %I:%M %p").fillna(""),
        "Location Type": log["Clery Geography"].map(GEO_CODES),
        "General Location": log["General Location"],
        "Patrol Zone": log["Zone"],
        "Clery Crime": clery_text,
        "VAWA Crime": log["VAWA Offense"].str.title(),
        "Hate Bias": log["Hate Crime Bias"].map(lambda b: BIAS_A.get(b, "")),
        "Disciplinary Action": log["Arrest/Referral"].map(ACTION_A),
        "Case Status": log["Disposition"].map(STATUS_A),
        "Reporting Officer": [f"Ofc. {('Avery Stone', 'Jordan Lee', 'Sam Patel')[i % 3]}" for i in range(len(log))],
        "Synopsis": "Complainant Jane Doe (555-0199) reported the matter at the front desk; follow-up assigned to the day shift.",
    })
    out.to_csv(path, index=False)
    return path


def vendor_b(log: pd.DataFrame, path: Path) -> Path:
    """An Excel sheet: upper-case snake headers, the report date and time in two cells, real date-time cells for the
    occurrence, geography in words ('ON-CAMPUS RESIDENTIAL', 'RESIDENCE HALL'), NIBRS-style biases, no arrest or
    referral column (the Clery class says it: 'LIQUOR LAW VIOLATIONS - REFERRAL'), dispositions in upper case."""
    rep, start, end = _when(log["Date Reported"]), _when(log["Occurred From"]), _when(log["Occurred To"])
    housing = ["ON-CAMPUS RESIDENTIAL", "RESIDENCE HALL"]
    geo = [housing[i % 2] if g == "On Campus - Residential" else {"On Campus": "ON-CAMPUS", "Non-Campus": "NON-CAMPUS",
           "Public Property": "PUBLIC PROPERTY", "": None}[g] for i, g in enumerate(log["Clery Geography"])]
    clery_text = [(c.upper() + (" - ARREST" if a == "Arrest" else " - REFERRAL" if a else "")) if c else None
                  for c, a in zip(log["Clery Classification"], log["Arrest/Referral"])]
    out = pd.DataFrame({
        "CASE_NO": log["Case Number"],
        "RPT_DATE": [d.date() for d in rep],
        "RPT_TIME": rep.dt.strftime("%H:%M"),
        "OCC_FROM": [d.to_pydatetime() for d in start],
        "OCC_TO": [None if pd.isna(d) else d.to_pydatetime() for d in end],
        "OFFENSE_DESC": log["Incident Type"],
        "CLERY_CLASS": clery_text,
        "VAWA": log["VAWA Offense"].map(VAWA_B).replace("", None),
        "BIAS_MOTIVATION": log["Hate Crime Bias"].map(lambda b: BIAS_B.get(b)),
        "CLERYGEOGRAPHY": geo,
        "GEN_LOCATION": log["General Location"],
        "ZONE": log["Zone"].replace("", None),
        "DISPOSITION": log["Disposition"].str.upper(),
    })
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        out.to_excel(xw, sheet_name="Daily Crime Log", index=False)
    return path


# ---------------------------------------------------------------- stores


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """The campus demo imported by its built-in source spec (release 1)."""
    root = tmp_path_factory.mktemp("own") / "store"
    demo.build_demo(Store(root), kind="campus")
    return open_release(root)


def _import(tmp: Path, export: Path) -> tuple[dict, dict, object]:
    """inspect's result for an export no source knows, the ingest report with its drafted profile untouched, and the
    release published from it (beside the demo's campus zones, read by their built-in spec, as the demo has them)."""
    assert detect(read_any(export)) is None, "a built-in source recognises the export: it is not an unknown one"
    found = inspect_file(export)
    assert found["dataset"] == "incidents" and found["detected_source"] is None
    profile = tmp / f"{export.stem}.toml"
    profile.write_text(found["toml"], encoding="utf-8")
    store = Store(tmp / "store")
    areas = ingest(demo.demo_files()["campus_areas"], "areas", store, profile=Spec.load(SOURCES / "demo_campus_areas.toml"))
    report = ingest(export, "incidents", store, profile=profile)
    store.publish([areas["draft"], report["draft"]], "test", "a campus's own export")
    return found, report, open_release(store.root)


@pytest.fixture(scope="module")
def csv_campus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vendor_a")
    return _import(tmp, vendor_a(demo_log(), tmp / "daily_crime_log_export.csv"))


@pytest.fixture(scope="module")
def xlsx_campus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vendor_b")
    return _import(tmp, vendor_b(demo_log(), tmp / "CampusSafetyLog.xlsx"))


VARIANTS = ["csv_campus", "xlsx_campus"]
# the tests ask for these stores by name (request.getfixturevalue), which tests/conftest.py's grouping cannot see: the
# module stays on one xdist worker so that each store is imported once, not once per worker
pytestmark = pytest.mark.xdist_group("tests.test_clery_open_world")


def _field(found: dict, name: str) -> dict:
    return next(f for f in found["fields"] if f["field"] == name)


# ---------------------------------------------------------------- inspect


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_inspect_finds_every_clery_field(variant, request):
    found, report, _ = request.getfixturevalue(variant)
    spec = tomllib.loads(found["toml"])["fields"]
    expected = {
        "csv_campus": {"incident_id": "Incident #", "reported_at": "datereported", "occurred_at": "Occured Start",
                       "occurred_end": "Occured End", "category": "Nature", "block": "General Location", "area": "Patrol Zone",
                       "status": "Case Status", "clery_category": "Clery Crime", "clery_geography": "Location Type",
                       "vawa_offense": "VAWA Crime", "bias": "Hate Bias", "clery_action": "Disciplinary Action"},
        "xlsx_campus": {"incident_id": "CASE_NO", "reported_at": ["RPT_DATE", "RPT_TIME"], "occurred_at": "OCC_FROM",
                        "occurred_end": "OCC_TO", "category": "OFFENSE_DESC", "block": "GEN_LOCATION", "area": "ZONE",
                        "status": "DISPOSITION", "clery_category": "CLERY_CLASS", "clery_geography": "CLERYGEOGRAPHY",
                        "vawa_offense": "VAWA", "bias": "BIAS_MOTIVATION", "clery_action": "CLERY_CLASS"},
    }[variant]
    assert {f: spec[f]["column"] for f in expected} == expected
    # nothing is left to assign, and no personal column is mapped
    assert not [v for x in found["crosswalks"].values() for v in x["todo"]] and not any(x["not_listed"] for x in found["crosswalks"].values())
    mapped = {c for f in spec.values() for c in ([f["column"]] if isinstance(f.get("column"), str) else f.get("column", []))}
    assert not mapped & {p["column"] for p in found["personal_columns"]}
    if variant == "csv_campus":
        assert {p["column"] for p in found["personal_columns"]} == {"Reporting Officer", "Synopsis"}
    assert any("campus's Clery export" in c for c in found["checks"])
    # the untouched profile takes every row, with no value unmapped and no warning
    assert report["rows_read"] == report["rows_accepted"] == len(demo_log())
    assert not report["rows_rejected"] and not report["unmapped"] and not report["warnings"], (report["unmapped"], report["warnings"])


# ---------------------------------------------------------------- the report and the log, equal to the demo's own


def _counts(rel) -> pd.DataFrame:
    df = clery.counts(rel)
    return df.sort_values(list(df.columns[:-1]), na_position="first").reset_index(drop=True)


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_the_annual_security_report_equals_the_demos(own, variant, request):
    _, _, rel = request.getfixturevalue(variant)
    assert clery.report_years(rel) == clery.report_years(own) == YEARS
    pd.testing.assert_frame_equal(_counts(rel), _counts(own))  # every count by year, section, category, geography, bias
    for section in C.SECTIONS:
        pd.testing.assert_frame_equal(clery.section_counts(rel, section, YEARS), clery.section_counts(own, section, YEARS), obj=section)
    assert rel.privacy_note["clery"] == own.privacy_note["clery"]  # outside Clery geography, by date occurred ...
    # the checks of the report itself: student housing within on campus, unfounded apart and not counted
    crimes = clery.section_counts(rel, "criminal_offenses", YEARS)
    for y in YEARS:
        assert (crimes[(y, C.HOUSING)] <= crimes[(y, C.ON_CAMPUS)]).all()
    assert clery.crimes_in(clery.section_counts(rel, "unfounded", YEARS)) > 0
    run = lambda fn, *a: fn(rel, *a)  # noqa: E731
    run_own = lambda fn, *a: fn(own, *a)  # noqa: E731
    tables = [(b.key, b.table) for b in clery.report_blocks(rel, run, "en") if hasattr(b, "table")]
    assert tables and all(t.equals(o) for (_, t), (_, o) in zip(tables, [(b.key, b.table) for b in clery.report_blocks(own, run_own, "en")
                                                                        if hasattr(b, "table")]))


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_the_daily_crime_log_equals_the_demos(own, variant, request):
    _, _, rel = request.getfixturevalue(variant)
    mine, theirs = clery.log_entries(rel), clery.log_entries(own)
    assert len(mine) == len(theirs) > 50
    days = pd.to_datetime(mine["reported_at"]).dt.normalize()
    assert days.max() - days.min() <= pd.Timedelta(days=59)
    # the record ids are keyed hashes of each source's own case number: the rest of every entry is the same ...
    shown, shown_own = clery.log_table(mine, "en").drop(columns="Record"), clery.log_table(theirs, "en").drop(columns="Record")
    key = ["Reported", "Occurred (from – to)", "General location", "Disposition", "Nature"]
    shown, shown_own = (t.sort_values(key).reset_index(drop=True) for t in (shown, shown_own))
    pd.testing.assert_frame_equal(shown.drop(columns="Nature"), shown_own.drop(columns="Nature"))
    # ... and so is its nature, but for fraud: the demo's own crosswalk puts it in "other", while inspect's keyword rules
    # place it in "other theft", as NIBRS (26A-26H), UCR2 (2160) and every other built-in crosswalk do. It names no Clery
    # category, so the report is not touched.
    differ = shown["Nature"] != shown_own["Nature"]
    log = demo_log()
    reported = _when(log["Date Reported"])
    fraud = int((log["Incident Type"].eq("Fraud") & (reported.dt.normalize() >= reported.max().normalize() - pd.Timedelta(days=59))).sum())
    assert int(differ.sum()) == fraud and set(zip(shown["Nature"][differ], shown_own["Nature"][differ])) <= {("Other theft", "Other offences")}
    # nothing sensitive: the sensitive entries lost their time and place in both, and no personal column reached the log
    assert (mine["time_precision"] != "exact").sum() == (theirs["time_precision"] != "exact").sum() >= 2
    text = " ".join(shown.astype(str).to_numpy().ravel())
    assert "Jane Doe" not in text and "555-0199" not in text and "Ofc." not in text


# ---------------------------------------------------------------- the value rules, one by one


@pytest.mark.parametrize("field, value, code", [
    ("clery_geography", "On Campus", "on_campus"), ("clery_geography", "ON-CAMPUS RESIDENTIAL", C.HOUSING),
    ("clery_geography", "Residence Hall", C.HOUSING), ("clery_geography", "On Campus - Student Housing", C.HOUSING),
    ("clery_geography", "Non-Campus", "noncampus"), ("clery_geography", "Noncampus Building or Property", "noncampus"),
    ("clery_geography", "Public Property", "public_property"), ("clery_geography", "OC", "on_campus"),
    ("clery_geography", "OCSH", C.HOUSING), ("clery_geography", "NC", "noncampus"), ("clery_geography", "PP", "public_property"),
    ("clery_geography", "Not Clery", ""), ("clery_geography", "Off Campus", None),
    ("clery_category", "Fondling", "fondling"), ("clery_category", "Sexual Assault - Fondling", "fondling"),
    ("clery_category", "Burglary", "burglary"), ("clery_category", "MV Theft", "motor_vehicle_theft"),
    ("clery_category", "Theft from Vehicle", "larceny_theft"), ("clery_category", "Liquor Law Violation - Referral", "liquor_law_violations"),
    ("clery_category", "Drug law violations", "drug_law_violations"), ("clery_category", "Weapons: carrying, possessing, etc.", "weapons_possession"),
    ("clery_category", "Agg. Assault", "aggravated_assault"), ("clery_category", "Murder/Non-negligent manslaughter", "murder_nonnegligent_manslaughter"),
    ("clery_category", "Negligent Manslaughter", "negligent_manslaughter"), ("clery_category", "Statutory Rape", "statutory_rape"),
    ("clery_category", "Destruction/Damage/Vandalism", "vandalism"), ("clery_category", "DUI - Alcohol", ""),
    ("clery_category", "Trespass", ""), ("clery_category", "Sexual Assault", None), ("clery_category", "Unfounded", None),
    ("vawa_offense", "Domestic Violence", "domestic_violence"), ("vawa_offense", "DV", "domestic_violence"),
    ("vawa_offense", "Dating Violence", "dating_violence"), ("vawa_offense", "Stalking", "stalking"),
    ("bias", "Anti-Black or African American", "race"), ("bias", "Religion", "religion"), ("bias", "Anti-Transgender", "gender_identity"),
    ("bias", "Anti-Gay (Male)", "sexual_orientation"), ("bias", "Gender", "gender"), ("bias", "National Origin", "national_origin"),
    ("bias", "Ethnicity", "ethnicity"), ("bias", "Disability", "disability"),
    ("clery_action", "Arrest", "arrest"), ("clery_action", "Judicial Referral", "referral"),
    ("clery_action", "Referred to Student Conduct", "referral"), ("clery_action", "Closed - Referred to Student Conduct", "referral"),
    ("clery_action", "Custodial Arrest", "arrest"), ("clery_action", "Cited and Released", "arrest"),
])
def test_campus_words_place_into_clery_codes(field, value, code):
    hit = place(value, field)
    assert hit is not None and hit[0] == code, (value, hit)
    assert code in ("", None) or code in ALLOWED[field]


ALLOWED = {"clery_geography": C.GEOGRAPHIES, "clery_category": C.CATEGORIES, "vawa_offense": C.VAWA_OFFENSES,
           "bias": C.BIASES, "clery_action": C.ACTIONS}


def test_every_clery_value_rule_names_a_clery_code():
    from loaders.suggest_columns import rules

    values = rules()["clery"]["values"]
    assert set(values) == set(ALLOWED)
    for fname, rule_list in values.items():
        assert {r["value"] for r in rule_list} - {"", "?"} <= set(ALLOWED[fname]), fname
    # every Clery category, bias and geography can be reached by some rule or by the code list
    assert set(C.BIASES) <= {r["value"] for r in values["bias"]} and set(C.GEOGRAPHIES) <= {r["value"] for r in values["clery_geography"]}


def test_a_police_export_gets_no_clery_field(tmp_path):
    """The Clery fields are drafted for a campus only: a police export with a bias column and a disposition that says
    'arrest' gets none of them (they would make a Clery report of a police service)."""
    f = tmp_path / "rms.csv"
    pd.DataFrame({"Report Number": [f"R{i}" for i in range(40)], "Offense": ["Assault", "Theft", "Burglary", "Robbery"] * 10,
                  "Occurred Date": [f"2025-01-{1 + i % 28:02d} 10:00" for i in range(40)], "Beat": ["A1", "B2"] * 20,
                  "Bias Motivation": ["Anti-Black", ""] * 20, "Disposition": ["Cleared by Arrest", "Open"] * 20}).to_csv(f, index=False)
    found = inspect_file(f, dataset="incidents")
    fields = {x["field"] for x in found["fields"]}
    assert not fields & {"clery_geography", "clery_category", "vawa_offense", "bias", "clery_action"}
    assert {"incident_id", "category", "occurred_at", "area", "status"} <= fields


def test_a_campus_without_a_clery_category_column_reads_its_offence_text(tmp_path):
    """A campus log with Clery geography but no Clery category column: the offence text is read for the Clery categories
    it names (a value naming none is no Clery crime), and the Clery action comes from the disposition."""
    log = demo_log().iloc[:400]
    f = tmp_path / "log.csv"
    pd.DataFrame({"Case Number": log["Case Number"], "Reported": log["Date Reported"], "Occurred": log["Occurred From"],
                  "Offense": log["Incident Type"], "Clery Geography": log["Clery Geography"].map(GEO_CODES),
                  "Disposition": log["Disposition"]}).to_csv(f, index=False)
    found = inspect_file(f, dataset="incidents")
    spec = tomllib.loads(found["toml"])
    assert spec["fields"]["clery_category"]["column"] == "Offense" and spec["fields"]["clery_action"]["column"] == "Disposition"
    cw = spec["crosswalks"]["clery_category"]
    assert cw["Sexual Assault - Fondling"] == "fondling" and cw["Motor Vehicle Theft"] == "motor_vehicle_theft"
    assert cw["Theft from Vehicle"] == "larceny_theft" and cw["Trespass"] == "" and cw["Liquor Law Violation"] == "liquor_law_violations"
    assert spec["crosswalks"]["clery_action"]["Closed - Referred to Student Conduct"] == "referral"
    assert spec["crosswalks"]["clery_action"]["Inactive - No Leads"] == ""
    # the VAWA offenses the offence text names are read from it too, and are no Clery category
    assert spec["fields"]["vawa_offense"]["column"] == "Offense" and cw["Stalking"] == cw["Harassment"] == ""
    assert spec["crosswalks"]["vawa_offense"]["Dating Violence"] == "dating_violence" and spec["crosswalks"]["vawa_offense"]["Theft - Other"] == ""
    assert found["trial"]["rows_accepted"] == len(log) and not found["trial"]["unmapped"]


def test_an_excel_date_cell_is_read_as_the_csv_date(tmp_path):
    """The Excel variant's cells are real dates: the sheet gives the same instants as the demo's text."""
    log = demo_log().iloc[:20]
    raw = read_any(vendor_b(log, tmp_path / "x.xlsx"))
    occ = [dt.datetime.fromisoformat(v) for v in raw.table["OCC_FROM"].to_pylist()]
    assert occ == list(_when(log["Occurred From"]).dt.to_pydatetime())


# ---------------------------------------------------------------- the Department of Education's own names


ED = "us-ed-campus-safety-wa"
BIAS_COLUMN = re.compile(r"^(?P<name>.+?)\s-\s?(?P<bias>Race|Religion|Sexual orientation|Gender Identity|Gender|Disability|"
                         r"Ethnicity/National origin|Ethnicity|National origin)$")


def _ed_header(realdata: Path, name: str) -> list[str]:
    import csv

    with open(realdata / ED / name, encoding="utf-8", newline="") as fh:
        return [h.strip() for h in next(csv.reader(fh))[6:]]  # past Survey year ... Institution Size


def test_every_column_of_the_department_of_educations_export_places(realdata):
    """Each count column of the Department of Education's export (offenses, hate crimes by category and bias,
    arrests and disciplinary actions, unfounded crimes) names a Bridges code, read the way inspect reads a campus's
    words: an export with the Department's own names needs no crosswalk line."""
    offenses = _ed_header(realdata, "Criminal_Offenses_On_campus.csv")
    assert [place(h, "clery_category")[0] for h in offenses] == list(C.codes(C.CRIMINAL_OFFENSES))
    discipline = _ed_header(realdata, "Disciplinary_Actions_On_campus.csv")
    assert [place(h, "clery_category")[0] for h in discipline] == list(C.codes(C.ARRESTS_REFERRALS))
    assert _ed_header(realdata, "Unfounded_Crimes.csv") == [C.LABELS["unfounded"]]  # one total; Bridges lists it by category
    categories, biases = [], set()
    for h in _ed_header(realdata, "Hate_Crimes_On_campus.csv"):
        m = BIAS_COLUMN.match(h)
        if not m:  # a category alone ("Robbery", "Sex offenses - Forcible")
            categories.append(h)
            continue
        biases.add(m["bias"])
        # the export's own slip: 'Rape - Forcible - Sexual orientation' is rape's column for sexual orientation
        name = m["name"].removesuffix(" - Forcible") if not m["name"].startswith("Sex offenses") else m["name"]
        assert place(name, "clery_category")[0] in C.CATEGORIES, h
    # every criminal offense and every category counted only as a hate crime (the hate-crime file puts the two pre-2014 sex
    # offense columns together; tests/test_clery.py checks the order of the others)
    assert sorted(place(h, "clery_category")[0] for h in categories) == sorted(C.codes(C.CRIMINAL_OFFENSES) + C.codes(C.HATE_ONLY))
    # the eight biases; the pre-2016 'Ethnicity/National origin' is two of them since, so the analyst says which (TODO)
    assert {b: place(b, "bias")[0] for b in biases} == {**{C.LABELS[b]: b for b in C.BIASES}, "Ethnicity/National origin": None}
