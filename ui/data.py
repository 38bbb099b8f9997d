"""Cached access to the published release for Streamlit pages (one DuckDB connection per release).

Aggregates are cached with st.cache_data keyed by (function name, store, release version, arguments): a
publish makes a new version, so every process reads the new release without clearing anything, and no
frame is ever hashed (queries return small frames; the release itself is never an argument).
"""
from __future__ import annotations

import importlib

import streamlit as st

from model.releases import Published, default_data_dir
from stats.read import Release, open_release


@st.cache_resource(show_spinner="Preparing the demo data (first run only)…")
def _ensure_store(root: str) -> None:
    """On a fresh clone the store is empty: build the demo once, in whichever process comes first. A store elsewhere
    (BRIDGES_DATA_DIR) stays empty until an analyst publishes, unless BRIDGES_DEMO=1 (demo.build.wanted)."""
    store = Published(root)
    if store.current() is None:
        try:
            from demo.build import ensure_demo, wanted
            from store.versioned import Store
        except ImportError:
            return
        if wanted(store.root):
            ensure_demo(Store(store.root))


def current_release() -> Release | None:
    """The newest published release, or None when nothing is published."""
    root = str(default_data_dir())
    _ensure_store(root)
    return open_release(root)


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
