"""The versioned store: raw files by sha256, drafts, Delta Lake tables and release manifests."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, PostCommitHookProperties, write_deltalake
from filelock import FileLock, Timeout

from model import fs
from .drafts import BATCHED, SIDE_BY_SIDE_ROWS, DraftRows, Kept, Rows, add_file, as_is, delta_writer_properties, dictionary_columns, write_chunks
from model.errors import InputError, Say
from model.releases import Published, default_data_dir  # noqa: F401 (default_data_dir: callers import it from here)
from model.schema import DATASETS, dataset as get_dataset

if TYPE_CHECKING:  # pandas is not needed to publish or read releases, and costs half a second to import
    import pandas as pd

LOCK_TIMEOUT = 60.0
# Every release must stay readable: Delta's default deletes commit logs older than 30 days when it writes a
# checkpoint, after which time travel to those versions (and so to old releases) fails. Keep them all.
TABLE_CONFIG = {
    "delta.enableExpiredLogCleanup": "false",
    "delta.logRetentionDuration": "interval 36500 days",
    "delta.deletedFileRetentionDuration": "interval 36500 days",
}
KEEP_LOGS = PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)


class StoreBusy(Exception):
    """Another publish holds the store; the caller should try again in a moment."""


PRIVATE_UMASK = 0o077  # nothing in a data folder is readable by other local users: folders 0700, files 0600
_shared_umask: int | None = None  # the umask the process had before a store was opened


def private_files() -> None:
    """Make this process create owner-only files and folders from now on (the store's own files, Delta tables and Parquet
    written by Rust and Arrow, logs). Called when a store is opened; the umask the process had is kept for shared_files."""
    global _shared_umask
    before = os.umask(PRIVATE_UMASK)
    if _shared_umask is None:
        _shared_umask = before


class shared_files:
    """`with shared_files():` files written meanwhile get the modes the process had before a store was opened (a static
    site or an export that a web server or other users read). Single-threaded callers only: the umask is per process."""

    def __enter__(self):
        self._was = os.umask(PRIVATE_UMASK)
        os.umask(self._was if _shared_umask is None else _shared_umask)
        return self

    def __exit__(self, *exc):
        os.umask(self._was)
        return False


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


COUNTED = ("incidents",)  # tables whose rows may count incidents or offences (a profile's count = "offences")
COUNT_DEFAULT = "incidents"


def _count_unit(draft: dict) -> str:
    """What one row of a draft counts: "offences" when its profile said count = "offences" (one row per offence, as
    NIBRS counts them), else "incidents" (each incident once)."""
    unit = (draft.get("report") or {}).get("counts") or (draft.get("spec") or {}).get("count") or COUNT_DEFAULT
    return unit if unit in ("incidents", "offences") else COUNT_DEFAULT


def write_json_atomic(path: Path, doc: dict, exclusive: bool = False) -> None:
    """Write JSON so that readers see the old file or the new one, never half; `exclusive` never replaces. The file is
    owner-only (0600, as mkstemp makes it). On an object store: one put, create-only (If-None-Match) when `exclusive`."""
    if isinstance(path, fs.ObjectPath):
        body = json.dumps(doc, indent=1, ensure_ascii=False, default=str).encode("utf-8")
        if exclusive:
            if not fs.create_once(path, body):
                raise FileExistsError(str(path))
        else:
            path.write_bytes(body)
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, ensure_ascii=False, default=str)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            os.link(tmp, path)  # fails if the file exists: no release is ever overwritten
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
        fs.fsync_dir(path.parent)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with (path.open("rb") if isinstance(path, fs.ObjectPath) else open(path, "rb")) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_COPY_BLOCK = 8 << 20  # bytes a read: one buffer, reused (a new buffer a read is fresh memory the kernel must zero)
_DIRECT_ALIGN = 4096  # O_DIRECT writes whole blocks from an aligned buffer


def _hash_and_copy(src: Path, dst: Path) -> str:
    """Copy src over dst (an existing file) and return its sha256, in one pass through one buffer. The copy is written
    with O_DIRECT where the file system allows it: it goes to disk without passing through the page cache (the fsync
    wrote it to disk anyway), which halved an ingest's kernel time at 3M rows (an upload is hundreds of MB copied once
    and rarely read again)."""
    import mmap

    h = hashlib.sha256()
    buf = mmap.mmap(-1, _COPY_BLOCK)  # page-aligned, as O_DIRECT needs
    view = memoryview(buf)
    try:
        try:
            fd = os.open(dst, os.O_WRONLY | os.O_TRUNC | os.O_DIRECT)
            direct = True
        except (AttributeError, OSError):  # no O_DIRECT here (another OS, tmpfs): through the page cache
            fd, direct = os.open(dst, os.O_WRONLY | os.O_TRUNC), False
        try:
            size = 0
            with open(src, "rb", buffering=0) as fh:
                while True:
                    n = 0
                    while n < _COPY_BLOCK and (got := fh.readinto(view[n:])):  # a whole buffer, or what is left
                        n += got
                    if not n:
                        break
                    h.update(view[:n])
                    out = n
                    if direct and n % _DIRECT_ALIGN:  # the last piece: written as whole blocks, the file cut back after
                        out = n + (-n % _DIRECT_ALIGN)
                        view[n:out] = bytes(out - n)
                    written = 0
                    while written < out:
                        written += os.write(fd, view[written:out])
                    size += n
                    if n < _COPY_BLOCK:
                        break
            if direct:
                os.ftruncate(fd, size)
            os.fsync(fd)
        finally:
            os.close(fd)
    finally:
        view.release()
        buf.close()
    return h.hexdigest()


class RawCopy:
    """One pass over an upload: hash it and copy it to a temporary file in raw/, off the main thread
    (hashlib and file I/O release the GIL), then publish it read-only under its sha256."""

    def __init__(self, store: "Store", path: Path):
        self.store, self.path = store, path
        self._out: tuple[str, str] | None = None
        self._err: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bridges-raw-copy", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tmp = None
        try:
            # on an object store the copy is made on this server's disk first, then put under its sha256
            where = fs.work_dir(self.store.root, "raw") if self.store.remote else self.store.raw_dir
            where.mkdir(mode=0o700, parents=True, exist_ok=True)
            # named by the process, so what a stopped upload worker leaves is found and removed (store.worker)
            fd, tmp = tempfile.mkstemp(prefix=f".tmp-{os.getpid()}-", dir=where)
            os.close(fd)
            self._out = (_hash_and_copy(self.path, Path(tmp)), tmp)
        except BaseException as exc:  # handed to the caller by result()
            self._err = exc
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)

    def result(self) -> tuple[str, Path]:
        self._thread.join()
        if self._err is not None:
            raise self._err
        sha, tmp = self._out
        ext = "".join(s for s in self.path.suffixes[-1:]).lower()[:10] or ".bin"
        dest = self.store.raw_dir / f"{sha}{ext}"
        try:
            if self.store.remote:
                if not dest.is_file():  # the same bytes under the same name: a second put changes nothing
                    fs.upload_file(Path(tmp), dest)
            elif not dest.exists():
                os.chmod(tmp, 0o400)  # read-only, and only for the store's owner
                try:
                    os.link(tmp, dest)  # never replaces: the first copy of these bytes stays as it is
                except FileExistsError:
                    pass
                fs.fsync_dir(self.store.raw_dir)
        finally:
            os.unlink(tmp)
        return sha, dest

    def discard(self) -> None:
        self._thread.join()
        if self._out and os.path.exists(self._out[1]):
            os.unlink(self._out[1])


class Store(Published):
    """One data directory: raw/, drafts/, tables/, releases/ (the published side read as model.releases.Published)."""

    def __init__(self, root: str | Path):
        super().__init__(root)
        private_files()
        try:
            if not self.remote and self.root.is_dir() and not self.root.is_symlink():
                os.chmod(self.root, 0o700)  # a folder made before the store was private: nobody else gets in
        except OSError:  # not ours to change (a read-only copy): its own modes stand
            pass

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    @property
    def remote(self) -> bool:
        """True when the store is on an object store shared by several servers (s3://bucket/prefix)."""
        return isinstance(self.root, fs.ObjectPath)

    def __eq__(self, other) -> bool:
        return isinstance(other, Store) and other.root == self.root

    __hash__ = None

    # ---------- layout
    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def drafts_dir(self) -> Path:
        return self.root / "drafts"

    @property
    def tables_dir(self) -> Path:
        return self.root / "tables"


    def table_path(self, name: str) -> Path:
        return self.tables_dir / name

    def lock(self) -> FileLock | fs.Lease:
        """One publisher at a time: a file lock in the folder, or on an object store a lease every server respects."""
        return fs.lock(self.root / "store.lock")

    # ---------- raw files
    def keep_raw(self, path: Path) -> tuple[str, Path]:
        """Copy an upload into raw/ named by its sha256, read-only; the same bytes are stored once."""
        return self.keep_raw_async(path).result()

    def keep_raw_async(self, path: Path) -> "RawCopy":
        """Start copying an upload into raw/ (hashing it on the way) in a background thread; call
        .result() to keep it under its sha256, or .discard() when the upload was refused."""
        return RawCopy(self, Path(path))

    def raw_path(self, sha: str) -> Path:
        """The raw file stored under this sha256, as a local file (from an object store, a copy kept on this server's
        disk: raw files never change, so the copy never goes stale)."""
        found = list(self.raw_dir.glob(f"{sha}*"))
        if not found:
            raise InputError(f"raw file {sha[:12]}… is missing from {self.raw_dir}; the store cannot be rebuilt without it.")
        if not self.remote:
            return found[0]
        local = fs.work_dir(self.root, "raw-cache") / found[0].name
        if not local.exists():
            local.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fs.write_atomic(local, found[0].read_bytes())
        return local

    # ---------- drafts
    def new_draft(self, dataset: str, sha: str, frame: pd.DataFrame, meta: dict) -> str:
        """Stage canonical rows as a draft (never public) and return its id."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        draft_id = f"{dataset}-{stamp}-{sha[:8]}"
        d = self.drafts_dir / draft_id
        n = 1
        while d.exists():
            n += 1
            d = self.drafts_dir / f"{draft_id}-{n}"
        draft_id = d.name
        table = frame if isinstance(frame, pa.Table) else to_arrow(frame, dataset)
        doc = {**meta, "draft": draft_id, "uid": uuid.uuid4().hex, "dataset": dataset, "created_at": _now(), "rows": table.num_rows}
        if self.remote:  # the rows first, draft.json last: a draft is listed only once its draft.json is there
            fs.write_parquet(table, d / "rows.parquet", write_statistics=False)
            write_json_atomic(d / "draft.json", doc)
            return draft_id
        tmp = self.drafts_dir / f".tmp-{os.getpid()}-{draft_id}"  # named by the process: see RawCopy
        self.drafts_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp.mkdir(mode=0o700)
        pq.write_table(table, tmp / "rows.parquet", write_statistics=False)  # read whole, once, by publish
        write_json_atomic(tmp / "draft.json", doc)
        os.rename(tmp, d)
        return draft_id

    def draft_writer(self, dataset: str):
        """Stage a draft's rows batch by batch (store.drafts.DraftWriter): commit() makes them a draft, discard() leaves none."""
        from .drafts import DraftWriter

        return DraftWriter(self, dataset)

    def draft(self, draft_id: str) -> dict:
        p = self.drafts_dir / draft_id / "draft.json"
        if not p.exists():
            have = ", ".join(self.list_drafts()) or "none"
            raise InputError(f"there is no draft '{draft_id}'. Drafts waiting: {have}.")
        return json.loads(p.read_text(encoding="utf-8"))

    def draft_rows(self, draft_id: str) -> pa.Table:
        return fs.read_parquet(self.drafts_dir / draft_id / "rows.parquet")

    def redact_draft(self, draft_id: str, edits: list[dict] | None = None, redact_all: bool = False) -> list[dict]:
        """Fix public text in a draft: replace given cells ({index, column, text}) and/or blank every
        scanned hit with [redacted]; rescan and return the hits that remain."""
        from gate.public import scan_frame

        meta = self.draft(draft_id)
        table = self.draft_rows(draft_id)
        frame = table.to_pandas()
        for e in edits or []:
            if e["column"] not in frame.columns:
                raise InputError(f"draft '{draft_id}' has no column '{e['column']}'.")
            frame.at[int(e["index"]), e["column"]] = e["text"]
        if redact_all:
            for h in scan_frame(frame, meta["dataset"]):
                cur = frame.at[h["index"], h["column"]]
                frame.at[h["index"], h["column"]] = str(cur).replace(h["match"], "[redacted]")
            # a hit the replacement could not isolate is blanked whole
            for h in scan_frame(frame, meta["dataset"]):
                frame.at[h["index"], h["column"]] = "[redacted]"
        hits = scan_frame(frame, meta["dataset"])
        d = self.drafts_dir / draft_id
        if self.remote:  # one put replaces the object whole
            fs.write_parquet(to_arrow(frame, meta["dataset"]), d / "rows.parquet")
        else:
            tmp = d / "rows.parquet.tmp"
            pq.write_table(to_arrow(frame, meta["dataset"]), tmp)
            os.replace(tmp, d / "rows.parquet")
        rows_by_index = {h["index"]: h["row"] for h in meta.get("privacy_hits", [])}
        for h in hits:
            h["row"] = rows_by_index.get(h["index"], h["row"])
        meta["privacy_hits"] = hits
        meta.setdefault("redactions", []).append({"at": _now(), "edits": len(edits or []), "all": redact_all})
        write_json_atomic(d / "draft.json", meta)
        return hits

    def list_drafts(self) -> list[str]:
        if self.remote:
            return sorted({p.parent.name for p in self.drafts_dir.walk_files() if p.name == "draft.json" and not p.parent.name.startswith(".")})
        if not self.drafts_dir.exists():
            return []
        return sorted(p.name for p in self.drafts_dir.iterdir() if p.is_dir() and not p.name.startswith("."))

    def delete_draft(self, draft_id: str) -> None:
        self.draft(draft_id)
        self._remove_draft_dir(draft_id)

    def _remove_draft_dir(self, draft_id: str) -> None:
        """Rename first (atomic), then delete: a crash never leaves half a draft behind in the list."""
        src = self.drafts_dir / draft_id
        if self.remote:  # draft.json first: from then on the draft is no longer listed, whatever stops the rest
            (src / "draft.json").unlink(missing_ok=True)
            fs.remove_tree(src)
            return
        if not src.exists():
            return
        trash = self.drafts_dir / f".trash-{draft_id}-{os.getpid()}"
        os.rename(src, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def _published_in(self, draft_id: str) -> int | None:
        """The release that already published this draft (a crash can stop a publish between writing the
        release and removing its drafts), or None. Drafts are told apart by a unique id, not by name:
        a name can come back when the same file is ingested again within the same second."""
        p = self.drafts_dir / draft_id / "draft.json"
        uid = json.loads(p.read_text(encoding="utf-8")).get("uid") if p.exists() else None
        if not uid:
            return None
        for r in reversed(self.releases()):
            if any(o.get("uid") == uid for o in r.get("ops", [])):
                return r["version"]
        return None

    # ---------- releases

    def dataset_at(self, name: str, release: dict | None) -> pa.dataset.Dataset | None:
        """The Arrow dataset of one table as of a release (None when the release has no such table)."""
        if release is None or release["tables"].get(name) is None:
            return None
        return self._delta(name, version=release["tables"][name]).to_pyarrow_dataset()

    def _delta(self, name: str, **kwargs) -> DeltaTable:
        """One Delta table of the store (on an object store, with the endpoint and conditional-put commits)."""
        path = self.table_path(name)
        return DeltaTable(str(path), storage_options=fs.storage_options(path), **kwargs)

    def _pinned_table(self, name: str, pinned: int | None) -> DeltaTable | None:
        """The Delta table brought back to the pinned version (undoing commits a crashed publish left behind)."""
        path = self.table_path(name)
        if not DeltaTable.is_deltatable(str(path), storage_options=fs.storage_options(path)):
            return None
        t = self._delta(name)
        if pinned is not None and t.version() != pinned:
            t.restore(pinned, commit_properties=CommitProperties(custom_metadata={"bridges": "restore to last release before writing"}), post_commithook_properties=KEEP_LOGS)
            t = self._delta(name)
        return t

    def publish(self, draft_ids: list[str], by: str, note: str, kind: str = "publish", wait: float = LOCK_TIMEOUT, _hook=None) -> dict:
        """Make drafts a new release, atomically: the store is at the old release or the new one, never between."""
        if not by or not note:
            raise InputError("nothing was published: it needs who publishes and why, for the release history",
                             cli=Say(what="say who publishes (--by) and why (--note); both go in the release history", todo=""),
                             browser="Write a note saying why, then publish again.")
        try:
            with self.lock().acquire(timeout=wait):
                return self._publish_locked(draft_ids, by, note, kind, _hook)
        except Timeout:
            raise StoreBusy("another publish is in progress; try again in a minute.") from None

    def _publish_locked(self, draft_ids, by, note, kind, _hook) -> dict:
        from gate.batches import arrow_pool

        arrow_pool()  # the batches of a long draft reuse their memory
        cur = self.current()
        version = (cur["version"] if cur else 0) + 1
        tables = dict(cur["tables"]) if cur else {}
        for d in draft_ids:
            done = self._published_in(d)
            if done is not None:
                self._remove_draft_dir(d)
                raise InputError(f"draft '{d}' was already published as release {done} (the publish was interrupted before it tidied up); nothing to do.")
        drafts = [self.draft(d) for d in draft_ids]
        for d in drafts:
            hits = d.get("privacy_hits") or []
            if hits:
                h = hits[0]
                raise InputError(f"draft '{d['draft']}' still holds {len(hits)} piece(s) of personal data in public text (first: {h['kind']} in row {h['row']}, column '{h['column']}')",
                                 cli=f"Redact them first: python -m bridges redact {d['draft']} --all (or fix the export and ingest again).",
                                 browser="Redact them first in the draft's report on the upload page (or fix the export and upload it again).")
        seen = set()
        for d in drafts:
            if d["dataset"] in seen:
                raise InputError(f"two drafts for {d['dataset']} in one publish; publish them one after the other.")
            seen.add(d["dataset"])
        corrections, ops, writes, fresh = [], [], [], {}
        units = dict((cur or {}).get("counts") or {})  # what one published row counts, per dataset (incidents or offences)
        for d in drafts:
            name = d["dataset"]
            ds = get_dataset(name)
            if name in BATCHED and not self.remote:  # read in batches whenever needed: it can hold millions of rows
                rows = DraftRows(self.drafts_dir / d["draft"] / "rows.parquet", to_arrow_schema(name))
            else:
                rows = self.draft_rows(d["draft"])
                rows = rows.cast(to_arrow_schema(name))
            path = self.table_path(name)
            t = self._pinned_table(name, tables.get(name))
            props = CommitProperties(custom_metadata={"release": str(version), "by": by, "note": note[:500], "draft": d["draft"]})
            wp = delta_writer_properties(rows.schema, (ds.key,) if ds.key else ())  # identifiers, times and points written plain
            quarters = sorted(pc.unique(rows.column("quarter")).drop_null().to_pylist()) if "quarter" in ds.names and rows.num_rows else []
            if not ds.quarter_from and "scheme" in ds.names and t is not None and tables.get(name) is not None:
                rows = _other_schemes(t, rows)  # areas: a draft replaces its own schemes (beats, districts ...), the others stay
            if t is None or tables.get(name) is None or not ds.quarter_from:
                before = self._counts(name, cur, quarters) if ds.quarter_from else {}
                path.parent.mkdir(parents=True, exist_ok=True)
                if as_is(rows, t):  # the draft's file joins the table as it is: its rows are not written again
                    writes.append(lambda path=path, rows=rows, t=t, props=props: add_file(path, rows, t, commit_properties=props,
                                                                                         post_commithook_properties=KEEP_LOGS, configuration=TABLE_CONFIG))
                else:
                    writes.append(lambda path=path, rows=rows, props=props, wp=wp: write_chunks(rows, lambda data, first: write_deltalake(
                        str(path), data, mode="overwrite" if first else "append", schema_mode="overwrite" if first else "merge", configuration=TABLE_CONFIG if first else None,
                        writer_properties=wp, commit_properties=props, post_commithook_properties=KEEP_LOGS, storage_options=fs.storage_options(path))))  # a long draft in several commits: store.drafts.write_chunks
                fresh[name] = rows
            else:
                before = self._counts(name, cur, quarters)
                pred = "quarter IN (" + ", ".join("'" + q.replace("'", "''") + "'" for q in quarters) + ")" if quarters else "false"
                # other quarters stay: the draft's rows are written by deltalake like theirs, never joined as pyarrow wrote them
                # (a table of both kinds of file read back with two string types, and a filter on it failed: string against string_view)
                writes.append(lambda t=t, rows=rows, pred=pred, props=props, path=path, wp=wp: write_chunks(rows, lambda data, first: write_deltalake(
                    t, data, mode="overwrite", predicate=pred, schema_mode="merge", writer_properties=wp, commit_properties=props, post_commithook_properties=KEEP_LOGS) if first else write_deltalake(
                    str(path), data, mode="append", schema_mode="merge", writer_properties=wp, commit_properties=props, post_commithook_properties=KEEP_LOGS, storage_options=fs.storage_options(path))))  # merge: a field added to the schema later (e.g. incidents.kind) joins a table written before it
                import pyarrow.dataset as pads

                if isinstance(rows, DraftRows):  # the rows of other quarters, read in batches when the gate reads them
                    kept = Kept(t.to_pyarrow_dataset(), ~pads.field("quarter").isin(quarters) if quarters else None)
                else:
                    kept = t.to_pyarrow_dataset().to_table(filter=~pads.field("quarter").isin(quarters)) if quarters else t.to_pyarrow_table()
                if name in COUNTED and kept.num_rows and _count_unit(d) != units.get(name, COUNT_DEFAULT):
                    raise InputError(f"draft '{d['draft']}' counts {_count_unit(d)}, but the published {name} of other quarters count "
                                     f"{units.get(name, COUNT_DEFAULT)}: one table cannot mix the two, so nothing was published",
                                     f"Ingest with the same count as the published quarters (count = \"{units.get(name, COUNT_DEFAULT)}\" in the "
                                     "profile), or ingest every quarter again with the new count and publish them in one file.")
                fresh[name] = rows.after(kept) if isinstance(rows, DraftRows) else pa.concat_tables([kept.cast(rows.schema), rows])
            if name in COUNTED:
                units[name] = _count_unit(d)
            if ds.quarter_from:
                after = _count_table(rows, name)
                corrections += _diff_counts(name, before, after)
            ops.append({k: d.get(k) for k in ("draft", "uid", "dataset", "sha256", "file", "source", "spec", "quarter", "sheet", "population", "rows")})

        # the tables are written (Rust, no GIL) while the public gate works on the same rows in memory
        failure: list[BaseException] = []

        def write_all():
            try:
                for w in writes:
                    w()
            except BaseException as exc:  # re-raised below, in the publishing thread
                failure.append(exc)

        writer = threading.Thread(target=write_all, name="bridges-delta-write")
        writer.start()
        if sum(getattr(r, "num_rows", 0) for r in fresh.values() if isinstance(r, (DraftRows, Rows))) > SIDE_BY_SIDE_ROWS:
            writer.join()  # a long draft: the table first, then the gate, so the memory of the two never adds up
            if failure:
                raise failure[0]
        try:
            staged, privacy = self._stage_public(version, self._build_public(tables, fresh, stream=True))
        finally:
            writer.join()
        if failure:
            raise failure[0]
        if _hook:
            _hook("after-table-write")
        for d in drafts:
            tables[d["dataset"]] = self._delta(d["dataset"]).version()
        # the publication step's output: the only tables any public output may read
        public_rel = self._commit_public(version, staged)
        if _hook:
            _hook("after-public")
        manifest = {
            "version": version,
            "published_at": _now(),
            "by": by,
            "note": note,
            "kind": kind,
            "public": public_rel,
            "privacy": privacy,
            "parent": cur["version"] if cur else None,
            "tables": tables,
            "row_counts": {n: self._rows(n, v) for n, v in tables.items()},
            "counts": units,  # what a row of each table counts: "incidents", or "offences" when the profile says count = "offences"
            "raw_files": [{"sha256": o["sha256"], "file": o["file"], "dataset": o["dataset"]} for o in ops if o.get("sha256")],
            "ops": ops,
            "corrections": corrections,
        }
        if _hook:
            _hook("before-manifest")
        write_json_atomic(self.releases_dir / f"{version:06d}.json", manifest, exclusive=True)
        if _hook:
            _hook("after-manifest")
        for d in drafts:
            self._remove_draft_dir(d["draft"])
        return manifest

    def rollback(self, version: int, by: str, note: str, wait: float = LOCK_TIMEOUT) -> dict:
        """Restore an earlier release as a new release; every release stays readable."""
        if not by or not note:
            raise InputError("nothing was restored: it needs who rolls back and why, for the release history",
                             cli=Say(what="say who rolls back (--by) and why (--note); both go in the release history", todo=""),
                             browser="Write a note saying why, then restore it again.")
        try:
            with self.lock().acquire(timeout=wait):
                target = self.release(version)
                cur = self.current()
                new = cur["version"] + 1
                manifest = {
                    "version": new,
                    "published_at": _now(),
                    "by": by,
                    "note": note,
                    "kind": "rollback",
                    "restores": target["version"],
                    "parent": cur["version"],
                    "tables": dict(target["tables"]),
                    "public": target.get("public"),
                    "privacy": target.get("privacy", {}),
                    "row_counts": dict(target["row_counts"]),
                    "counts": dict(target.get("counts") or {}),
                    "raw_files": [],
                    "ops": [],
                    "corrections": [],
                }
                write_json_atomic(self.releases_dir / f"{new:06d}.json", manifest, exclusive=True)
                return manifest
        except Timeout:
            raise StoreBusy("another publish is in progress; try again in a minute.") from None

    @property
    def public_dir(self) -> Path:
        return self.root / "public"

    def _build_public(self, tables: dict, fresh: dict, stream: bool = False) -> tuple[dict, dict]:
        """Run the public gate over a release's canonical tables (in memory where just written; incidents in batches, and
        with `stream` their public rows as a reader that _stage_public writes as it reads)."""
        from gate.public import PrivacyConfig, PublicTextError, build_public, store_secret

        canonical = {n: (None if v is None else self._delta(n, version=v).to_pyarrow_dataset() if n in BATCHED and not self.remote
                         else self._delta(n, version=v).to_pyarrow_table()) for n, v in tables.items() if n not in fresh}
        canonical.update(fresh)
        try:
            return build_public(canonical, PrivacyConfig.load(self.root), store_secret(self.root), stream=stream)
        except PublicTextError as exc:
            raise InputError(str(exc)) from None

    def _stage_public(self, version: int, built: tuple[dict, dict]) -> tuple[Path, dict]:
        """Write the gate's output for a release into a hidden folder (not yet part of any release)."""
        public, note = built
        if self.remote:  # no rename on an object store: each attempt writes a folder of its own, which only the manifest
            # written afterwards (create-only) makes part of a release; two publishers never write over each other's files
            tmp = self.public_dir / f"{version:06d}-{uuid.uuid4().hex[:8]}"
            for name, t in public.items():
                fs.write_parquet(t.read_all() if isinstance(t, pa.RecordBatchReader) else t, tmp / f"{name}.parquet")
            write_json_atomic(tmp / "privacy_note.json", note)
            return tmp, note
        tmp = self.public_dir / f".tmp-{version:06d}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(mode=0o700, parents=True)
        for name, t in public.items():
            if isinstance(t, pa.RecordBatchReader):  # written as the gate makes it, batch by batch
                with pq.ParquetWriter(tmp / f"{name}.parquet", t.schema, use_dictionary=dictionary_columns(t.schema, ("record_id",), floats=True)) as w:
                    for b in t:
                        w.write_batch(b)
            else:
                pq.write_table(t, tmp / f"{name}.parquet")
        write_json_atomic(tmp / "privacy_note.json", note)
        return tmp, note

    def _commit_public(self, version: int, tmp: Path) -> str:
        """Rename the staged public folder into place; the manifest written next makes it a release."""
        if self.remote:
            return str(tmp.relative_to(self.root))
        final = self.public_dir / f"{version:06d}"
        if final.exists():  # left by a publish killed before its manifest: no release refers to it
            shutil.rmtree(final)
        os.rename(tmp, final)
        fs.fsync_dir(self.public_dir)
        return str(final.relative_to(self.root))

    def _rows(self, name: str, version: int | None) -> int:
        if version is None:
            return 0
        dt_ = self._delta(name, version=version)
        return int(pa.table(dt_.get_add_actions(flatten=True)).column("num_records").to_numpy().sum())

    def _counts(self, name: str, release: dict | None, quarters: list[str]) -> dict:
        ds_ = self.dataset_at(name, release)
        if ds_ is None or not quarters:
            return {}
        import pyarrow.dataset as pads

        cols = ["quarter", "category"] if name == "incidents" else ["quarter"]
        t = ds_.to_table(columns=cols, filter=pads.field("quarter").isin(quarters))
        return _count_table(t, name)


def _other_schemes(t: DeltaTable, rows: pa.Table) -> pa.Table:
    """`rows` with the stored rows of every area scheme the draft does not hold (a table written before schemes existed
    holds the main scheme only, which an empty `scheme` names)."""
    old = t.to_pyarrow_table()
    have = set(old.column_names)
    old = pa.table({f.name: (old[f.name] if f.name in have else pa.nulls(old.num_rows, f.type)) for f in rows.schema}).cast(rows.schema)
    mine = pc.unique(pc.fill_null(rows["scheme"], "")).to_pylist()
    keep = pc.invert(pc.is_in(pc.fill_null(old["scheme"], ""), value_set=pa.array(mine, pa.string())))
    return pa.concat_tables([old.filter(keep), rows])


def _count_table(t: pa.Table, name: str) -> dict:
    if t.num_rows == 0:
        return {}
    keys = ["quarter", "category"] if name == "incidents" else ["quarter"]
    g = t.select(keys).group_by(keys).aggregate([([], "count_all")])
    return {tuple(r[k] for k in keys): r["count_all"] for r in g.to_pylist()}


def _diff_counts(name: str, before: dict, after: dict) -> list[dict]:
    """Corrections: each (quarter[, category]) whose count changed when a quarter was replaced."""
    if not before:
        return []
    out = []
    quarters = {k[0] for k in before}
    for key in sorted(set(before) | {k for k in after if k[0] in quarters}):
        b, a = before.get(key, 0), after.get(key, 0)
        if a != b:
            item = {"dataset": name, "quarter": key[0], "before": b, "after": a}
            if len(key) > 1:
                item["category"] = key[1]
            out.append(item)
    return out


def to_arrow_schema(name: str) -> pa.Schema:
    return get_dataset(name).arrow_schema()


def to_arrow(frame: pd.DataFrame, name: str) -> pa.Table:
    """A canonical frame as an Arrow table with the schema's types and field descriptions."""
    schema = to_arrow_schema(name)
    frame = frame.reset_index(drop=True)
    cols = []
    for f in schema:
        if f.name in frame.columns:
            arr = pa.array(frame[f.name], from_pandas=True) if not hasattr(frame[f.name].array, "__arrow_array__") else pa.array(frame[f.name].array)
            cols.append(arr.cast(f.type) if arr.type != f.type else arr)
        else:
            cols.append(pa.nulls(len(frame), f.type))
    return pa.Table.from_arrays(cols, schema=schema)


def all_datasets() -> list[str]:
    return list(DATASETS)
