"""The /preview page body: a public page as it is now beside the same page with the draft, and the counts that change."""
from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from stats import blocks as B
from store import preview
from stats import views
from stats.i18n import label, quarter_label
from stats.read import open_release

from ui.analyst.guard import demo_warning
from ui.data import runner
from ui.render import md_escape, render

PAGES = ("overview", "incidents", "community", "feedback", "trust", "data")


def _store():
    from ui.analyst.guard import store

    return store()


@st.cache_resource(max_entries=4, ttl=6 * 3600, show_spinner="Running the publication step on the draft…")
def _preview(root: str, key: str, draft_ids: tuple[str, ...]):
    from store.versioned import Store

    return preview.build(Store(root), list(draft_ids))


def body(user) -> None:
    store = _store()
    st.title("Preview")
    st.markdown("What the public will see once the draft is published, beside what they see now. Nothing here is public.")
    ids = store.list_drafts()
    if not ids:
        st.markdown("No draft is waiting. Upload a file first.")
        return
    metas = {d: store.draft(d) for d in ids}
    newest = max(ids, key=lambda d: metas[d].get("created_at") or "")
    st.session_state["prev_pick"] = [d for d in st.session_state.get("prev_pick", []) if d in ids] or [newest]
    pick = st.multiselect("Drafts to preview (one per dataset)", ids, key="prev_pick")
    if not pick:
        return
    demo_warning(store, pick)
    _diff(store, pick)
    rel = _preview(str(store.root), preview.draft_key(store, pick), tuple(sorted(pick)))
    _side_by_side(store, rel)


def _diff(store, pick: list[str]) -> None:
    st.header("What changes")
    rows = preview.count_diff(store, pick)
    if not rows:
        st.markdown("The draft holds no counts by quarter (a dataset without dates replaces the published one whole).")
        return
    corrected = sorted({r["quarter"] for r in rows if r["correction"]})
    if corrected:
        qs = ", ".join(quarter_label(q, "en") for q in corrected)
        st.warning(md_escape(f"This upload replaces {qs}, already published: publishing it is a correction, and the release history will show "
                             "each count that changes."))
    changed = [r for r in rows if r["change"]]
    lines = [f"{quarter_label(r['quarter'], 'en')} {_what(r)} {r['published']:,} → {r['draft']:,}" for r in changed if r["correction"]]
    if lines:
        st.markdown("\n".join(f"- {md_escape(x)}" for x in lines[:40]))
    new = sorted({r["quarter"] for r in rows if not r["correction"]})
    if new:
        st.markdown(md_escape("New quarters (nothing published for them yet): " + ", ".join(quarter_label(q, "en") for q in new) + "."))
    table = pd.DataFrame([{"quarter": quarter_label(r["quarter"], "en"), "what": _what(r), "published now": r["published"],
                           "with the draft": r["draft"], "change": r["change"]} for r in rows])
    st.dataframe(table, hide_index=True, width="stretch")


def _what(r: dict) -> str:
    return label("category", r["category"], "en") if r.get("category") else label("dataset", r["dataset"], "en")


def _side_by_side(store, rel) -> None:
    st.header("The public pages")
    page = st.selectbox("Page", PAGES, key="prev_page", format_func=lambda p: p.capitalize())
    cur = open_release(store.root)
    prev_run = _preview_run(rel, cur)
    pctx = views.context(rel, None, st.session_state.get("prev_quarter"), "en", prev_run)
    qs = list(reversed(pctx.all_quarters))
    if qs and page != "data":
        if st.session_state.get("prev_quarter") not in qs:
            mine = [q for m in rel.manifest.get("drafts", []) for q in (m.get("report") or {}).get("quarters", {})]
            st.session_state["prev_quarter"] = max(mine) if mine and max(mine) in qs else qs[0]
        quarter = st.selectbox("Quarter", qs, key="prev_quarter", format_func=lambda q: quarter_label(q, "en"))
        pctx = views.context(rel, None, quarter, "en", prev_run)
    left, right = st.columns(2)
    with left:
        st.subheader("Published now" + (f" (release {cur.version})" if cur else ""))
        if cur is None:
            st.markdown("Nothing is published yet.")
        else:
            ctx = views.context(cur, None, pctx.quarter, "en", runner(cur))
            _draw(views.page(page, ctx), "now")
    with right:
        st.subheader("With the draft")
        _draw(views.page(page, pctx), "draft")


def _preview_run(rel, cur):
    """Queries on the preview release, uncached; its sources line names the draft."""
    published = views.release_sources(cur) if cur else []

    def run(fn, *args):
        if fn is views.release_sources:
            return preview.sources(rel, published)
        return fn(rel, *args)

    return run


def _draw(blocks: list, prefix: str) -> None:
    """Render page blocks with keys of their own (the two sides of the page must not share widget keys)."""
    out = []
    for b in blocks:
        if isinstance(b, (B.Links, B.Downloads, B.Doc)):
            continue
        if isinstance(b, B.Heading):
            b = dataclasses.replace(b, anchor=None)
        elif isinstance(b, (B.Chart, B.Table)):
            b = dataclasses.replace(b, key=f"{prefix}-{b.key}")
        elif isinstance(b, B.Metrics):
            b = B.Metrics([dataclasses.replace(m, key=f"{prefix}-{m.key}") for m in b.items])
        out.append(b)
    render(out, "en", lambda p, label: None)
