"""A draft staged batch by batch: the rows of a file read in batches go to disk as they come, never all in memory."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    import pandas as pd

    from .versioned import Store


class DraftWriter:
    """Rows written as they come into a hidden folder named by the process (so a stopped worker's is found and removed);
    commit() names the draft and renames the folder into place, as Store.new_draft does for rows given at once; discard()
    leaves nothing. On an object store the rows are kept and staged at commit() through Store.new_draft."""

    def __init__(self, store: Store, dataset: str):
        from .versioned import to_arrow_schema

        self.store, self.dataset = store, dataset
        self.schema = to_arrow_schema(dataset)
        self.rows = 0
        self._tables: list[pa.Table] | None = [] if getattr(store, "remote", False) else None
        self._tmp: Path | None = None
        self._writer: pq.ParquetWriter | None = None

    def write(self, frame: pd.DataFrame | pa.Table) -> None:
        from .versioned import to_arrow

        table = frame if isinstance(frame, pa.Table) else to_arrow(frame, self.dataset)
        self.rows += table.num_rows
        if self._tables is not None:
            self._tables.append(table)
            return
        if self._writer is None:
            self._open()
        self._writer.write_table(table.cast(self.schema) if table.schema != self.schema else table)

    def _open(self) -> None:
        d = self.store.drafts_dir
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._tmp = d / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self._tmp.mkdir(mode=0o700)
        self._writer = pq.ParquetWriter(self._tmp / "rows.parquet", self.schema, write_statistics=False)

    def commit(self, sha: str, meta: dict) -> str:
        """Make the rows written a draft and return its id."""
        from .versioned import _now, write_json_atomic

        if self._tables is not None:
            table = pa.concat_tables(self._tables) if self._tables else self.schema.empty_table()
            return self.store.new_draft(self.dataset, sha, table, meta)
        if self._writer is None:
            self._open()
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
