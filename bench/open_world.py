"""Open-world benchmark: every real incident export, its headers renamed so no built-in source recognises it, imported with
the profile `inspect` drafts, untouched; prints rows read = accepted + folded + rejected and the share handled per file.

The corpus is built here, in a temporary folder, from ../shared/realdata (nothing is committed): headers renamed the way
real exports write them (run together and lower case: `occurrencedate`), and, for the tests, drifted copies (other date
formats, every field quoted, columns reordered, headers renamed) and one-row-per-victim layouts.

    python bench/open_world.py [--style squashed|vendor] [--only NAME] [--markdown]
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
REALDATA = Path(os.environ.get("BRIDGES_REALDATA", ROOT.parent / "shared" / "realdata"))

UK = "uk-police-street-crime/{}-street.csv"
# Every real incident export of ../shared/realdata (the golden tests' files, and Louisville's NIBRS sample).
EXPORTS = [
    ("sf", "sf-sfpd-incident-reports/Police_Department_Incident_Reports__2018_to_Present.csv"),
    ("seattle", "seattle-spd-crime-data/SPD_Crime_Data__2008-Present.csv"),
    ("seattle_legacy", "seattle-spd-legacy-incidents-json/7ais-f98f.json"),
    ("vancouver", "vancouver-vpd-crimedata/crimedata_csv_AllNeighbourhoods_2025.csv"),
    ("toronto_shootings", "toronto-tps-shootings/raw_data.csv"),
    ("nypd_2019", "nyc-nypd-shooting-incidents/original-2019/NYPD_Shooting_Incident_Data__Historic_.csv"),
    ("nypd_2022", "nyc-nypd-shooting-incidents/excel-resaved-2022/NYPD_Shooting_Incident_Data__Historic_.csv"),
    *[(f"police_uk_{m}", UK.format(f"{m}-city-of-london")) for m in (f"2019-{i:02d}" for i in range(1, 13))],
    ("police_uk_merseyside", UK.format("2021-07-merseyside")),
    ("camden", "london-camden-on-street-crime/Police_API_Sample_July_2019.csv"),
    ("chicago_2024", "chicago-cpd-crimes/sample-2024/Crimes_-_2001_to_Present.csv"),
    ("chicago_2023", "chicago-cpd-crimes/sample-2023-truncated/Crimes_-_2001_to_Present.csv"),
    ("louisville", "louisville-lmpd-crime/sample.csv"),
]


# ------------------------------------------------------------------------------------------------
# renaming headers


def squashed(h: str) -> str:
    """Run together and lower case, as many records systems write them: 'Date Occurred' -> 'dateoccurred'."""
    return re.sub(r"[^0-9a-z]+", "", h.casefold()) or "column"


def vendor(h: str) -> str:
    """Another vendor's prefix and snake case: 'Date Occurred' -> 'rms_date_occurred'."""
    return "rms_" + (re.sub(r"[^0-9a-z]+", "_", h.casefold()).strip("_") or "column")


STYLES = {"squashed": squashed, "vendor": vendor}


def _split_header(data: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """(byte-order mark, header line, its line ending, the rest) of CSV bytes, the rest left exactly as it came."""
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    body = data[len(bom):]
    m = re.search(rb"\r\n|\r|\n", body)
    if not m:
        return bom, body, b"", b""
    return bom, body[: m.start()], m.group(), body[m.end():]


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in ",;\t|"}
    return max(counts, key=counts.get)


def rename_headers(src: Path, dst: Path, rename=squashed) -> Path:
    """A copy of an export with every header renamed; the records (bytes, quirks, encoding) are kept as they came."""
    data = src.read_bytes()
    if src.suffix.lower() == ".json":
        doc = json.loads(data.decode("utf-8-sig"))

        def walk(o):
            if isinstance(o, dict):
                return {rename(k): walk(v) for k, v in o.items()}
            if isinstance(o, list):
                return [walk(x) for x in o]
            return o

        dst.write_text(json.dumps(walk(doc)), encoding="utf-8")
        return dst
    bom, header, eol, rest = _split_header(data)
    text = header.decode("latin-1")  # ASCII-compatible and byte-exact for any header
    delim = _delimiter(text)
    names = next(csv.reader([text], delimiter=delim))
    out = io.StringIO()
    csv.writer(out, delimiter=delim, lineterminator="").writerow([rename(n.replace("\ufeff", "").strip()) for n in names])
    dst.write_bytes(bom + out.getvalue().encode("latin-1") + eol + rest)
    return dst


# ------------------------------------------------------------------------------------------------
# drift: the same publisher's next file, written differently


def read_rows(path: Path) -> tuple[list[str], list[list[str]], str]:
    """Header, records and line ending of a CSV (decoded as the loaders do)."""
    from loaders.textio import decode

    text, _ = decode(path, path.read_bytes())
    eol = "\r\n" if "\r\n" in text[:10000] else "\n"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], [r for r in rows[1:] if r], eol


def write_rows(path: Path, header: list[str], rows: list[list[str]], *, quote_all: bool = False, eol: str = "\n",
               delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator=eol, delimiter=delimiter)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def reformat_dates(rows: list[list[str]], col: int, to) -> list[list[str]]:
    """Each record with the value of column `col` rewritten by `to(value)` (a date reformatter)."""
    return [[to(v) if i == col else v for i, v in enumerate(r)] for r in rows]


def per_victim(header: list[str], rows: list[list[str]], every: int = 3, seed: int = 7) -> tuple[list[str], list[list[str]]]:
    """A one-row-per-victim layout: victim columns added, and every `every`-th incident given a second (and third) victim
    row that repeats the incident's fields: the incident number repeats, the victim fields differ."""
    import random

    rnd = random.Random(seed)
    out_header = header + ["Victim Number", "Victim Age", "Victim Sex"]
    out = []
    for i, r in enumerate(rows):
        extra = 1 + (i % every == 0) + (i % (every * 4) == 0)
        for k in range(extra):
            out.append(r + [str(k + 1), str(rnd.randint(16, 80)), rnd.choice("MF")])
    return out_header, out


def placed(tmp: Path, name: str, rel: str) -> Path:
    """Where a copy of an export goes: the publisher's own file name, in a folder named for the dataset as it was
    downloaded (realdata's folder, e.g. toronto-tps-shootings/raw_data.csv). Either name may say what the file holds,
    or not; nothing else of the bench's own naming reaches inspect."""
    return tmp / name / rel.split("/")[0] / Path(rel).name


# ------------------------------------------------------------------------------------------------
# one import, as an analyst would do it: inspect, keep the draft as it is, ingest with it


def import_untouched(path: Path) -> dict:
    """Inspect a file no built-in source knows, ingest it with the drafted profile untouched, and account for every row."""
    from loaders.accounting import account
    from loaders.detect import detect
    from loaders.ingest import map_file
    from loaders.mapping import Spec
    from loaders.suggest import inspect_file
    from loaders.textio import read_any
    from model.errors import InputError

    assert detect(read_any(path)) is None, f"{path.name}: a built-in source still recognises the renamed headers"
    try:
        found = inspect_file(path, dataset="incidents")
        spec = Spec.from_dict(tomllib.loads(found["toml"]))
        _, raw, res = map_file(path, "incidents", spec)
        acc = account(raw, res, "incidents")
    except InputError as exc:
        return {"error": exc.happened()}
    folded = getattr(acc, "rows_folded", 0)
    out = {"rows": acc.rows_read, "accepted": acc.rows_accepted, "folded": folded, "rejected": acc.rows_rejected,
           "share": (acc.rows_accepted + folded) / acc.rows_read if acc.rows_read else 0.0, "reasons": acc.reasons,
           "todo": sum(len(x["todo"]) + x["not_listed"] for x in found.get("crosswalks", {}).values()), "spec": spec.raw}
    assert out["rows"] == out["accepted"] + out["folded"] + out["rejected"]
    return out


def table(results: list[tuple[str, dict]], markdown: bool = False) -> str:
    head = ["file", "rows", "accepted", "folded", "rejected", "share", "left to assign", "main reason rejected"]
    lines = []
    for name, r in results:
        if "error" in r:
            lines.append([name, "", "", "", "", "0 %", "", f"could not be imported: {r['error'][:90]}"])
            continue
        top = next(iter(r["reasons"].items()), None)
        lines.append([name, f"{r['rows']:,}", f"{r['accepted']:,}", f"{r['folded']:,}", f"{r['rejected']:,}", f"{100 * r['share']:.1f} %",
                      f"{r['todo']:,}", f"{top[1]:,} × {top[0][:90]}" if top else ""])
    if markdown:
        rows = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        rows += ["| " + " | ".join(x.replace("|", "\\|") for x in line) + " |" for line in lines]
        return "\n".join(rows)
    widths = [max(len(head[i]), *(len(x[i]) for x in lines)) for i in range(len(head) - 1)]
    fmt = lambda xs: "  ".join(x.rjust(w) if 0 < i < len(widths) else x.ljust(w) for i, (x, w) in enumerate(zip(xs, widths))) + "  " + xs[-1]
    return "\n".join([fmt(head), *map(fmt, lines)])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--style", choices=list(STYLES), default="squashed", help="how the headers are renamed")
    ap.add_argument("--only", help="run the files whose name contains this")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args(argv)
    if not REALDATA.exists():
        print(f"{REALDATA} is missing: the benchmark reads the real exports there.", file=sys.stderr)
        return 2
    results = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bridges-open-world-") as tmp:
        for name, rel in EXPORTS:
            if args.only and args.only not in name:
                continue
            src = REALDATA / rel
            dst = placed(Path(tmp), name, rel)
            dst.parent.mkdir(parents=True)
            rename_headers(src, dst, STYLES[args.style])
            results.append((name, import_untouched(dst)))
    print(table(results, args.markdown))
    ok = [r for _, r in results if "error" not in r]
    rows = sum(r["rows"] for r in ok)
    handled = sum(r["accepted"] + r["folded"] for r in ok)
    print(f"\n{len(results)} files, {rows:,} rows, {handled:,} handled ({100 * handled / max(rows, 1):.1f} %), "
          f"{sum(r['share'] >= 0.98 for r in ok)} of {len(results)} files at 98 % or more; {time.perf_counter() - t0:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
