"""Fuzzing kit: hypothesis strategies for generated CSV, XLSX and JSON exports, and the checks run on each through the upload worker (tests/test_fuzz.py in CI, bench/fuzz.py for longer runs).

Every generated file is read (loaders.textio.read_any) or ingested with a built-in mapping (loaders.ingest.ingest) in a
worker process, as an upload is, with the worker's memory and time limits (FUZZ_LIMITS). A file passes when it is read
or refused with the project's own InputError; it fails when the worker raises anything else (a WorkerError, carrying
its traceback), runs out of memory or time, or an ingest's rows do not add up (read = accepted + folded + rejected).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from model.errors import InputError

FUZZ_LIMITS = "[upload]\nworker_memory_mb = 1024\nworker_seconds = 60\n"  # any generated file needs far less
LIMIT_WORDS = ("of memory this server gives one upload", "seconds this server gives one upload")

# ---------------------------------------------------------------- cells

HEADERS = ["ID", "Case Number", "Date", "Occurred Date", "Time", "Offence", "Primary Type", "Area", "Nbhd Code", "District",
           "Latitude", "Longitude", "X", "Y", "Status", "Block", "Score (0-100)", "Respondents", "Topic", "Channel",
           "geometry", "name", "", " ", "ID", "Date ", "\ufeffID", "Offence\nType", "a,b", 'say "hi"']
ODD = ["", " ", "NULL", "null", "N/A", "-", "0", "-1", "1e309", "nan", "NaN", "inf", "-inf", "99999999999999999999",
       "0x1F", "1,234", "1.234,5", "12,600", "45123.5", "00/00/0000", "02/30/2024", "2024-13-45", "1899-12-30",
       "9999-12-31 23:59:59", "12/31/1969 11:59:59 PM", "2024-03-10T02:30:00-05:00", "25:61", "0305", "true", "FALSE",
       "Y", "n", "=HYPERLINK(\"http://evil.example\")", "+1", "@SUM(A1)", "<script>alert(1)</script>", "a\nb", "a\rb",
       '"', '""', "'", "\\", "\x00", "\ufeff", "\u202e", "🙂", "Ω" * 50, "x" * 3000, "91", "-181", "0,0", "(41.8, -87.6)",
       "POINT (-87.6 41.8)", "[1, 2]", "{}", "Market Square", "THEFT", "Assault with Weapon", "P1", "Open", "1430/100"]

text_cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
DATE_FORMATS = ["%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y", "%Y%m%d", "%H%M"]
cells = st.one_of(st.sampled_from(ODD), text_cells, st.integers(-10**20, 10**20).map(str),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.tuples(st.datetimes(min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(9999, 12, 31)),
                            st.sampled_from(DATE_FORMATS)).map(lambda t: t[0].strftime(t[1])))
header_cells = st.one_of(st.sampled_from(HEADERS), text_cells)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "mac_roman", "latin-1"]


def csv_text(header: list[str], rows: list[list[str]], delimiter: str, newline: str, quote_all: bool, raw: bool) -> str:
    """Rows as CSV; `raw` joins cells without any quoting (stray quotes and delimiters inside values stay as they are)."""
    if raw:
        return newline.join(delimiter.join(r) for r in [header, *rows]) + newline
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


@st.composite
def csv_files(draw) -> tuple[str, bytes]:
    """A CSV export as bytes: any header, ragged rows of odd values, any delimiter, line ending and encoding, sometimes
    cut short; or plain random bytes named .csv."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["noise.csv", "noise.json", "noise.xlsx"])), draw(st.binary(max_size=3000))
    width = draw(st.integers(1, 8))
    header = draw(st.lists(header_cells, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width + 2), max_size=25))
    text = csv_text(header, rows, draw(st.sampled_from([",", ";", "\t", "|"])), draw(st.sampled_from(["\n", "\r\n", "\r"])),
                    draw(st.booleans()), draw(st.integers(0, 4)) == 0)
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.integers(0, 5)) == 0:
        data = data[: draw(st.integers(0, len(data)))]  # a truncated download
    return "export.csv", data


# ---------------------------------------------------------------- workbooks

def _xlsx_safe(s: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", s)[:32767]


xlsx_cells = st.one_of(st.none(), cells.map(_xlsx_safe), st.integers(-2**53, 2**53), st.floats(allow_nan=False, allow_infinity=False),
                       st.booleans(), st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
                       st.dates(min_value=dt.date(1900, 3, 1)), st.times())


@dataclass
class Book:
    sheets: list[tuple[str, list[list], tuple[int, int] | None, bool]]  # title, rows, a far cell (row, column), header merged

    def bytes(self) -> bytes:
        import openpyxl

        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows, far, merged in self.sheets:
            ws = wb.create_sheet(title)
            for r in rows:
                ws.append(r)
            if far:
                ws.cell(row=far[0], column=far[1], value="far")
            if merged and rows and len(rows[0]) > 1:
                ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


@st.composite
def xlsx_books(draw) -> Book:
    """A workbook of one to three sheets (odd values, empty sheets, merged header cells) and sometimes one cell far
    away, anywhere up to XFD1048576."""
    n = draw(st.integers(1, 3))
    titles = draw(st.lists(st.sampled_from(["Data", "Sheet1", "Notes", "Résumé", "2024 Q1", "Export (2)", "x" * 31]),
                           min_size=n, max_size=n, unique=True))
    sheets = []
    for title in titles:
        width = draw(st.integers(1, 7))
        rows = draw(st.lists(st.lists(xlsx_cells, min_size=0, max_size=width), max_size=15))
        if rows and draw(st.booleans()):
            rows[0] = draw(st.lists(header_cells.map(_xlsx_safe), min_size=width, max_size=width))
        far = draw(st.none() | st.tuples(st.integers(1, 1_048_576), st.integers(1, 16_384)) |
                   st.tuples(st.integers(1, 3000), st.integers(1, 300)))
        sheets.append((title, rows, far, draw(st.integers(0, 7)) == 0))
    return Book(sheets)


# ---------------------------------------------------------------- JSON

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text_cells | st.sampled_from(ODD),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(header_cells, inner, max_size=4), max_leaves=30)
records = st.lists(st.dictionaries(header_cells, json_values, max_size=6) | json_values, max_size=12)


@st.composite
def json_files(draw) -> tuple[str, bytes]:
    """A JSON export: an array of records, an object holding one, a GeoJSON feature collection, or any JSON value;
    sometimes cut short."""
    shape = draw(st.sampled_from(["array", "object", "geojson", "any"]))
    if shape == "array":
        doc = draw(records)
    elif shape == "object":
        doc = {draw(st.sampled_from(["records", "data", "events", "x"])): draw(records), "exported_at": draw(json_values)}
    elif shape == "geojson":
        doc = {"type": "FeatureCollection", "features": draw(st.lists(st.fixed_dictionaries(
            {"type": st.just("Feature"), "properties": st.dictionaries(header_cells, json_values, max_size=4) | json_values,
             "geometry": st.none() | st.fixed_dictionaries({"type": st.sampled_from(["Polygon", "Point", "MultiPolygon", "?"]),
                                                            "coordinates": json_values})}), max_size=6))}
    else:
        doc = draw(json_values)
    data = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))
    if draw(st.integers(0, 6)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return ("areas.geojson" if shape == "geojson" else "export.json"), data


# ---------------------------------------------------------------- exports a built-in mapping knows, damaged

# built-in source -> the demo export it reads (the demo's own files: always at hand, unlike ../shared/realdata)
SEEDS = {"demo_incidents.toml": "incidents", "demo_feedback.toml": "feedback", "demo_survey.toml": "survey",
         "demo_population.toml": "population", "demo_engagement.toml": "engagement", "demo_areas.toml": "areas",
         "demo_campus_incidents.toml": "campus_incidents"}


def seed_rows(spec_file: str, n: int = 40) -> tuple[list[str], list[list[str]], str]:
    """(header, up to n rows spread over the file, kind) of the demo export a built-in source reads; JSON records and
    GeoJSON features are flattened to one column per key, as the reader does."""
    from demo.build import demo_files

    path = demo_files()[SEEDS[spec_file]]
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
        kind = "csv"
    else:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("type") == "FeatureCollection":
            items = [{**(f.get("properties") or {}), "geometry": json.dumps(f.get("geometry"))} for f in doc["features"]]
            kind = "geojson"
        else:
            items = next(v for v in doc.values() if isinstance(v, list))
            kind = "json"
        flat = [_flat(x) for x in items]
        header = list(dict.fromkeys(k for r in flat for k in r))
        body = [["" if r.get(k) is None else str(r.get(k)) for k in header] for r in flat]
    step = max(1, len(body) // n)
    return header, body[::step][:n], kind


def _flat(rec: dict, prefix: str = "") -> dict:
    """Nested objects as dotted keys, lists as JSON text: the columns the JSON reader makes."""
    out = {}
    for k, v in rec.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = json.dumps(v) if isinstance(v, list) else v
    return out


@st.composite
def damaged_exports(draw) -> tuple[str, str, bytes]:
    """(built-in source file, file name, bytes): real demo rows of a known export with cells replaced by odd values,
    rows repeated, dropped or cut, a column renamed or missing, written as CSV, XLSX or the JSON it came as."""
    spec_file = draw(st.sampled_from(sorted(SEEDS)))
    header, rows, kind = seed_rows(spec_file)
    rows = [list(r) for r in draw(st.lists(st.sampled_from(rows), min_size=0, max_size=30))]
    for r in rows:
        for _ in range(draw(st.integers(0, 3))):
            if r:
                r[draw(st.integers(0, len(r) - 1))] = draw(cells)
        if draw(st.integers(0, 15)) == 0:
            del r[draw(st.integers(0, len(r) - 1)):]  # a line cut short
    header = list(header)
    if draw(st.integers(0, 8)) == 0:
        header[draw(st.integers(0, len(header) - 1))] = draw(header_cells)  # a renamed or emptied column
    form = draw(st.sampled_from(["csv", "xlsx", "json"])) if kind == "csv" else kind
    if form == "csv":
        return spec_file, "export.csv", csv_text(header, rows, ",", "\n", False, False).encode("utf-8")
    if form == "xlsx":
        return spec_file, "export.xlsx", Book([("Data", [[_xlsx_safe(c) for c in r] for r in [header, *rows]], None, False)]).bytes()
    items = [dict(zip(header, r)) for r in rows]
    if kind == "geojson":
        feats = []
        for it in items:
            geometry = it.pop("geometry", None)
            try:
                geometry = json.loads(geometry) if geometry else None
            except ValueError:
                pass  # a damaged geometry stays the text it became
            feats.append({"type": "Feature", "properties": it, "geometry": geometry})
        return spec_file, "areas.geojson", json.dumps({"type": "FeatureCollection", "features": feats}).encode()
    return spec_file, "export.json", json.dumps({"events": items}).encode()


# ---------------------------------------------------------------- what runs in the worker, and the verdict

def read_summary(path: Path) -> dict:
    """(In the worker.) Read a file as an upload is read; what came out."""
    from loaders.textio import read_any

    raw = read_any(path)
    return {"rows": raw.table.num_rows, "columns": len(raw.columns), "bad": len(raw.bad_rows), "kind": raw.kind}


def read_sheets_summary(path: Path) -> dict:
    """(In the worker.) A workbook read as the upload page reads it: its sheets with data listed, then each one read."""
    from loaders.textio import read_any
    from store.uploads import filled_sheets

    names = filled_sheets(path)
    if len(names) < 2:
        return read_summary(path)
    return {name: read_any(path, name).table.num_rows for name in names}


def ingest_summary(path: Path, spec_file: str, root: Path) -> dict:
    """(In the worker.) Ingest a file with a built-in mapping into a store; the rows must add up."""
    from loaders.ingest import ingest
    from loaders.mapping import SOURCES_DIR, Spec
    from store.versioned import Store

    spec = Spec.load(SOURCES_DIR / spec_file)
    rep = ingest(path, spec.dataset, Store(root), profile=spec)
    folded = rep.get("rows_folded") or 0
    assert rep["rows_read"] == rep["rows_accepted"] + folded + rep["rows_rejected"], rep
    assert rep["records_out"] == len(Store(root).draft_rows(rep["draft"])), rep
    return {"rows": rep["rows_read"], "accepted": rep["rows_accepted"]}


def verdict(root: Path, target: str, *args) -> str:
    """Run a target in the upload worker with FUZZ_LIMITS in the store at `root`: 'read' or 'refused: <sentence>'.
    Anything else fails the example: an exception of another type (WorkerError, with the worker's traceback), or the
    worker's memory or time limit reached."""
    from store import worker

    try:
        out = worker.run(root, target, *args)
    except InputError as exc:
        said = exc.sentence()
        assert not any(w in said for w in LIMIT_WORDS), f"the worker ran out of memory or time: {said}"
        assert said.strip(), "an InputError with no sentence"
        return "refused: " + said
    return f"read: {out}"
