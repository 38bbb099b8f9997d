"""Cached access to the published release for Streamlit pages (one DuckDB connection per release)."""
from __future__ import annotations

import streamlit as st

from loaders.store import Store, default_data_dir
from stats.read import Release, open_release


@st.cache_resource(show_spinner="Preparing the demo data (first run only)…")
def _ensure_store(root: str) -> None:
    """On a fresh clone the store is empty: build the demo once, in whichever process comes first."""
    store = Store(root)
    if store.current() is None:
        try:
            from loaders.demo import ensure_demo
        except ImportError:
            return
        ensure_demo(store)


def current_release() -> Release | None:
    """The newest published release, or None when nothing is published."""
    root = str(default_data_dir())
    _ensure_store(root)
    return open_release(root)
