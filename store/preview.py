"""A draft's preview: the publication gate run over the published tables plus the draft, and the counts it would change.

Nothing here is public: the gate's output goes to a private folder of the store (preview/), opened as a Release that the
same page builders (stats.views) read, and is never part of any release.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from model import fs
from model.schema import dataset as get_dataset
from store.versioned import Store, _count_table, to_arrow_schema
from store.uploads import prune

from stats.read import Release, release_from_folder

PREVIEW_DIR = "preview"
KEEP_S = 24 * 3600


def draft_key(store: Store, draft_ids: list[str]) -> str:
    """Changes when the release or a draft changes (a redaction rewrites draft.json)."""
    cur = store.current()
    parts = [str(cur["version"] if cur else 0)]
    for d in sorted(draft_ids):
        p = store.drafts_dir / d / "draft.json"
        parts.append(f"{d}:{p.stat().st_mtime_ns if p.exists() else 0}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _merged(store: Store, cur: dict | None, meta: dict) -> pa.Table:
    """The dataset's canonical rows after this draft is published (the draft's quarters replaced, as publish does)."""
    name = meta["dataset"]
    ds = get_dataset(name)
    rows = store.draft_rows(meta["draft"]).cast(to_arrow_schema(name))
    old = store.dataset_at(name, cur)
    if old is None or not ds.quarter_from:
        return rows
    quarters = sorted(set(rows.column("quarter").drop_null().to_pylist()))
    kept = old.to_table(filter=~pads.field("quarter").isin(quarters)) if quarters else old.to_table()
    return pa.concat_tables([kept.cast(rows.schema), rows])


def build(store: Store, draft_ids: list[str]) -> Release:
    """Run the gate over the current release with the drafts applied; the result is a Release in preview/<key>/."""
    cur = store.current()
    metas = [store.draft(d) for d in draft_ids]
    if len({m["dataset"] for m in metas}) < len(metas):
        from model.errors import InputError

        raise InputError("two drafts of the same dataset cannot be previewed or published together; choose one of them.")
    fresh = {m["dataset"]: _merged(store, cur, m) for m in metas}
    tables = dict(cur["tables"]) if cur else {}
    public, note = store._build_public(tables, fresh)  # the same step publish runs
    root = fs.work_dir(store.root, PREVIEW_DIR)  # this server's own disk: a preview is never shared
    prune(root, KEEP_S)
    out = root / f"{draft_key(store, draft_ids)}-{uuid.uuid4().hex[:6]}"
    out.mkdir(parents=True)
    for name, t in public.items():
        pq.write_table(t, out / f"{name}.parquet")
    (out / "privacy_note.json").write_text(json.dumps(note, default=str), encoding="utf-8")
    version = (cur["version"] if cur else 0) + 1
    manifest = {"version": version, "published_at": dt.datetime.now(dt.timezone.utc).isoformat(), "by": "preview", "note": "preview",
                "kind": "preview", "privacy": note, "tables": {**tables, **{n: None for n in fresh}}, "drafts": metas,
                "ops": [{k: m.get(k) for k in ("draft", "dataset", "sha256", "file", "source", "rows")} for m in metas], "corrections": []}
    return release_from_folder(store, manifest, out)


def sources(rel: Release, published: list[dict]) -> list[dict]:
    """The published sources with each previewed dataset's line replaced by its draft."""
    drafts = {m["dataset"]: m for m in rel.manifest.get("drafts", [])}
    out = [s for s in published if s["dataset"] not in drafts]
    for name, m in drafts.items():
        title = (m.get("report") or {}).get("source_title") or m.get("source") or ""
        out.append({"dataset": name, "title": title, "file": m.get("file", ""), "rows": m.get("rows"), "release": "draft"})
    return out


def count_diff(store: Store, draft_ids: list[str]) -> list[dict]:
    """For each dataset, quarter (and offence group) a draft touches: published count, count with the draft, and whether the
    quarter is already published (then the release records it as a correction)."""
    cur = store.current()
    out = []
    for d in draft_ids:
        meta = store.draft(d)
        name = meta["dataset"]
        ds = get_dataset(name)
        if not ds.quarter_from:
            continue
        rows = store.draft_rows(d)
        quarters = sorted(set(rows.column("quarter").drop_null().to_pylist()))
        before = store._counts(name, cur, quarters)  # the counts publish compares for its corrections
        after = _count_table(rows.select(["quarter", "category"] if name == "incidents" else ["quarter"]), name)
        published_q = {k[0] for k in before}
        for key in sorted(set(before) | set(after)):
            b, a = before.get(key, 0), after.get(key, 0)
            item = {"dataset": name, "quarter": key[0], "category": key[1] if len(key) > 1 else None, "published": b, "draft": a,
                    "change": a - b, "correction": key[0] in published_q}
            out.append(item)
    return out
