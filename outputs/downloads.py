"""Open-data downloads of a release's public tables: formula-safe CSV (UTF-8 with BOM) and Parquet as published."""
from __future__ import annotations

import io

import pyarrow.parquet as pq

from gate.spreadsheet import neutralize_frame

from stats.read import Release, public_dir

from .export import csv_frame


def parquet_path(rel: Release, name: str):
    d = public_dir(rel.store, rel.manifest)
    p = d / f"{name}.parquet" if d is not None else None
    return p if p is not None and p.exists() else None


def parquet_bytes(rel: Release, name: str) -> bytes:
    """The public Parquet file exactly as the publication step wrote it."""
    p = parquet_path(rel, name)
    return p.read_bytes() if p is not None else b""


def csv_bytes(rel: Release, name: str) -> bytes:
    """The public table as CSV: every text cell a spreadsheet could run as a formula gets a leading ', UTF-8 with BOM.

    The same file as the open-data export's (outputs.export: whole numbers stay whole, dates and times in one
    format) and the same rules as gate.spreadsheet.write_safe_csv, written to memory."""
    if name in rel.sources:  # the release's own reader of the file: a local folder or an object store alike
        table = rel.sources[name].to_table()
    else:
        p = parquet_path(rel, name)
        if p is None:
            return b""
        table = pq.read_table(p)
    frame = csv_frame(table)
    safe = neutralize_frame(frame)
    buf = io.BytesIO()
    safe.to_csv(buf, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return buf.getvalue()


def file_name(rel: Release, name: str, ext: str) -> str:
    return f"bridges-release-{rel.version}-{name}.{ext}"
