"""Views prepared ahead of residents (ui/public/warm.py): after warming, a view is read from the view cache folder
instead of built, and it is exactly what a cold build makes; a newer release stops the warmer; the warmer never
raises into a session."""
from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import os
import time

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from stats.read import open_release
from ui import data
from ui.public import warm
from ui.render import ReadyFigure


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "views"
    monkeypatch.setenv("BRIDGES_VIEW_CACHE", str(folder))
    data.private.cache_clear()
    yield folder
    data.private.cache_clear()


def sent(obj):
    """What a resident's browser receives from a prepared part: each figure's JSON, each table's Arrow bytes (what
    st.plotly_chart and st.dataframe send), the rest as it is."""
    if isinstance(obj, ReadyFigure):
        return ("figure", obj.to_json())
    if isinstance(obj, pd.DataFrame):
        obj = pa.Table.from_pandas(obj, preserve_index=False)
    if isinstance(obj, pa.Table):
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, obj.schema) as w:
            w.write_table(obj)
        return ("arrow", sink.getvalue())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__, *(sent(getattr(obj, f.name)) for f in dataclasses.fields(obj)))
    if isinstance(obj, (list, tuple)):
        return [sent(x) for x in obj]
    if isinstance(obj, dict):
        return sorted((str(k), sent(v)) for k, v in obj.items())
    return obj


@pytest.mark.slow  # every one of the demo's 1,584 views built twice (about a minute of CPU each time)
def test_after_warming_every_demo_view_is_read_and_is_what_a_cold_build_makes(demo_store, cache):
    rel = open_release(demo_store)
    root = str(rel.store.root)
    out = warm.warm(root, rel.version)
    every = list(warm.plan(rel))
    assert out["stopped"] is None and out["failed"] == 0 and out["views"] == out["built"] == len(every) == 6 * 11 * 12 * 2
    assert json.loads((data.view_dir(root, rel.version) / warm.DONE).read_text())["built"] == len(every)
    for name, args in every:
        ready = data.read_view(root, rel.version, name, args)
        assert ready is not None, (name, args)
        assert sent(ready) == sent(data.resolve(name)(rel, *args)), (name, args)
    again = warm.warm(root, rel.version)  # a second warmer (another server, a restart) builds nothing
    assert again["views"] == len(every) and again["built"] == 0


def _page(page: str, params: dict) -> AppTest:
    from tests.test_pages_app import DASHBOARD

    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.query_params.update(params)
    at.run()
    at.query_params.update(params)
    at.switch_page(f"public_pages/{page}.py").run()
    return at


def test_pages_read_the_warmed_views_and_build_none(demo_copy, cache, monkeypatch):
    """The page scripts ask for exactly the views the warmer prepared (the default measure of /incidents and /trust
    included): with building made to fail, every page of the newest quarter draws, in both languages."""
    import streamlit as st

    from stats import views

    monkeypatch.setenv("BRIDGES_DATA_DIR", str(demo_copy))
    rel = open_release(demo_copy)
    per_quarter = 6 * 11 * 2  # pages × (all areas and the 10 areas) × languages
    out = warm.warm(str(rel.store.root), rel.version, limit=per_quarter)
    assert out["built"] == per_quarter
    data.clear_shared()  # nothing from another test in memory: every view comes from the folder

    def no_build(*a, **k):
        raise AssertionError("the view was built instead of read from the view cache folder")

    monkeypatch.setattr(views, "page", no_build)
    newest = views.context(rel, None, None, "en").all_quarters[-1]
    for page, area, lang in [(p, "MS", "fr") for p in views.PAGES] + [("incidents", None, "en"), ("trust", "HB", "en")]:
        at = _page(page, {"lang": lang, "quarter": newest, **({"area": area} if area else {})})
        assert not at.exception, (page, area, lang, [e.value for e in at.exception])
        assert any(m.value.startswith("# ") for m in at.markdown), page  # the page's title (ui.public.page._header)


def test_a_newer_release_stops_the_warmer(demo_copy, cache, monkeypatch):
    from store.versioned import Store

    rel = open_release(demo_copy)
    root = str(rel.store.root)
    monkeypatch.setattr(warm, "CHECK_EVERY", 0.0)  # look for a newer release before every view
    real = data.write_view
    written = []

    def write_then_publish(*a, **k):
        written.append(real(*a, **k))
        if len(written) == 3:  # an analyst publishes while the warmer is at work
            Store(demo_copy).rollback(1, by="test", note="a newer release while warming")
        return written[-1]

    monkeypatch.setattr(data, "write_view", write_then_publish)
    out = warm.warm(root, rel.version)
    assert out["stopped"] == "a newer release" and out["built"] == 3 == len(written)
    assert not (data.view_dir(root, rel.version) / warm.DONE).exists()  # not finished: a later warmer may go on
    # the warmer of the newer release removes the older release's views
    warm.tidy(root, rel.version + 1)
    assert not data.view_dir(root, rel.version).exists()


def test_the_warmer_never_raises_into_a_session(demo_copy, cache, monkeypatch):
    """A warmer that cannot start, and a view that cannot be built, leave residents' pages as they were."""
    import subprocess

    from stats import views

    monkeypatch.setenv("BRIDGES_DATA_DIR", str(demo_copy))
    monkeypatch.setattr(warm, "enabled", lambda: True)  # as in a server
    monkeypatch.setattr(warm, "_started", {})

    def no_process(*a, **k):
        raise OSError("no more processes")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    rel = open_release(demo_copy)
    assert warm.ensure(rel) is None
    at = _page("overview", {"lang": "en", "area": "MS"})
    assert not at.exception and any(m.value.startswith("# ") for m in at.markdown)

    real = views.page

    def fails_on_trust(name, ctx, **opts):
        if name == "trust":
            raise RuntimeError("a figure that cannot be drawn")
        return real(name, ctx, **opts)

    monkeypatch.setattr(views, "page", fails_on_trust)
    out = warm.warm(str(rel.store.root), rel.version, limit=12)  # the newest quarter, all areas, both languages
    assert out["built"] == 10 and out["failed"] == 2 and out["stopped"] is None


def test_a_view_cache_others_may_write_to_is_not_read(demo_copy, cache):
    rel = open_release(demo_copy)
    root = str(rel.store.root)
    data.make_view_dir(root, rel.version)
    data.write_view(root, rel.version, "x.y", ("a",), {"part": 1})
    assert data.read_view(root, rel.version, "x.y", ("a",)) == {"part": 1}
    cache.chmod(0o777)
    data.private.cache_clear()
    assert data.read_view(root, rel.version, "x.y", ("a",)) is None


@pytest.mark.slow  # a Streamlit server in a subprocess and its warmer
def test_a_server_starts_one_warmer_per_release(demo_copy, cache):
    """The first view of a server starts `python -m ui.public.warm` at nice 19; it prepares the views (here at most 30)
    and says so in done.json; the pages go on drawing."""
    from bench import load
    from tests import servers

    env = {"BRIDGES_WARM_VIEWS": "1", "BRIDGES_WARM_MAX_VIEWS": "30", "BRIDGES_VIEW_CACHE": str(cache)}
    views_ = load.views_of(demo_copy)
    with servers.streamlit(servers.APP, demo_copy, env=env) as srv:
        asyncio.run(load.one_view(srv.base, views_[0]))
        done = load.wait_for_warm(cache, timeout=300)
        assert done is not None and done["built"] == 30 and done["failed"] == 0, done
        assert len(list(cache.glob("*/v*/*.pickle"))) == 30
        assert oct(os.stat(cache).st_mode & 0o777) == "0o700"
        t0 = time.monotonic()
        asyncio.run(load.one_view(srv.base, views_[-1]))
        assert time.monotonic() - t0 < 60
