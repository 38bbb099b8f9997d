"""The embedded demo: ingest the fictional Riverton exports through the ordinary loaders and publish them as one release,
through the same audited actions as an analyst's (the audit log shows who: "demo", the operating-system user, from where).

Each provider is a store of its own. The Riverton Police Service's store is the data folder itself; the campus
(Riverton State University's Department of Public Safety) and the private security company (Beacon Guard Services, client
sites with no boundaries) are stores in the folder's providers/riverton-state/ and providers/beacon-guard/
(model.releases.providers), which the public pages offer beside the first (?provider=riverton-state). A fresh checkout
builds all three (ensure_all); `python -m bridges demo --kind campus` (or security) builds one alone into a folder."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from filelock import Timeout

from accounts import audit
from bridges import actions
from demo import generate as demo_gen
from model.errors import InputError
from model.fs import is_remote, location, lock as fs_lock
from model.releases import PROVIDERS_DIR
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
POLICE, CAMPUS, SECURITY = "police", "campus", "security"
CAMPUS_PLAN = [
    ("areas", "campus_areas", "demo_campus_areas.toml"),
    ("incidents", "campus_incidents", "demo_campus_incidents.toml"),
]
SECURITY_PLAN = [
    ("areas", "security_areas", "demo_guard_sites.toml"),
    ("incidents", "security_incidents", "demo_guard_log.toml"),
    ("engagement", "security_engagement", "demo_guard_patrols.toml"),
]
# kind of provider -> (what to ingest, the release's note, its provider.toml among the demo files, the population file)
KINDS = {
    POLICE: (PLAN, NOTE, "provider", "population"),
    CAMPUS: (CAMPUS_PLAN, "Demo data: Riverton State University (fictional)", "campus_provider", None),
    SECURITY: (SECURITY_PLAN, "Demo data: Beacon Guard Services (fictional)", "security_provider", None),
}
CAMPUS_ID = "riverton-state"  # the campus store's folder under a data folder's providers/
SECURITY_ID = "beacon-guard"  # the private security company's
PROVIDER_IDS = {CAMPUS: CAMPUS_ID, SECURITY: SECURITY_ID}


def kind_root(root: Path, kind: str) -> Path:
    """Where a kind of demo provider lives in a data folder: the folder itself for the police, providers/<id>/ for the others."""
    return location(root) if kind == POLICE else location(root) / PROVIDERS_DIR / PROVIDER_IDS[kind]


def demo_files(demo_dir: Path = DEMO_DIR) -> dict[str, Path]:
    """The demo exports by key; written by the generator first when any is missing."""
    demo_dir = Path(demo_dir)
    files = {k: demo_dir / name for k, name in demo_gen.FILES.items()}
    if not all(p.exists() for p in files.values()):
        demo_gen.generate(demo_dir)
    return files


def ingest_demo(store: Store, demo_dir: Path = DEMO_DIR, origin: str = audit.DASHBOARD, kind: str = POLICE) -> list[dict]:
    """Ingest every demo export of one kind of provider into drafts; returns the ingest reports (drafts are removed on failure)."""
    files = demo_files(demo_dir)
    plan, _, _, population = KINDS[kind]
    reports: list[dict] = []
    try:
        for dataset, key, spec_name in plan:
            spec = Spec.load(SOURCES_DIR / spec_name)
            pop = files[population] if dataset == "areas" and population else None
            reports.append(actions.ingest_upload(store, files[key], dataset, BY, profile=spec, population=pop, origin=origin))
    except BaseException:
        for r in reports:
            try:
                actions.delete_draft(store, r["draft"], BY, why="the demo build stopped", origin=origin)
            except InputError:
                pass
        raise
    return reports


def build_demo(store: Store, force: bool = False, origin: str = audit.DASHBOARD, kind: str = POLICE) -> dict:
    """Build a demo store (one release holding all of its datasets: five for the police, areas and incidents for the
    campus, areas, incidents and engagement for the private security company) and return its manifest. The provider's name and contact go in the store's provider.toml, unless it has one.

    If the store already has a release and `force` is false, the current manifest is returned as it is. `origin` says in
    the audit log what built it: the dashboard on a fresh clone (ensure_demo), or `python -m bridges demo`.
    """
    if not force:
        cur = store.current()
        if cur is not None:
            return cur
    if kind not in KINDS:
        raise InputError(f"There is no demo of the kind '{kind}'.", f"Choose one of {', '.join(KINDS)}.")
    _, note, provider_file, _ = KINDS[kind]
    store.root.mkdir(parents=True, exist_ok=True)
    own = store.root / "provider.toml"
    if not own.exists():
        own.write_bytes(demo_files()[provider_file].read_bytes())
    reports = ingest_demo(store, origin=origin, kind=kind)
    drafts = [r["draft"] for r in reports]
    try:
        out = actions.publish(store, drafts, BY, note, wait=LOCK_TIMEOUT, origin=origin)
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
    return not is_remote(root) and Path(root).resolve() == CHECKOUT_DATA.resolve()


@lru_cache(maxsize=1)
def demo_sources() -> frozenset[str]:
    """The source ids of the demo's exports (what its rows carry in `source`)."""
    return frozenset(Spec.load(SOURCES_DIR / spec_name).id for plan, *_ in KINDS.values() for _, _, spec_name in plan)


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
    for dataset in dict.fromkeys(d for plan, *_ in KINDS.values() for d, _, _ in plan):
        ds = store.dataset_at(dataset, manifest)
        if ds is None or "source" not in ds.schema.names:
            continue
        n = ds.count_rows(filter=pads.field("source").isin(ids))
        if n:
            out.append((dataset, n))
    return tuple(out)


def ensure_demo(store: Store, wait: float = ENSURE_WAIT, kind: str = POLICE) -> dict | None:
    """Build a demo store only when the store has no release; safe when several processes call it at once.

    Returns the manifest of the release built here, or None when the store already had one (or another
    process is still building it after `wait` seconds).
    """
    if store.current() is not None:
        return None
    store.root.mkdir(parents=True, exist_ok=True)
    # a lock of its own: store.publish takes store.lock() inside, and a second FileLock on the same file
    # in the same process would wait for itself
    lock = fs_lock(store.root / "demo.lock", ttl=600.0)  # on an object store, a lease every server respects
    try:
        with lock.acquire(timeout=wait):
            if store.current() is not None:  # another process built it while this one waited
                return None
            return build_demo(store, kind=kind)
    except Timeout:
        return None


def ensure_all(root: Path, wait: float = ENSURE_WAIT) -> list[dict]:
    """Every kind of demo provider in a data folder (the police in it, the others in providers/), each built only when
    its store has no release; returns the manifests of the releases built here."""
    built = [ensure_demo(Store(kind_root(root, kind)), wait, kind) for kind in KINDS]
    return [m for m in built if m is not None]
