"""Helpers for the analyst tests: a copy of the demo store with two analysts (the `store` fixture of conftest.py), AppTest on the dashboard, real exports shaped for a test."""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from accounts import users

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = str(ROOT / "dashboard.py")
PASSWORD = "correct horse battery staple"
LOCAL = "ana"
OIDC = "ana@force.example"
VANCOUVER = "vancouver-vpd-crimedata/crimedata_csv_AllNeighbourhoods_2025.csv"
CHICAGO = "chicago-cpd-crimes/sample-2024/Crimes_-_2001_to_Present.csv"
# an export no loader knows: Chicago's columns under another vendor's names
RENAMED = {"ID": "Event No", "Case Number": "RMS Ref", "Date": "Occurred", "Block": "Street Block", "IUCR": "Code", "Primary Type": "Offence",
           "Description": "Offence Detail", "Location Description": "Premises", "Arrest": "Arrest Made", "Domestic": "DV Flag",
           "Beat": "Patrol Beat", "District": "Division", "Ward": "Council Ward", "Community Area": "Neighbourhood No", "FBI Code": "UCR",
           "X Coordinate": "Easting", "Y Coordinate": "Northing", "Year": "Yr", "Updated On": "Modified", "Latitude": "Lat",
           "Longitude": "Lng", "Location": "Geo"}


def fresh_store(demo: Path, dest: Path) -> Path:
    """A copy of the demo store `demo` at `dest` with two analysts: a local account (LOCAL, PASSWORD) and an identity-provider one (OIDC)."""
    shutil.copytree(demo, dest)
    users.add_user(dest, LOCAL, "analyst", PASSWORD)
    users.add_user(dest, OIDC, "analyst", oidc=True)
    return dest


def app(user: dict | None = None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    if user is not None:
        at.user = user
    return at


def analyst(start: str = "upload") -> AppTest:
    """An identity-provider analyst (at.user) on an analyst page, reached the way a browser does (the entry script runs)."""
    at = app({"is_logged_in": True, "email": OIDC, "name": "Ana Lyst"})
    at.switch_page(f"analyst_pages/{start}.py").run()
    ok(at)
    return at


def town_hall(store: Path, monkeypatch, **params) -> AppTest:
    """The public deck page (/town-hall) of `store` opened by a link with these query parameters: the entry script runs
    first, as in a browser, then the page."""
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(store))
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.query_params.update(params)
    at.run()
    at.query_params.update(params)
    at.switch_page("public_pages/town_hall.py").run()
    ok(at)
    return at


def failed_check(realdata: Path, monkeypatch) -> AppTest:
    """The upload page after Check on a Vancouver export while reading it fails unexpectedly (a RuntimeError whose
    message, 'disk on fire', must reach the error log and not the page)."""
    from bridges import actions

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(actions, "ingest_upload", boom)
    src = realdata / VANCOUVER
    at = upload(analyst(), src.name, src.read_bytes())
    at.button(key="upl_check").click().run()
    return at


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"analyst_pages/{page}.py").run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> str:
    """Every text shown (Markdown escapes removed)."""
    parts = [m.value for m in at.markdown] + [h.value for h in at.title] + [h.value for h in at.header] + [h.value for h in at.subheader] + \
        [x.value for x in at.success] + [x.value for x in at.error] + [x.value for x in at.warning] + [x.value for x in at.info] + \
        [m.label for m in at.metric] + [m.value for m in at.metric]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts)).replace("\u2060", "")  # md_escape's word joiners stop autolinks


def errors(at: AppTest) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", e.value).replace("\u2060", "") for e in at.error]


def upload(at: AppTest, name: str, data: bytes, dataset: str = "incidents", quarter: str = "") -> AppTest:
    at.selectbox(key="upl_dataset").set_value(dataset)
    at.text_input(key="upl_quarter").input(quarter)
    at.file_uploader(key="upl_file").set_value((name, data, "application/octet-stream")).run()
    ok(at)
    return at


def check(at: AppTest) -> dict:
    at.button(key="upl_check").click().run()
    ok(at)
    return at.session_state["upl_report"]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def vancouver_q4(realdata: Path, dest: Path, drop_every: int = 0) -> Path:
    """Vancouver's Q4 2025 rows (the real file), leaving out every n-th break and enter to make a correction."""
    header, rows = read_csv(realdata / VANCOUVER)
    q4 = [r for r in rows if int(r[2]) >= 10]
    if drop_every:
        q4 = [r for i, r in enumerate(q4) if not (r[0].startswith("Break and Enter") and i % drop_every == 0)]
    return write_csv(dest, header, q4)


def renamed_chicago(realdata: Path, dest: Path, months: tuple[int, ...] | None = None, drop: tuple[str, ...] = ()) -> Path:
    """The real Chicago export under renamed headers (an export no loader knows), optionally only some months, without the
    columns in `drop` (e.g. its FBI Code, so the draft maps the local offence text rather than the standard code)."""
    header, rows = read_csv(realdata / CHICAGO)
    if months:
        rows = [r for r in rows if int(r[2][:2]) in months]
    keep = [i for i, h in enumerate(header) if h not in drop]
    return write_csv(dest, [RENAMED[header[i]] for i in keep], [[r[i] for i in keep] for r in rows])
