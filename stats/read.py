"""Open a published release's public tables (the gate's output only) and query them with DuckDB."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads

from model.public import PUBLIC_TABLES, TABLES  # noqa: F401 (bench/pages.py reads PUBLIC_TABLES from here)
from model.fs import ObjectPath, read_parquet
from model.releases import Published, default_data_dir


@dataclass
class Release:
    """One published release: its manifest, privacy note and the public tables, queried by DuckDB."""

    store: Published
    manifest: dict
    con: duckdb.DuckDBPyConnection
    sources: dict  # public table name -> Arrow dataset

    @property
    def version(self) -> int:
        return self.manifest["version"]

    @property
    def privacy_note(self) -> dict:
        return self.manifest.get("privacy", {})

    @property
    def count_unit(self) -> str:
        """What the release's incident figures count: "incidents" (each once), or "offences" (one per offence of an
        incident, as NIBRS counts them) when the analyst chose so; releases before the choice existed count incidents."""
        unit = (self.manifest.get("counts") or {}).get("incidents")
        return unit if unit in ("incidents", "offences") else "incidents"

    def has(self, name: str) -> bool:
        return name in self.sources and self.sources[name] is not None and self.sources[name].count_rows() > 0

    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run SQL on a fresh cursor (a connection is not thread-safe; cursors are cheap).

        The public tables are views of the connection's database (DuckDB's own Parquet reader: parallel, with
        row-group pruning on the filters), made once when the release is opened; every cursor sees them."""
        cur = self.con.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()


SQL_TYPES = {"string": "VARCHAR", "timestamp": "TIMESTAMP", "date": "DATE", "float": "DOUBLE", "int": "BIGINT", "bool": "BOOLEAN"}
_lock = threading.Lock()
_open: dict[tuple[str, int], Release] = {}


def _empty_table(name: str) -> pa.Table:
    """An empty table with the public columns and types of `name`, so queries on a dataset a release lacks read as empty."""
    return TABLES[name].arrow_schema().empty_table()


def public_dir(store: Published, manifest: dict) -> Path | ObjectPath | None:
    return store.public_folder(manifest)


def open_release(data_dir: str | Path | None = None, version: int | None = None) -> Release | None:
    """The release `version` (default: the newest) of the store at data_dir, or None when nothing is published."""
    store = Published(data_dir if data_dir else default_data_dir())
    manifest = store.release(version) if version else store.current()
    if manifest is None:
        return None
    key = (str(store.root.resolve()), manifest["version"])
    with _lock:
        if key in _open:
            return _open[key]
        rel = release_from_folder(store, manifest, public_dir(store, manifest))
        _open[key] = rel
        return rel


def release_from_folder(store: Published, manifest: dict, folder: Path | None) -> Release:
    """A Release over the public Parquet files in `folder` (a table that is not there reads as empty)."""
    sources = {}
    con = duckdb.connect(":memory:")
    for name in TABLES:
        f = folder / f"{name}.parquet" if folder else None
        remote = _remote_table(f) if isinstance(f, ObjectPath) else None
        if remote is not None or (f is not None and not isinstance(f, ObjectPath) and f.exists()):
            sources[name] = pads.dataset(remote) if remote is not None else pads.dataset(str(f), format="parquet")
            # a release published before a field existed (e.g. incidents' `kind`) reads it as empty, so queries still run
            have = set(sources[name].schema.names)
            added = "".join(f', CAST(NULL AS {SQL_TYPES[fd.type]}) AS "{fd.name}"' for fd in TABLES[name].fields if fd.name not in have)
            if remote is not None:  # read once into Arrow (DuckDB's own s3:// reader would download an extension at run time),
                # then copied into the connection's database: a registered Arrow table is not seen by the cursors queries use
                con.register("_bridges_public", remote)
                con.execute(f'CREATE TABLE "{name}" AS SELECT *{added} FROM "_bridges_public"')
                con.unregister("_bridges_public")
            else:
                path = str(f).replace("'", "''")
                con.execute(f'CREATE VIEW "{name}" AS SELECT *{added} FROM read_parquet(\'{path}\')')
        else:
            empty = _empty_table(name)
            sources[name] = pads.dataset(empty)
            con.register("_bridges_empty", empty)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _bridges_empty')
            con.unregister("_bridges_empty")
    return Release(store, manifest, con, sources)


def _remote_table(f: ObjectPath) -> pa.Table | None:
    """A release's public Parquet file on an object store, as Arrow (None when the release has no such table)."""
    try:
        return read_parquet(f)
    except FileNotFoundError:
        return None
