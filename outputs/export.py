"""Open-data export of a release: the public tables as CSV (formula-safe, UTF-8 BOM) and Parquet, plus datapackage.json."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.public import SCANNED, TABLES, PublicTable
from model.schema import ARROW_TYPES, Field

from gate.spreadsheet import write_safe_csv

LICENCE = {"name": "ODC-PDDL-1.0", "path": "https://opendatacommons.org/licenses/pddl/1-0/", "title": "Open Data Commons Public Domain Dedication and License"}
# Table Schema types of the schema module's types
FRICTIONLESS_TYPES = {"string": "string", "timestamp": "datetime", "date": "date", "float": "number", "int": "integer", "bool": "boolean"}
# How the CSV files write a date and time: what a spreadsheet reads as one, declared as the field's format
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# frictionless-py reads Parquet through pandas, where a null in a numeric column arrives as the float NaN;
# the Parquet resources declare that "nan" means missing in their numeric fields, so a null reads as missing
# (the workaround the Camtrap DP standard adopted for the same reader). The files hold nulls, never NaN.
PARQUET_NUMBER_MISSING = ["", "nan"]


def csv_frame(table: pa.Table) -> pd.DataFrame:
    """A public table as its CSV writes it: whole numbers stay whole (a null is an empty cell, not 3.0 beside NaN),
    and every date and time carries its time of day in DATETIME_FORMAT (pandas would drop an all-midnight column's)."""
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    for f in table.schema:
        if pa.types.is_timestamp(f.type):
            frame[f.name] = frame[f.name].dt.strftime(DATETIME_FORMAT)
    return frame


def _field(f, fmt: str) -> dict:
    desc = " ".join(x for x in (f.description, f.generalised, SCANNED if f.free_text else None) if x)
    out = {"name": f.name, "type": FRICTIONLESS_TYPES[f.type], "description": desc}
    if f.type == "timestamp":
        out["format"] = DATETIME_FORMAT
    if f.type in ("int", "float") and fmt == "parquet":
        out["missingValues"] = PARQUET_NUMBER_MISSING
    cons = {"required": True} if f.required else {}
    if f.allowed:
        cons["enum"] = list(f.allowed)
    if f.minimum is not None:
        cons["minimum"] = int(f.minimum) if f.type == "int" else f.minimum
    if f.maximum is not None:
        cons["maximum"] = int(f.maximum) if f.type == "int" else f.maximum
    if f.pattern:
        cons["pattern"] = f.pattern
    if cons:
        out["constraints"] = cons
    return out


def table_schema(table: PublicTable, fmt: str, written: pa.Schema | None = None) -> dict:
    """The Table Schema of a public table, from model.public: types, meanings, generalisations and constraints.

    `written` is the schema of the file being described. A release published before model.public declared a
    field's present type (e.g. survey dates as timestamps) is described as it was written: its columns, and
    for a differing column the type its Arrow type says, without constraints."""
    if written is None or written.names == table.names and all(w.type == f.arrow_type for w, f in zip(written, table.fields)):
        fields = [_field(f, fmt) for f in table.fields]
    else:
        fields = []
        for w in written:
            known = table.field(w.name) if w.name in table.names else None
            if known is not None and w.type == known.arrow_type:
                fields.append(_field(known, fmt))
            else:
                fields.append(_field(Field(w.name, _schema_type(w.type), known.description if known else ""), fmt))
    schema = {"fields": fields}
    if table.key and (written is None or set(table.key) <= set(written.names)):
        schema["primaryKey"] = list(table.key)
    return schema


def _schema_type(t: pa.DataType) -> str:
    """The schema module's type name of an Arrow type (text for anything it has no name for)."""
    for name, arrow in ARROW_TYPES.items():
        if t == arrow or (name == "timestamp" and pa.types.is_timestamp(t)) or (name == "string" and pa.types.is_large_string(t)):
            return name
    return "float" if pa.types.is_floating(t) else "int" if pa.types.is_integer(t) else "string"


def export_release(public_dir: Path, manifest: dict, outdir: Path) -> list[Path]:
    """Write every public table of a release as CSV and Parquet, with a Frictionless datapackage.json."""
    outdir.mkdir(parents=True, exist_ok=True)
    written, resources = [], []
    for name, public in TABLES.items():
        src = public_dir / f"{name}.parquet"
        if not src.exists():
            continue
        table = pq.read_table(src)
        csv_path = write_safe_csv(csv_frame(table), outdir / f"{name}.csv")
        pq_path = outdir / f"{name}.parquet"
        shutil.copyfile(src, pq_path)
        written += [csv_path, pq_path]
        for path, fmt in ((csv_path, "csv"), (pq_path, "parquet")):
            resources.append({"name": f"{name}-{fmt}".replace("_", "-"), "path": path.name, "format": fmt, "description": public.description,
                              "mediatype": "text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
                              **({"encoding": "utf-8-sig"} if fmt == "csv" else {}), "schema": table_schema(public, fmt, table.schema)})
    note = public_dir / "privacy_note.json"
    if note.exists():
        shutil.copyfile(note, outdir / "privacy_note.json")
        written.append(outdir / "privacy_note.json")
    package = {
        "name": "bridges-release",
        "title": f"Bridges open data, release {manifest['version']}",
        "version": str(manifest["version"]),
        "created": manifest["published_at"],
        "description": "Public incident, engagement, feedback and survey statistics, after the privacy gate (see privacy_note.json).",
        "licenses": [LICENCE],
        "resources": resources,
    }
    (outdir / "datapackage.json").write_text(json.dumps(package, indent=1, ensure_ascii=False), encoding="utf-8")
    written.append(outdir / "datapackage.json")
    return written
