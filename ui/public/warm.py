"""Every public view of a release built ahead of residents, in a low-priority process of its own, into the view cache
folder that every server on the machine reads (ui.data.read_view), so a resident's first view of a page, area,
quarter and language is read (about 1 ms) instead of built (80–110 ms of the server's one core).

    python -m ui.public.warm ROOT VERSION      # what a server starts, once per release it sees (ensure())

Why a process and not a thread of the server: a thread would hold the server's one interpreter lock for the ~40 ms
of pure Python each view takes to build, so residents' views would wait behind it; a process runs on the other core,
at the lowest CPU priority (nice 19), and one process warms a release for every server of the machine (a lock file).
Order: newest quarter first, every area (all areas first), language and page, then the quarter before, up to
BRIDGES_WARM_MAX_VIEWS (default 5,000; the demo has 1,584). It stops when a newer release is published (the next
view of the server starts a warmer for that one), when the server that started it is gone, or at the budget; it
leaves done.json in the folder when it has finished.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from model.releases import Published
from stats import clery, queries, views
from stats.i18n import DEFAULT_LANG, languages
from stats.read import Release, open_release

from ui import data

ROOT = Path(__file__).resolve().parents[2]
DONE = "done.json"
STORE = "store.txt"  # in each store's folder: which store it is, so that a store gone is tidied away
MAX_VIEWS = 5000
NICE = 19
CHECK_EVERY = 2.0  # seconds between looks for a newer release (a listing: cheap on disk, a request on an object store)
_log = logging.getLogger("bridges.warm")


# ---------------------------------------------------------------- what residents can open


def page_opts(page: str, ctx: views.Ctx) -> tuple:
    """The options a page script asks ready_page for on a first view (before a resident picks another measure): the
    first of the map's measures on /incidents, trust (else the first measure) on /trust. tests/test_cache_warm.py
    checks every demo view against the page scripts themselves."""
    if page == "incidents":
        return (("measure", next(iter(views.map_measures(ctx)))),)
    if page == "trust":
        measures = sorted(ctx.q(queries.survey_measures) or ["trust"], key=lambda m: (m != "trust", m))
        return (("measure", measures[0]),)
    return ()


def plan(rel: Release, limit: int | None = None):
    """(name, args) of every public view of the release as ui.public.page.body asks ui.data.shared for it: newest quarter
    first, then all areas before each area, every language (the default first) and page; at most `limit`."""
    from ui.public import clery as clery_pages
    from ui.public.page import ready_page

    run = data.runner(rel)
    name = f"{ready_page.__module__}.{ready_page.__qualname__}"
    langs = sorted(languages(), key=lambda x: x != DEFAULT_LANG)
    areas = [None] + sorted(str(a) for a in run(queries.areas)["area_id"])
    n = 0
    if run(clery.has_clery):  # the campus's report and crime log: one view per language
        for fn in (clery_pages.ready_report, clery_pages.ready_log):
            for lang in langs:
                yield f"{fn.__module__}.{fn.__qualname__}", (lang,)
                n += 1
    for quarter in reversed(run(queries.all_quarters)):
        for area in areas:
            for lang in langs:
                ctx = views.context(rel, area, quarter, lang, run)
                for page in views.PAGES:
                    if limit is not None and n >= limit:
                        return
                    yield name, (page, ctx.area, ctx.quarter, ctx.lang, page_opts(page, ctx))
                    n += 1


# ---------------------------------------------------------------- the warmer


def newer(root: str, version: int) -> bool:
    cur = Published(root).current()
    return cur is not None and cur["version"] > version


def warm(root: str, version: int, limit: int | None = MAX_VIEWS, stop=lambda: False) -> dict:
    """Build every view of release `version` that the folder lacks, into the folder; stop early when a newer release
    is published or stop() says so. What was done, as done.json says it."""
    rel = open_release(root, version)
    folder = data.make_view_dir(root, version)
    t0, c0, looked = time.monotonic(), time.process_time(), time.monotonic()
    out = {"version": version, "views": 0, "built": 0, "failed": 0, "stopped": None}
    for name, args in plan(rel, limit):
        now = time.monotonic()
        if now - looked >= CHECK_EVERY:
            looked = now
            if newer(root, version):
                out["stopped"] = "a newer release"
                break
            if stop():
                out["stopped"] = "asked to stop"
                break
        out["views"] += 1
        if data.view_file(root, version, name, args).exists():
            continue
        try:
            data.write_view(root, version, name, args, data.resolve(name)(rel, *args))
            out["built"] += 1
        except Exception as e:  # one view that cannot be built is built by the server when asked for, and says why there
            if isinstance(e, FileNotFoundError) and not folder.exists():
                out["stopped"] = "the folder was removed"
                break
            out["failed"] += 1
            _log.warning("Could not prepare %s %s of release %s.", name, args, version, exc_info=True)
        time.sleep(0)  # let the OS run a server thread that is waiting
    out["seconds"] = round(time.monotonic() - t0, 1)
    out["cpu_seconds"] = round(time.process_time() - c0, 1)
    if out["stopped"] is None:
        (folder / DONE).write_text(json.dumps(out), encoding="utf-8")
    return out


def tidy(root: str, version: int) -> None:
    """Remove this store's folders of older releases (servers reading them have moved on: a missing file is a miss),
    and the folders of stores that are no longer there (a test's, a moved data folder)."""
    here = data.view_dir(root, version)
    (here.parent / STORE).write_text(root, encoding="utf-8")
    for d in here.parent.iterdir():
        m = re.match(r"v(\d+)-", d.name)
        if m and int(m.group(1)) < version:
            shutil.rmtree(d, ignore_errors=True)
    for d in data.view_cache_root().iterdir():
        try:
            gone = d != here.parent and "://" not in (named := (d / STORE).read_text(encoding="utf-8")) and not Path(named).exists()
        except OSError:
            continue
        if gone:
            shutil.rmtree(d, ignore_errors=True)


def main(argv: list[str]) -> int:
    root, version = argv[0], int(argv[1])
    with _quiet():
        os.nice(NICE)
        parent = os.getppid()
        folder = data.make_view_dir(root, version)
        with open(folder / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0  # another server's warmer has this release
            tidy(root, version)
            limit = int(os.environ.get("BRIDGES_WARM_MAX_VIEWS") or MAX_VIEWS)
            out = warm(root, version, limit, stop=lambda: os.getppid() != parent)
        _log.warning("Views of release %s prepared: %s", version, json.dumps(out))
    return 0


class _quiet:
    """Streamlit's caches warn that there is no runtime in this process: true, and not worth a line per cache."""

    def __enter__(self):
        from streamlit import logger

        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
        logger.set_log_level(logging.ERROR)

    def __exit__(self, *exc):
        return False


# ---------------------------------------------------------------- in the server

_started: dict[str, int] = {}  # store → newest release a warmer was started for, in this process
_procs: list[subprocess.Popen] = []
_lock = threading.Lock()


def enabled() -> bool:
    """In a server, unless BRIDGES_WARM_VIEWS=0; never under AppTest (whose runtime is a stand-in) or in a script."""
    return data.in_server() and os.environ.get("BRIDGES_WARM_VIEWS", "1") != "0"


def ensure(rel: Release) -> None:
    """Start a warmer for this release if none was started for it yet (called on every public view: a dictionary look-up
    after the first). Never raises: a warmer that cannot start leaves views to be built as they are asked for."""
    try:
        root = str(rel.store.root)
        if _started.get(root, -1) >= rel.version or not enabled():
            return
        with _lock:
            if _started.get(root, -1) >= rel.version:
                return
            _started[root] = rel.version
            if (data.view_dir(root, rel.version) / DONE).exists():
                return
            proc = subprocess.Popen([sys.executable, "-m", "ui.public.warm", root, str(rel.version)], cwd=ROOT,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            _procs[:] = [p for p in _procs if p.poll() is None] + [proc]  # finished ones are reaped here
    except Exception:
        _log.warning("Could not start preparing the views of release %s; they are built as residents open them.",
                     getattr(rel, "version", "?"), exc_info=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
