"""The dashboard starts on a store and draws its first chart (AppTest, no browser)."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from loaders.ingest import ingest
from store.versioned import Store

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def test_overview_draws_chart_from_store(tmp_path, monkeypatch):
    store = Store(tmp_path)
    r = ingest(REAL / "chicago-cpd-crimes" / "sample-2024" / "Crimes_-_2001_to_Present.csv", "incidents", store)
    store.publish([r["draft"]], "test", "chicago 2024")
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "dashboard.py"), default_timeout=30).run()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert charts, "no chart drawn"
    import json

    spec = json.loads(charts[0].proto.spec)
    total = sum(sum(v for v in t["y"] if v is not None) if isinstance(t.get("y"), list) else 0 for t in spec["data"])
    assert total > 0
