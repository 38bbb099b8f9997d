"""Every real incident export is recognised by its headers and every row is accounted for.

Each case ingests one file of ../shared/realdata in place (no --profile, no source flag) and checks:
the detected source, rows read = accepted + rejected with the exact counts and reasons, that no value
is left unmapped, the date range, that the required canonical fields are filled, and a few canonical
rows against tests/golden/incidents_<name>.csv (regenerate with BRIDGES_WRITE_GOLDEN=1 after checking
the change by hand).
"""
from __future__ import annotations

import collections
import csv
import os
from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.compute as pc
import pytest

from loaders.ingest import ingest
from model.schema import CATEGORIES, INCIDENT_STATUSES, TIME_PRECISIONS
from store.versioned import Store

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_COLUMNS = ["incident_id", "source", "occurred_at", "reported_at", "time_precision", "offence_raw", "category",
                  "domestic", "area", "district", "lat", "lon", "block", "status", "quarter"]
REQUIRED = ["incident_id", "source", "occurred_at", "time_precision", "category", "quarter"]
DUP = "duplicate 'incident_id' (first seen earlier); only the first is kept"
TRUNCATED = "the record has 12 of 22 fields; it looks cut short (a truncated line). Export the file again or fix this line."
SUPPLEMENT = "supplemental report (a follow-up to an initial report filed under the same Incident Number); the incident is counted from its initial report"
NO_DATE = "'occurred_at' is empty or unreadable; it is required"

UK = "uk-police-street-crime/{}-street.csv"
# City of London 2019: rows read, and rows rejected because a Crime ID appears twice in the month's file
# (data.police.uk lists some crimes twice, e.g. once with a location and once as "No Location", or with
# two outcomes); each crime is counted once.
CITY_OF_LONDON = {
    "2019-01": (617, 4), "2019-02": (688, 0), "2019-03": (879, 0), "2019-04": (851, 0),
    "2019-05": (711, 0), "2019-06": (922, 27), "2019-07": (866, 3), "2019-08": (901, 15),
    "2019-09": (853, 14), "2019-10": (929, 14), "2019-11": (933, 13), "2019-12": (882, 10),
}

CASES = [
    dict(name="sf", file="sf-sfpd-incident-reports/Police_Department_Incident_Reports__2018_to_Present.csv", source="sf-sfpd",
         read=11884, rejected=3416,
         # 1,592 supplemental-report rows (Report Type Code IS/VS: follow-ups counted with their initial report)
         # + 1,824 extra incident-code rows of initial reports (one report = one incident, its lowest code kept).
         # Only the first 1,000 rejections are listed in the report, all of them supplements (filters run first).
         reasons={SUPPLEMENT: 1592, DUP: 1824},
         dates=("2018-12-01 00:00:00", "2018-12-31 00:00:00"),
         golden=["743396", "743404", "743416", "743576", "744009", "744104", "744107", "745065", "748246"]),
    dict(name="seattle", file="seattle-spd-crime-data/SPD_Crime_Data__2008-Present.csv", source="seattle-spd",
         read=21454, rejected=3,
         # 3 offences (reports 2019-398452, 2020-201048, 2020-202203) have no Offense Start DateTime at all.
         reasons={NO_DATE: 3},
         dates=("2000-08-07 02:55:00", "2021-09-21 12:59:00"),
         golden=["10014067318", "10021413857", "12172747209", "11906957475"]),
    dict(name="seattle_legacy", file="seattle-spd-legacy-incidents-json/7ais-f98f.json", source="seattle-spd-legacy",
         read=1000, rejected=0, reasons={},
         dates=("2013-11-25 08:00:00", "2016-01-02 01:13:00"),
         golden=["2015359540", "2015415952", "2015442454", "20161187"]),
    dict(name="vancouver", file="vancouver-vpd-crimedata/crimedata_csv_AllNeighbourhoods_2025.csv", source="vancouver-vpd",
         read=32411, rejected=0, reasons={},
         dates=("2025-01-01 00:00:00", "2025-12-31 23:30:00"),
         golden=["vancouver-vpd-cd3947bfcb86cebe", "vancouver-vpd-76ab18f5e5d69c72", "vancouver-vpd-76ab18f5e5d69c72-1"]),
    dict(name="toronto_shootings", file="toronto-tps-shootings/raw_data.csv", source="toronto-tps-shootings",
         read=6409, rejected=0, reasons={},
         dates=("2004-01-01 00:00:00", "2024-09-30 23:00:00"),
         golden=["GO-20041036512", "GO-2004120070", "GO-2024996205"]),
    dict(name="nypd_2019", file="nyc-nypd-shooting-incidents/original-2019/NYPD_Shooting_Incident_Data__Historic_.csv", source="nypd-shootings",
         read=20659, rejected=4404,
         # one row per victim: 20,659 rows, 16,255 distinct INCIDENT_KEYs; the 4,404 further victims' rows
         # repeat their incident's fields and are rejected as duplicates so each shooting is counted once.
         reasons={DUP: 4404},
         dates=("2006-01-01 02:00:00", "2018-12-31 21:45:00"),
         golden=["10038624", "169180023", "173354054"]),
    dict(name="nypd_2022", file="nyc-nypd-shooting-incidents/excel-resaved-2022/NYPD_Shooting_Incident_Data__Historic_.csv", source="nypd-shootings",
         read=23585, rejected=5021,
         # as above: 23,585 victim rows, 18,564 distinct INCIDENT_KEYs.
         reasons={DUP: 5021},
         dates=("2006-01-01 02:00:00", "2020-12-31 23:45:00"),
         golden=["24050482", "77673979", "173354054"]),
    *[dict(name=f"police_uk_{m}", file=UK.format(f"{m}-city-of-london"), source="police-uk-street",
           read=read, rejected=rej, reasons={DUP: rej} if rej else {},
           dates=(f"{m}-01 00:00:00", f"{m}-01 00:00:00"),
           golden=(["h-7693602080e906e1", "320930473d454d613ead909a28008a91a607c93f8b74339623a4cec4a252b0dd"] if m == "2019-01" else
                   ["0bd9f48d320888f2272321c3631d03b47e59fbd623357b03b979a2e2fe6ebf79", "h-16f366d182bbc7cc-1"] if m == "2019-06" else []))
      for m, (read, rej) in CITY_OF_LONDON.items()],
    dict(name="police_uk_merseyside", file=UK.format("2021-07-merseyside"), source="police-uk-street",
         read=17091, rejected=0, reasons={},
         dates=("2021-07-01 00:00:00", "2021-07-01 00:00:00"), golden=3),
    dict(name="camden", file="london-camden-on-street-crime/Police_API_Sample_July_2019.csv", source="camden-street-crime",
         read=4075, rejected=109,
         # 109 rows repeat a Persistent ID (the police.uk crime ID) already seen in the file; counted once.
         reasons={DUP: 109},
         dates=("2019-06-01 00:00:00", "2019-06-01 00:00:00"),
         golden=["asb-75265998", "05829c2a35377af5e25cb6a6915d907661896af4bfe7ed7588cf5cdcafcfcd30"]),
    dict(name="chicago_2024", file="chicago-cpd-crimes/sample-2024/Crimes_-_2001_to_Present.csv", source="chicago-cpd",
         read=10000, rejected=0, reasons={},
         dates=("2024-01-01 00:00:00", "2024-12-31 23:11:00"), golden=4),
    dict(name="chicago_2023", file="chicago-cpd-crimes/sample-2023-truncated/Crimes_-_2001_to_Present.csv", source="chicago-cpd",
         read=9746, rejected=1,
         # the committer cut the file by bytes: its last record stops after 12 of 22 fields.
         reasons={TRUNCATED: 1},
         dates=("2001-05-01 00:00:00", "2024-12-18 00:00:00"), golden=4),
]


@pytest.fixture(scope="module")
def realdata_dir() -> Path:
    if not REALDATA.exists():
        pytest.skip("../shared/realdata is not beside the checkout")
    return REALDATA


def _text(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.6f}"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    return str(v)


def _golden_rows(frame: pd.DataFrame, golden) -> list[dict]:
    frame = frame.sort_values("incident_id", kind="stable")
    rows = frame.head(golden) if isinstance(golden, int) else frame[frame["incident_id"].isin(golden)]
    if not isinstance(golden, int):
        assert sorted(rows["incident_id"]) == sorted(golden), "a golden incident is missing from the accepted rows"
    return [{c: _text(r[c]) for c in GOLDEN_COLUMNS} for r in rows.astype(object).to_dict("records")]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_real_incident_export(case, realdata_dir, tmp_path):
    store = Store(tmp_path)
    report = ingest(realdata_dir / case["file"], "incidents", store)

    assert report["source"] == case["source"]
    assert report["rows_read"] == case["read"]
    assert report["rows_read"] == report["rows_accepted"] + report["rows_rejected"]
    assert report["rows_rejected"] == case["rejected"]
    assert report["rejection_reasons"] == case["reasons"]
    assert report["unmapped"] == {}, "every offence and outcome value must be in a crosswalk"
    assert not [w for w in report["warnings"] if "not in the" in w["reason"]], report["warnings"]
    assert report["date_range"] == list(case["dates"])

    frame = store.draft_rows(report["draft"]).to_pandas()
    assert len(frame) == report["rows_accepted"]
    for name in REQUIRED:
        assert frame[name].notna().all(), f"required field {name} has empty values"
    assert frame["incident_id"].is_unique
    assert set(frame["category"]) <= set(CATEGORIES)
    assert set(frame["time_precision"]) <= set(TIME_PRECISIONS)
    assert set(frame["status"].dropna()) <= set(INCIDENT_STATUSES)
    assert set(frame["source"]) == {case["source"]}

    if not case["golden"]:
        return
    got = _golden_rows(frame, case["golden"])
    path = GOLDEN / f"incidents_{case['name']}.csv"
    if os.environ.get("BRIDGES_WRITE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, GOLDEN_COLUMNS, lineterminator="\n")
            w.writeheader()
            w.writerows(got)
    with path.open(encoding="utf-8", newline="") as fh:
        want = list(csv.DictReader(fh))
    assert got == want


def test_sf_rejections_break_down_as_documented(realdata_dir):
    """The SF rejections are supplements plus the extra code rows of initial reports, nothing else."""
    t = pacsv.read_csv(realdata_dir / CASES[0]["file"], convert_options=pacsv.ConvertOptions(column_types={"Incident ID": "string", "Report Type Code": "string"}, include_columns=["Incident ID", "Report Type Code"]))
    initial = pc.is_in(t["Report Type Code"], value_set=__import__("pyarrow").array(["II", "VI"]))
    supplements = t.num_rows - pc.sum(initial).as_py()
    ids = pc.filter(t["Incident ID"], initial)
    extra_codes = len(ids) - len(pc.unique(ids))
    assert (supplements, extra_codes) == (1592, 1824)
    assert supplements + extra_codes == CASES[0]["rejected"]


def test_vancouver_withheld_locations_have_no_point_and_day_precision(realdata_dir, tmp_path):
    """Person offences and homicides (X/Y = 0, 'OFFSET TO PROTECT PRIVACY') keep no point and no time of day."""
    store = Store(tmp_path)
    report = ingest(realdata_dir / "vancouver-vpd-crimedata/crimedata_csv_AllNeighbourhoods_2025.csv", "incidents", store)
    frame = store.draft_rows(report["draft"]).to_pandas()
    withheld = frame["offence_raw"].isin(["Offence Against a Person", "Homicide"])
    assert withheld.sum() == 3146
    assert frame.loc[withheld, "lat"].isna().all() and frame.loc[withheld, "block"].isna().all()
    assert (frame.loc[withheld, "time_precision"] == "day").all()
    assert frame["lat"].isna().sum() == 3148  # plus 2 collisions at '99XXXX UNKNOWN'
    assert frame["lat"].dropna().between(49.19, 49.32).all() and frame["lon"].dropna().between(-123.23, -123.02).all()


def test_chicago_arrest_flag_gives_cleared_or_unknown_never_open(realdata_dir, tmp_path):
    """Chicago's "Arrest" says whether an arrest was made: true is cleared, false leaves the status unknown (the value map
    sends it to "" on purpose), so no row is called open and no warning is raised for it."""
    path = realdata_dir / "chicago-cpd-crimes/sample-2024/Crimes_-_2001_to_Present.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        arrests = collections.Counter(r["Arrest"].strip().lower() for r in csv.DictReader(fh))
    rep = ingest(path, "incidents", Store(tmp_path / "s"))
    rows = Store(tmp_path / "s").draft_rows(rep["draft"]).to_pandas()
    assert rows["status"].isna().sum() == arrests["false"] > 0 and (rows["status"] == "cleared").sum() == arrests["true"] > 0
    assert not [w for w in rep["warnings"] if w.get("column") == "Arrest"] and "status" not in rep["unmapped"]
