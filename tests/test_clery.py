"""Clery mode for campuses: the fictional Riverton State University store (demo.build, kind "campus") through the
ordinary loaders, the gate and a publish; its Annual Security Report checked against the raw export counted by hand,
against the Department of Education's own export (names and order), as CSV and PDF; the daily crime log (60 days,
nothing sensitive); the /clery and /crime-log pages in AppTest; and a data folder serving two providers."""
from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from demo import build as demo
from demo import generate as demo_gen
from gate import scan
from loaders.detect import detect
from loaders.ingest import ingest
from loaders.textio import read_any
from model import clery as C
from model.public import PUBLIC_FIELDS
from model.schema import CATEGORIES
from outputs import clery as files
from outputs.images import available
from stats import clery
from stats.blocks import cap
from stats.i18n import label
from stats.read import open_release
from store.versioned import Store

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = str(ROOT / "dashboard.py")
DEMO = ROOT / "data" / "demo"
ED = "us-ed-campus-safety-wa"
YEARS = (2023, 2024, 2025)
GEO = {"On Campus": "on_campus", "On Campus - Residential": C.HOUSING, "Non-Campus": "noncampus", "Public Property": "public_property"}
CODE = {label: code for code, label in C.LABELS.items()}  # the Department of Education's names → our codes
BIAS_SUFFIX = re.compile(r"\s-\s?(Race|Religion|Sexual orientation|Gender|Gender Identity|Disability|Ethnicity/National origin|Ethnicity|National origin)$")
IDS = {"Survey year", "Unitid", "Institution name", "Campus ID", "Campus Name", "Institution Size"}


@pytest.fixture(scope="module")
def campus(tmp_path_factory):
    """The campus demo store (release 1) and its release."""
    root = tmp_path_factory.mktemp("campus") / "store"
    demo.build_demo(Store(root), kind="campus")
    return root, open_release(root)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The campus export as its department wrote it, every cell as text."""
    df = pd.read_csv(DEMO / demo_gen.FILES["campus_incidents"], dtype=str, keep_default_na=False)
    df["year"] = pd.to_datetime(df["Date Reported"], format="%m/%d/%Y %H:%M").dt.year
    df["geo"] = df["Clery Geography"].map(GEO)
    df["unfounded"] = df["Disposition"] == "Unfounded"
    return df


def expected(raw: pd.DataFrame, section: str) -> Counter:
    """One section of the report counted by hand from the raw export: (category, bias, year, geography) → crimes; a
    crime in student housing counts under on campus as well."""
    placed = raw[raw["geo"].notna() & raw["year"].isin(YEARS)]
    ok = placed[~placed["unfounded"]]
    crimes = {C.LABELS[c] for c in C.codes(C.CRIMINAL_OFFENSES)}
    hate_able = crimes | {C.LABELS[c] for c in C.codes(C.HATE_ONLY)}
    rows = {
        "criminal_offenses": [(r, r["Clery Classification"], None) for _, r in ok[ok["Clery Classification"].isin(crimes)].iterrows()],
        "hate_crimes": [(r, r["Clery Classification"], r["Hate Crime Bias"]) for _, r in
                        ok[ok["Clery Classification"].isin(hate_able) & (ok["Hate Crime Bias"] != "")].iterrows()],
        "vawa_offenses": [(r, r["VAWA Offense"], None) for _, r in ok[ok["VAWA Offense"] != ""].iterrows()],
        "arrests": [(r, r["Clery Classification"], None) for _, r in ok[ok["Arrest/Referral"] == "Arrest"].iterrows()],
        "disciplinary_referrals": [(r, r["Clery Classification"], None) for _, r in ok[ok["Arrest/Referral"] == "Judicial Referral"].iterrows()],
        # an unfounded crime that would have counted as a criminal offense or a hate crime, or a VAWA offense: listed once each
        "unfounded": [(r, r["Clery Classification"], None) for _, r in placed[placed["unfounded"] & (
            placed["Clery Classification"].isin(crimes) | placed["Clery Classification"].isin(hate_able) & (placed["Hate Crime Bias"] != ""))].iterrows()]
        + [(r, r["VAWA Offense"], None) for _, r in placed[placed["unfounded"] & (placed["VAWA Offense"] != "")].iterrows()],
    }[section]
    out = Counter()
    for r, name, bias in rows:
        bias_code = bias.lower().replace(" ", "_") if bias else None
        key = (CODE[name], bias_code, int(r["year"]))
        out[(*key, r["geo"])] += 1
        if r["geo"] == C.HOUSING:
            out[(*key, C.ON_CAMPUS)] += 1
    return out


def published(table: pd.DataFrame) -> Counter:
    out = Counter()
    for (cat, bias), row in table.iterrows():
        for (year, geo), n in row.items():
            if n:
                out[(cat, None if pd.isna(bias) else bias, year, geo)] = int(n)
    return out


# ---------------------------------------------------------------- the Department of Education's names and layout


def _header(realdata: Path, name: str) -> list[str]:
    with open(realdata / ED / name, encoding="utf-8", newline="") as fh:
        return [h.strip() for h in next(csv.reader(fh))]


def test_category_names_and_order_are_the_department_of_educations(realdata):
    offenses = [h for h in _header(realdata, "Criminal_Offenses_On_campus.csv") if h not in IDS]
    assert [C.LABELS[c] for c in C.codes(C.CRIMINAL_OFFENSES)] == offenses  # the report's rows, in the export's order
    hate = [h for h in _header(realdata, "Hate_Crimes_On_campus.csv") if h not in IDS]
    # a hate-crime column is a category, or a category and a bias ("Robbery - Race", "Sex offenses - Non-forcible -Race")
    categories = [h for h in hate if not BIAS_SUFFIX.search(h) and not h.startswith("Sex offenses")]
    legacy = {"sex_offenses_forcible", "sex_offenses_nonforcible"}
    assert [C.LABELS[c] for c in C.codes(C.CRIMINAL_OFFENSES) + C.codes(C.HATE_ONLY) if c not in legacy] == categories
    # the eight biases, named and ordered as the export's current hate-crime columns are (the older combined column aside)
    biases = [h.split(" - ", 1)[1] for h in hate if h.startswith("Robbery - ") and h != "Robbery - Ethnicity/National origin"]
    assert [C.LABELS[b] for b in C.BIASES] == biases
    discipline = [h for h in _header(realdata, "Disciplinary_Actions_On_campus.csv") if h not in IDS]
    assert [C.LABELS[c] for c in C.codes(C.ARRESTS_REFERRALS)] == discipline


def test_report_rows_and_columns_follow_the_official_layout(campus, realdata):
    _, rel = campus
    run = lambda fn, *a: fn(rel, *a)  # noqa: E731
    tables = {b.key: b for b in clery.report_blocks(rel, run, "en") if hasattr(b, "table")}
    assert list(tables) == [f"clery.{s}" for s in C.SECTIONS]  # criminal, hate, VAWA, arrests, referrals, unfounded apart
    crimes = tables["clery.criminal_offenses"].table
    # the rows are the export's criminal-offense columns (the pre-2014 sex-offense columns only where the data has them)
    ed = [h for h in _header(realdata, "Criminal_Offenses_On_campus.csv") if h not in IDS and not h.startswith("Sex offenses")]
    assert list(crimes["Category"]) == ed + ["Total"]
    # columns: three years, each on campus, student housing (within it), noncampus, public property
    assert list(crimes.columns[1:]) == [f"{y} · {g}" for y in YEARS for g in ("On campus", "On-campus student housing", "Noncampus", "Public property")]
    assert list(tables["clery.vawa_offenses"].table["Category"]) == ["Domestic violence", "Dating violence", "Stalking", "Total"]
    assert list(tables["clery.arrests"].table["Category"]) == ["Illegal weapons possession", "Drug law violations", "Liquor law violations", "Total"]
    assert list(tables["clery.hate_crimes"].table.columns[:2]) == ["Category", "Bias"]


# ---------------------------------------------------------------- the counts


def test_three_calendar_years_by_date_reported(campus, raw):
    _, rel = campus
    assert clery.report_years(rel) == YEARS  # the data ends on 30 September 2026: 2026 is not over, so 2023 to 2025
    moved = raw[pd.to_datetime(raw["Occurred From"], format="%m/%d/%Y %H:%M").dt.year != raw["year"]]
    assert len(moved) >= 5  # crimes reported in the year after they happened: they count in the year reported
    assert expected(raw, "criminal_offenses") != _by_occurrence(raw)

    class Fake:  # a release whose data starts and ends on given days
        def __init__(self, first, last):
            self.first, self.last = pd.Timestamp(first), pd.Timestamp(last)

        def query(self, sql, params=None):
            return pd.DataFrame({"a": [self.first], "b": [self.last]})

    assert clery.report_years(Fake("2019-03-01", "2025-12-31 18:00")) == (2023, 2024, 2025)  # a year ends on 31 December
    assert clery.report_years(Fake("2019-03-01", "2025-12-30")) == (2022, 2023, 2024)
    assert clery.report_years(Fake("2024-06-01", "2026-01-15")) == (2024, 2025)  # nothing before the data starts


def _by_occurrence(raw: pd.DataFrame) -> Counter:
    other = raw.assign(year=pd.to_datetime(raw["Occurred From"], format="%m/%d/%Y %H:%M").dt.year)
    return expected(other, "criminal_offenses")


@pytest.mark.parametrize("section", C.SECTIONS)
def test_every_section_equals_the_raw_export_counted_by_hand(campus, raw, section):
    _, rel = campus
    table = clery.section_counts(rel, section, YEARS)
    assert published(table) == expected(raw, section), section
    assert sum(expected(raw, section).values()) > 0 or section == "hate_crimes"


def test_totals_are_the_sums_of_their_rows_and_housing_sits_within_on_campus(campus, raw):
    _, rel = campus
    run = lambda fn, *a: fn(rel, *a)  # noqa: E731
    for b in (b for b in clery.report_blocks(rel, run, "en") if hasattr(b, "table")):
        t = b.table
        counts = t[[c for c in t.columns if " · " in c]]
        assert t["Category"].iloc[-1] == "Total"
        assert (counts.iloc[:-1].sum() == counts.iloc[-1]).all(), b.key
        for y in YEARS:
            assert (counts[f"{y} · On-campus student housing"] <= counts[f"{y} · On campus"]).all(), b.key
        # the sentence counts each crime once: on campus, noncampus and public property, never student housing again
        once = int(counts.iloc[-1][[c for c in counts.columns if "student housing" not in c]].sum())
        assert f"{once} " in b.sentence, (b.key, b.sentence)
    crimes = raw[raw["year"].isin(YEARS) & raw["geo"].notna() & ~raw["unfounded"]
                 & raw["Clery Classification"].isin({C.LABELS[c] for c in C.codes(C.CRIMINAL_OFFENSES)})]
    assert clery.crimes_in(clery.section_counts(rel, "criminal_offenses", YEARS)) == len(crimes)


def test_unfounded_crimes_are_apart_and_outside_geography_is_not_counted(campus, raw):
    _, rel = campus
    unfounded = raw[raw["unfounded"] & raw["year"].isin(YEARS) & raw["geo"].notna()]
    assert len(unfounded) >= 3
    table = clery.section_counts(rel, "criminal_offenses", YEARS)
    with_unfounded = expected(raw.assign(unfounded=False), "criminal_offenses")
    assert published(table) != with_unfounded  # they would change the counts; they are left out of them
    assert clery.crimes_in(clery.section_counts(rel, "unfounded", YEARS)) == sum(expected(raw, "unfounded")[k] for k in expected(raw, "unfounded")
                                                                              if k[3] != C.HOUSING)
    outside = raw[raw["geo"].isna() & ((raw["Clery Classification"] != "") | (raw["VAWA Offense"] != ""))]
    assert rel.privacy_note["clery"]["outside_clery_geography"] == len(outside) > 0


def test_public_rows_never_carry_bias_vawa_or_arrest(campus):
    root, rel = campus
    cols = pq.read_schema(root / rel.manifest["public"] / "incidents.parquet").names
    assert cols == PUBLIC_FIELDS["incidents"]
    assert not {"bias", "vawa_offense", "clery_action", "offence_raw", "incident_id"} & set(cols)
    assert {"clery_category", "clery_geography", "occurred_end"} <= set(cols)


# ---------------------------------------------------------------- the daily crime log


def test_the_log_holds_the_last_60_days(campus, raw):
    _, rel = campus
    entries = clery.log_entries(rel)
    reported = pd.to_datetime(raw["Date Reported"], format="%m/%d/%Y %H:%M")
    last = reported.max()
    window = raw[reported.dt.normalize() >= last.normalize() - pd.Timedelta(days=59)]
    assert len(entries) == len(window) > 50
    days = pd.to_datetime(entries["reported_at"]).dt.normalize()
    assert days.max() == last.normalize() and days.min() >= last.normalize() - pd.Timedelta(days=59)
    assert (days.nunique() > 30) and list(entries["reported_at"]) == sorted(entries["reported_at"], reverse=True)


def test_the_log_shows_nothing_sensitive(campus, raw):
    _, rel = campus
    entries = clery.log_entries(rel)
    shown = clery.log_table(entries, "en")
    sensitive = entries["category"].eq("sexual_offences")
    # the VAWA offense is not published: find those rows through the raw export's case numbers' place in the log
    reported = pd.to_datetime(raw["Date Reported"], format="%m/%d/%Y %H:%M")
    window = raw[reported.dt.normalize() >= reported.max().normalize() - pd.Timedelta(days=59)]
    n_sensitive = int((window["Incident Type"].str.startswith(("Sexual", "Statutory")) | (window["VAWA Offense"] != "")).sum())
    assert n_sensitive >= 2
    dated = entries["time_precision"] != "exact"
    assert int(dated.sum()) == n_sensitive and dated[sensitive].all()  # every sensitive entry, and only they, lost the time
    for i, row in shown.iterrows():
        e = entries.iloc[i]
        if e["time_precision"] != "exact":
            assert ":" not in row["Reported"] and ":" not in row["Occurred (from – to)"], row.to_dict()
            assert pd.isna(e["block"]) and row["General location"] in {"On campus", "On-campus student housing", "Noncampus",
                                                                        "Public property", "withheld (privacy)"}, row.to_dict()
        # a general location is a building, a hundred-block or a Clery geography: never a house number
        assert not re.match(r"^\d+[^X\d]", row["General location"]), row.to_dict()
        assert not [h for v in row.to_numpy() for h in scan(str(v))], row.to_dict()  # no name, email, phone or address in any cell
    assert set(raw["Case Number"]).isdisjoint(set(shown["Record"]))  # the department's case numbers stay home
    # the nature is a Clery category or an offence group, never the records system's own words ("Theft - Bicycle")
    assert set(shown["Nature"]) <= set(C.LABELS.values()) | {cap(label("category", c, "en")) for c in CATEGORIES}
    assert "Larceny-theft" in set(shown["Nature"]) and not set(shown["Nature"]) & {"Theft - Bicycle", "Assault - Simple"}


# ---------------------------------------------------------------- the files


def test_csv_holds_every_table(campus):
    _, rel = campus
    text = files.csv_bytes(rel, "en").decode("utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0][:3] == ["Table", "Category", "Bias"] and rows[0][3] == "2023 · On campus" and len(rows[0]) == 3 + 12
    tables = [r[0] for r in rows[1:]]
    assert list(dict.fromkeys(tables)) == ["Criminal offenses", "Hate crimes, by category and bias",
                                           "VAWA offenses (domestic violence, dating violence, stalking)",
                                           "Arrests for weapons, drug and liquor law violations",
                                           "Disciplinary referrals for weapons, drug and liquor law violations", "Unfounded crimes"]
    rape = next(r for r in rows if r[0] == "Criminal offenses" and r[1] == "Rape")
    table = clery.section_counts(rel, "criminal_offenses", YEARS)
    assert [int(x) for x in rape[3:]] == list(table.loc[("rape", None)])
    assert all(re.fullmatch(r"\d*", x) for r in rows[1:] for x in r[3:])  # whole numbers, never 3.0
    assert "Catégorie" in files.csv_bytes(rel, "fr").decode("utf-8-sig").splitlines()[0]


def test_open_data_export_of_a_campus_release_validates(campus, tmp_path):
    """clery_counts is an ordinary public table: exported as CSV and Parquet, described in the datapackage, valid."""
    from frictionless import validate

    from outputs.export import export_release

    root, rel = campus
    export_release(root / rel.manifest["public"], rel.manifest, tmp_path)
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, [e.message for task in report.tasks for e in task.errors[:3]]
    counts = pd.read_csv(tmp_path / "clery_counts.csv", encoding="utf-8-sig")
    assert list(counts.columns) == PUBLIC_FIELDS["clery_counts"] and counts["n"].sum() > 0
    assert set(counts["section"]) == set(C.SECTIONS)


@pytest.mark.skipif(not available(), reason="no chromium to print the PDF")
def test_pdf_has_pages(campus):
    _, rel = campus
    pdf = files.pdf_bytes(rel, "en")
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages >= 2, pages
    page = files.html_page(rel, "en")
    assert 'scope="colgroup" colspan="4">2025<' in page and "Riverton State University" in page and "http" not in page


# ---------------------------------------------------------------- the pages


def _app(root: Path, page: str, lang: str = "en", **params) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.query_params.update({"lang": lang, **params})
    at.run()
    if page != "overview":
        at.query_params.update({"lang": lang, **params})
        at.switch_page(f"public_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [h.value for h in at.subheader] + [h.value for h in at.title]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def _nav(at: AppTest) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", x.proto.label) for x in at.get("page_link")]  # labels as shown (md_escape undone)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_clery_page(campus, monkeypatch, lang):
    root, rel = campus
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(root))
    at = _app(root, "clery", lang)
    body = _texts(at)
    tables = [d.value for d in at.dataframe]
    assert len(tables) == len(C.SECTIONS)
    crimes = tables[0]
    assert crimes.iloc[-1, 0] == ("Total" if lang == "en" else "Total")
    expected_total = int(clery.section_counts(rel, "criminal_offenses", YEARS).loc[("burglary", None)].sum())
    burglary = crimes[crimes.iloc[:, 0] == ("Burglary" if lang == "en" else "Introduction par effraction")]
    assert int(burglary.iloc[0, 1:].sum()) == expected_total
    if lang == "en":
        assert "Annual Security Report (Clery Act)" in body and "Crimes reported in 2023, 2024 and 2025" in body
        assert "Daily crime log" in _nav(at)
        labels = [b.proto.label for b in at.get("download_button")]
        assert "Download the report as CSV" in labels
    else:
        assert "Rapport annuel de sécurité (loi Clery)" in body and "Registre quotidien des crimes" in _nav(at)
        assert "2025 · Résidences étudiantes du campus" in crimes.columns


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_crime_log_page(campus, monkeypatch, lang):
    root, rel = campus
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(root))
    at = _app(root, "crime_log", lang)
    (log,) = [d.value for d in at.dataframe]
    assert len(log) == len(clery.log_entries(rel))
    body = _texts(at)
    if lang == "en":
        assert list(log.columns) == ["Record", "Nature", "Reported", "Occurred (from – to)", "General location", "Disposition"]
        assert "crimes were reported in the 60 days from August 2, 2026 to September 30, 2026" in body
    else:
        assert "Lieu général" in log.columns and "60 jours" in body


def test_a_police_release_has_no_clery_pages(acme_store, monkeypatch):
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(acme_store))
    at = _app(acme_store, "overview")
    assert "Annual Security Report" not in _nav(at) and "Daily crime log" not in _nav(at)
    at = _app(acme_store, "clery")
    assert any("This release has no Clery Act data" in i.value for i in at.info)
    assert not at.dataframe


def test_a_data_folder_serves_a_second_provider(campus, acme_store, tmp_path, monkeypatch):
    """The Acme store as the folder's own provider, the campus in providers/riverton-state (as demo.build.ensure_all
    lays out a fresh checkout): the header lists both, ?provider= opens the campus, and its links keep it."""
    root = Path(shutil.copytree(acme_store, tmp_path / "data"))
    shutil.copytree(campus[0], demo.kind_root(root, demo.CAMPUS))
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(root))
    at = _app(root, "overview")
    assert "Security providers on this site:" in _texts(at)
    assert "Riverton State University, Department of Public Safety (fictional demo)" in _nav(at)
    assert "Annual Security Report" not in _nav(at)
    at = _app(root, "overview", provider=demo.CAMPUS_ID)
    assert "Annual Security Report" in _nav(at) and "Riverton State University Department of Public Safety" in _texts(at)
    links = dict(zip(_nav(at), (x.proto for x in at.get("page_link"))))
    assert links["Annual Security Report"].page == "clery" and f"provider={demo.CAMPUS_ID}" in links["Annual Security Report"].query_string
    at = _app(root, "overview", provider="../../etc")  # a provider the folder does not serve: its own store, and the URL forgets it
    assert "Annual Security Report" not in _nav(at) and "provider" not in at.query_params


# ---------------------------------------------------------------- the demo


def test_the_campus_export_is_recognised_and_every_row_accepted(tmp_path):
    files_ = demo.demo_files()
    assert detect(read_any(files_["campus_incidents"]), "incidents").id == "demo-rsu-public-safety"
    assert detect(read_any(files_["campus_areas"]), "areas").id == "demo-rsu-zones"
    r = ingest(files_["campus_incidents"], "incidents", Store(tmp_path))
    assert r["rows_read"] == r["rows_accepted"] > 2000 and not r["rows_rejected"] and not r["unmapped"] and not r["warnings"]


def test_cli_builds_the_campus_store(tmp_path, capsys):
    from bridges.cli import main

    assert main(["demo", "--kind", "campus", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Demo store (campus) ready at release 1" in out and "incidents 2," in out
    m = Store(tmp_path).current()
    assert m["note"] == "Demo data: Riverton State University (fictional)" and set(m["tables"]) == {"areas", "incidents"}
    assert (tmp_path / "public").exists() and "clery_counts" in {p.stem for p in (tmp_path / m["public"]).glob("*.parquet")}
