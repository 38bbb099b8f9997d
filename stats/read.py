"""Open a published release and query its tables with DuckDB over Arrow (filters pushed down)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from loaders.schema import DATASETS
from loaders.store import Store, default_data_dir


@dataclass
class Release:
    """One published release: its manifest and a DuckDB connection with a view per dataset."""

    store: Store
    manifest: dict
    con: duckdb.DuckDBPyConnection
    sources: dict  # dataset name -> Arrow dataset (or empty table) pinned at the release's versions

    @property
    def version(self) -> int:
        return self.manifest["version"]

    def has(self, name: str) -> bool:
        return self.manifest["tables"].get(name) is not None

    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run SQL on a fresh cursor (a connection is not thread-safe; cursors are cheap)."""
        cur = self.con.cursor()
        for name, src in self.sources.items():  # registrations are per cursor; each costs microseconds
            cur.register(name, src)
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()


_lock = threading.Lock()
_open: dict[tuple[str, int], Release] = {}


def open_release(data_dir: str | Path | None = None, version: int | None = None) -> Release | None:
    """The release `version` (default: the newest) of the store at data_dir, or None when nothing is published."""
    store = Store(Path(data_dir) if data_dir else default_data_dir())
    manifest = store.release(version) if version else store.current()
    if manifest is None:
        return None
    key = (str(store.root.resolve()), manifest["version"])
    with _lock:
        if key in _open:
            return _open[key]
        con = duckdb.connect(":memory:")
        sources = {}
        for name in DATASETS:
            ds = store.dataset_at(name, manifest)
            # an empty table with the canonical columns where the release has none, so queries still run
            sources[name] = ds if ds is not None else DATASETS[name].arrow_schema().empty_table()
        rel = Release(store, manifest, con, sources)
        _open[key] = rel
        return rel
