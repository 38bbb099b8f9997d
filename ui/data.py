"""Cached access to the published release for Streamlit pages (one DuckDB connection per release).

Everything is cached keyed by (function name, store, release version, arguments): a publish makes a new version, so
every process reads the new release without clearing anything, and no frame is ever hashed (the release itself is
never an argument). Two kinds:
- `runner`: query results (small frames) in st.cache_data, which hands each caller its own copy;
- `shared`: finished page parts (a page's blocks, ready to draw) in st.cache_resource, one object for every
  session: nothing is copied on a hit, so whoever draws them must never change them.
"""
from __future__ import annotations

import atexit
import gc
import importlib
import sys
import threading

import streamlit as st
from streamlit import runtime

from model.releases import Published, default_data_dir, provider_root
from stats.read import Release, open_release


@st.cache_resource(show_spinner="Preparing the demo data (first run only)…")
def _ensure_store(root: str) -> None:
    """On a fresh clone the store is empty: build the demo once, in whichever process comes first: the police service in
    the folder, the campus and the private security company in its providers/ (demo.build.ensure_all); a checkout that
    has some of them gets the others. A store elsewhere (BRIDGES_DATA_DIR) stays empty until an analyst publishes, unless
    BRIDGES_DEMO=1 (demo.build.wanted)."""
    store = Published(root)
    try:
        from demo.build import KINDS, ensure_all, kind_root, wanted
    except ImportError:
        return
    if wanted(store.root) and any(Published(kind_root(store.root, k)).current() is None for k in KINDS):
        ensure_all(store.root)


def provider_id() -> str | None:
    """The provider the URL names (?provider=riverton-state) when the data folder serves it; None for the folder's own."""
    wanted = st.query_params.get("provider")
    return wanted if wanted and provider_root(default_data_dir(), wanted) != default_data_dir() else None


def current_release() -> Release | None:
    """The newest published release of the provider the URL names (the data folder's own by default), or None when
    nothing is published."""
    root = default_data_dir()
    _ensure_store(str(root))
    return open_release(provider_root(root, provider_id()))


def _resolve(name: str):
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


@st.cache_data(max_entries=4000, show_spinner=False)
def _cached(name: str, root: str, version: int, args: tuple):
    rel = open_release(root, version)
    return _resolve(name)(rel, *args)


def runner(rel: Release):
    """run(fn, *args) → fn(rel, *args), cached per release version (arguments must be hashable and small)."""
    root, version = str(rel.store.root), rel.version

    def run(fn, *args):
        return _cached(f"{fn.__module__}.{fn.__qualname__}", root, version, tuple(args))

    return run


# One view of a page, ready to draw, is about 55 kB on the demo (figures as JSON, tables as Arrow), so this many views
# hold about 80 MB at most; the demo has 1,584 (6 pages × 11 areas × 12 quarters × 2 languages). When it is full,
# the view used least recently goes.
SHARED_ENTRIES = 1500


@st.cache_resource(max_entries=SHARED_ENTRIES, show_spinner=False)
def _shared(name: str, root: str, version: int, args: tuple):
    rel = open_release(root, version)
    return _resolve(name)(rel, *args)


def shared(rel: Release):
    """run(fn, *args) → fn(rel, *args), made once per release version and shared by every session, read only."""
    root, version = str(rel.store.root), rel.version

    def run(fn, *args):
        return _shared(f"{fn.__module__}.{fn.__qualname__}", root, version, tuple(args))

    return run


_frozen_at = 0  # how many modules were loaded when the heap was last frozen
_freeze_lock = threading.Lock()


def freeze_long_lived() -> None:
    """Take what the process has loaded for good (modules, catalogs, plotly's validators) out of the garbage
    collector's walk. Streamlit runs a full collection after every script run (runner.postScriptGC, on by default),
    and a full collection walks every object the process holds: about 80 ms of CPU per page view here, for a heap
    that is mostly modules loaded once. gc.freeze() leaves them out of every later collection (reference counting
    still frees them). Called at the end of every public page; it does the work only when new modules have been
    loaded since the last time, so a few times after the server starts, then never. Only in a server: under AppTest
    (no runtime) the process is a test run, whose objects come and go."""
    global _frozen_at
    if len(sys.modules) == _frozen_at or not runtime.exists():
        return
    with _freeze_lock:
        if len(sys.modules) != _frozen_at:
            if not _frozen_at:  # at exit, hand everything back, so the last collection finalises it (duckdb checks)
                atexit.register(gc.unfreeze)
            gc.collect()  # garbage first: frozen cycles would never be collected
            gc.freeze()
            _frozen_at = len(sys.modules)
