"""The published tables can be rebuilt from the raw files alone, release by release."""
import subprocess
import sys
from pathlib import Path

import pytest

from loaders.ingest import ingest
from store.rebuild import rebuild
from store.versioned import Store

ROOT = Path(__file__).resolve().parents[1]


def test_rebuild_replays_publishes_corrections_and_rollbacks(tmp_path, realdata):
    store = Store(tmp_path / "store")
    chicago = realdata / "chicago-cpd-crimes"
    r = ingest(chicago / "sample-2024" / "Crimes_-_2001_to_Present.csv", "incidents", store, quarter="2024Q2")
    store.publish([r["draft"]], "ana", "Q2 2024")
    r = ingest(chicago / "sample-2023-truncated" / "Crimes_-_2001_to_Present.csv", "incidents", store, quarter="2023Q3")
    store.publish([r["draft"]], "ana", "Q3 2023")
    store.rollback(1, "ana", "wrong file")
    out = rebuild(store, tmp_path / "rebuilt")
    assert out == {"releases": [1, 2, 3], "match": True}
    again = Store(tmp_path / "rebuilt")
    assert [m["row_counts"] for m in again.releases()] == [m["row_counts"] for m in store.releases()]


@pytest.mark.slow  # two command-line processes, each building the demo
def test_rebuild_cli_on_the_demo(tmp_path):
    env_dir = tmp_path / "demo"
    run = lambda *a: subprocess.run([sys.executable, "-m", "loaders", *a, "--data-dir", str(env_dir)], cwd=ROOT, capture_output=True, text=True)
    assert run("demo").returncode == 0
    res = run("rebuild", "--into", str(tmp_path / "again"))
    assert res.returncode == 0, res.stderr
    assert "tables match: True" in res.stdout
