"""Uploads from the browser: staged privately with a size limit checked here, workbook sheets, and the checks the report adds."""
from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from model import fs
from store import settings
from model.errors import InputError
from store.versioned import Store, sha256_file

KINDS = (".csv", ".xlsx", ".json", ".geojson")
STAGE_DIR = "uploads"
KEEP_STAGED_S = 24 * 3600
NOT_ITEMISED = "rejected; the reason could not be itemised for this row: see the counts by reason on the upload page"


@dataclass
class Staged:
    """An upload saved in the store's private staging folder (never served)."""

    path: Path
    sha256: str
    size: int
    name: str


def max_bytes(root) -> int:
    """The upload limit: $BRIDGES_MAX_UPLOAD_MB, else [upload] max_mb in data/analyst.toml (default 50 MB)."""
    env = os.environ.get("BRIDGES_MAX_UPLOAD_MB")
    try:
        mb = float(env) if env else settings.section(root, "upload")["max_mb"]
    except ValueError:
        mb = settings.section(root, "upload")["max_mb"]
    return int(mb * 1024 * 1024)


def size_text(n: int) -> str:
    return f"{n / 1048576:,.1f} MB" if n >= 104858 else f"{n / 1024:,.0f} KB"


def safe_name(name: str) -> str:
    """The file's own name without any folder part, reduced to safe characters (it is shown and kept)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w .()+-]", "_", base, flags=re.UNICODE).strip(" .")
    stem, ext = os.path.splitext(base)
    return (stem[:100] or "upload") + ext[:10].lower()


def check(name: str, size: int, limit: int) -> None:
    """The checks made before a byte is kept: a type Bridges reads, not empty, not over the limit."""
    ext = os.path.splitext(safe_name(name))[1]
    if ext not in KINDS:
        what = f"a {ext} file" if ext else "a file without an extension"
        raise InputError(f"this is {what}", "Upload the export as CSV, XLSX or JSON (GeoJSON for area boundaries).", file=safe_name(name))
    if size == 0:
        raise InputError("the file is empty (0 bytes)", "Export the data again; it should have a header row and at least one record.", file=safe_name(name))
    if size > limit:
        raise InputError(f"the file is {size_text(size)}, over this server's upload limit of {size_text(limit)}", file=safe_name(name),
                         todo="Upload one quarter at a time, or ask the administrator to raise [upload] max_mb in data/analyst.toml.")


def stage(root, name: str, data: bytes) -> Staged:
    """Check an upload, then keep it at uploads/<sha256 prefix>/<name> in the store (old staged files are removed)."""
    check(name, len(data), max_bytes(root))
    base = fs.work_dir(root, STAGE_DIR)  # in the data folder; this server's own disk when the store is an object store
    prune(base)
    tmp_dir = base / f".tmp-{os.getpid()}-{time.time_ns()}"
    tmp_dir.mkdir(parents=True)
    try:
        tmp = tmp_dir / safe_name(name)
        tmp.write_bytes(data)
        sha = sha256_file(tmp)
        final_dir = base / sha[:16]
        final_dir.mkdir(exist_ok=True)
        os.replace(tmp, final_dir / tmp.name)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return Staged(final_dir / tmp.name, sha, len(data), tmp.name)


def prune(base: Path, keep_s: float = KEEP_STAGED_S) -> None:
    """Remove the folders in `base` untouched for more than `keep_s` seconds (staged uploads, previews)."""
    if not base.exists():
        return
    now = time.time()
    for d in base.iterdir():
        try:
            if now - d.stat().st_mtime > keep_s:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            continue


# Reading an upload happens in a worker process with the store's limits (store.worker): the page asks for the sheets, the
# columns' samples and values, and the rejected rows, and a hostile file can end only that worker. Each function below
# that reads a file has its worker-side part (filled_sheets, column_samples, column_values, rejected_rows_of).

def _root_of(path: Path) -> Path:
    """The data folder an upload was staged in (uploads/<sha256 prefix>/<name>), whose limits apply; else the server's."""
    path = Path(path)
    if path.parent.parent.name == STAGE_DIR:
        return path.parent.parent.parent
    from model.releases import default_data_dir

    return default_data_dir()


def _in_worker(path: Path, target: str, *args):
    from store import worker

    return worker.run(_root_of(path), target, Path(path), *args)


def sheets(path: Path) -> list[str]:
    """The sheets of a workbook that hold data (an empty list for other files); a workbook over a limit raises InputError."""
    if path.suffix.lower() != ".xlsx":
        return []
    return list(_sheets_cached(str(path), path.stat().st_mtime_ns))


@lru_cache(maxsize=16)
def _sheets_cached(path: str, mtime: int) -> tuple[str, ...]:
    return tuple(_in_worker(Path(path), "store.uploads:filled_sheets"))


def filled_sheets(path: Path) -> list[str]:
    """(In the worker.) The workbook's sheets with data, after its size checks (loaders.limits)."""
    from python_calamine import CalamineWorkbook

    from loaders.limits import check_workbook

    check_workbook(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        return [n for n in wb.sheet_names if any(any(c not in (None, "") for c in r) for r in wb.get_sheet_by_name(n).to_python(nrows=5))]
    except Exception:  # the reader says what is wrong with the workbook when the file is read
        return []


def samples(path: Path, sheet: str | None, n: int = 4) -> dict[str, list[str]]:
    """Each column of the file with a few distinct example values (for the mapping editor)."""
    path = Path(path)
    got = _samples_cached(str(path), path.stat().st_mtime_ns, sheet, n)  # a staged file never changes
    return {c: list(v) for c, v in got.items()}


@lru_cache(maxsize=8)
def _samples_cached(path: str, mtime: int, sheet: str | None, n: int) -> dict[str, list[str]]:
    return _in_worker(Path(path), "store.uploads:column_samples", sheet, n)


def column_samples(path: Path, sheet: str | None, n: int = 4) -> dict[str, list[str]]:
    """(In the worker.) See samples."""
    from loaders.textio import read_any

    raw = read_any(Path(path), sheet)
    out = {}
    head = raw.table.slice(0, 5000)
    for c in raw.columns:
        seen: list[str] = []
        for v in head.column(c).to_pylist():
            if v not in (None, "") and v not in seen:
                seen.append(v[:60])
                if len(seen) >= n:
                    break
        out[c] = seen
    return out


def distinct_values(path: Path, sheet: str | None, column: str, limit: int = 300) -> list[tuple[str, int]]:
    """The most frequent values of one column, with their counts (to pre-fill a value map)."""
    path = Path(path)
    return list(_values_cached(str(path), path.stat().st_mtime_ns, sheet, column, limit))


@lru_cache(maxsize=32)
def _values_cached(path: str, mtime: int, sheet: str | None, column: str, limit: int) -> tuple:
    return tuple(_in_worker(Path(path), "store.uploads:column_values", sheet, column, limit))


def column_values(path: Path, sheet: str | None, column: str, limit: int = 300) -> list[tuple[str, int]]:
    """(In the worker.) See distinct_values."""
    import pyarrow.compute as pc

    from loaders.textio import read_any

    raw = read_any(Path(path), sheet)
    if column not in raw.columns:
        return []
    counts = pc.value_counts(pc.utf8_trim_whitespace(raw.table.column(column)).combine_chunks()).to_pylist()
    counts = [(c["values"], int(c["counts"])) for c in counts if c["values"]]
    return sorted(counts, key=lambda vc: -vc[1])[:limit]


def _reasons(raw, res, dataset: str) -> tuple[dict[int, tuple], set[int]]:
    """Itemised reasons by row number (column, value, reason), and the rows accepted, of one mapping run (accounted as ingest does)."""
    from loaders.accounting import account

    acc = account(raw, res, dataset, itemise_all=True)
    why: dict[int, tuple] = {}
    for r in acc.examples:
        if r.get("row") is not None:
            why.setdefault(int(r["row"]), (r.get("column"), r.get("value"), r["reason"]))
    return why, acc.accepted_rows | acc.folded_rows  # a folded row (a further victim of a counted incident) is not rejected


MAX_PASSES = 50  # each pass itemises up to 1,000 more rows


def _explain(raw, spec, meta: dict, rows: list[int], why: dict) -> None:
    """Reasons of rejected rows the engine counted without itemising: map just those rows again, 1,000 more per pass.
    A row accepted on its own was rejected because of another row: an identifier seen earlier in the file."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from loaders.mapping import apply_spec
    from loaders.textio import ROW_COL, RawTable

    left = [r for r in rows if r not in why]
    for _ in range(MAX_PASSES):
        if not left:
            return
        sub = RawTable(raw.path, raw.kind, raw.table.filter(pc.is_in(raw.table[ROW_COL], value_set=pa.array(left, pa.int64()))),
                       raw.encoding, [], raw.sheet, raw.geojson)
        got, accepted = _reasons(sub, apply_spec(sub, spec, meta.get("quarter")), meta["dataset"])
        for r in left:
            if r in got:
                why[r] = got[r]
            elif r in accepted:
                key = spec.ds.key
                why[r] = (key, None, f"duplicate '{key}': an earlier row of the file has the same identifier; only the first is kept")
        still = [r for r in left if r not in why]
        if len(still) == len(left):
            return
        left = still


def rejected_rows(store: Store, draft_id: str) -> pd.DataFrame:
    """Every rejected row of a draft's upload, with its row number, reason and the row's values as they came (read in a
    worker with the store's limits)."""
    from store import worker

    return worker.run(store.root, "store.uploads:rejected_rows_of", store, draft_id, file=store.draft(draft_id).get("file"))


def rejected_rows_of(store: Store, draft_id: str) -> pd.DataFrame:
    """(In the worker.) See rejected_rows."""
    from loaders.ingest import map_file
    from loaders.mapping import Spec
    from loaders.textio import ROW_COL

    meta = store.draft(draft_id)
    spec = Spec.from_dict(meta["spec"])
    path = store.raw_path(meta["sha256"])
    _, raw, res = map_file(path, meta["dataset"], spec, meta.get("quarter"), meta.get("sheet"))
    why, accepted = _reasons(raw, res, meta["dataset"])
    table = raw.table
    rows = [int(x) for x in table.column(ROW_COL).to_pylist()]
    keep = [i for i, r in enumerate(rows) if r not in accepted]
    _explain(raw, spec, meta, [rows[i] for i in keep], why)
    body = table.take(keep).to_pandas() if keep else pd.DataFrame(columns=table.column_names)
    body = body.rename(columns={ROW_COL: "row"})
    out = pd.DataFrame({"row": body["row"].astype("int64") if len(body) else pd.Series(dtype="int64")})
    out["reason"] = [why.get(int(r), (None, None, NOT_ITEMISED))[2] for r in out["row"]]
    out["column"] = [why.get(int(r), (None, None, None))[0] for r in out["row"]]
    out = pd.concat([out.reset_index(drop=True), body.drop(columns=["row"]).reset_index(drop=True)], axis=1)
    bad = [b for b in raw.bad_rows if b.get("row") is not None]  # lines that could not be read as a record at all
    if bad:
        extra = pd.DataFrame({"row": [int(b["row"]) for b in bad], "reason": [b["reason"] for b in bad], "column": [b.get("column") for b in bad],
                              "line as it came": [b.get("value") for b in bad]})
        out = pd.concat([out, extra], ignore_index=True)
    return out.sort_values("row", kind="stable").reset_index(drop=True)


def safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV for a spreadsheet: UTF-8 with a byte-order mark, every cell that could run as a formula neutralized."""
    from gate.spreadsheet import neutralize_frame

    return neutralize_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def published_duplicates(store: Store, draft_id: str) -> dict | None:
    """A warning when draft rows carry IDs already published in quarters this upload does not replace."""
    import pyarrow.compute as pc
    import pyarrow.dataset as pads

    from model.schema import dataset as get_dataset

    meta = store.draft(draft_id)
    ds = get_dataset(meta["dataset"])
    cur = store.current()
    pub = store.dataset_at(ds.name, cur)
    if pub is None:
        return None
    rows = store.draft_rows(draft_id)
    has_q = "quarter" in rows.column_names and bool(ds.quarter_from)
    quarters = pc.unique(rows.column("quarter")).drop_null().to_pylist() if has_q else []
    if not ds.quarter_from:
        return None  # a dataset without quarters is replaced whole: nothing is counted twice
    filt = ~pads.field("quarter").isin(quarters) if quarters else None
    old = pub.to_table(columns=[ds.key, "source", "quarter"], filter=filt)
    if old.num_rows == 0:
        return None
    seen = {(s, k): q for k, s, q in zip(old.column(ds.key).to_pylist(), old.column("source").to_pylist(), old.column("quarter").to_pylist())}
    hits = [(k, seen[(s, k)]) for k, s in zip(rows.column(ds.key).to_pylist(), rows.column("source").to_pylist()) if (s, k) in seen]
    if not hits:
        return None
    return {"column": ds.key, "rows": len(hits), "examples": [{"row": None, "value": f"{k} (published in {q})"} for k, q in hits[:5]],
            "reason": "ID already published in another quarter that this upload does not replace; publishing would count the incident twice. "
                      "Check the quarter of this upload, or remove those rows from the export"}



def areas_not_in_boundaries(store: Store, draft_id: str) -> dict | None:
    """A warning when draft rows name areas the published boundary file does not have (they count only in the totals)."""
    import collections

    from model.schema import dataset as get_dataset

    meta = store.draft(draft_id)
    if meta["dataset"] == "areas" or "area" not in {f.name for f in get_dataset(meta["dataset"]).fields}:
        return None
    pub = store.dataset_at("areas", store.current())
    if pub is None:
        return None
    known = set(pub.to_table(columns=["area_id"]).column("area_id").to_pylist())
    rows = store.draft_rows(draft_id)
    if "area" not in rows.column_names:
        return None
    counts = collections.Counter(a for a in rows.column("area").to_pylist() if a is not None and a not in known)
    if not counts:
        return None
    top = counts.most_common()
    shown = [{"row": None, "value": f"{a} ({n:,} rows)"} for a, n in top[:5]]
    return {"column": "area", "rows": sum(counts.values()), "examples": shown,
            "reason": f"{len(top):,} area(s) not in the published boundaries: these rows count in the all-areas totals but on no area's "
                      f"page or map. Check the area column of the mapping, or publish a boundary file that has them"}
