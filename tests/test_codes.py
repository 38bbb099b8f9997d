"""Standard offence code systems as data: complete against the FBI's table, every row valid, codes found in text, columns recognised by their values and not mistaken in plain numbers."""
from __future__ import annotations

import csv
import random
import re

import pytest

from loaders import codes
from model.errors import InputError
from model.schema import CATEGORIES

NIBRS_TABLE = "us-fbi-nibrs-offense-codes/NIBRS_OFFENSE_TYPE.csv"
LOUISVILLE = "louisville-lmpd-crime/sample.csv"
CHICAGO = "chicago-cpd-crimes/sample-2024/Crimes_-_2001_to_Present.csv"
CAMPUS = "us-ed-campus-safety-wa"


def _column(path, name, encoding="utf-8"):
    with open(path, encoding=encoding, newline="") as fh:
        return [r[name] for r in csv.DictReader(fh)]


# --- the files -------------------------------------------------------------------------------------------------

def test_every_system_file_says_its_source_and_what_it_covers():
    assert set(codes.systems()) == {"nibrs", "ucr_summary", "ucr2_canada", "police_uk", "home_office", "clery"}
    for s in codes.systems().values():
        assert s.title and len(s.source) > 40 and s.covers, s.id


def test_every_row_has_a_valid_category_and_kind():
    for s in codes.systems().values():
        for c in s.codes.values():
            assert c.kind in codes.KINDS, (s.id, c.code)
            if c.kind == "crime":
                assert c.category in CATEGORIES, (s.id, c.code)
            elif c.kind == "no_offence":
                assert c.category is None, (s.id, c.code)
    for b in codes.system("ucr2_canada").blocks:
        assert b.category in CATEGORIES and b.low <= b.high


def test_every_code_of_a_standard_classifies_as_itself():
    # no valid code is ever left for an analyst to assign: each one, and its label, lands on a category or no offence
    for s in codes.systems().values():
        for c in s.codes.values():
            assert codes.classify(c.code, s.id) == (c.category, c.kind, c.code)
            assert codes.classify(c.label.upper(), s.id) == (c.category, c.kind, c.code)


def test_nibrs_is_complete_against_the_fbi_table(realdata):
    with open(realdata / NIBRS_TABLE, encoding="utf-8", newline="") as fh:
        fbi = list(csv.DictReader(fh))
    nibrs = codes.system("nibrs")
    for row in fbi:
        ours = nibrs.codes.get(row["OFFENSE_CODE"])
        assert ours is not None, f"{row['OFFENSE_CODE']} {row['OFFENSE_NAME']} is missing"
        assert ours.attrs["crimes_against"].lower() == row["CRIME_AGAINST"].lower(), row["OFFENSE_CODE"]
        assert ours.attrs["group"] == row["OFFENSE_GROUP"], row["OFFENSE_CODE"]
        assert ours.label == row["OFFENSE_NAME"], row["OFFENSE_CODE"]
    real = [c for c in nibrs.codes.values() if c.code != "23*"]
    counts = {(g, f): sum(1 for c in real if (c.attrs["group"], c.attrs["federal"]) == (g, f)) for g in "AB" for f in "NY"}
    assert counts == {("A", "N"): 52, ("A", "Y"): 19, ("B", "N"): 10, ("B", "Y"): 3}
    assert codes.classify("999", "nibrs") == (None, "no_offence", "999")
    assert codes.classify("90I", "nibrs") == (None, "no_offence", "90I")


def test_ucr_summary_has_part_one_and_part_two():
    ucr = codes.system("ucr_summary")
    part_one = {c.code for c in ucr.codes.values() if c.attrs["part"] == "I"}
    assert {"01A", "01B", "02", "03", "04", "05", "06", "07", "09"} <= part_one
    assert {c.code for c in ucr.codes.values() if c.attrs["part"] == "II" and c.code.isdigit()} == {f"{n:02d}" for n in [8, *range(10, 30)]}


@pytest.mark.parametrize("code, category", [
    ("1110", "violence"), ("1430", "violence"), ("1410", "violence"), ("1420", "violence"), ("1610", "robbery"),
    ("160", "robbery"), ("2120", "burglary"), ("2130", "other_theft"), ("2140", "other_theft"),
    ("2135", "vehicle_theft"), ("2142", "theft_from_vehicle"), ("2133", "shoplifting"), ("2143", "shoplifting"),
    ("2170", "mischief"), ("4140", "drugs"), ("3410", "other"),
])
def test_canada_ucr2_codes_police_services_publish(code, category):
    assert codes.classify(code, "ucr2_canada") == (category, "crime", code)


def test_every_ucr2_code_as_statistics_canada_prints_it_classifies_as_itself():
    """Table 35-10-0177-01 (the file's stated source) prints each violation as "Name [code]": every code the file lists,
    written so, is that code, also a total whose name has no telling word ('Total other Criminal Code violations [300]')."""
    ucr2 = codes.system("ucr2_canada")
    for c in ucr2.codes.values():
        assert codes.classify(f"{c.label} [{c.code}]", "ucr2_canada") == (c.category, c.kind, c.code), c.code


def test_ucr2_covers_what_its_source_and_covers_lines_say():
    """The 4-digit codes police services publish, the 3-digit totals, the aggregate rows of table 35-10-0169-01 the
    source line names, and all 24 CDSA drug codes the covers line promises; any other 4-digit code falls in a block."""
    ucr2 = codes.system("ucr2_canada")
    listed = set(ucr2.codes)
    assert "Statistics Canada" in ucr2.source and "35-10-0177-01" in ucr2.source
    named = set(re.search(r"35-10-0169-01 \(([0-9, ]+)\)", ucr2.source).group(1).replace(" ", "").split(","))
    assert named == {"131", "141", "213", "216", "911", "921", "923"} and named <= listed
    totals = {"0", "50", "99", "100", "110", "120", "130", "160", "180", "190", "200", "210", "220", "230", "240", "250",
              "300", "310", "330", "401", "900"}
    assert totals <= listed
    assert all(ucr2.codes[c].attrs["total"] == "Y" for c in totals | named)
    assert all(len(c) <= 3 for c in listed if ucr2.codes[c].attrs["total"] == "Y")
    assert "all 24 CDSA" in ucr2.covers
    assert {f"4{kind}{drug}0" for kind in "1234" for drug in "123456"} <= listed
    published = {"1110", "1120", "1130", "1210", "1310", "1320", "1330", "1410", "1420", "1430", "1610", "1625", "1627", "2110",
                 "2120", "2130", "2131", "2135", "2140", "2142", "2143", "2160", "2170", "3410", "3520"}  # Toronto's MCI UCR_CODE and others
    assert published <= listed
    for n in range(1000, 10000, 10):  # every 4-digit code, listed or not, is placed: by the file or by its block
        hit = codes.classify(str(n), "ucr2_canada")
        assert hit is None or hit[0] in CATEGORIES
    assert all(codes.classify(str(n), "ucr2_canada") for n in (1150, 1560, 2125, 3365, 4110, 6450, 9230))


@pytest.mark.parametrize("code, category", [("9230", "traffic"), ("6450", "other"), ("3365", "weapons"), ("1621", "violence"), ("1345", "sexual_offences")])
def test_a_ucr2_code_the_file_does_not_list_takes_its_block(code, category):
    assert codes.classify(code, "ucr2_canada")[:2] == (category, "crime")


def test_police_uk_categories_come_from_the_one_crosswalk():
    uk = codes.system("police_uk")
    assert len(uk.codes) == 14
    with open(codes.CROSSWALKS_DIR / "police-uk.csv", encoding="utf-8", newline="") as fh:
        crosswalk = {r["value"].upper(): r["category"] for r in csv.DictReader(fh)}
    for c in uk.codes.values():
        assert c.category == (crosswalk.get(c.code.upper()) or crosswalk[c.label.upper()])


def test_clery_names_are_the_department_of_educations_column_names(realdata):
    clery = codes.system("clery")
    labels = sorted((c.label for c in clery.codes.values()), key=len, reverse=True)
    ids = {"Survey year", "Unitid", "Institution name", "Campus ID", "Campus Name", "Institution Size"}
    seen = set()
    for name in ["Criminal_Offenses_On_campus.csv", "Hate_Crimes_On_campus.csv", "Disciplinary_Actions_On_campus.csv", "Unfounded_Crimes.csv"]:
        with open(realdata / CAMPUS / name, encoding="utf-8", newline="") as fh:
            header = [h.strip() for h in next(csv.reader(fh))]
        for column in header:
            if column in ids:
                continue
            # hate-crime columns add a bias ("Robbery - Race"); the category is the label the column starts with
            label = next((lab for lab in labels if column == lab or column.startswith(lab + " -")), None)
            assert label is not None, f"{name}: column {column!r} is no Clery category"
            seen.add(label)
    # every category the export has is ours; VAWA offenses are in files not copied into realdata
    assert seen == {c.label for c in clery.codes.values() if c.attrs["section"] != "vawa_offenses"}
    assert {c.category for c in clery.codes.values() if c.attrs["section"] == "vawa_offenses"} == {"violence"}


def test_service_groups_are_data():
    groups = codes.service_group_list()
    assert len({g.id for g in groups}) == len(groups) >= 8
    assert all(g.label and g.keywords for g in groups)


@pytest.mark.parametrize("text, group", [
    ("FIRE ALARM", "alarm"), ("Alarm - Medical", "alarm"), ("MEDICAL ASSIST", "medical"), ("Check welfare", "welfare_check"),
    ("FOUND PROPERTY", "lost_found"), ("lost person", "assist_public"), ("Suspicious vehicle parked", "suspicious"),
    ("PARKING COMPLAINT", "traffic_parking"), ("Safety escort", "escort"), ("Vehicle lockout", "assist_public"),
    ("Mental Health Act apprehension", "mental_health"), ("Noise - Residential", "disturbance"), ("THEFT", None),
    ("ALARMING BEHAVIOUR", None),
])
def test_service_group_by_keyword(text, group):
    assert codes.service_group(text) == group


# --- finding a code --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, system, code", [
    ("ASSAULT - 2ND DEGREE (NIBRS 90Z)", "nibrs", "90Z"),
    ("13b", "nibrs", "13B"),
    (" 9a ", "nibrs", "09A"),
    ("ASSAULT - 4TH DEGREE (MINOR INJURY) 508.030 00796 13B", "nibrs", "13B"),
    ("Simple Assault", "nibrs", "13B"),
    ("Burglary/Breaking and Entering", "nibrs", "220"),
    ("1430/100", "ucr2_canada", "1430"),
    ("1430-100", "ucr2_canada", "1430"),
    ("1430 / 100", "ucr2_canada", "1430"),
    ("01430", "ucr2_canada", "1430"),
    ("1430.0", "ucr2_canada", "1430"),
    ("Assault, level 1 [1430]", "ucr2_canada", "1430"),
    ("Total robbery [160]", "ucr2_canada", "160"),
    ("8n", "home_office", "8N"),
    ("105A Assault without injury", "home_office", "105A"),
    ("4.10", "home_office", "4.10"),
    ("04B", "ucr_summary", "04B"),
    ("FBI code 26", "ucr_summary", "26"),
    ("violent-crime", "police_uk", "violent-crime"),
    ("Criminal damage and arson", "police_uk", "criminal-damage-arson"),
    ("Destruction/damage/vandalism of property", "clery", "vandalism"),
])
def test_find_code(value, system, code):
    assert codes.find_code(value, system) == code


@pytest.mark.parametrize("value, system", [
    ("26 COUNTERFEITING", "ucr_summary"),  # Louisville's own class 26, not UCR's "all other offenses"
    ("ASSAULT - 4TH DEGREE", "nibrs"),
    ("2019", "ucr2_canada"),
    ("NULL", "nibrs"),
    ("", "nibrs"),
    (None, "nibrs"),
    ("Unit (12)", "ucr_summary"),
])
def test_no_code_where_there_is_none(value, system):
    assert codes.find_code(value, system) is None


def test_an_unknown_system_is_a_sentence():
    with pytest.raises(InputError, match="no offence code system called 'nibrs2'"):
        codes.system("nibrs2")


def test_a_bad_row_is_refused_with_its_line(tmp_path):
    path = tmp_path / "local.csv"
    path.write_text("# system: local\n# source: a test\ncode,label,category,kind\n1,Theft,theft,crime\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"local.csv, line 4: the category 'theft' of 1 is not a canonical group"):
        codes.load_system(path)
    path.write_text("# system: local\ncode,label,category,kind,service_group\n1,Alarm call,,service,\n", encoding="utf-8")
    with pytest.raises(InputError, match="names no service group"):
        codes.load_system(path)
    path.write_text("# system: local\ncode,label,category,kind,service_group\n1,Alarm call,,service,alarm\n2,Assault,violence,crime,\n",
                    encoding="utf-8")
    local = codes.load_system(path)
    assert (local.codes["1"].category, local.codes["1"].kind) == ("alarm", "service")


# --- recognising a column --------------------------------------------------------------------------------------

def test_louisvilles_nibrs_column_is_nibrs_and_every_code_classifies(realdata):
    column = _column(realdata / LOUISVILLE, "NIBRS Code")
    assert codes.recognise_column(column) == ("nibrs", 1.0)
    for value in set(column):
        category, kind, code = codes.classify(value, "nibrs")
        assert (category in CATEGORIES) if kind == "crime" else kind == "no_offence"


def test_chicagos_fbi_code_column_is_ucr_summary(realdata):
    assert codes.recognise_column(_column(realdata / CHICAGO, "FBI Code", "utf-8-sig")) == ("ucr_summary", 1.0)


def test_police_uk_crime_type_column(realdata):
    column = _column(realdata / "uk-police-street-crime/2021-07-merseyside-street.csv", "Crime type")
    assert codes.recognise_column(column) == ("police_uk", 1.0)


def test_statistics_canada_violation_labels_are_ucr2():
    column = ["Assault, level 1 [1430]", "Robbery [1610]", "Breaking and entering [2120]", "Total robbery [160]"] * 5
    assert codes.recognise_column(column) == ("ucr2_canada", 1.0)


@pytest.mark.parametrize("path, column, encoding", [
    (LOUISVILLE, "LMPD Beat", "utf-8"), (LOUISVILLE, "Incident Number", "utf-8"), (LOUISVILLE, "Zip Code", "utf-8"),
    (LOUISVILLE, "Offense Classification", "utf-8"), (LOUISVILLE, "LMPD Division", "utf-8"),
    (CHICAGO, "Beat", "utf-8-sig"), (CHICAGO, "Year", "utf-8-sig"), (CHICAGO, "ID", "utf-8-sig"),
    (CHICAGO, "IUCR", "utf-8-sig"), (CHICAGO, "Ward", "utf-8-sig"), (CHICAGO, "District", "utf-8-sig"),
    (CHICAGO, "Community Area", "utf-8-sig"),
])
def test_real_number_columns_are_no_code_system(realdata, path, column, encoding):
    assert codes.recognise_column(_column(realdata / path, column, encoding)) == (None, 0.0)


def test_made_up_number_columns_are_no_code_system():
    rng = random.Random(7)
    cases = {
        "years": [str(rng.randint(2010, 2025)) for _ in range(3000)],
        "four-digit beats": [f"{rng.randint(1, 25):02d}{rng.randint(1, 3)}{rng.randint(1, 5)}" for _ in range(3000)],
        "three-digit beats": [f"{rng.randint(1, 8)}{rng.randint(1, 3)}{rng.randint(1, 9)}" for _ in range(3000)],
        "ids": [str(rng.randint(1, 10**6)) for _ in range(3000)],
        "sequence": [str(i) for i in range(1, 3000)],
        "counts": [str(rng.randint(0, 40)) for _ in range(3000)],
        "hours": [str(rng.randint(0, 23)) for _ in range(3000)],
        "apartment units": [f"{rng.randint(1, 30)}{rng.choice('ABCDEFGH')}" for _ in range(3000)],
    }
    for name, column in cases.items():
        assert codes.recognise_column(column) == (None, 0.0), name


def test_a_small_code_column_is_recognised_and_an_empty_one_is_not():
    assert codes.recognise_column(["1430/100", "1420/100", "2120/200", "2135/210", "1610/100"] * 4) == ("ucr2_canada", 1.0)
    assert codes.recognise_column(["8N", "105A", "46", "49", "45", "58C"] * 3) == ("home_office", 1.0)
    assert codes.recognise_column(["", "NULL", None, float("nan")]) == (None, 0.0)
    assert codes.recognise_column(["13A"] * 50) == (None, 0.0)  # one value alone says too little


def test_source_lines_name_their_publisher():
    assert re.search(r"35-10-0177-01", codes.system("ucr2_canada").source)
    assert "FBI" in codes.system("nibrs").source and "Department of Education" in codes.system("clery").source
