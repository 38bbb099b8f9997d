"""The embedded demo: ingest the fictional Riverton exports through the ordinary loaders and publish them as one release,
through the same audited actions as an analyst's (the audit log shows who: "demo", the operating-system user, from where)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from filelock import FileLock, Timeout

from accounts import audit
from bridges import actions
from demo import generate as demo_gen
from model.errors import InputError
from loaders.mapping import SOURCES_DIR, Spec
from store.versioned import LOCK_TIMEOUT, Store, StoreBusy

DEMO_DIR = demo_gen.DEMO_DIR
NOTE = "Demo data: Riverton (fictional)"
BY = "demo"
ENSURE_WAIT = 600.0  # seconds a second process waits for the first one to finish building

# dataset -> (demo file key, built-in source spec); areas also take the population file
PLAN = [
    ("areas", "areas", "demo_areas.toml"),
    ("incidents", "incidents", "demo_incidents.toml"),
    ("engagement", "engagement", "demo_engagement.toml"),
    ("feedback", "feedback", "demo_feedback.toml"),
    ("survey", "survey", "demo_survey.toml"),
]


def demo_files(demo_dir: Path = DEMO_DIR) -> dict[str, Path]:
    """The demo exports by key; written by the generator first when any is missing."""
    demo_dir = Path(demo_dir)
    files = {k: demo_dir / name for k, name in demo_gen.FILES.items()}
    if not all(p.exists() for p in files.values()):
        demo_gen.generate(demo_dir)
    return files


def ingest_demo(store: Store, demo_dir: Path = DEMO_DIR, origin: str = audit.DASHBOARD) -> list[dict]:
    """Ingest every demo export into drafts; returns the ingest reports (drafts are removed on failure)."""
    files = demo_files(demo_dir)
    reports: list[dict] = []
    try:
        for dataset, key, spec_name in PLAN:
            spec = Spec.load(SOURCES_DIR / spec_name)
            pop = files["population"] if dataset == "areas" else None
            reports.append(actions.ingest_upload(store, files[key], dataset, BY, profile=spec, population=pop, origin=origin))
    except BaseException:
        for r in reports:
            try:
                actions.delete_draft(store, r["draft"], BY, why="the demo build stopped", origin=origin)
            except InputError:
                pass
        raise
    return reports


def build_demo(store: Store, force: bool = False, origin: str = audit.DASHBOARD) -> dict:
    """Build the demo store (one release holding all five datasets) and return its manifest.

    If the store already has a release and `force` is false, the current manifest is returned as it is. `origin` says in
    the audit log what built it: the dashboard on a fresh clone (ensure_demo), or `python -m bridges demo`.
    """
    if not force:
        cur = store.current()
        if cur is not None:
            return cur
    reports = ingest_demo(store, origin=origin)
    drafts = [r["draft"] for r in reports]
    try:
        out = actions.publish(store, drafts, BY, NOTE, wait=LOCK_TIMEOUT, origin=origin)
        if not out["ok"]:
            raise StoreBusy(out["message"])
        return out["release"]
    except BaseException:
        for d in drafts:
            try:
                actions.delete_draft(store, d, BY, why="the demo release was not published", origin=origin)
            except InputError:
                pass
        raise


CHECKOUT_DATA = Path(__file__).resolve().parent.parent / "data"  # the store of a fresh clone


def wanted(root: Path) -> bool:
    """Build the demo into an empty store? Only the checkout's own data/ folder (a fresh clone) gets it, or any store with
    BRIDGES_DEMO=1: a service that points BRIDGES_DATA_DIR at its own folder starts empty, never with fictional figures."""
    import os

    if os.environ.get("BRIDGES_DEMO", "").strip().lower() in ("1", "true", "yes"):
        return True
    return Path(root).resolve() == CHECKOUT_DATA.resolve()


@lru_cache(maxsize=1)
def demo_sources() -> frozenset[str]:
    """The source ids of the demo's exports (what its rows carry in `source`)."""
    return frozenset(Spec.load(SOURCES_DIR / spec_name).id for _, _, spec_name in PLAN)


def demo_rows(store: Store) -> dict[str, int]:
    """Rows of the fictional demo in the current release, by dataset (empty when there are none)."""
    cur = store.current()
    return {} if cur is None else dict(_demo_rows(str(store.root), cur["version"]))


@lru_cache(maxsize=32)
def _demo_rows(root: str, version: int) -> tuple:
    """A release never changes, so its count is worked out once per process (the analyst pages ask on every run)."""
    import pyarrow.dataset as pads

    store = Store(Path(root))
    manifest = store.release(version)
    ids = sorted(demo_sources())
    out = []
    for dataset, _, _ in PLAN:
        ds = store.dataset_at(dataset, manifest)
        if ds is None or "source" not in ds.schema.names:
            continue
        n = ds.count_rows(filter=pads.field("source").isin(ids))
        if n:
            out.append((dataset, n))
    return tuple(out)


def ensure_demo(store: Store, wait: float = ENSURE_WAIT) -> dict | None:
    """Build the demo only when the store has no release; safe when several processes call it at once.

    Returns the manifest of the release built here, or None when the store already had one (or another
    process is still building it after `wait` seconds).
    """
    if store.current() is not None:
        return None
    store.root.mkdir(parents=True, exist_ok=True)
    # a lock of its own: store.publish takes store.lock() inside, and a second FileLock on the same file
    # in the same process would wait for itself
    lock = FileLock(str(store.root / "demo.lock"))
    try:
        with lock.acquire(timeout=wait):
            if store.current() is not None:  # another process built it while this one waited
                return None
            return build_demo(store)
    except Timeout:
        return None
