"""Open-data export of a release: the public tables as CSV (formula-safe, UTF-8 BOM) and Parquet, plus datapackage.json."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from model.schema import DATASETS

from gate.public import PUBLIC_FIELDS
from gate.spreadsheet import write_safe_csv

LICENCE = {"name": "ODC-PDDL-1.0", "path": "https://opendatacommons.org/licenses/pddl/1-0/", "title": "Open Data Commons Public Domain Dedication and License"}
EXTRA_DESCRIPTIONS = {
    "record_id": "Public identifier of the record (a keyed hash; the records system's own identifier is not published).",
    "n": "Number of records in the cell; empty where suppressed.",
    "suppressed": "True where the count is withheld because it is small (fewer than k) or would reveal one that is.",
}
DOWNLOADS = ("incidents", "incident_counts", "engagement", "feedback", "feedback_counts", "survey", "areas")
_FRICTIONLESS = {"string": "string", "large_string": "string", "double": "number", "float": "number", "int64": "integer",
                 "bool": "boolean", "date32[day]": "date"}


def _field_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "datetime"
    return _FRICTIONLESS.get(str(t), "string")


def _description(table: str, col: str) -> str:
    base = table.replace("_counts", "s") if table.endswith("_counts") else table
    base = {"incidents": "incidents", "feedbacks": "feedback", "incidents_counts": "incidents"}.get(base, base)
    ds = DATASETS.get(base) or DATASETS.get(table)
    if ds and col in ds.names:
        return ds.field(col).description
    return EXTRA_DESCRIPTIONS.get(col, "")


def export_release(public_dir: Path, manifest: dict, outdir: Path) -> list[Path]:
    """Write every public table of a release as CSV and Parquet, with a Frictionless datapackage.json."""
    outdir.mkdir(parents=True, exist_ok=True)
    written, resources = [], []
    for name in DOWNLOADS:
        src = public_dir / f"{name}.parquet"
        if not src.exists():
            continue
        table = pq.read_table(src)
        frame = table.to_pandas()
        csv_path = write_safe_csv(frame, outdir / f"{name}.csv")
        pq_path = outdir / f"{name}.parquet"
        shutil.copyfile(src, pq_path)
        written += [csv_path, pq_path]
        schema = {"fields": [{"name": f.name, "type": _field_type(f.type), "description": _description(name, f.name)} for f in table.schema]}
        for path, fmt in ((csv_path, "csv"), (pq_path, "parquet")):
            resources.append({"name": f"{name}-{fmt}".replace("_", "-"), "path": path.name, "format": fmt,
                              "mediatype": "text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
                              **({"encoding": "utf-8-sig"} if fmt == "csv" else {}), "schema": schema})
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
