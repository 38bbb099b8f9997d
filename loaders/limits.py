"""Limits a raw export must keep before it is read (a workbook's size and shape, a CSV's width, JSON's depth), so a hostile file is refused in a sentence."""
from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.errors import InputError


@dataclass
class Limits:
    """What one upload may hold. The worker that reads uploads sets these from data/analyst.toml's [upload]."""

    max_cells: int = 10_000_000  # rows × columns of one sheet, counted from A1 as the reader lays the sheet out
    max_columns: int = 5_000  # of a CSV header or a sheet
    max_unzipped_mb: int = 2_048  # a workbook's parts, unpacked
    max_ratio: int = 250  # unpacked / packed size of one part of a workbook (ordinary sheets stay far below 100)
    max_depth: int = 64  # nesting of JSON arrays and objects (a GeoJSON multipolygon needs about 8)


LIMITS = Limits()
_CHUNK = 4 << 20
_RATIO_FROM = 1 << 20  # the ratio is judged only for parts over 1 MB unpacked: tiny parts compress oddly
_SMALLER = "Upload one quarter at a time, or save the sheet as CSV and upload that."
_ADMIN = "ask the administrator to raise [upload] {key} in data/analyst.toml"


# ---------------------------------------------------------------- workbooks

# a cell's reference (<c r="XFD1048576" …>): only cells carry an r="" of letters and digits; rows carry digits only
_REF_COL = re.compile(rb' r="([A-Z]{1,4})[0-9]')
_REF_ROW = re.compile(rb' r="[A-Z]{1,4}([0-9]{1,9})"')
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet\b")
_TAG = re.compile(rb'<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*?)(/?)>')
_R = re.compile(rb'\sr="\$?([A-Z]{0,4})\$?([0-9]{0,9})"')
_SHEET = re.compile(rb'<(?:[\w.-]+:)?sheet\b[^>]*>')
_ATTR = re.compile(rb'([\w:.-]+)="([^"]*)"')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out or "A"


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """A part's bytes in chunks, a tag never split between two (zipfile stops at the size the directory gives, and
    raises BadZipFile when the bytes do not match it)."""
    carry = b""
    with zf.open(info) as fh:
        while True:
            block = fh.read(_CHUNK)
            if not block:
                break
            data = carry + block
            cut = data.rfind(b"<")
            data, carry = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
            yield data
    if carry:
        yield carry


def _extent_fast(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int, bool]:
    """(last row, last column, every cell had its reference) from the cells' own references, at C speed (about 2 s for a
    sheet of 2 million cells, where reading it takes 10)."""
    rows = cols = 0
    complete, prefix = True, None
    for data in _chunks(zf, info):
        if prefix is None:
            m = _ROOT.search(data)
            prefix = (m.group(1) or b"") if m else b""
        refs = _REF_COL.findall(data)  # letters: mostly one byte, which Python does not allocate
        letters, digits = set(refs), set(_REF_ROW.findall(data))
        cells = sum(data.count(b"<" + prefix + b"c" + end) for end in (b" ", b">", b"/", b"\t", b"\n", b"\r"))
        if cells != len(refs):  # a cell without its reference, or one the pattern cannot read: placed one by one
            complete = False
        if letters:
            cols = max(cols, max(_col_number(c) for c in letters))
        if digits:
            rows = max(rows, max(int(d) for d in digits))
    return rows, cols, complete


def _extent_walk(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(last row, last column) placing cells without a reference the way a reader does: after the previous one."""
    rows = cols = row = col = 0
    for data in _chunks(zf, info):
        for m in _TAG.finditer(data):
            closing, name, attrs = m.group(1), m.group(2), m.group(3)
            if closing:
                continue
            ref = _R.search(attrs)
            if name == b"row":
                row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                col = 0
                continue
            if ref and ref.group(1):
                col = _col_number(ref.group(1))
                if ref.group(2):
                    row = int(ref.group(2))
            else:
                col += 1
            rows, cols = max(rows, row), max(cols, col)
    return rows, cols


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Part name → the sheet's name as Excel shows it (best effort: a part it cannot name is named by its file)."""
    try:
        book = zf.getinfo("xl/workbook.xml")
        rels = zf.getinfo("xl/_rels/workbook.xml.rels")
        if book.file_size > (8 << 20) or rels.file_size > (8 << 20):
            return {}
        book_xml, rels_xml = zf.read(book), zf.read(rels)
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    targets = {}
    for m in re.finditer(rb"<(?:[\w.-]+:)?Relationship\b[^>]*>", rels_xml):
        a = dict(_ATTR.findall(m.group(0)))
        if b"Id" in a and b"Target" in a:
            t = a[b"Target"].decode("utf-8", "replace").lstrip("/")
            targets[a[b"Id"]] = t if t.startswith("xl/") else "xl/" + t
    out = {}
    for m in _SHEET.finditer(book_xml):
        a = dict(_ATTR.findall(m.group(0)))
        rid = next((v for k, v in a.items() if k.endswith(b":id")), None)
        if rid in targets and b"name" in a:
            out[targets[rid]] = a[b"name"].decode("utf-8", "replace")
    return out


def check_workbook(path: Path, limits: Limits | None = None) -> None:
    """Refuse a workbook before any reader opens it: a zip bomb (from the zip directory, nothing unpacked), or a sheet
    whose cells reach further than the cell or column limit (its cell references are scanned, one part at a time)."""
    lim = limits or LIMITS
    name = Path(path).name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip the directory of which can be read: the reader says what is wrong with it
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > lim.max_unzipped_mb << 20:
            raise InputError(f"the workbook unpacks to {total / 2**20:,.0f} MB, over the {lim.max_unzipped_mb:,} MB this server unpacks",
                             f"{_SMALLER} If it is an ordinary workbook, {_ADMIN.format(key='max_unzipped_mb')}.", file=name)
        for i in infos:
            if i.file_size > _RATIO_FROM and i.file_size > lim.max_ratio * max(i.compress_size, 1):
                raise InputError(f"part '{i.filename}' of the workbook unpacks {i.file_size / max(i.compress_size, 1):,.0f} times larger than it is "
                                 f"packed ({i.file_size / 2**20:,.0f} MB), which is how a zip bomb is made, so it was not opened",
                                 "Open the file in Excel, save it again as .xlsx, and upload that; or save the sheet as CSV.", file=name)
        names = _sheet_names(zf)
        parts = [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
        for info in parts:
            sheet = names.get(info.filename, info.filename.rsplit("/", 1)[-1])
            try:
                rows, cols, complete = _extent_fast(zf, info)
                if not complete:
                    rows, cols = _extent_walk(zf, info)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
                raise InputError("the workbook is damaged (a sheet's packed data does not match its size or checksum)",
                                 "Open it in Excel, save it again as .xlsx, and upload that.", file=name, sheet=sheet) from None
            last = f"{_col_letters(cols)}{rows}"
            if cols > lim.max_columns:
                raise InputError(f"the sheet has cells as far right as column {_col_letters(cols)} ({cols:,} columns, cell {last}), over the "
                                 f"{lim.max_columns:,} columns this server reads",
                                 "Delete the stray cells right of the data (Ctrl+End in Excel shows the last one), save, and upload again.",
                                 file=name, sheet=sheet)
            if rows * cols > lim.max_cells:
                raise InputError(f"the sheet reaches cell {last}: {rows:,} rows × {cols:,} columns = {rows * cols:,} cells, over the "
                                 f"{lim.max_cells:,} cells this server reads from one sheet",
                                 "Delete any stray cells far from the data (Ctrl+End in Excel shows the last one) and save again, or save "
                                 f"the sheet as CSV and upload that. If the data really is that large, {_ADMIN.format(key='max_cells')}.",
                                 file=name, sheet=sheet)


_MERGE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\sref="\$?([A-Z]{1,4})\$?([0-9]{1,9}):\$?([A-Z]{1,4})\$?([0-9]{1,9})"')


def merged_ranges(path: Path, sheet: str) -> list[tuple[str, int, int, int, int]]:
    """The merged cells of one sheet as (ref, first row, last row, first column, last column), read from the sheet's
    part in the zip (openpyxl would load the whole workbook, about 30 s and 800 MB for 2 million cells)."""
    try:
        with zipfile.ZipFile(path) as zf:
            part = next((p for p, n in _sheet_names(zf).items() if n == sheet), None)
            if part is None:
                return []
            out = []
            for data in _chunks(zf, zf.getinfo(part)):
                for c1, r1, c2, r2 in _MERGE.findall(data):
                    ref = f"{c1.decode()}{int(r1)}:{c2.decode()}{int(r2)}"
                    out.append((ref, int(r1), int(r2), _col_number(c1), _col_number(c2)))
            return out
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        return []  # the reader has read the sheet already; what cannot be checked here is not refused


# ---------------------------------------------------------------- CSV

def full_header(path: Path, header: list[str], head: str, delimiter: str, data: bytes | None = None, limits: Limits | None = None) -> list[str]:
    """The header's fields, refused when wider than the column limit. `header` was read from the first `head` characters;
    a header line longer than those is read on, as far as the limit allows, before it is counted."""
    lim = limits or LIMITS
    too_wide = len(header) > lim.max_columns
    if not too_wide and not re.search(r"[\r\n]", head.lstrip()):
        cap = lim.max_columns * 512  # bytes a header within the limit could take, at 512 per name
        if data is None:
            with open(path, "rb") as fh:
                line = fh.read(cap + 1)
        else:
            line = bytes(data[: cap + 1])
        line = line[3:] if line.startswith(b"\xef\xbb\xbf") else line
        line = re.split(rb"\r\n|\r|\n", line.lstrip(), maxsplit=1)[0]
        header = next(csv.reader([line.decode("utf-8", errors="replace")], delimiter=delimiter), header)
        too_wide = len(line) > cap or len(header) > lim.max_columns
    if too_wide:
        raise InputError(f"the header row has more than {lim.max_columns:,} columns, over what this server reads",
                         "Check the delimiter and that the first row names the columns; export only the columns you need.", file=Path(path).name)
    return header


# ---------------------------------------------------------------- JSON

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


def check_json_depth(path: Path, text: str, limits: Limits | None = None) -> None:
    """Refuse JSON nested deeper than the limit, before it is parsed (strings left out; counted in chunks with numpy)."""
    lim = limits or LIMITS
    if text.count("[", 0, 1 << 16) + text.count("{", 0, 1 << 16) < lim.max_depth and len(text) <= 1 << 16:
        return  # too short to be nested that deep
    depth = peak = 0
    bare = _STRING.sub("", text)
    for i in range(0, len(bare), _CHUNK):
        b = np.frombuffer(bare[i:i + _CHUNK].encode("utf-8", "replace"), dtype=np.uint8)
        step = (b == 91).astype(np.int32) + (b == 123) - (b == 93) - (b == 125)  # [ { up, ] } down
        run = np.cumsum(step, dtype=np.int64) + depth
        if len(run):
            peak = max(peak, int(run.max()))
            depth = int(run[-1])
        if peak > lim.max_depth:
            break
    if peak > lim.max_depth:
        raise InputError(f"the JSON is nested more than {lim.max_depth} levels deep (arrays or objects inside one another), more than any "
                         "export needs", "Export the records as a flat array of objects, one per record.", file=Path(path).name)
