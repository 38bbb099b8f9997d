"""The public gate over incidents read in batches: counts from a compact frame of the counted columns, the row-level
table masked batch by batch, so memory follows a batch and not the release."""
from __future__ import annotations

import atexit
import functools
import os
import threading

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from model.public import PUBLIC_FIELDS, TABLES
from model.schema import DATASETS, category_kind

from .clery import FIELDS as CLERY_FIELDS, clery_counts
from .levels import ROWS
from .sensitive import COUNT_KEYS

COUNTED = ("quarter", "area", "district", "category", "kind")  # all that gate.public.incident_cells and the areas read
# all that gate.public.incident_rows reads of a row: the published fields, what tells a sensitive row, what its id hashes
ROW_INPUTS = frozenset(PUBLIC_FIELDS["incidents"]) | {"category", "kind", "domestic", "vawa_offense", "source", "incident_id"}


def batched(t) -> bool:
    """Whether a table is given as batches (a pyarrow dataset, or anything with to_batches(columns=...) and schema)."""
    return t is not None and not isinstance(t, pa.Table) and hasattr(t, "to_batches")


def _kinds(category: pa.Array, kind: pa.Array | None) -> pa.Array:
    """`kind` where stored, else worked out from the category (rows stored before incidents had a kind), once per value."""
    if kind is not None and kind.null_count == 0:
        return kind
    enc = pc.dictionary_encode(category)
    worked = pa.array([category_kind(c) for c in enc.dictionary.to_pylist()], pa.string())
    from_cat = pc.take(worked, enc.indices)
    return from_cat if kind is None else pc.coalesce(kind, from_cat)


def count_frame(source) -> pd.DataFrame:
    """The incidents as a compact frame: one row per distinct (quarter, area, district, category, kind), with ROWS saying
    how many incidents it stands for (gate.public.incident_cells and gate.levels count with it). A few thousand rows,
    however many millions of incidents."""
    names = source.schema.names
    keys = [c for c in COUNTED if c in names and c != "kind"] + ["kind"]
    read = [c for c in COUNTED if c in names]
    parts: list[pa.Table] = []
    # a draft's text as stored, dictionary-encoded: grouped by its codes, the groups come out as they would from the strings
    dictionary = getattr(source, "dictionary_batches", None)
    for b in (dictionary(read) if dictionary else source.to_batches(columns=read)):
        category, kind = b.column("category"), b.column("kind") if "kind" in names else None
        if kind is None or kind.null_count:  # kinds worked out from the categories (rare: rows stored before kinds): as text
            category, kind = _text(category), _kinds(_text(category), None if kind is None else _text(kind))
        t = pa.table({**{c: b.column(c) for c in keys if c not in ("kind", "category")}, "category": category, "kind": kind}).select(keys)
        g = t.group_by(keys).aggregate([([], "count_all")])
        parts.append(pa.table({**{c: _text(g.column(c)) for c in keys}, ROWS: g.column("count_all")}))
        if sum(p.num_rows for p in parts) > 1_000_000:  # many distinct cells: add the partial counts up as they come
            parts = [_add_up(parts, keys)]
    if parts:
        frame = _add_up(parts, keys).to_pandas()
    else:
        frame = pd.DataFrame({**{c: pd.Series(dtype=object) for c in keys}, ROWS: pd.Series(dtype="int64")})
    for c in COUNTED:
        if c not in frame.columns:
            frame[c] = None
    return frame


def _text(a):
    """A dictionary-encoded column as plain text; any other as it is."""
    return a.cast(a.type.value_type) if pa.types.is_dictionary(a.type) else a


def _add_up(parts: list[pa.Table], keys: list[str]) -> pa.Table:
    g = pa.concat_tables(parts).group_by(keys).aggregate([(ROWS, "sum")])
    return g.select(keys + [f"{ROWS}_sum"]).rename_columns(keys + [ROWS])


def frame_of(batch: pa.RecordBatch, name: str) -> pd.DataFrame:
    """One batch as the gate reads a table: pandas, with a field stored before it existed read as empty."""
    f = batch.to_pandas()
    for fd in DATASETS[name].fields:
        if fd.name not in f.columns:
            f[fd.name] = None
    return f


_duck: list = []  # one in-memory DuckDB database for the process (per pid: a forked worker makes its own), closed at exit
_duck_lock = threading.Lock()


def duckdb_cursor():
    """A cursor of the process's DuckDB database, for bulk hashing of a batch (ingest's key hashes, the gate's record
    ids): a connection of its own, safe in any thread, and made in microseconds where opening a database costs more
    than hashing a batch. Close it after use."""
    with _duck_lock:
        if not _duck or _duck[0][0] != os.getpid():
            import duckdb

            _duck[:] = [(os.getpid(), duckdb.connect())]
            atexit.register(_duck[0][1].close)  # closed while the interpreter is whole, not torn down at its exit
        return _duck[0][1].cursor()


@functools.cache
def arrow_pool() -> None:
    """Arrow's allocations from its jemalloc pool for the rest of the process (once; not where ARROW_DEFAULT_MEMORY_POOL
    names a pool, nor where pyarrow was built without jemalloc). The default mimalloc pool hands the pages of a freed batch
    back to the kernel within milliseconds, so every batch of a long file is fresh memory the kernel must zero; jemalloc
    keeps them a second for the next batch. At 3M rows this cut the kernel time of a publish from about 4.1 s to 0.7 s
    and of an ingest from about 5 s to 2 s, and the peak memory of each by about 90 MiB."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    if _address_space_capped():  # an upload's worker (store/worker.py): jemalloc reserves address space in big runs,
        return  # and a 50 MB export hit the worker's 2 GB cap that the default pool stays far below

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # pyarrow.lib.ArrowNotImplementedError: built without jemalloc; the default stays
        pass


def _address_space_capped() -> bool:
    """Whether this process runs under an address-space limit (RLIMIT_AS), as an upload's worker does."""
    try:
        import resource
    except ImportError:  # not on this platform: no such limit either
        return False
    return resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY


def ahead(items, name: str = "bridges-gate-ahead"):
    """The items of an iterator, the next one made in a thread while this one is used: the stages of the gate's pass
    (reading the rows, masking them, writing the public file) run side by side, as Arrow, DuckDB and Parquet work
    without the GIL. At most one item waits, so memory holds one more batch; an error in the thread is raised here, and
    the thread stops when the reading side stops."""
    import queue

    box: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    end = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def make():
        try:
            for x in items:
                if not put((x, None)):
                    return
            put((end, None))
        except BaseException as exc:  # handed to the reading side, raised there
            put((None, exc))

    thread = threading.Thread(target=make, name=name, daemon=True)
    thread.start()
    try:
        while True:
            x, exc = box.get()
            if exc is not None:
                raise exc
            if x is end:
                return
            yield x
    finally:
        stop.set()
        thread.join()  # gone before its caller goes on (it finishes at most the item it was making)


def public_rows(source, cells, cfg, secret, note: dict) -> pa.RecordBatchReader:
    """The row-level public incidents, batch by batch (gate.public.incident_rows), as a reader to write as it comes;
    what was done is added to `note` (the release's privacy note for incidents) while it is read. The rows are read,
    and their record ids worked out, a batch ahead; the next batch is masked while the caller writes this one (ahead)."""
    from .public import incident_rows, record_ids

    schema = TABLES["incidents"].arrow_schema()
    read_columns = [c for c in source.schema.names if c in ROW_INPUTS]  # not the raw offence, bias, ...: never published

    def read():
        for b in source.to_batches(columns=read_columns):
            if b.num_rows:  # masking leaves the source and the id as they are: their hash is taken beside the masking
                yield b, record_ids(b.column("source").cast(pa.string()), b.column("incident_id").cast(pa.string()), secret)

    def gen():
        for b, ids in ahead(read(), "bridges-gate-read"):
            rows, counts = incident_rows(b, cfg, secret, cells, ids=ids)
            for k, v in counts.items():
                note[k] = note.get(k, 0) + v
            yield from rows.to_batches()

    return pa.RecordBatchReader.from_batches(schema, ahead(gen(), "bridges-gate-mask"))


def zero_counts() -> dict:
    """The row-level counts of incident_rows before any batch, in the order the privacy note gives them."""
    return dict.fromkeys((*COUNT_KEYS, "areas_withheld"), 0)


def clery(source) -> tuple[pd.DataFrame | None, dict]:
    """gate.clery.clery_counts over the rows that carry a Clery field (a campus's), read in batches; the count of rows
    dated by occurrence is over every row, as it is when counted whole."""
    names = source.schema.names
    counted = [c for c in ("clery_category", "vawa_offense") if c in names]
    # what gate.clery.has_clery asks, from these two columns alone (a police export's are empty: nothing more is read)
    if not any(b.column(c).null_count < b.num_rows for b in source.to_batches(columns=counted) for c in counted):
        return None, {}
    read = [c for c in (*CLERY_FIELDS, "reported_at", "occurred_at", "status") if c in names]
    marks = [c for c in ("clery_category", "vawa_offense", "bias") if c in names]
    parts, undated = [], 0
    for b in source.to_batches(columns=read):
        keep = pc.is_valid(b.column(marks[0]))
        for c in marks[1:]:
            keep = pc.or_(keep, pc.is_valid(b.column(c)))
        undated += b.column("reported_at").null_count if "reported_at" in read else b.num_rows
        parts.append(b.filter(keep))
    if not parts:
        return None, {}
    table, note = clery_counts(pa.Table.from_batches(parts, schema=parts[0].schema).to_pandas())
    if table is not None:
        note["counted_by_date_occurred"] = undated
    return table, note
