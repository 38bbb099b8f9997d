"""Read any raw export (CSV, XLSX, JSON) as a table of text, with the row number of every record."""
from __future__ import annotations

import codecs
import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from model.errors import InputError

from .limits import check_json_depth, check_workbook, full_header, merged_ranges

ROW_COL = "__row__"  # spreadsheet-style row number: the header is row 1, the first record row 2
SNIFF_BYTES = 64 * 1024


@dataclass
class RawTable:
    """A raw export read as text: string columns, row numbers and the rows that could not be read."""

    path: Path
    kind: str  # csv | xlsx | json | geojson
    table: pa.Table  # all columns are strings (null = empty cell); ROW_COL holds row numbers
    encoding: str = "utf-8"
    bad_rows: list[dict] = field(default_factory=list)  # {row, column, value, reason}
    sheet: str | None = None
    geojson: dict | None = None  # for a GeoJSON file, the parsed document

    @property
    def columns(self) -> list[str]:
        return [c for c in self.table.column_names if c != ROW_COL]

    @property
    def rows_read(self) -> int:
        return self.table.num_rows + len(self.bad_rows)


def sniff_kind(path: Path, head: bytes) -> str:
    """What kind of file this is, from its first bytes (not only its name)."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path.name}: this is an old binary Excel (.xls) file. Open it in Excel or LibreOffice and save it as .xlsx or CSV, then upload again.")
    if head.startswith(b"%PDF"):
        raise InputError(f"{path.name}: this is a PDF, not a data export. Export the table from your records system as CSV, XLSX or JSON.")
    if head.startswith(b"\x89PNG") or head[:3] == b"\xff\xd8\xff" or head[:6] in (b"GIF87a", b"GIF89a"):
        raise InputError(f"{path.name}: this is an image, not a data export. Export the table from your records system as CSV, XLSX or JSON.")
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        raise InputError(f"{path.name}: this is a compressed archive. Unpack it and upload the CSV, XLSX or JSON file inside.")
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped[:1] in (b"{", b"["):
        if b'"FeatureCollection"' in head or b'"Feature"' in head:
            return "geojson"
        return "json"
    if path.suffix.lower() in (".json", ".geojson") and b"\x00" not in head[:4096]:
        return "json"  # a .json file that does not start like JSON: let the JSON reader say what is wrong
    if b"\x00" in head[:4096]:
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "csv"
        raise InputError(f"{path.name}: this is a binary file, not a table. Export the data as CSV, XLSX or JSON and upload that.")
    return "csv"


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Decode bytes to text: UTF-8 (with or without BOM) first, then UTF-16, then a detected legacy encoding."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
        try:
            return data.decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:  # an odd number of bytes, or half a character pair: cut short or damaged
            raise InputError(f"{path.name}: the file starts as UTF-16 text but its bytes end part-way through a character, so it "
                             "was cut short or damaged. Export it again (as UTF-8 if you can) and upload that.") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 2 * 1024 * 1024], cp_isolation=["mac_roman", "cp1252", "latin_1", "cp1250", "utf_16"]).best()
    if best is None:
        line = data[:bad_at].count(b"\n") + data[:bad_at].count(b"\r") - data[:bad_at].count(b"\r\n") + 1
        raise InputError(f"{path.name}: the text encoding could not be recognised (first bad byte on line {line}). Save the file as UTF-8 CSV and upload it again.")
    enc = best.encoding
    # charset-normalizer cannot tell Mac Roman from cp1252 / Latin-1 on short samples; classic Mac files
    # end lines with CR only, and otherwise the reading with more Western European letters wins.
    if b"\r" in data and b"\n" not in data[:SNIFF_BYTES]:
        enc = "mac_roman"
    elif enc in ("mac_roman", "cp1252", "latin_1", "iso8859_1", "iso8859_15"):
        enc = _western_guess(data[: 2 * 1024 * 1024], enc)
    return data.decode(enc, errors="replace"), enc


_WESTERN = set("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿŒœ\xa0€£°«»")


def _western_guess(sample: bytes, default: str) -> str:
    """cp1252 or Mac Roman, whichever turns the non-ASCII bytes into more Western European letters."""
    scores = {}
    for enc in ("cp1252", "mac_roman"):
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:  # cp1252 leaves five bytes undefined
            try:
                text, enc = sample.decode("latin_1"), "latin_1"
            except UnicodeDecodeError:
                continue
        high = [c for c in text if ord(c) > 127]
        scores[enc] = sum(1 if c in _WESTERN else -1 for c in high)
    if not scores:
        return default
    best = max(scores.values())
    return default if scores.get(default) == best else max(scores, key=scores.get)


def sniff_delimiter(path: Path, text_head: str) -> str:
    """The delimiter of a CSV, judged from its first lines."""
    lines = [ln for ln in re.split(r"\r\n|\r|\n", text_head)[:50] if ln.strip()]
    if not lines:
        raise InputError(f"{path.name}: the file is empty. Export the data again; it should have a header row and at least one record.")
    sample = "\n".join(lines[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _clean_headers(path: Path, names: list[str]) -> list[str]:
    out, seen = [], {}
    for i, n in enumerate(names):
        n = (n or "").replace("\ufeff", "").strip()
        n = re.sub(r"\s+", " ", n)
        if not n:
            n = f"column_{i + 1}"
        if n in seen:
            seen[n] += 1
            n = f"{n} ({seen[n]})"
        else:
            seen[n] = 1
        out.append(n)
    return out


def _numbered(path: Path, kind: str, table: pa.Table, bad_numbers: list[int]) -> pa.Table:
    """Add the spreadsheet row number of each record, skipping the numbers of rows that could not be read."""
    n = table.num_rows
    rows = np.arange(2, n + 2 + len(bad_numbers), dtype=np.int64)
    if bad_numbers:
        rows = rows[~np.isin(rows, np.asarray(bad_numbers, dtype=np.int64))][:n]
    return table.append_column(ROW_COL, pa.array(rows))


class _NotUtf8(Exception):
    """Raised by the fast path when bytes taken for UTF-8 are not; the caller decodes them another way."""


def _csv_layout(path: Path, data: bytes | None, strict_utf8: bool) -> tuple[str, list[str]]:
    """The delimiter and the cleaned column names of a CSV, from its first bytes (`data` None: the file itself)."""
    if data is None:
        with open(path, "rb") as fh:
            head_bytes = fh.read(SNIFF_BYTES)
    else:
        head_bytes = bytes(data[:SNIFF_BYTES])
    try:
        head = head_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        if strict_utf8 and exc.start < len(head_bytes) - 4:
            raise _NotUtf8 from None
        head = head_bytes[: exc.start].decode("utf-8") if strict_utf8 else head_bytes.decode("utf-8", errors="replace")
    delim = sniff_delimiter(path, head)
    first_line = re.split(r"\r\n|\r|\n", head.lstrip(), maxsplit=1)[0]
    header = full_header(path, next(csv.reader([first_line], delimiter=delim)), head, delim, data)  # refuses a header too wide
    names = _clean_headers(path, header)
    if len(names) < 2 and delim == ",":
        raise InputError(f"{path.name}: only one column was found. The file may use a delimiter other than comma, semicolon, tab or '|'; save it as a comma-separated CSV.")
    return delim, names


def _csv_options(names: list[str], delim: str, bad: list[dict], threads: bool, block_size: int = 16 << 20, columns: list[str] | None = None) -> dict:
    """Arrow's CSV options: every column as text (an empty cell is null), each record that does not fit the header kept in `bad`;
    with `columns`, only those are made into arrays (every field is still split, so a record's fit is checked as before)."""

    def handler(row):
        bad.append({"row": row.number, "text": row.text, "expected": row.expected_columns, "actual": row.actual_columns})
        return "skip"

    return dict(
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=threads, block_size=block_size),
        parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True, invalid_row_handler=handler),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""], quoted_strings_can_be_null=True,
                                             include_columns=columns or []),
    )


def _unreadable(path: Path, exc: pa.ArrowInvalid, strict_utf8: bool) -> Exception:
    msg = str(exc).splitlines()[0]
    if strict_utf8 and "invalid UTF8" in msg:
        return _NotUtf8()
    return InputError(f"{path.name}: the CSV could not be read ({msg}). Check that every record has the same number of fields as the header, then upload again.")


def _bad_rows(bad: list[dict]) -> list[dict]:
    """The records Arrow could not fit to the header, each with a sentence saying why."""
    bad_rows = []
    for b in bad:
        text_ = (b["text"] or "")[:200]
        lines = len(re.split(r"\r\n|\r|\n", (b["text"] or "").strip("\r\n")))
        if lines > 1 and (b["text"] or "").count('"') % 2:
            reason = f"a quote (\") opened in this record is not closed, so it runs over {lines} lines and has {b['actual']} fields instead of {b['expected']}. Close or remove the stray quote, then upload again."
        elif b["actual"] < b["expected"]:
            reason = f"the record has {b['actual']} of {b['expected']} fields; it looks cut short (a truncated line). Export the file again or fix this line."
        else:
            reason = f"the record has {b['actual']} fields but the header has {b['expected']}; an unquoted delimiter inside a value is the usual cause. Quote the value or remove the extra delimiter."
        bad_rows.append({"row": b["row"], "column": None, "value": text_, "reason": reason})
    return bad_rows


def read_csv_text(path: Path, text: str | bytes | None, encoding: str, strict_utf8: bool = False) -> RawTable:
    """Read CSV text as string columns, keeping every record and the ones that do not fit the header.

    `text` None reads the file itself through a memory map (no copy in Python). With `strict_utf8`,
    bytes that are not valid UTF-8 raise _NotUtf8 (Arrow checks every value while it reads, so valid
    files are never decoded twice)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    delim, names = _csv_layout(path, data, strict_utf8)
    buf = None if data is None else pa.py_buffer(data)  # no copy; a UTF-8 byte-order mark sits in the header line, which Arrow skips
    bad: list[dict] = []

    def read(threads: bool) -> pa.Table:
        return pacsv.read_csv(pa.memory_map(str(path)) if buf is None else pa.BufferReader(buf), **_csv_options(names, delim, bad, threads))

    try:
        table = read(True)
        if bad:  # row numbers are only known when read in one thread
            bad.clear()
            table = read(False)
    except pa.ArrowInvalid as exc:
        raise _unreadable(path, exc, strict_utf8) from None
    bad_rows = _bad_rows(bad)
    table = _numbered(path, "csv", table, [b["row"] for b in bad_rows if b["row"] is not None])
    return RawTable(path, "csv", table, encoding, bad_rows)


BATCH_ROWS = 100_000  # records mapped at a time when a file is read in batches: memory stays bounded by this, not the file


class CsvBatches:
    """A UTF-8 CSV read in batches of about `batch_rows` records, each a RawTable with its own row numbers and the
    records of its stretch that could not be read; `rows_read` counts every record so far. A small file is one batch,
    the same RawTable read_any gives. Iterating raises _NotUtf8 when bytes further on are not UTF-8 (read it whole)."""

    def __init__(self, path: Path, batch_rows: int = BATCH_ROWS, encoding: str = "utf-8"):
        self.path, self.batch_rows, self.encoding = path, max(1, int(batch_rows)), encoding
        self.delim, self.names = _csv_layout(path, None, strict_utf8=True)
        self.rows_read = 0
        self.columns: list[str] | None = None  # set before reading: only these columns are made into arrays (a quarter of the reading)

    def header(self) -> RawTable:
        """The file's header as a RawTable of no records (what detection looks at)."""
        return RawTable(self.path, "csv", pa.Table.from_arrays([pa.array([], pa.string()) for _ in self.names], names=list(self.names)), self.encoding)

    def __iter__(self):
        bad: list[dict] = []
        # one thread, so Arrow knows the number of each record it cannot read; blocks of about a batch (64 bytes a record)
        block = min(16 << 20, max(1 << 20, self.batch_rows * 64))
        try:
            # read through a file, not a memory map: pages of a mapped file stay resident, so memory would follow the file
            reader = pacsv.open_csv(pa.OSFile(str(self.path)), **_csv_options(self.names, self.delim, bad, threads=False, block_size=block, columns=self.columns))
        except pa.ArrowInvalid as exc:
            raise _unreadable(self.path, exc, True) from None
        schema = reader.schema
        pending: list[pa.RecordBatch] = []
        n_pending = 0
        self._cursor, self._given = 2, 0  # the next record's number; unreadable records already handed out
        done = yielded = False
        while not done:
            try:
                batch = reader.read_next_batch()
                pending.append(batch)
                n_pending += batch.num_rows
            except StopIteration:
                done = True
            except pa.ArrowInvalid as exc:
                raise _unreadable(self.path, exc, True) from None
            while n_pending >= self.batch_rows or (done and (n_pending or not yielded or self._given < len(bad))):
                table = pa.Table.from_batches(pending, schema=schema)
                take, rest = table.slice(0, self.batch_rows), table.slice(self.batch_rows)
                pending, n_pending = rest.to_batches(), rest.num_rows
                yield self._batch(take, bad, last=done and not n_pending)
                yielded = True

    def _batch(self, table: pa.Table, bad: list[dict], last: bool) -> RawTable:
        """One batch as a RawTable: its records' numbers skip those of the unreadable records, which come with it."""
        n = table.num_rows
        skip = np.asarray(sorted(b["row"] for b in bad[self._given:] if b["row"] is not None), dtype=np.int64)
        numbers = np.arange(self._cursor, self._cursor + n + len(skip), dtype=np.int64)
        if len(skip):
            numbers = numbers[~np.isin(numbers, skip)]
        numbers = numbers[:n]
        if n:
            self._cursor = int(numbers[-1]) + 1
        mine = [b for b in bad[self._given:] if last or (b["row"] is not None and b["row"] < self._cursor)]
        self._given += len(mine)
        bad_rows = _bad_rows(mine)
        self.rows_read += n + len(bad_rows)
        return RawTable(self.path, "csv", table.append_column(ROW_COL, pa.array(numbers)), self.encoding, bad_rows)


def csv_batches(path: str | Path, batch_rows: int = BATCH_ROWS) -> CsvBatches | None:
    """The file as CsvBatches when it is a CSV that starts as UTF-8 (most exports), else None (read it whole with read_any)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return None
    if not head or head.isspace() or sniff_kind(path, head) != "csv" or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        return CsvBatches(path, batch_rows, "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8")
    except _NotUtf8:
        return None


def _cell_text(v) -> str | None:
    import datetime as dt

    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v)
    s = str(v)
    return s if s.strip() else None


def _column_text(cells: list) -> list[str | None]:
    """A sheet column as text. The reader gives a date-time cell at exactly midnight as a date: in a column of date-times
    it is written as one too ('2026-04-20T00:00:00'), so one format reads the whole column."""
    import datetime as dt

    if any(isinstance(v, dt.datetime) for v in cells):
        cells = [dt.datetime.combine(v, dt.time()) if isinstance(v, dt.date) and not isinstance(v, dt.datetime) else v for v in cells]
    return [_cell_text(v) for v in cells]


def _merged_header_check(path: Path, sheet: str, header_row: int) -> None:
    """An .xlsx whose header row has merged cells cannot be mapped column by column: say so."""
    for ref, first_row, last_row, first_col, last_col in merged_ranges(path, sheet):
        if first_row <= header_row <= last_row and last_col > first_col:
            raise InputError(f"{path.name}, sheet '{sheet}': the header row has merged cells ({ref}). Unmerge them so each column has its own header, then upload again.")


def read_xlsx(path: Path, sheet: str | None = None) -> RawTable:
    """Read one sheet of an .xlsx workbook as text, asking which sheet when there are several."""
    from python_calamine import CalamineWorkbook

    check_workbook(path)  # a zip bomb or a sheet reaching too far is refused before the reader lays it out
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        detail = " ".join(str(exc).split())[:200]
        raise InputError(f"{path.name}: the workbook could not be opened ({detail}). Open it in Excel and save it again as .xlsx.") from None
    names = wb.sheet_names
    if sheet is None:
        filled = [n for n in names if any(any(c not in (None, "") for c in r) for r in wb.get_sheet_by_name(n).to_python(nrows=5))]
        if len(filled) > 1:
            raise InputError(f"the workbook has {len(filled)} sheets with data ({', '.join(repr(n) for n in filled)})", file=path.name,
                             cli="Choose one with --sheet NAME.", browser="Choose the sheet above.")
        if not filled:
            raise InputError(f"{path.name}: every sheet of the workbook is empty. Export the data again.")
        sheet = filled[0]
    elif sheet not in names:
        raise InputError(f"there is no sheet '{sheet}' (the sheets are: {', '.join(repr(n) for n in names)})", file=path.name,
                         cli="Choose one with --sheet NAME.", browser="Choose the sheet above.")
    rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    # the header is the first row with at least two filled cells
    start = next((i for i, r in enumerate(rows) if sum(c not in (None, "") for c in r) >= 2), None)
    if start is None:
        raise InputError(f"{path.name}, sheet '{sheet}': no header row was found. The first row should name the columns.")
    _merged_header_check(path, sheet, start + 1)
    header = _clean_headers(path, [_cell_text(c) or "" for c in rows[start]])
    width = len(header)
    body = rows[start + 1:]
    numbers = [start + 2 + i for i, r in enumerate(body) if any(c not in (None, "") for c in r)]
    body = [r for r in body if any(c not in (None, "") for c in r)]
    cols = {h: _column_text([r[j] if j < len(r) else None for r in body]) for j, h in enumerate(header)}
    table = pa.table({**{h: pa.array(v, pa.string()) for h, v in cols.items()}, ROW_COL: pa.array(numbers, pa.int64())})
    del width
    return RawTable(path, "xlsx", table, "xlsx", [], sheet=sheet)


def _flatten(rec: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in rec.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, list):
            out[key] = json.dumps(v, ensure_ascii=False)
        else:
            out[key] = v
    return out


def read_json_text(path: Path, text: str, encoding: str) -> RawTable:
    """Read a JSON export: an array of records, or an object holding one (nested objects become dotted columns)."""
    check_json_depth(path, text)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name}: the JSON is not valid (line {exc.lineno}, column {exc.colno}: {exc.msg}). Export it again or fix that spot.") from None
    records = doc
    if isinstance(doc, dict):
        lists = [(k, v) for k, v in doc.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v[:50])]
        if not lists:
            raise InputError(f"{path.name}: the JSON holds no list of records. Bridges reads an array of objects, or an object with one such array.")
        records = max(lists, key=lambda kv: len(kv[1]))[1]
    if not isinstance(records, list) or not records:
        raise InputError(f"{path.name}: the JSON holds no records. Bridges reads an array of objects (one per record), or an object with one such array; export the data again in that form.")
    if not any(isinstance(r, dict) for r in records):
        raise InputError(f"{path.name}: the JSON array holds no objects with named fields (the first item is {str(records[0])[:40]!r}). Export the data as an array of records, one object per record.")
    flat, numbers, bad = [], [], []
    for i, r in enumerate(records):
        if isinstance(r, dict):
            flat.append(_flatten(r))
            numbers.append(i + 2)
        else:
            bad.append({"row": i + 2, "column": None, "value": str(r)[:200], "reason": "this record is not an object with named fields; it was skipped."})
    keys: dict[str, None] = {}
    for r in flat:
        for k in r:
            keys.setdefault(k)
    names = _clean_headers(path, list(keys))
    cols = {n: pa.array([_cell_text(r.get(k)) for r in flat], pa.string()) for n, k in zip(names, keys)}
    table = pa.table({**cols, ROW_COL: pa.array(numbers, pa.int64())})
    return RawTable(path, "json", table, encoding, bad)


def read_any(path: str | Path, sheet: str | None = None) -> RawTable:
    """Read a raw export of any supported kind, or raise InputError with a sentence saying what to do."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file. Check the folder and the file name.")
    if path.is_dir():
        raise InputError(f"{path}: this is a folder; give the path of one export file.")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"{path.name}: the file could not be read ({exc.strerror or exc}). Check that it is readable and upload it again.") from None
    if not head or (size <= len(head) and head.isspace()):
        raise InputError(f"{path.name}: the file is empty. Export the data again; it should have a header row and at least one record.")
    kind = sniff_kind(path, head)
    if kind == "xlsx":
        return read_xlsx(path, sheet)
    if kind == "csv" and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:  # most exports are UTF-8: Arrow reads the file as it is, and it is decoded only when it is not UTF-8
            return read_csv_text(path, None, "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8", strict_utf8=True)
        except _NotUtf8:
            pass
    data = path.read_bytes()
    text, enc = decode(path, data)
    if kind == "geojson":
        check_json_depth(path, text)
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path.name}: the GeoJSON is not valid (line {exc.lineno}: {exc.msg}).") from None
        feats = doc.get("features") if isinstance(doc, dict) else None
        if not feats:
            raise InputError(f"{path.name}: the GeoJSON has no features.")
        odd = 0 if not isinstance(feats, list) else next(
            (i + 1 for i, f in enumerate(feats) if not isinstance(f, dict) or not isinstance(f.get("properties") or {}, dict)), None)
        if odd is not None:
            raise InputError(f"{path.name}: " + (f"feature {odd:,} of the GeoJSON is not a Feature whose properties are named values"
                                                 if odd else "the GeoJSON's features are not a list of Features")
                             + ". Export the boundaries again as a GeoJSON FeatureCollection.")
        props = [_flatten(f.get("properties") or {}) for f in feats]
        keys = list(dict.fromkeys(k for p in props for k in p))
        cols = {k: pa.array([_cell_text(p.get(k)) for p in props], pa.string()) for k in keys}
        cols["geometry"] = pa.array([json.dumps(f.get("geometry"), separators=(",", ":")) if f.get("geometry") else None for f in feats], pa.string())
        cols[ROW_COL] = pa.array(range(2, len(feats) + 2), pa.int64())
        return RawTable(path, "geojson", pa.table(cols), enc, [], geojson=None)
    if kind == "json":
        return read_json_text(path, text, enc)
    return read_csv_text(path, text, enc)
