"""Shared fixtures: where the real exports live, and the stores that several modules use, built once per session.

A session store is read only: a test that publishes, adds users or writes any file into a store takes a copy
(`demo_copy`, `acme_copy`, `store`), which costs milliseconds where a rebuild costs seconds.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


@pytest.fixture(autouse=True)
def _wording_put_back() -> Iterator[None]:
    """stats.views.context tells stats.i18n what the release counts and what its areas are called, for the rest of the
    context it runs in: a test that calls it directly would leave "sites" or "offences" to the tests after it in the same
    process (AppTest may call a widget's format_func outside the script run). Each test starts from the defaults."""
    from stats import i18n

    yield
    i18n.set_count_unit(None)
    i18n.set_area_kind(None)


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.exists():
        pytest.skip("../shared/realdata is not beside the checkout")
    return REALDATA


def _files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and modification time, to check that a shared store stayed as built."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@contextlib.contextmanager
def _kept_as_built(root: Path, copy_fixture: str) -> Iterator[None]:
    """Fail the session's teardown, naming the files, when a test changed a shared read-only store."""
    before = _files(root)
    yield
    after = _files(root)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"a test changed the shared store {root.parent.name} ({', '.join(changed[:5])}): give it `{copy_fixture}` instead"


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Iterator[Path]:
    """The fictional Riverton demo (release 1 from demo.build.build_demo), built once for the whole run: pytest-xdist's
    workers share one build (the first to ask builds it under a lock, in the run's temporary folder that they share),
    instead of each spending seconds of the two cores on the same store. Read only: copy it to change it."""
    from filelock import FileLock

    from demo.build import build_demo
    from store.versioned import Store

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # pytest-N/ above each worker's popen-gwN/
    root, built = shared / "demo-session" / "store", shared / "demo-session.built"
    with FileLock(str(shared / "demo-session.lock")):
        if not built.exists():
            build_demo(Store(root))
            built.touch()
    with _kept_as_built(root, "demo_copy"):
        yield root


@pytest.fixture
def demo_copy(demo_store, tmp_path) -> Path:
    """A copy of the session's demo store that the test may change (a publish, a user, a server's files)."""
    return Path(shutil.copytree(demo_store, tmp_path / "demo-store"))


@pytest.fixture(name="store")
def analyst_store(demo_store, tmp_path, monkeypatch):
    """The analyst pages' store: a copy of the demo with two analysts (tests.analyst_kit.LOCAL and OIDC) that the
    dashboard reads (BRIDGES_DATA_DIR), with the default upload limit. A module's own `store` fixture overrides it."""
    from store.versioned import Store
    from tests.analyst_kit import fresh_store

    root = fresh_store(demo_store, tmp_path / "store")
    monkeypatch.setenv("BRIDGES_DATA_DIR", str(root))
    monkeypatch.delenv("BRIDGES_MAX_UPLOAD_MB", raising=False)
    return Store(root)


@pytest.fixture(scope="session")
def acme_store(tmp_path_factory) -> Iterator[Path]:
    """The small "Acme" store whose numbers are known (tests/test_pages_app.py says which), built once. Read only."""
    from tests.test_pages_app import build_fixture

    root = build_fixture(tmp_path_factory.mktemp("acme-session"))
    with _kept_as_built(root, "acme_copy"):
        yield root


@pytest.fixture
def acme_copy(acme_store, tmp_path) -> Path:
    """A copy of the Acme store that the test may change, laid out as build_fixture(tmp_path) lays it out (the exports in
    tmp_path/exports, the store in tmp_path/store); returns the store's folder."""
    shutil.copytree(acme_store.parent, tmp_path, dirs_exist_ok=True)
    return tmp_path / acme_store.name


# modules whose module-scoped fixture costs next to nothing while their tests take long: on one worker they would only
# make the run's tail longer (test_fuzz's fixture is an empty store; its four hypothesis runs take most of a minute each
# on a busy machine)
SPREAD = {"tests/test_fuzz.py"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(items) -> None:
    """A test that uses a module-scoped fixture of its own module joins that module's xdist group, so under .ci/run's
    `--dist loadgroup` one worker builds the fixture (a store, a corpus, a server, a browser's visits) once, instead of
    every worker that happens to get one of the module's tests building it again (up to three times the CPU on two
    cores). A test already in a group stays there, and a module in SPREAD keeps its tests spread."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None or item.nodeid.split("::")[0] in SPREAD:
            continue
        module = item.module.__name__ if getattr(item, "module", None) else None
        info = getattr(item, "_fixtureinfo", None)
        if module is None or info is None:
            continue
        own = item.nodeid.split("::")[0]
        if any(defs and defs[-1].scope == "module" and defs[-1].baseid == own for defs in info.name2fixturedefs.values()):
            item.add_marker(pytest.mark.xdist_group(module))
