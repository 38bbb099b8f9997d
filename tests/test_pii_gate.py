"""Hostile planted-PII corpus: personal data planted in real exports never reaches a public output.

The corpus is built here from real and demo exports (read in place, written to tmp_path):

- incidents: 300 rows of Chicago's portal export with the columns a records system adds (Victim
  Name, Victim DOB, a Narrative holding names, addresses, phones and emails), exact addresses in
  Block (also after "IFO", after a separator, two house numbers, a postcode), blocks carrying a
  phone, an email or a named victim, sexual-assault rows with exact points, blocks and times, and
  spreadsheet formulas in text cells;
- engagement: the demo event log (JSON) with emails (plain and disguised), North American and UK
  phone numbers, exact addresses and "Mrs Jane Dorrington" style names in titles and partners,
  and formula cells;
- feedback: the demo "you said, we did" log (CSV) and NYC 311 (Resolution Description; its own
  Incident Address column holds real exact addresses), with the same kinds of values in
  action_taken and topic;
- areas: the demo boundaries with a name and phone in one area name; survey: the demo, unchanged.

Each file is ingested; every planted free-text value must be reported with its row and column;
publishing must be refused while hits remain; the drafts are redacted (store and CLI), published,
exported with the CLI and shown by every page of the dashboard (AppTest, and a real browser when
Debian's chromium is there, download buttons included). None of the planted values may then
appear in any public file, download, page or chart, and the gate's other rules (sensitive
masking, formula-safe CSV with BOM, allowlist, privacy note, pages reading data/public only) are
checked on the same release.
"""
from __future__ import annotations

import ast
import csv
import io
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gate.location import Grid, haversine_m
from gate.public import PUBLIC_FIELDS, _record_ids, store_secret
from gate.spreadsheet import TRIGGERS
from model.errors import InputError
from loaders.ingest import ingest
from store.versioned import Store
from tests.browser import browser, have_chromium, streamlit_server

pytestmark = pytest.mark.slow  # every test reads the `run` corpus: real and demo exports ingested, redacted and published (over two minutes)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
DASHBOARD = ROOT / "dashboard.py"
N_INCIDENTS = 300
FORMULAS = ['=HYPERLINK("http://x")', "+SUM(1)", "@cmd", "-2+3"]
# columns of the public count tables (besides their dimensions, which are public fields)
COUNT_TABLES = {"incident_counts": ["quarter", "area", "category", "n", "suppressed"],
                "feedback_counts": ["quarter", "area", "topic", "n", "suppressed"]}

# ---------------------------------------------------------------------------------------------
# what is planted

# victims of the planted incident rows: (name, date of birth); distinctive, found in no source file
VICTIMS = [
    ("Zenobia Harrowgate", "07/23/1961"), ("Thaddeus Quillfeather", "11/02/1979"), ("Ottoline Brackenbury", "03/14/1987"),
    ("Leopold Wintergreen", "09/30/1954"), ("Marisol Etxeberria", "01/17/1993"), ("Cornelius Ashdown", "06/05/1972"),
    ("Philippa Grimsditch", "12/24/1968"), ("Bartholomew Okafor-Lindqvist", "04/11/1990"), ("Henrietta Moysey", "08/19/1983"),
    ("Ignatius Pemberton", "02/28/1976"), ("Rosalind Featherstonhaugh", "10/09/1958"), ("Evander Quist", "05/03/1999"),
]
# exact addresses in Block (non-sensitive rows): (raw block, parts that must never be published, its hundred-block)
EXACT_BLOCKS = [
    ("1246 N STATE ST", ["1246 N STATE"], "12XX N STATE ST"),
    ("4417 N WOLCOTT AVE", ["4417 N WOLCOTT"], "44XX N WOLCOTT AVE"),
    ("APT 3, 2210 W CHICAGO AVE", ["2210 W CHICAGO", "APT 3, 2210"], "22XX W CHICAGO AVE"),
    ("6031 S ARTESIAN AVE APT 2B", ["6031 S ARTESIAN", "APT 2B"], "60XX S ARTESIAN AVE"),
    ("3301-3305 S HALSTED ST", ["3301-3305", "3305 S HALSTED"], "33XX S HALSTED ST"),
    ("7 W ADAMS ST", ["7 W ADAMS"], "0XX W ADAMS ST"),
    ("1688B N CLARK ST", ["1688B N CLARK", "1688 N CLARK"], "16XX N CLARK ST"),
    ("5-1402 W TAYLOR ST", ["1402 W TAYLOR"], "14XX W TAYLOR ST"),
    ("012XX W MONROE ST [IFO 1217 W MONROE ST]", ["1217 W MONROE"], "012XX W MONROE ST [IFO 12XX W MONROE ST]"),
    ("2745 1/2 N MILWAUKEE AVE", ["2745 1/2", "2745 N MILWAUKEE"], "27XX N MILWAUKEE AVE"),
    # house numbers that are not at the start of the block
    ("IFO 1450 W MADISON ST", ["1450 W MADISON"], "IFO 14XX W MADISON ST"),
    ("REAR OF 3150 N SHEFFIELD AVE", ["3150 N SHEFFIELD"], "REAR OF 31XX N SHEFFIELD AVE"),
    ("1611 & 1615 W DIVISION ST", ["1611 &", "1615 W DIVISION"], "16XX & 16XX W DIVISION ST"),
    ("N CLARK ST / 5230 N CLARK ST", ["5230 N CLARK"], "N CLARK ST / 52XX N CLARK ST"),
    ("W FULLERTON AVE 2407", ["FULLERTON AVE 2407"], "W FULLERTON AVE 24XX"),
    ("NO. 820 S WABASH AVE", ["820 S WABASH"], "NO. 8XX S WABASH AVE"),
    ("5119-A S PULASKI RD", ["5119-A", "5119 S PULASKI"], "51XX S PULASKI RD"),
    ("4501 S ASHLAND AVE, SW1A 2AA", ["4501 S ASHLAND", "SW1A 2AA"], "45XX S ASHLAND AVE, SW1A"),
]
# blocks with what the hundred-block rule cannot cut: (row position, raw block, [(kind, secret)])
BLOCK_FREE_TEXT = [
    (120, "1252 N STATE ST, CALL 312-555-0177", [("phone", "312-555-0177")]),
    (121, "2210 W CHICAGO AVE - VICTIM MARGARET OYELARAN", [("name", "MARGARET OYELARAN")]),
    (122, "0XX W MADISON ST / CONTACT rgoldberg@example.com", [("email", "rgoldberg@example.com")]),
]
# sexual-assault rows: exact point (each > 20 m from any grid centre: see test_corpus_is_sound), exact block and time
ASSAULTS = [
    (41.8867412, -87.6347718, "1543 W MONROE ST", "03/15/2024 11:47:00 PM"),
    (41.7519833, -87.6423391, "7211 S HALSTED ST", "01/09/2024 02:13:00 AM"),
    (41.9410276, -87.7063547, "3958 W BELMONT AVE", "02/21/2024 09:36:00 PM"),
    (41.8012904, -87.5941627, "5433 S HYDE PARK BLVD", "01/30/2024 06:05:00 AM"),
    (41.9693318, -87.6601254, "4821 N BROADWAY", "03/02/2024 10:58:00 PM"),
    (41.8562271, -87.7205913, "1907 S KOSTNER AVE", "02/11/2024 04:27:00 PM"),
    (41.7713045, -87.6689472, "6356 S WOOD ST", "03/27/2024 07:44:00 PM"),
    (41.9156682, -87.6882139, "1643 N ASHLAND AVE", "01/18/2024 01:19:00 AM"),
]

# free text in public fields: (row position, column, text, [(kind, secret)]); the secret must be
# reported as a hit at that row and column, and must never be published.
ENGAGEMENT_TITLES = [
    (5, "Coffee with Mrs Jane Dorrington at 14 Baker Street", [("name", "Jane Dorrington"), ("address", "14 Baker Street")]),
    (17, "Bike safety day - RSVP to jane.dorrington@example.com", [("email", "jane.dorrington@example.com")]),
    (29, "Surgery with PC Okonkwo, ring 020 7946 0958", [("name", "Okonkwo"), ("phone", "020 7946 0958")]),
    (41, "Block party, questions to (773) 555-0142", [("phone", "(773) 555-0142")]),
    (53, "Walkabout with Officer Priya Raman from 223B Baker Street", [("name", "Priya Raman"), ("address", "223B Baker Street")]),
    (65, "Garden safety visit for resident Marguerite Fairweather", [("name", "Marguerite Fairweather")]),
    (77, "Seniors tea - call +44 7700 900461 to book", [("phone", "+44 7700 900461")]),
    (89, "Community BBQ, contact t.wrenfield at gmail dot com", [("email", "t.wrenfield at gmail dot com")]),
    (101, "Safety forum at 47 Oak Avenue", [("address", "47 Oak Avenue")]),
    (113, "Meeting with Mr Desmond Achebe, 416-555-0199", [("name", "Desmond Achebe"), ("phone", "416-555-0199")]),
]
ENGAGEMENT_PARTNERS = [
    (6, ["Riverton School District", "Mr Tobias Wrenfield (07700 900123)"], [("name", "Tobias Wrenfield"), ("phone", "07700 900123")]),
    (18, ["Neighbourhood Watch, chair h.moss@example.org"], [("email", "h.moss@example.org")]),
    (30, ["Tenants association of 88 Elm Street"], [("address", "88 Elm Street")]),
    (42, ["Harbour Church, tel. 604-555-0123", "Mrs Ravensworth"], [("phone", "604-555-0123"), ("name", "Ravensworth")]),
]
ENGAGEMENT_FORMULA_TITLES = {120: FORMULAS[0], 121: FORMULAS[1], 122: FORMULAS[2], 123: FORMULAS[3], 124: " =1+2"}
ENGAGEMENT_FORMULA_PARTNERS = {126: ["=1+1"], 127: ["@SUM(A1)", "Riverton School District"], 128: ["-2+3"]}

FEEDBACK_ACTIONS = [
    (10, "Called Mrs Eleanor Vance back on 613-555-0187 and visited her at 47 Oak Avenue.",
     [("name", "Eleanor Vance"), ("phone", "613-555-0187"), ("address", "47 Oak Avenue")]),
    (20, "Emailed the outcome to eleanor.vance@example.org.", [("email", "eleanor.vance@example.org")]),
    (30, "Victim Rupert Clayborne was referred to victim services.", [("name", "Rupert Clayborne")]),
    (40, "Patrols added near 88 Elm Street after calls from 0161 496 0753.", [("address", "88 Elm Street"), ("phone", "0161 496 0753")]),
    (50, "Sgt Bellweather met the neighbours at 17 rue Saint-Denis.", [("name", "Bellweather"), ("address", "17 rue Saint-Denis")]),
    (60, "Reply sent to ojones [at] riverton [dot] ca", [("email", "ojones [at] riverton [dot] ca")]),
    (70, "Det. Sgt. Imogen Castellane will text +1 604 555 0176 with news.", [("name", "Imogen Castellane"), ("phone", "+1 604 555 0176")]),
]
FEEDBACK_TOPICS = [
    (90, "Noise from 14 Baker Street", [("address", "14 Baker Street")]),
    (100, "Parking - Mr Desmond Achebe", [("name", "Desmond Achebe")]),
    (110, "Speeding, call 07700 900789", [("phone", "07700 900789")]),
]
FEEDBACK_FORMULA_ACTIONS = {120: FORMULAS[0], 121: FORMULAS[1], 122: FORMULAS[2], 123: FORMULAS[3]}
FEEDBACK_FORMULA_TOPICS = {124: "=1+1", 125: "@cmd"}

NYC_ACTIONS = [  # positions among the NYPD rows
    (3, "Officers met the complainant, Mrs Abigail Thornbury, and called her back on 917-555-0134.",
     [("name", "Abigail Thornbury"), ("phone", "917-555-0134")]),
    (11, "The Police Department responded to 1006 GERARD AVENUE and took action.", [("address", "1006 GERARD AVENUE")]),
    (19, "Caller Thomas Brightwater (tbrightwater@example.net) was told the condition was gone.",
     [("name", "Thomas Brightwater"), ("email", "tbrightwater@example.net")]),
]
NYC_FORMULA_ACTIONS = {27: FORMULAS[0], 28: FORMULAS[2]}
# area names (features of the demo boundary file)
AREA_NAMES = [(2, "Old Mill (ask for Mrs Winifred Ashcombe, 020 7946 0011)", [("name", "Winifred Ashcombe"), ("phone", "020 7946 0011")])]


@dataclass
class Planted:
    """Where each planted value went, what must be reported, and what must never be published."""

    files: dict = field(default_factory=dict)  # dataset key -> path
    hits: list = field(default_factory=list)  # (key, row, column, kind, secret)
    secrets: set = field(default_factory=set)  # strings that must appear in no public output
    coords: list = field(default_factory=list)  # exact (lat, lon) of sensitive rows
    coord_strings: set = field(default_factory=set)  # those written out (7 decimals, latitude to 5)
    assault_ids: list = field(default_factory=list)  # source ids of the planted sexual-assault rows
    formulas: set = field(default_factory=set)  # formula texts planted in public text fields
    originals: dict = field(default_factory=dict)  # key -> text of the unmodified source file


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, encoding="utf-8", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return path


def _plant_text(p: Planted, key: str, frame, row_of, col_src: str, col: str, items) -> None:
    for pos, text, found in items:
        frame.at[frame.index[pos], col_src] = text
        for kind, secret in found:
            p.hits.append((key, row_of(pos), col, kind, secret))
            p.secrets.add(secret)


def build_corpus(realdata: Path, out: Path) -> Planted:
    p = Planted()
    out.mkdir(parents=True, exist_ok=True)

    # ---- incidents: Chicago portal export, with a records system's extra columns
    src = realdata / "chicago-cpd-crimes" / "sample-2024" / "Crimes_-_2001_to_Present.csv"
    p.originals["incidents"] = src.read_text(encoding="utf-8-sig")
    inc = _read_csv(src).head(N_INCIDENTS).copy()
    inc["Victim Name"] = ""
    inc["Victim DOB"] = ""
    inc["Narrative"] = ""
    for k, (name, dob) in enumerate(VICTIMS):
        i = 10 + 7 * k
        first, last = name.split(" ", 1)
        house, street = 2000 + 37 * k, ["N SHERIDAN RD", "W DIVERSEY PKWY", "S KEDZIE AVE", "W 63RD ST"][k % 4]
        phone, email = f"773-555-01{k:02d}", f"{first.lower()}.{last.lower()}@example.com"
        inc.loc[i, ["Victim Name", "Victim DOB"]] = [name, dob]
        inc.at[i, "Narrative"] = (f"Victim {name} (DOB {dob}) was approached outside {house} {street};\n"
                                  f"she called {phone} and later wrote from {email}. Suspect Mr Barnaby Crutchfield fled.")
        p.secrets |= {name, dob, f"{house} {street}", phone, email, "Barnaby Crutchfield", inc.at[i, "Narrative"][:40]}
    for k, (raw, secrets, _) in enumerate(EXACT_BLOCKS):
        i = 100 + k
        inc.at[i, "Block"] = raw
        inc.at[i, "Domestic"] = "false"
        if inc.at[i, "Primary Type"] in ("CRIM SEXUAL ASSAULT", "CRIMINAL SEXUAL ASSAULT", "SEX OFFENSE"):
            inc.at[i, "Primary Type"] = "THEFT"
        p.secrets |= set(secrets)
    _plant_text(p, "incidents", inc, lambda pos: pos + 2, "Block", "block", [(pos, t, f) for pos, t, f in BLOCK_FREE_TEXT])
    for pos, *_ in BLOCK_FREE_TEXT:
        inc.at[pos, "Domestic"] = "false"
    for k, (lat, lon, block, when) in enumerate(ASSAULTS):
        i = 150 + 9 * k
        inc.loc[i, ["Primary Type", "Description", "IUCR", "FBI Code", "Domestic", "Date", "Block"]] = [
            "CRIM SEXUAL ASSAULT", "NON-AGGRAVATED", "0281", "02", "false", when, block]
        inc.loc[i, ["Latitude", "Longitude", "Location"]] = [f"{lat:.7f}", f"{lon:.7f}", f"({lat:.7f}, {lon:.7f})"]
        p.coords.append((lat, lon))
        p.assault_ids.append(inc.at[i, "ID"])
        p.secrets |= {block, " ".join(block.split()[:3]), when}
        p.coord_strings |= {f"{lat:.7f}", f"{lon:.7f}", f"{lat:.5f}", _trunc5(lat)}
    for k, f in enumerate(FORMULAS):  # text cells that are never public, and blocks that are
        i = 250 + k
        inc.at[i, "Description"] = f
        inc.at[i, "Location Description"] = FORMULAS[(k + 1) % len(FORMULAS)]
        inc.at[i, "Block"] = f
        p.formulas.add(f)
    p.files["incidents"] = _write_csv(inc, out / "chicago_with_victims.csv")

    # ---- engagement: demo event log (JSON)
    src = DEMO / "riverton_community_events.json"
    p.originals["engagement"] = src.read_text(encoding="utf-8")
    doc = json.loads(p.originals["engagement"])
    events = doc["events"]
    for pos, text, found in ENGAGEMENT_TITLES:
        events[pos]["title"] = text
        for kind, secret in found:
            p.hits.append(("engagement", pos + 2, "title", kind, secret))
            p.secrets.add(secret)
    for pos, partners, found in ENGAGEMENT_PARTNERS:
        events[pos]["partners"] = partners
        for kind, secret in found:
            p.hits.append(("engagement", pos + 2, "partners", kind, secret))
            p.secrets.add(secret)
    for pos, text in ENGAGEMENT_FORMULA_TITLES.items():
        events[pos]["title"] = text
        p.formulas.add(text.strip())
    for pos, partners in ENGAGEMENT_FORMULA_PARTNERS.items():
        events[pos]["partners"] = partners
        p.formulas.add(partners[0])
    p.files["engagement"] = out / "events_with_pii.json"
    p.files["engagement"].write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")

    # ---- feedback: demo "you said, we did" log (CSV)
    src = DEMO / "riverton_you_said_we_did.csv"
    p.originals["feedback"] = src.read_text(encoding="utf-8-sig")
    fb = _read_csv(src)
    _plant_text(p, "feedback", fb, lambda pos: pos + 2, "Action Taken", "action_taken", FEEDBACK_ACTIONS)
    _plant_text(p, "feedback", fb, lambda pos: pos + 2, "Topic", "topic", FEEDBACK_TOPICS)
    for pos, text in FEEDBACK_FORMULA_ACTIONS.items():
        fb.at[pos, "Action Taken"] = text
        p.formulas.add(text)
    for pos, text in FEEDBACK_FORMULA_TOPICS.items():
        fb.at[pos, "Topic"] = text
        p.formulas.add(text)
    p.files["feedback"] = _write_csv(fb, out / "you_said_with_pii.csv")

    # ---- feedback: NYC 311 (Resolution Description), whose unmapped columns hold real exact addresses
    src = realdata / "nyc-311-service-requests" / "311_Service_Requests_from_2010_to_Present.csv"
    p.originals["nyc"] = src.read_text(encoding="utf-8-sig")
    nyc = _read_csv(src)
    nypd = nyc.index[nyc["Agency"] == "NYPD"]
    _plant_text(p, "nyc", nyc, lambda pos: pos + 2, "Resolution Description", "action_taken",
                [(int(nypd[pos]), t, f) for pos, t, f in NYC_ACTIONS])
    for pos, text in NYC_FORMULA_ACTIONS.items():
        nyc.at[nypd[pos], "Resolution Description"] = text
        p.formulas.add(text)
    # real house-number addresses of the export: never published (the column is not mapped)
    addr = nyc["Incident Address"].str.strip()
    p.secrets |= set(addr[addr.str.match(r"^\d+[A-Z]?(-\d+)? [A-Z]")].unique()[:300])
    p.files["nyc"] = _write_csv(nyc, out / "nyc311_with_pii.csv")

    # ---- areas (demo boundaries and population) and survey (demo, unchanged), so every page has its data
    src = DEMO / "riverton_neighbourhoods.geojson"
    p.originals["areas"] = src.read_text(encoding="utf-8")
    geo = json.loads(p.originals["areas"])
    for pos, text, found in AREA_NAMES:
        geo["features"][pos]["properties"]["NBHD_NAME"] = text
        for kind, secret in found:
            p.hits.append(("areas", pos + 2, "name", kind, secret))
            p.secrets.add(secret)
    p.files["areas"] = out / "areas_with_pii.geojson"
    p.files["areas"].write_text(json.dumps(geo), encoding="utf-8")
    p.files["survey"] = DEMO / "riverton_trust_survey.csv"
    return p


def _trunc5(x: float) -> str:
    s = f"{x:.9f}"
    return s[: s.index(".") + 6]


# ---------------------------------------------------------------------------------------------
# the run: ingest, refuse, redact, publish, export, render

DATASET = {"incidents": "incidents", "engagement": "engagement", "feedback": "feedback", "nyc": "feedback", "areas": "areas", "survey": "survey"}
SPECS = {"areas": ("demo_areas.toml", "riverton_population.csv"), "survey": ("demo_survey.toml", None)}
FIRST = ("incidents", "engagement", "feedback", "areas", "survey")  # published together; nyc 311 after


@dataclass
class Run:
    planted: Planted
    store: Store
    reports: dict
    refused: dict  # what a publish said while hits remained
    published_while_hits: list  # releases that appeared while drafts still held hits (must stay empty)
    redact_cli: subprocess.CompletedProcess
    left: dict  # hits left after redaction
    export_dir: Path
    export_cli: subprocess.CompletedProcess
    pages: dict  # AppTest of every page (default view, and each quarter holding planted text): text, errors


def _cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120)


def _apptest_text(at) -> str:
    """Everything an AppTest run put on the page, as text: every element's proto, dataframes as CSV, chart specs."""
    from google.protobuf import text_format

    out = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(text_format.MessageToString(proto, as_utf8=True))
            spec = getattr(proto, "spec", None)
            if isinstance(spec, str) and spec:
                out.append(spec)
        if getattr(node, "type", None) in ("arrow_data_frame", "dataframe", "table"):
            try:
                out.append(node.value.to_csv())
            except Exception:  # noqa: BLE001 - an element without a frame value: its proto is already in
                pass
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def _pages() -> list[tuple[str, str]]:
    """Every public page of the app's navigation (ui.pages.PUBLIC) as (file, URL path; "" for the default page), so a
    page added later is covered too."""
    from ui.pages import PUBLIC

    pages = [(file, "" if url == "overview" else url) for file, _, url in PUBLIC]
    assert pages, "ui/pages.py lists no page"
    return pages


def _planted_quarters(store: Store, limit: int | None = None) -> list[str]:
    """Quarters of the public rows whose text was redacted (where the planted values were), most first."""
    pub = store.root / store.current()["public"]
    counts: dict[str, int] = {}
    for name, cols in (("engagement", ["title", "partners"]), ("feedback", ["topic", "action_taken"])):
        f = pd.read_parquet(pub / f"{name}.parquet", columns=[*cols, "quarter"])
        hit = np.zeros(len(f), bool)
        for c in cols:
            hit |= f[c].astype("string").str.contains("[redacted]", regex=False).fillna(False).to_numpy(dtype=bool)
        for q, n in f.loc[hit, "quarter"].value_counts().items():
            counts[q] = counts.get(q, 0) + int(n)
    return sorted(counts, key=lambda q: (-counts[q], q))[:limit]


def _render_pages(data_dir: Path, quarters=()) -> dict:
    """Run every page with AppTest (default view, then each quarter): {(page, quarter): (text, errors)}.

    The text is everything the page put on screen (_apptest_text) plus the bytes of every file a
    download button offers (a deferred download is generated here, once per file name)."""
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import AppTest

    files: dict[str, bytes] = {}

    def keep(data, name):
        if callable(data):
            if name in files:
                return
            data = data()
        if hasattr(data, "read"):
            data = data.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        if isinstance(data, (bytes, bytearray)):
            files[name or f"file-{len(files)}"] = bytes(data)

    def wrap(fn, bound):
        def download_button(*args, **kwargs):
            rest = args if bound else args[1:]
            data = kwargs.get("data", rest[1] if len(rest) > 1 else None)
            keep(data, kwargs.get("file_name") or (rest[2] if len(rest) > 2 else None))
            return fn(*args, **kwargs)
        return download_button

    load = MemoryMediaFileStorage.load_and_get_id

    def load_and_keep(self, path_or_data, mimetype, kind, filename=None):
        keep(Path(path_or_data).read_bytes() if isinstance(path_or_data, str) else path_or_data, filename)
        return load(self, path_or_data, mimetype, kind, filename)

    out, linked = {}, set()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BRIDGES_DATA_DIR", str(data_dir))
        mp.setattr(st, "download_button", wrap(st.download_button, True))
        mp.setattr(DeltaGenerator, "download_button", wrap(DeltaGenerator.download_button, False))
        mp.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_keep)
        at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run()

        def record(key):
            errors = [str(e.value) for e in at.exception] + [str(e.value) for e in at.get("error")]
            out[key] = (_apptest_text(at), errors, len(at.get("plotly_chart")))

        for quarter in (None, *quarters):
            for file, _ in _pages():
                if quarter:
                    at.query_params["quarter"] = quarter
                else:
                    at.query_params.pop("quarter", None)
                at.switch_page(file).run()
                record((file, quarter))
                for m in at.markdown:  # the files the page links to (charts as images, tables), made by the server's routes
                    for url in re.findall(r"\]\((/download/[^)\s]+)\)", m.value):
                        linked.add(url)
        for url in sorted(linked):
            keep(*_served(url))
    out[("downloads", None)] = ("\n".join(f"{n}\n{_bytes_text(n, b)}" for n, b in files.items()), [], len(files))
    return out


def _served(url: str) -> tuple[bytes, str]:
    """(bytes, file name) of a file a page links to, from the function app.py's route answers it with."""
    from urllib.parse import parse_qsl, urlsplit

    from ui.public import file_links, served

    parts = urlsplit(url)
    make = served.chart_file if parts.path.endswith(file_links.CHART_PATH) else served.table_file
    data, name, _ = make(dict(parse_qsl(parts.query)))
    return data, name


def _bytes_text(name: str, data: bytes) -> str:
    text = data.decode("utf-8", errors="replace") + "\n" + data.decode("latin-1")
    if data[:4] == b"PAR1":
        text += "\n" + _parquet_text(io.BytesIO(data))
    return text


@pytest.fixture(scope="module")
def run(tmp_path_factory, realdata) -> Run:
    tmp = tmp_path_factory.mktemp("pii")
    planted = build_corpus(realdata, tmp / "corpus")
    store = Store(tmp / "store")
    reports = {}
    for key, path in planted.files.items():
        spec, pop = SPECS.get(key, (None, None))
        reports[key] = ingest(path, DATASET[key], store, profile=spec and ROOT / "loaders" / "sources" / spec,
                              population=pop and DEMO / pop)
    drafts = {k: r["draft"] for k, r in reports.items()}

    refused, published = {}, []
    for label, ids in (("all", [drafts[k] for k in FIRST]), *((k, [drafts[k]]) for k in ("incidents", "engagement", "feedback", "nyc", "areas"))):
        try:
            published.append(store.publish(ids, "test", "planted personal data"))
        except InputError as exc:
            refused[label] = str(exc)

    # redact: one draft through the command line, the others through the store (a draft that a publish
    # above took in spite of its hits is gone: the tests below say so, and the rest still runs)
    waiting = set(store.list_drafts())
    redact_cli = _cli("redact", drafts["engagement"], "--all", "--data-dir", store.root)
    left = {"engagement": store.draft(drafts["engagement"]).get("privacy_hits", []) if drafts["engagement"] in waiting else None}
    for key in ("incidents", "feedback", "nyc", "areas"):
        left[key] = store.redact_draft(drafts[key], redact_all=True) if drafts[key] in waiting else None

    first = [drafts[k] for k in FIRST if drafts[k] in waiting]
    if first:
        store.publish(first, "test", "after redaction")
    if drafts["nyc"] in waiting:
        store.publish([drafts["nyc"]], "test", "nyc 311 after redaction")
    export_dir = tmp / "export"
    export_cli = _cli("export", export_dir, "--data-dir", store.root)
    pages = _render_pages(store.root, _planted_quarters(store))
    return Run(planted, store, reports, refused, published, redact_cli, left, export_dir, export_cli, pages)


# ---------------------------------------------------------------------------------------------
# helpers to read every public output as text


def _parquet_text(path) -> str:
    """A Parquet file's schema, metadata and every value, as text."""
    t = pq.read_table(path)
    parts = [str(t.schema), repr(t.schema.metadata)]
    for name in t.column_names:
        parts.append("\n".join(map(str, t.column(name).to_pylist())))
    return "\n".join(parts)


def _file_texts(folder: Path) -> dict[str, str]:
    """Every file under a folder, as text (Parquet decoded, plus its raw bytes read as Latin-1)."""
    out = {}
    for f in sorted(folder.rglob("*")):
        if not f.is_file():
            continue
        raw = f.read_bytes()
        text = raw.decode("utf-8", errors="replace") + "\n" + raw.decode("latin-1")
        if f.suffix == ".parquet":
            text += "\n" + _parquet_text(f)
        out[str(f)] = text
    return out


def _leaks(texts: dict[str, str], secrets) -> list[str]:
    found = []
    folded = {where: t.casefold() for where, t in texts.items()}
    for s in sorted(secrets):
        needle = s.casefold()
        for where, t in folded.items():
            if needle in t:
                found.append(f"{s!r} in {where}")
    return found


def _points(frame: pd.DataFrame) -> np.ndarray:
    cols = {c.lower(): c for c in frame.columns}
    if "lat" not in cols or "lon" not in cols:
        return np.empty((0, 2))
    return np.column_stack([pd.to_numeric(frame[cols["lat"]], errors="coerce"), pd.to_numeric(frame[cols["lon"]], errors="coerce")])


def _near(points: np.ndarray, coords, metres: float) -> list:
    bad = []
    ok = np.isfinite(points).all(axis=1)
    for lat, lon in coords:
        d = haversine_m(points[ok, 0], points[ok, 1], lat, lon)
        if len(d) and d.min() < metres:
            bad.append((lat, lon, float(d.min())))
    return bad


def _read_csv_bytes(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8").removeprefix("\ufeff"), newline="")))


def _read_export_csv(path: Path) -> list[list[str]]:
    return _read_csv_bytes(path.read_bytes())


_BLANKS = " \n\u00a0\u3000"
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?|-?inf|nan", re.IGNORECASE)


def _defused(cell: str) -> bool:
    return cell[:1] == "'" and (cell[1:2] in TRIGGERS or cell[1:].lstrip(_BLANKS)[:1] in TRIGGERS)


def _formula_cells(rows: list[list[str]], numeric: set | None) -> list[str]:
    """Cells a spreadsheet would run as a formula: starting with = + - @ tab or CR (or their full-width
    forms), also after blanks, and not defused by a leading apostrophe. A negative number in a numeric
    column is a number (`numeric`: the numeric columns; None: those whose every cell is a number)."""
    header, body = rows[0], rows[1:]
    if numeric is None:
        numeric = {c for j, c in enumerate(header) if all(_NUMBER.fullmatch(r[j]) or r[j] == "" for r in body if j < len(r))}
    bad = [f"header: {c!r}" for c in header if c[:1] in TRIGGERS or c.lstrip(_BLANKS)[:1] in TRIGGERS]
    for r in body:
        for col, cell in zip(header, r):
            if (cell[:1] in TRIGGERS or cell.lstrip(_BLANKS)[:1] in TRIGGERS) and not (col in numeric and _NUMBER.fullmatch(cell)):
                bad.append(f"{col}: {cell!r}")
    return bad


# ---------------------------------------------------------------------------------------------
# the corpus itself


def test_corpus_is_sound(run):
    """Every secret is new (found in no unmodified source file), and each planted point is more than
    20 m from any grid centre and its latitude 3 m from any grid row, so no generalized point of
    another row can look like it."""
    p = run.planted
    # nor in the project's own text a page may show (docs, word lists, locales, code)
    own = [f for f in [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("locales/**/*"), *ROOT.glob("*/*.toml"),
                       *(f for f in ROOT.glob("**/*.py") if "tests" not in f.parts)] if f.is_file()]
    originals = "\n".join([*p.originals.values(), *(f.read_text(encoding="utf-8", errors="replace") for f in own)]).casefold()
    clash = [s for s in p.secrets if s.casefold() in originals and not re.match(r"^\d+[A-Z]?(-\d+)? [A-Z]", s)]
    assert not clash, clash  # (NYC 311's own addresses are in its file, of course)
    # no secret could turn up by chance inside a public value (a record id is 16 hex digits)
    assert not [s for s in p.secrets if len(s) < 6 or re.fullmatch(r"[0-9a-f]+", s.casefold())]
    grid = Grid()
    lat, lon = np.array(p.coords).T
    j = grid.row_index(lat)
    _, _, clat, clon = grid._cell(j, lon)
    assert (haversine_m(lat, lon, clat, clon) > 20).all()
    assert (np.abs(lat - grid.row_centre(j)) > 3e-5).all()
    assert len(p.secrets) > 200 and len(p.hits) >= 40 and len(p.formulas) >= 7, (len(p.secrets), len(p.hits), len(p.formulas))


# ---------------------------------------------------------------------------------------------
# ingest: every planted free-text value is reported, and publishing waits for redaction


def test_every_planted_value_is_reported_with_row_and_column(run):
    missing = []
    for key, row, column, kind, secret in run.planted.hits:
        report = run.reports[key]
        found = [h for h in report["privacy_hits"] if h["row"] == row and h["column"] == column
                 and (secret in h["match"] or h["match"] in secret) and h["match"].strip()]
        if not found:
            near = [(h["row"], h["column"], h["kind"], h["match"]) for h in report["privacy_hits"] if h["row"] == row]
            missing.append(f"{key} row {row} {column}: {kind} {secret!r} not reported (hits on that row: {near})")
        elif kind not in {h["kind"] for h in found}:
            missing.append(f"{key} row {row} {column}: {secret!r} reported as {[h['kind'] for h in found]}, expected {kind}")
    assert not missing, "\n".join(missing)
    for key in ("incidents", "engagement", "feedback", "nyc", "areas"):
        r = run.reports[key]
        assert r["privacy_hit_count"] == len(r["privacy_hits"]) >= len({(k, row, c) for k, row, c, *_ in run.planted.hits if k == key})
    # blocks: an exact house number is not a hit (the block rule cuts it), what the rule cannot cut is
    hit_rows = {h["row"] for h in run.reports["incidents"]["privacy_hits"]}
    assert hit_rows == {pos + 2 for pos, *_ in BLOCK_FREE_TEXT}, hit_rows


def test_publish_is_refused_while_hits_remain(run):
    assert run.published_while_hits == []
    assert set(run.refused) == {"all", "incidents", "engagement", "feedback", "nyc", "areas"}
    for label, msg in run.refused.items():
        assert "personal data" in msg and "redact" in msg, msg
    assert any(run.reports[k]["draft"] in run.refused["all"] for k in FIRST)
    # nothing public was written by the refused attempts: release 1 is the first one
    assert [r["version"] for r in run.store.releases()] == [1, 2]
    assert run.store.release(1)["note"] == "after redaction"


def test_redaction_clears_every_hit(run):
    assert run.redact_cli.returncode == 0, run.redact_cli.stderr
    assert "no personal data left" in run.redact_cli.stdout
    assert run.left == {"incidents": [], "engagement": [], "feedback": [], "nyc": [], "areas": []}
    assert run.export_cli.returncode == 0, run.export_cli.stderr


# ---------------------------------------------------------------------------------------------
# nothing planted reaches a public output


def test_no_planted_value_in_public_files_or_downloads(run):
    texts = {**_file_texts(run.store.public_dir), **_file_texts(run.export_dir), **_file_texts(run.store.releases_dir)}
    assert any(w.endswith("incidents.csv") for w in texts) and any(w.endswith("engagement.parquet") for w in texts)
    leaks = _leaks(texts, run.planted.secrets | run.planted.coord_strings)
    assert not leaks, "\n".join(leaks[:50])


def test_no_sensitive_point_in_public_tables(run):
    """No published point lies within 15 m of a sexual-assault row's true point (parquet and CSV, every table)."""
    bad = []
    for f in [*run.store.public_dir.rglob("*.parquet"), *run.export_dir.glob("*.parquet")]:
        bad += [(str(f), *b) for b in _near(_points(pq.read_table(f).to_pandas()), run.planted.coords, 15.0)]
    for f in run.export_dir.glob("*.csv"):
        rows = _read_export_csv(f)
        frame = pd.DataFrame(rows[1:], columns=rows[0])
        bad += [(str(f), *b) for b in _near(_points(frame), run.planted.coords, 15.0)]
    assert not bad, bad


def test_no_planted_value_on_the_page_apptest(run):
    """Every page (AppTest), in its default view and in each quarter that held planted text, and every
    file its download buttons offer."""
    pages = run.pages
    assert {f for f, _ in pages} >= {f for f, _ in _pages()}
    assert len({pages[(f, None)][0] for f, _ in _pages()}) == len(_pages()), "AppTest did not switch pages"
    errors = {k: e for k, (_, e, _) in pages.items() if e}
    assert not errors, errors
    assert pages[(_pages()[0][0], None)][2] > 0, "the first page drew no chart"
    leaks = _leaks({f"AppTest {f} quarter={q}": text for (f, q), (text, _, _) in pages.items()},
                   run.planted.secrets | run.planted.coord_strings)
    assert not leaks, "\n".join(leaks[:50])
    for (f, q), (text, _, _) in pages.items():  # map points, if a page draws any
        for m in re.finditer(r'"lat":\s*(\[[^\]]*\]),\s*"lon":\s*(\[[^\]]*\])', text):
            lat, lon = (np.asarray([v if v is not None else np.nan for v in json.loads(g)], float) for g in m.groups())
            if len(lat) == len(lon):
                assert not _near(np.column_stack([lat, lon]), run.planted.coords, 15.0), (f, q)


def _settle(page, quiet: float = 0.5, timeout: float = 60.0) -> None:
    """Wait until the script has finished and the page has stopped changing for `quiet` seconds, with every chart drawn."""
    deadline, last, since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        state = page.evaluate("""() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
            return [app && app.getAttribute('data-test-script-state'), document.body.innerHTML.length,
                    charts.every(c => c.querySelector('.main-svg'))];
        }""")
        if state != last:
            last, since = state, time.monotonic()
        elif state[0] == "notRunning" and state[2] and time.monotonic() - since >= quiet:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{page.url} did not finish rendering in {timeout:.0f} s ({last})")


EXPANDERS_CLOSED = '[data-testid="stExpander"] details:not([open]) > summary'
RADIO_CHOICES = '[data-testid="stRadio"] label:has(input[type="radio"])'


def _download_all(b, page, url: str, choice, downloads: dict):
    """Click every download button of the page and keep each file by name; returns the page in use (a
    browser holds back the eleventh download in a row from one page, so a fresh one takes over every 8)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    buttons = page.locator('[data-testid="stDownloadButton"] button')
    for i in range(buttons.count()):
        if i and i % 8 == 0:
            page.close()
            page = b.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            page.goto(url)
            _settle(page)
            if choice is not None:
                page.locator(RADIO_CHOICES).nth(choice).click()
                _settle(page)
            buttons = page.locator('[data-testid="stDownloadButton"] button')
        for attempt in range(3):  # a click can land while the page is still laying out: try again
            buttons.nth(i).scroll_into_view_if_needed()
            try:
                with page.expect_download(timeout=15000) as dl:
                    buttons.nth(i).click()
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise AssertionError(f"{url}: download button {buttons.nth(i).inner_text()!r} gave no file") from None
        downloads.setdefault(dl.value.suggested_filename, Path(dl.value.path()).read_bytes())
    return page


@pytest.mark.browser
@pytest.mark.skipif(not have_chromium(), reason="needs Debian's chromium (.ci/run installs it)")
def test_no_planted_value_on_the_page_browser(run):
    """Every page (dashboard.py's pages and any page a link points to), in a real browser: the HTML once
    its charts are drawn and every expander ("Show the numbers") is open, and every file its download
    buttons give. (AppTest above also goes through the quarters that held planted text.)"""
    seen, downloads = {}, {}
    with streamlit_server(run.store.root) as base, browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        todo = [f"/{url}" for _, url in _pages()]
        done, fetched = set(), set()
        while todo:
            path = todo.pop(0)
            if path in done:
                continue
            done.add(path)
            page.goto(base + path)
            _settle(page)
            assert "Page not found" not in page.inner_text("body"), f"{path}: no such page"
            # the page as it opens; a page with downloads, also with each other choice of its radios (the
            # download format), since a choice can change what the buttons give
            radios = page.locator(RADIO_CHOICES)
            choices = [None]
            if page.locator('[data-testid="stDownloadButton"]').count():
                choices += [j for j in range(radios.count()) if not radios.nth(j).locator("input").is_checked()]
            for choice in choices:
                if choice is not None:
                    page.goto(base + path)
                    _settle(page)
                    page.locator(RADIO_CHOICES).nth(choice).click()
                    _settle(page)
                page.eval_on_selector_all(EXPANDERS_CLOSED, "els => els.forEach(e => e.click())")
                _settle(page)
                assert page.locator(EXPANDERS_CLOSED).count() == 0, f"{path}: an expander would not open"
                content = page.content()
                assert "stException" not in content and "Traceback" not in content, path
                seen[f"{path} radio {choice}"] = content + "\n" + page.inner_text("body")
                page = _download_all(b, page, base + path, choice, downloads)
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                if href.startswith(base) and "/download/" in href and href not in fetched:  # a file the page links to
                    fetched.add(href)
                    with urllib.request.urlopen(href, timeout=120) as r:
                        name = re.search(r'filename="([^"]+)"', r.headers["Content-Disposition"]).group(1)
                        downloads.setdefault(name, r.read())
                elif href.startswith(base) and "/media/" not in href and "/_stcore/" not in href:
                    rest = href[len(base):].split("#")[0]
                    todo.append("/" + rest.lstrip("/").split("?")[0].split("/")[0])  # a page the app links to
    assert len(seen) >= len(_pages())
    texts = {**{f"page {p}": t for p, t in seen.items()}, **{f"download {n}": _bytes_text(n, d) for n, d in downloads.items()}}
    leaks = _leaks(texts, run.planted.secrets | run.planted.coord_strings)
    assert not leaks, "\n".join(leaks[:50])
    for name, data in downloads.items():  # a download a page offers is as safe to open as the export
        if name.endswith(".csv"):
            assert data.startswith(b"\xef\xbb\xbf"), f"{name} has no UTF-8 BOM"
            assert not _formula_cells(_read_csv_bytes(data), None), name


# ---------------------------------------------------------------------------------------------
# the gate's other rules, on the same release


def test_sexual_assault_rows_have_no_location_and_no_time(run):
    rel = run.store.current()
    inc = pq.read_table(run.store.root / rel["public"] / "incidents.parquet").to_pandas()
    src = pd.DataFrame({"source": "chicago-cpd", "incident_id": run.planted.assault_ids})
    ids = set(_record_ids(src, "incident_id", store_secret(run.store.root)))
    planted = inc[inc["record_id"].isin(ids)]
    assert len(planted) == len(run.planted.assault_ids)  # still counted
    assert (planted["category"] == "sexual_offences").all()
    sens = inc[inc["category"] == "sexual_offences"]
    assert len(sens) >= len(planted)
    assert sens["lat"].isna().all() and sens["lon"].isna().all()
    assert sens["block"].isna().all()
    for col in ("occurred_at", "reported_at"):
        t = sens[col].dropna()
        assert (t == t.dt.normalize()).all(), col
    assert (sens["time_precision"] != "exact").all()
    # the exact blocks of other rows are published as hundred-blocks
    published = set(inc["block"].dropna())
    for raw, _, hundred in EXACT_BLOCKS:
        assert hundred in published, (raw, hundred)


def test_export_csv_is_formula_safe_with_bom(run):
    csvs = sorted(run.export_dir.glob("*.csv"))
    assert {f.name for f in csvs} >= {"incidents.csv", "incident_counts.csv", "engagement.csv", "feedback.csv", "feedback_counts.csv"}
    defused, bad = set(), []
    for f in csvs:
        assert f.read_bytes().startswith(b"\xef\xbb\xbf"), f"{f.name} has no UTF-8 BOM"
        rows = _read_export_csv(f)
        numeric = {fld.name for fld in pq.read_schema(run.export_dir / f"{f.stem}.parquet")
                   if pa.types.is_integer(fld.type) or pa.types.is_floating(fld.type)}
        bad += [f"{f.name} {x}" for x in _formula_cells(rows, numeric)]
        defused |= {cell[1:].strip(_BLANKS) for r in rows for cell in r if _defused(cell)}
    assert not bad, bad[:20]
    # every formula planted in public text was published, defused (in blocks: after generalization)
    missing = {x for x in run.planted.formulas if not any(cell.startswith(x.strip(_BLANKS)) for cell in defused)}
    assert not missing, (missing, sorted(defused)[:40])
    assert len(defused) >= len(run.planted.formulas)


def test_release_has_privacy_note_with_counts(run):
    for m in run.store.releases():
        note = m["privacy"]
        inc = note["incidents"]
        for key in ("generalized_points", "generalized_blocks", "withheld_locations", "dates_only", "cells_suppressed"):
            assert inc[key] > 0, (m["version"], key, inc)
        assert note["feedback"]["records"] > 0 and note["engagement"]["records"] > 0
        assert note["k"] >= 3
    exported = json.loads((run.export_dir / "privacy_note.json").read_text(encoding="utf-8"))
    assert exported == run.store.current()["privacy"]
    package = json.loads((run.export_dir / "datapackage.json").read_text(encoding="utf-8"))
    assert "privacy" in package["description"]


def test_public_parquet_columns_are_the_allowlist(run):
    for folder in [*sorted(p for p in run.store.public_dir.iterdir() if p.is_dir()), run.export_dir]:
        names = set()
        for f in folder.glob("*.parquet"):
            cols = pq.read_schema(f).names
            allowed = PUBLIC_FIELDS.get(f.stem) or COUNT_TABLES.get(f.stem)
            assert allowed is not None, f"unexpected public table {f}"
            assert set(cols) <= set(allowed), (f, sorted(set(cols) - set(allowed)))
            names.add(f.stem)
        assert {"incidents", "incident_counts", "engagement", "feedback", "feedback_counts"} <= names, folder
        for f in folder.glob("*.csv"):
            header = _read_export_csv(f)[0]
            allowed = PUBLIC_FIELDS.get(f.stem) or COUNT_TABLES.get(f.stem)
            assert set(header) <= set(allowed), (f, header)


# ---------------------------------------------------------------------------------------------
# pages read only data/public


def test_pages_never_read_canonical_tables(run, tmp_path, monkeypatch):
    """With Delta Lake unusable, and the canonical tables, raw files and drafts gone, every page still
    renders, and shows what it shows with them: pages read data/public only."""
    import deltalake

    copy = tmp_path / "store"
    shutil.copytree(run.store.root, copy, ignore=shutil.ignore_patterns("tables", "raw", "drafts"))
    real = deltalake.DeltaTable

    class NoCanonical:
        def __init__(self, *a, **k):
            raise AssertionError("a page opened a canonical Delta table")

        @staticmethod
        def is_deltatable(*a, **k):
            raise AssertionError("a page looked for a canonical Delta table")

    for mod in list(sys.modules.values()):
        if getattr(mod, "DeltaTable", None) is real:
            monkeypatch.setattr(mod, "DeltaTable", NoCanonical)
    assert deltalake.DeltaTable is NoCanonical
    pages = _render_pages(copy)
    errors = {k: e for k, (_, e, _) in pages.items() if e}
    assert not errors, errors
    for file, _ in _pages():
        text, _, charts = pages[(file, None)]
        before, _, charts_before = run.pages[(file, None)]
        assert charts == charts_before, file
        # the same page from the same public files: the same content (store paths and the odd clock text aside)
        n, n_before = len(text.replace(str(copy), "")), len(before.replace(str(run.store.root), ""))
        assert abs(n - n_before) <= 0.01 * n_before, (file, n, n_before)
    assert pages[(_pages()[0][0], None)][2] > 0, "no chart drawn from the public tables"
    assert not (copy / "tables").exists()
