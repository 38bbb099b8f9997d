"""Rebuild every release of a store from its raw files alone, and check the tables come out the same."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from loaders.ingest import ingest
from loaders.mapping import Spec
from model.schema import DATASETS
from store.versioned import Store


def _sorted_table(store: Store, name: str, release: dict | None) -> pa.Table | None:
    ds = store.dataset_at(name, release)
    if ds is None:
        return None
    t = ds.to_table()
    return t.sort_by([(DATASETS[name].key, "ascending"), ("source", "ascending")])


def rebuild(src: Store, dest_dir: Path) -> dict:
    """Replay each release (publishes re-ingested from raw/, rollbacks repeated) into dest_dir."""
    dest = Store(Path(dest_dir))
    if dest.current() is not None:
        raise ValueError(f"{dest_dir} already holds a store; rebuild into an empty folder.")
    done = []
    for rel in src.releases():
        if rel["kind"] == "rollback":
            dest.rollback(rel["restores"], rel["by"], rel["note"])
        else:
            drafts = []
            for op in rel["ops"]:
                pop = None
                if op.get("population"):
                    pop = src.raw_path(op["population"]["sha256"])
                pop_doc = (op.get("population") or {}).get("spec_doc")  # a saved profile's mapping travels with the release
                report = ingest(src.raw_path(op["sha256"]), op["dataset"], dest, profile=Spec.from_dict(op["spec"]), quarter=op.get("quarter"), sheet=op.get("sheet"), population=pop,
                                population_profile=Spec.from_dict(pop_doc) if pop_doc else None,
                                population_sheet=(op.get("population") or {}).get("sheet"))
                drafts.append(report["draft"])
            dest.publish(drafts, rel["by"], rel["note"], kind=rel["kind"])
        done.append(rel["version"])
    match = all(
        _sorted_table(src, n, src.current()) == _sorted_table(dest, n, dest.current()) if _sorted_table(src, n, src.current()) is not None else _sorted_table(dest, n, dest.current()) is None
        for n in DATASETS
    )
    return {"releases": done, "match": bool(match)}
