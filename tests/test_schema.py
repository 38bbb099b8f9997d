"""The schema module is the single source of truth: dictionary, Arrow schema and pandera agree with it."""
import pandas as pd
import pyarrow.parquet as pq

from model import dictionary
from loaders import validate
from model.schema import DATASETS, dataset


def test_data_dictionary_is_current():
    assert dictionary.DOC.read_text(encoding="utf-8") == dictionary.render(), "docs/data-dictionary.md is stale: run python -m model.dictionary"


def test_arrow_schema_carries_descriptions(tmp_path):
    for ds in DATASETS.values():
        schema = ds.arrow_schema()
        pq.write_table(schema.empty_table(), tmp_path / f"{ds.name}.parquet")
        back = pq.read_schema(tmp_path / f"{ds.name}.parquet")
        for f in ds.fields:
            assert back.field(f.name).metadata[b"description"].decode() == f.description


def test_pandera_rejects_values_outside_the_schema():
    ds = dataset("incidents")
    row = {f.name: None for f in ds.fields}
    row.update(incident_id="1", source="x", occurred_at=pd.Timestamp("2024-01-01"), time_precision="exact", category="robbery", quarter="2024Q1", lat=95.0)
    bad = dict(row, incident_id="2", category="not-a-category", lat=10.0)
    frame = pd.DataFrame([row, bad])
    frame["__row__"] = [2, 3]
    fails = validate.failures(frame, "incidents", "__row__")
    assert set(fails["row"]) == {2, 3}
    assert {"lat", "category"} <= set(fails["column"])


def test_unknown_dataset_is_a_clear_error():
    import pytest

    with pytest.raises(ValueError, match="choose one of"):
        dataset("crimes")
