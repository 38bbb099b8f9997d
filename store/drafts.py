"""A draft staged batch by batch: the rows of a file read in batches go to disk as they come, never all in memory."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    import pandas as pd

    from .versioned import Store


def dictionary_columns(schema: pa.Schema, distinct: tuple[str, ...] = (), floats: bool = False) -> list[str]:
    """The columns worth dictionary-encoding in Parquet: those whose values repeat (offences, areas, quarters, flags). The
    `distinct` ones (identifiers), times, and with `floats` False coordinates, are nearly all different: encoding them
    costs a hash of every value and leaves the file no smaller (a quarter of a draft's writing time at 3M rows)."""
    return [f.name for f in schema if f.name not in distinct and not pa.types.is_timestamp(f.type)
            and (floats or not pa.types.is_floating(f.type))]


def plain_columns(schema: pa.Schema, distinct: tuple[str, ...] = ()) -> list[str]:
    """The columns dictionary_columns leaves out (for deltalake's writer, which names those to write plain)."""
    keep = set(dictionary_columns(schema, distinct))
    return [f.name for f in schema if f.name not in keep]


def delta_writer_properties(schema: pa.Schema, distinct: tuple[str, ...] = ()):
    """deltalake's Parquet settings for a table: its default (Snappy, dictionaries), but plain for the columns
    dictionary_columns leaves out."""
    from deltalake import ColumnProperties, WriterProperties

    return WriterProperties(compression="SNAPPY", column_properties={n: ColumnProperties(dictionary_enabled=False) for n in plain_columns(schema, distinct)})


class DraftWriter:
    """Rows written as they come into a hidden folder named by the process (so a stopped worker's is found and removed);
    commit() names the draft and renames the folder into place, as Store.new_draft does for rows given at once; discard()
    leaves nothing. On an object store the rows are kept and staged at commit() through Store.new_draft.

    A batch is encoded and written in a thread of its own (Parquet's writer works without the GIL) while the caller maps
    the next: at most one batch waits, and an error in the thread is raised by the next write() or by commit()."""

    def __init__(self, store: Store, dataset: str):
        from .versioned import to_arrow_schema

        self.store, self.dataset = store, dataset
        self.schema = to_arrow_schema(dataset)
        self.rows = 0
        self._tables: list[pa.Table] | None = [] if getattr(store, "remote", False) else None
        self._tmp: Path | None = None
        self._writer: pq.ParquetWriter | None = None
        self._box = None  # batches on their way to the writing thread
        self._thread: threading.Thread | None = None
        self._failed: list[BaseException] = []

    def write(self, frame: pd.DataFrame | pa.Table) -> None:
        from .versioned import to_arrow

        table = frame if isinstance(frame, pa.Table) else to_arrow(frame, self.dataset)
        self.rows += table.num_rows
        if self._tables is not None:
            self._tables.append(table)
            return
        if self._writer is None:
            self._open()
        self._raise()
        self._box.put(table.cast(self.schema) if table.schema != self.schema else table)

    def _write_all(self) -> None:
        while (table := self._box.get()) is not None:
            if not self._failed:  # after a failure the batches are only taken, so write() never waits for ever
                try:
                    self._writer.write_table(table)
                except BaseException as exc:  # raised in the caller's thread by write() or commit()
                    self._failed.append(exc)

    def _finish(self) -> None:
        """Every batch given written (or the thread stopped by an error): the thread is gone."""
        if self._thread is not None:
            self._box.put(None)
            self._thread.join()
            self._thread = None

    def _raise(self) -> None:
        if self._failed:
            raise self._failed[0]

    def _open(self) -> None:
        d = self.store.drafts_dir
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._tmp = d / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self._tmp.mkdir(mode=0o700)
        from model.schema import dataset as get_dataset

        key = get_dataset(self.dataset).key
        self._writer = pq.ParquetWriter(self._tmp / "rows.parquet", self.schema, write_statistics=False,
                                        use_dictionary=dictionary_columns(self.schema, (key,) if key else ()))
        import queue

        self._box = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._write_all, name="bridges-draft-write", daemon=True)
        self._thread.start()

    def commit(self, sha: str, meta: dict) -> str:
        """Make the rows written a draft and return its id."""
        from .versioned import _now, write_json_atomic

        if self._tables is not None:
            table = pa.concat_tables(self._tables) if self._tables else self.schema.empty_table()
            return self.store.new_draft(self.dataset, sha, table, meta)
        if self._writer is None:
            self._open()
        self._finish()
        self._raise()
        self._writer.close()
        self._writer = None
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        draft_id = f"{self.dataset}-{stamp}-{sha[:8]}"
        d = self.store.drafts_dir / draft_id
        n = 1
        while d.exists():
            n += 1
            d = self.store.drafts_dir / f"{draft_id}-{n}"
        draft_id = d.name
        write_json_atomic(self._tmp / "draft.json", {**meta, "draft": draft_id, "uid": uuid.uuid4().hex, "dataset": self.dataset, "created_at": _now(), "rows": self.rows})
        os.rename(self._tmp, d)
        self._tmp = None
        return draft_id

    def discard(self) -> None:
        self._finish()
        if self._writer is not None:
            try:
                self._writer.close()
            except Exception:  # the folder goes anyway
                pass
            self._writer = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        self._tables = [] if self._tables is not None else None


BATCHED = ("incidents",)  # tables a publish reads in batches: they can hold millions of rows
BATCH_ROWS = 100_000  # rows a batch when a publish reads a draft or a table


def _fit(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """A batch in the given schema: its columns in that order and type, a column it lacks as nulls (a table written
    before a field existed)."""
    cols = [batch.column(f.name).cast(f.type) if f.name in batch.schema.names else pa.nulls(batch.num_rows, f.type) for f in schema]
    return pa.RecordBatch.from_arrays(cols, schema=schema)


class DraftRows:
    """A staged draft's rows, read from its Parquet file in batches whenever asked (never all at once): a stream for
    deltalake's writer (__arrow_c_stream__), batches for the public gate (to_batches), and the few columns the release's
    corrections count (column, select: dictionary-encoded, a few bytes a row)."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.path, self.schema = Path(path), schema
        self.num_rows = pq.ParquetFile(self.path).metadata.num_rows

    def to_batches(self, columns: list[str] | None = None, filter=None, batch_size: int | None = None):
        schema = self.schema if columns is None else pa.schema([self.schema.field(c) for c in columns])
        for b in pq.ParquetFile(self.path).iter_batches(batch_size=batch_size or BATCH_ROWS, columns=[c for c in schema.names if c in self._stored()]):
            yield _fit(b, schema)

    def _stored(self) -> list[str]:
        return pq.ParquetFile(self.path).schema_arrow.names

    def dictionary_batches(self, columns: list[str]):
        """Batches of these columns with their text dictionary-encoded, as Parquet stores it (gate.batches.count_frame
        groups the codes: reading and counting five columns of 3M rows took 0.45 CPU-s as strings, 0.1 s so)."""
        stored = self._stored()
        text = [c for c in columns if c in stored and pa.types.is_string(self.schema.field(c).type)]
        schema = pa.schema([pa.field(c, pa.dictionary(pa.int32(), pa.string())) if c in text else self.schema.field(c) for c in columns])
        for b in pq.ParquetFile(self.path, read_dictionary=text).iter_batches(batch_size=BATCH_ROWS, columns=[c for c in columns if c in stored]):
            yield _fit(b, schema)

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.schema, self.to_batches())

    def __arrow_c_stream__(self, requested_schema=None):
        return self.reader().__arrow_c_stream__(requested_schema)

    def select(self, columns: list[str]) -> pa.Table:
        return pq.read_table(self.path, columns=columns, read_dictionary=columns).unify_dictionaries().combine_chunks()

    def column(self, name: str) -> pa.ChunkedArray:
        return self.select([name]).column(name)

    def after(self, kept: "Kept") -> "Rows":
        """This draft's rows after the rows of the table that stay."""
        return Rows([kept, self], self.schema)


class Kept:
    """The rows of a stored table that a publish keeps (those of other quarters), read in batches."""

    def __init__(self, dataset, filter=None):
        self.dataset, self.filter = dataset, filter
        self.num_rows = dataset.count_rows(filter=filter) if filter is not None else dataset.count_rows()

    def to_batches(self, columns: list[str] | None = None, batch_size: int | None = None):
        have = self.dataset.schema.names
        cols = None if columns is None else [c for c in columns if c in have]
        yield from self.dataset.to_batches(columns=cols, filter=self.filter, batch_size=batch_size or BATCH_ROWS)


class Rows:
    """Several parts read one after the other as one table (the kept rows, then the draft's), each fitted to `schema`."""

    def __init__(self, parts: list, schema: pa.Schema):
        self.parts, self.schema = parts, schema
        self.num_rows = sum(p.num_rows for p in parts)

    def to_batches(self, columns: list[str] | None = None, filter=None):
        schema = self.schema if columns is None else pa.schema([self.schema.field(c) for c in columns])
        for p in self.parts:
            for b in p.to_batches(columns=columns):
                if b.num_rows:
                    yield _fit(b, schema)

    def dictionary_batches(self, columns: list[str]):
        """As DraftRows.dictionary_batches where a part is a draft; the kept rows as plain text."""
        for p in self.parts:
            if hasattr(p, "dictionary_batches"):
                yield from (b for b in p.dictionary_batches(columns) if b.num_rows)
            else:
                yield from self._part(p, columns)

    def _part(self, p, columns: list[str]):
        schema = pa.schema([self.schema.field(c) for c in columns])
        for b in p.to_batches(columns=columns):
            if b.num_rows:
                yield _fit(b, schema)


# above this, a publish writes the table before the gate runs: the memory of both creeps up with the rows (side by side
# peaked at 770 MiB for 3M rows, 898 MiB for 5M, 1,655 MiB for 20M); up to it they run together, a third faster
SIDE_BY_SIDE_ROWS = 5_000_000
DELTA_CHUNK_ROWS = 250_000  # rows a Delta commit: deltalake's writer holds all it is given in memory (about 1 KB a row)


def as_is(rows, table) -> bool:
    """Whether a draft's Parquet file can join its Delta table as it is (add_file) rather than be written again: a draft
    read in batches with rows, its file holding the schema's columns in their types, and a table (if any) with the same
    columns (a field added to the schema since the table was written is merged by deltalake's writer instead)."""
    if not isinstance(rows, DraftRows) or not rows.num_rows:
        return False
    stored = pq.ParquetFile(rows.path).schema_arrow
    if [(f.name, f.type) for f in stored] != [(f.name, f.type) for f in rows.schema]:
        return False
    return table is None or [f.name for f in table.schema().fields] == rows.schema.names


def add_file(path: Path, rows: DraftRows, table, **commit) -> None:
    """The draft's Parquet file made part of the Delta table at `path` without writing its rows again (they were encoded
    once, with the table's settings, when the draft was staged): linked into the table's folder (a hard link: a redaction
    replaces a draft's file, never changes it), then added by one commit that replaces the table (`table` None: there is
    none yet). Only where nothing of the table stays: where other quarters stay, the draft's rows are written by
    deltalake like theirs (Store._publish_locked). `commit`: commit_properties, post_commithook_properties and, for a new
    table, configuration."""
    import json

    from deltalake import DeltaTable, Schema
    from deltalake.transaction import AddAction, create_table_with_add_actions

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    name = f"part-00000-{uuid.uuid4()}-c000.snappy.parquet"
    try:
        os.link(rows.path, path / name)
    except OSError:  # another file system: copied
        shutil.copyfile(rows.path, path / name)
    st = (path / name).stat()
    add = AddAction(name, st.st_size, {}, int(st.st_mtime * 1000), True, json.dumps({"numRecords": rows.num_rows}))
    schema = Schema.from_arrow(rows.schema)
    config = commit.pop("configuration", None)
    if table is None and not DeltaTable.is_deltatable(str(path)):
        create_table_with_add_actions(str(path), schema, [add], mode="overwrite", configuration=config, **commit)
    else:
        (table or DeltaTable(str(path))).create_write_transaction([add], mode="overwrite", schema=schema, **commit)


def write_chunks(rows, write) -> None:
    """Write `rows` through write(data, first): a table at once; a DraftRows in chunks of DELTA_CHUNK_ROWS, the first
    replacing (the table, or the draft's quarters), the next appending. The table then has a commit per chunk; the release
    manifest, written last, names the final version, and a publish stopped between two commits leaves commits no release
    names, undone by the next publish (Store._pinned_table): the store is at the old release or the new one."""
    if not isinstance(rows, DraftRows):
        write(rows, True)
        return
    batches = rows.to_batches(batch_size=max(1, DELTA_CHUNK_ROWS // 5))
    first = True
    for head in batches:
        def chunk(head=head):
            n = head.num_rows
            yield head
            while n < DELTA_CHUNK_ROWS:
                b = next(batches, None)
                if b is None:
                    return
                n += b.num_rows
                yield b

        write(pa.RecordBatchReader.from_batches(rows.schema, chunk()), first)
        first = False
    if first:  # no rows at all: the table (or its quarters) is still replaced
        write(rows.schema.empty_table(), True)
