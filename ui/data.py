"""Cached access to the published release for Streamlit pages (one DuckDB connection per release).

Everything is cached keyed by (function name, store, release version, arguments): a publish makes a new version, so
every process reads the new release without clearing anything, and no frame is ever hashed (the release itself is
never an argument). Two kinds:
- `runner`: query results (small frames) in st.cache_data, which hands each caller its own copy;
- `shared`: finished page parts (a page's blocks, ready to draw) in this process's memory (`Memo`), one object for
  every session: nothing is copied on a hit, so whoever draws them must never change them. Behind it, the view cache
  folder: parts built ahead of residents by ui.public.warm, one file each, read instead of building.
"""
from __future__ import annotations

import atexit
import functools
import gc
import hashlib
import importlib
import logging
import os
import pickle
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

import streamlit as st
from streamlit import runtime

from model.releases import Published, default_data_dir, provider_root
from stats.read import Release, open_release
from ui import state


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
    wanted = state.raw("provider")
    return wanted if wanted and provider_root(default_data_dir(), wanted) != default_data_dir() else None


_ensured: set[str] = set()  # data folders _ensure_store has seen to in this process


def current_release() -> Release | None:
    """The newest published release of the provider the URL names (the data folder's own by default), or None when
    nothing is published."""
    root = default_data_dir()
    if str(root) not in _ensured:  # st.cache_resource hashes its argument on every call: a set answers after the first
        _ensure_store(str(root))
        _ensured.add(str(root))
    return newest_release(provider_root(root, provider_id()))


_newest: dict[str, tuple[int, Release]] = {}  # local store → (its releases folder's modification time, newest release)
SETTLED_NS = 1_000_000_000  # a folder changed less than a second ago is read again (coarse file system clocks)


def newest_release(root) -> Release | None:
    """open_release(root), without listing and reading the manifests on every view of a local store: a publish adds a
    manifest to the releases folder, which changes the folder's modification time."""
    if not isinstance(root, Path):  # an object store: no folder times to go by
        return open_release(root)
    try:
        stamp = (root / "releases").stat().st_mtime_ns
    except OSError:
        return open_release(root)
    seen = _newest.get(str(root))
    if seen and seen[0] == stamp:
        return seen[1]
    rel = open_release(root)
    if rel is not None and time.time_ns() - stamp > SETTLED_NS:
        _newest[str(root)] = (stamp, rel)
    return rel


def resolve(name: str):
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


@st.cache_data(max_entries=4000, show_spinner=False)
def _cached(name: str, root: str, version: int, args: tuple):
    rel = open_release(root, version)
    return resolve(name)(rel, *args)


def runner(rel: Release):
    """run(fn, *args) → fn(rel, *args), cached per release version (arguments must be hashable and small)."""
    root, version = str(rel.store.root), rel.version

    def run(fn, *args):
        return _cached(f"{fn.__module__}.{fn.__qualname__}", root, version, tuple(args))

    return run


# One view of a page, ready to draw, is about 42 kB in memory on the demo (figures as JSON, tables as Arrow: all 1,584
# views, 6 pages × (10 areas and all areas) × 12 quarters × 2 languages, take 67 MB), and a view's context (ui.public.page)
# much less; this many hold every view of the demo's release. When it is full, the part used least recently goes: the
# next view that needs it reads it back from the view cache folder (about 1 ms) if the warmer prepared it.
SHARED_ENTRIES = 2000


class Memo:
    """Finished parts in this process, least recently used out first: a hit is one dict look-up under a lock, and a part
    several sessions ask for at once is built once (the others wait for it). st.cache_resource did the same job but hashed
    its arguments and inspected the function's signature on every call, several times a page view."""

    def __init__(self, size: int):
        self._parts: OrderedDict = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self._building: dict = {}  # key → the lock its builder holds

    def get(self, key, build):
        with self._lock:
            if key in self._parts:
                self._parts.move_to_end(key)
                return self._parts[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                if key in self._parts:
                    return self._parts[key]
            try:
                value = build()
                with self._lock:
                    self._parts[key] = value
                    while len(self._parts) > self._size:
                        self._parts.popitem(last=False)
                return value
            finally:
                with self._lock:
                    if self._building.get(key) is building:
                        del self._building[key]

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()


_SHARED = Memo(SHARED_ENTRIES)


def _shared(name: str, root: str, version: int, args: tuple):
    def build():
        ready = read_view(root, version, name, args)
        if ready is not None:
            return ready
        return resolve(name)(open_release(root, version), *args)

    return _SHARED.get((name, root, version, args), build)


def shared(rel: Release):
    """run(fn, *args) → fn(rel, *args), made once per release version and shared by every session, read only."""
    root, version = str(rel.store.root), rel.version

    def run(fn, *args):
        return _shared(f"{fn.__module__}.{fn.__qualname__}", root, version, tuple(args))

    return run


def clear_shared() -> None:
    """Forget every finished part this process holds (tests; a release's parts are keyed by its version anyway)."""
    _SHARED.clear()


# ---------------------------------------------------------------- the view cache folder
# Page parts built ahead of residents (ui.public.warm), one pickle a part, in a folder per store, release version and
# code: <cache>/<store>/v<version>-<code>/<part>.pickle. Any server process on the machine reads them, and they outlive
# a restart. Pickles are code: the folder is the server user's own (0700), and one that anybody else could write to
# is never read.
CODE_DIRS = ("model", "stats", "outputs", "ui", "locales")
_log = logging.getLogger("bridges.views")


def view_cache_root() -> Path:
    """$BRIDGES_VIEW_CACHE, else bridges-views-<uid> in the temporary folder."""
    return Path(os.environ.get("BRIDGES_VIEW_CACHE") or Path(tempfile.gettempdir()) / f"bridges-views-{os.getuid()}")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A fingerprint of the code that draws a view (file names, sizes and modification times of the read side, plus the
    versions of the libraries that shape a figure or a table): parts built by other code are never read."""
    import pandas
    import plotly
    import pyarrow

    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha1(f"{plotly.__version__} {pandas.__version__} {pyarrow.__version__} {st.__version__}".encode())
    for d in CODE_DIRS:
        for p in sorted((root / d).rglob("*")):
            if p.suffix in (".py", ".toml", ".json", ".csv") and "__pycache__" not in p.parts:
                s = p.stat()
                h.update(f"{p.relative_to(root)} {s.st_size} {s.st_mtime_ns}\n".encode())
    return h.hexdigest()[:12]


def view_dir(root: str, version: int) -> Path:
    """The folder of one release's prepared parts (made by the warmer, read by every server)."""
    store = hashlib.sha1(str(root).encode()).hexdigest()[:16]
    return view_cache_root() / store / f"v{version}-{code_version()}"


def make_view_dir(root: str, version: int) -> Path:
    """view_dir, made if need be, owner-only from the cache folder down (read_view reads only a private folder)."""
    folder = view_dir(root, version)
    view_cache_root().mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.parent.chmod(0o700)
    return folder


def view_file(root: str, version: int, name: str, args: tuple) -> Path:
    key = hashlib.sha1(repr((name, args)).encode()).hexdigest()
    return view_dir(root, version) / f"{key}.pickle"


@functools.lru_cache(maxsize=4)
def private(folder: Path) -> bool:
    """True when the folder is this user's and nobody else may write to it (checked once per process)."""
    try:
        s = folder.stat()
    except OSError:
        return False
    ok = s.st_uid == os.getuid() and not s.st_mode & 0o022
    if not ok:
        _log.warning("The view cache %s is not private to this user: it is not read. Remove it or set BRIDGES_VIEW_CACHE.", folder)
    return ok


def read_view(root: str, version: int, name: str, args: tuple):
    """A part the warmer built, or None (none there yet, unreadable, or a cache folder that is not private)."""
    path = view_file(root, version, name, args)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not private(view_cache_root()):
        return None
    try:
        return pickle.loads(data)
    except Exception:  # a half-written or stale file is a miss: the part is built as usual
        _log.warning("A prepared view in %s could not be read; it is built instead.", path, exc_info=True)
        return None


def write_view(root: str, version: int, name: str, args: tuple, value) -> Path:
    """Store a prepared part where read_view finds it (whole or not at all: written aside, then renamed)."""
    path = view_file(root, version, name, args)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return path


def in_server() -> bool:
    """True in a Streamlit server; False in a script and under AppTest, whose runtime is a stand-in (a mock)."""
    return type(runtime.Runtime._instance) is runtime.Runtime


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
    if len(sys.modules) == _frozen_at or not in_server():
        return
    with _freeze_lock:
        if len(sys.modules) != _frozen_at:
            if not _frozen_at:  # at exit, hand everything back, so the last collection finalises it (duckdb checks)
                atexit.register(gc.unfreeze)
            gc.collect()  # garbage first: frozen cycles would never be collected
            gc.freeze()
            _frozen_at = len(sys.modules)
