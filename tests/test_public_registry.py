"""One registry of public tables (model/public.py): the schema's flags, the data dictionary, a release's files and its
open-data package all agree with it, and Frictionless validates the package of the demo and of real data."""
from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from frictionless import validate

from loaders.ingest import ingest
from model import dictionary
from model.public import PUBLIC_FIELDS, SCANNED_FIELDS, TABLES, WITHHELD, table
from model.schema import DATASETS
from outputs import downloads
from outputs.export import export_release
from stats.read import open_release
from store.versioned import Store

ROW = re.compile(r"^\| `(?P<name>\w+)` \| [^|]*\(`(?P<arrow>[^`]+)`\) \|")


def dictionary_tables(text: str) -> dict[str, list[tuple[str, str]]]:
    """Each `## table` section of the dictionary: its field rows as (name, Arrow type as written)."""
    out = {}
    for section in text.split("\n## ")[1:]:
        title, _, body = section.partition("\n")
        rows = [(m["name"], m["arrow"]) for m in map(ROW.match, body.splitlines()) if m]
        if rows:
            out[title.strip()] = rows
    return out


def never_published(text: str) -> set[tuple[str, str]]:
    body = text.split("\n## Never published\n", 1)[1].split("\n## ", 1)[0]
    return {(m[1], m[2]) for m in re.finditer(r"^\| (\w+) \| `(\w+)` \|", body, re.M)}


DOC = dictionary.DOC.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the registry and the dictionary


def test_registry_comes_from_the_schema_flags():
    for name, ds in DATASETS.items():
        public = TABLES[name]
        assert public.dataset == name
        for f in ds.fields:
            assert f.public != bool(f.withheld), f"{name}.{f.name}: public, or withheld with a reason"
            if f.public:
                assert f.name in public.names and public.field(f.name).arrow_type == pa.type_for_alias(
                    {"timestamp": "timestamp[us]", "date": "date32", "float": "float64", "int": "int64", "bool": "bool", "string": "string"}[f.public_type or f.type])
            else:
                assert f.name not in public.names
        extra = set(public.names) - set(ds.names)
        assert extra == ({ds.public_id.name} if ds.public_id else set()), (name, extra)
        assert SCANNED_FIELDS[name] == [f.name for f in ds.fields if f.public and f.free_text]
    # the ids are never published; the keyed hash is; the domestic flag stays in the store, and so do a campus's hate-crime
    # bias, VAWA offense and arrest or referral (published only as counts, in clery_counts); a survey row's parent area
    # is published once, on the area's row in `areas`
    assert {(n, f.name) for n, fs in WITHHELD.items() for f in fs} == {
        ("incidents", "incident_id"), ("incidents", "offence_raw"), ("incidents", "domestic"), ("feedback", "feedback_id"),
        ("incidents", "bias"), ("incidents", "vawa_offense"), ("incidents", "clery_action"), ("survey", "parent")}
    assert PUBLIC_FIELDS["incidents"][0] == PUBLIC_FIELDS["feedback"][0] == "record_id"
    assert list(TABLES) == ["incidents", "incident_counts", "clery_counts", "engagement", "feedback", "feedback_counts", "survey", "areas"]
    assert TABLES["survey"].field("period_start").type == "date" and not TABLES["survey"].field("score").required
    with pytest.raises(ValueError, match="choose one of"):
        table("crimes")


def test_dictionary_documents_what_a_release_publishes():
    documented = dictionary_tables(DOC)
    assert list(documented) == list(TABLES), "the dictionary has one section per public table, count tables included"
    for name, t in TABLES.items():
        assert documented[name] == [(f.name, str(f.arrow_type)) for f in t.fields], name
        for f in t.fields:  # how the gate generalises each field is written beside it
            if f.generalised:
                assert f.generalised.replace("|", "\\|") in DOC, (name, f.name)
    assert never_published(DOC) == {(n, f.name) for n, fs in WITHHELD.items() for f in fs}
    lat = next(line for line in DOC.splitlines() if line.startswith("| `lat` |"))
    assert "grid square" in lat and "200 m" in lat


# ---------------------------------------------------------------- releases: demo and real data


@pytest.fixture(scope="module", params=["demo", "vancouver"])
def release(request, tmp_path_factory):
    """(kind, store root, public folder, export folder) of a published release: the demo, or real exports of four kinds
    (the real-data folder holds no engagement export)."""
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "demo":
        store = Store(request.getfixturevalue("demo_store"))  # the session's demo, only read: the export goes to root/export
        manifest = store.current()
    else:
        store = Store(root / "store")
        realdata = request.getfixturevalue("realdata")
        van = realdata / "vancouver-vpd-crimedata"
        files = [(van / "local-area-boundary.geojson", "areas", van / "van_pop_2016.csv"),
                 (van / "crimedata_csv_AllNeighbourhoods_2025.csv", "incidents", None),
                 (realdata / "nyc-311-service-requests" / "311_Service_Requests_from_2010_to_Present.csv", "feedback", None),
                 (realdata / "chicago-police-sentiment-scores" / "Police_Sentiment_Scores.csv", "survey", None)]
        drafts = [ingest(f, ds, store, population=pop)["draft"] for f, ds, pop in files]
        manifest = store.publish(drafts, "test", "Vancouver incidents and areas, NYC 311 feedback, Chicago sentiment survey")
    public = store.root / manifest["public"]
    export = root / "export"
    export_release(public, manifest, export)
    return request.param, store.root, public, export


def test_public_files_match_the_dictionary_field_for_field(release):
    kind, _, public, export = release
    documented = dictionary_tables(DOC)
    published = {f.stem for f in public.glob("*.parquet")}
    assert published <= set(TABLES), f"a table model.public does not declare: {published - set(TABLES)}"
    assert published >= set(TABLES) - {"engagement", "clery_counts"}  # clery_counts: a campus's release only (tests/test_clery.py)
    if kind == "demo":
        assert published == set(TABLES) - {"clery_counts"}
    for folder in (public, export):
        for f in folder.glob("*.parquet"):
            schema = pq.read_schema(f)
            assert [(x.name, str(x.type)) for x in schema] == documented[f.stem], f
            assert [(x.name, x.type) for x in schema] == [(x.name, x.type) for x in TABLES[f.stem].arrow_schema()], f


def test_suppressed_counts_are_nulls_in_integer_columns(release):
    _, _, public, export = release
    for name in ("incident_counts", "feedback_counts"):
        t = pq.read_table(public / f"{name}.parquet")
        assert t.schema.field("n").type == pa.int64()
        suppressed = t.column("suppressed")
        assert t.column("n").null_count == pc.sum(suppressed).as_py(), name
        assert pc.all(pc.equal(pc.is_null(t.column("n")), suppressed)).as_py(), name
        csv = (export / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines()
        assert not any(re.search(r",\d+\.0,", line) for line in csv), f"{name}.csv writes whole counts as 3.0"
    for t in (pq.read_table(f) for f in public.glob("*.parquet")):
        for col in t.schema:
            if pa.types.is_floating(col.type):
                assert pc.sum(pc.is_nan(t.column(col.name))).as_py() in (0, None), col.name  # missing is null, never NaN


def test_downloads_are_the_export_files(release):
    _, root, public, export = release
    rel = open_release(root)
    for name in (f.stem for f in public.glob("*.parquet")):
        assert downloads.csv_bytes(rel, name) == (export / f"{name}.csv").read_bytes(), name
        assert downloads.parquet_bytes(rel, name) == (public / f"{name}.parquet").read_bytes(), name


@pytest.mark.slow
def test_frictionless_validates_the_open_data_package(release):
    *_, export = release
    report = validate(str(Path(export) / "datapackage.json"))
    problems = [f"{task.name}: {e.message}" for task in report.tasks for e in task.errors[:3]] + [e.message for e in report.errors]
    assert report.valid, "\n".join(problems[:20])
    published = [f.stem for f in export.glob("*.parquet")]
    assert {task.name for task in report.tasks} == {f"{n.replace('_', '-')}-{fmt}" for n in published for fmt in ("csv", "parquet")}
