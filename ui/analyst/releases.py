"""The /releases page body: drafts waiting (publish with a note, delete), every release (who, when, note, rows, corrections), restore, audit log."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from bridges import actions
from accounts import audit
from stats.i18n import label, quarter_label

from ui.analyst.guard import demo_warning
from ui.render import md_escape


def _store():
    from ui.analyst.guard import store

    return store()


def body(user) -> None:
    store = _store()
    st.title("Publish and history")
    msg = st.session_state.pop("rel_msg", None)
    if msg:
        (st.success if msg[0] == "ok" else st.warning)(md_escape(msg[1]))
    _drafts(store, user)
    _history(store, user)
    _audit(store)


def _drafts(store, user) -> None:
    st.header("Drafts waiting")
    ids = store.list_drafts()
    if not ids:
        st.markdown("No draft is waiting. Upload a file first.")
        return
    metas = {d: store.draft(d) for d in ids}
    rows = [{"draft": d, "dataset": m["dataset"], "file": m.get("file"), "rows": m.get("rows"),
             "quarters": ", ".join((m.get("report") or {}).get("quarters", {}).keys()), "personal data left": len(m.get("privacy_hits") or []),
             "checked at": m.get("created_at")} for d, m in metas.items()]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    newest = max(ids, key=lambda d: metas[d].get("created_at") or "")
    for k in ("rel_pick",):  # a draft published or deleted since the last run is no longer an option
        if k in st.session_state:
            st.session_state[k] = [d for d in st.session_state[k] if d in ids]
    if st.session_state.get("rel_del_pick") not in ids:
        st.session_state.pop("rel_del_pick", None)
    if "rel_pick" not in st.session_state:
        st.session_state["rel_pick"] = [newest]
    pick = st.multiselect("Drafts to publish together (one per dataset)", ids, key="rel_pick")
    demo_warning(store, pick)
    note = st.text_input("Note for the release history (what this release is)", key="rel_note", placeholder="Q3 2026 incidents")
    if st.button("Publish", key="rel_publish", type="primary", disabled=not pick):
        out = actions.publish(store, pick, user.name, note)
        if out["ok"]:
            m = out["release"]
            text = out["message"] + "".join(f" {_correction(c)}." for c in m["corrections"][:10])
            st.session_state["rel_msg"] = ("ok", text)
            st.rerun()
        st.warning(md_escape(out["message"]))
    with st.expander("Delete a draft"):
        gone = st.selectbox("Draft to delete", ids, key="rel_del_pick")
        sure = st.checkbox("Yes, delete this draft (the uploaded file itself is kept)", key="rel_del_sure")
        if st.button("Delete the draft", key="rel_delete", disabled=not sure):
            actions.delete_draft(store, gone, user.name)
            st.session_state["rel_msg"] = ("ok", f"Draft {gone} is deleted.")
            st.rerun()


def _correction(c: dict) -> str:
    what = label("category", c["category"], "en") if c.get("category") else label("dataset", c.get("dataset"), "en")
    return f"{quarter_label(c['quarter'], 'en')} {what} {c['before']:,} → {c['after']:,}"


def _history(store, user) -> None:
    st.header("Releases")
    rels = list(reversed(store.releases()))
    if not rels:
        st.markdown("Nothing is published yet.")
        return
    rows = []
    for m in rels:
        what = f"restores release {m.get('restores')}" if m.get("kind") == "rollback" else ", ".join(sorted({o.get("file") or "" for o in m.get("ops", [])}))
        rows.append({"release": m["version"], "published": m.get("published_at"), "by": m.get("by"), "note": m.get("note"), "what": what,
                     "rows": ", ".join(f"{k} {v:,}" for k, v in m.get("row_counts", {}).items()), "corrections": len(m.get("corrections") or [])})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    for m in rels:
        if m.get("corrections"):
            with st.expander(f"Release {m['version']}: {len(m['corrections'])} correction(s)"):
                st.markdown("\n".join(f"- {md_escape(_correction(c))}" for c in m["corrections"][:300]))
    current = rels[0]["version"]
    older = [m["version"] for m in rels if m["version"] != current]
    if not older:
        return
    st.subheader("Restore an earlier release")
    st.markdown("Restoring makes a new release with the earlier figures; nothing is deleted, and you can restore the current one again later.")
    if st.session_state.get("rel_restore_pick") not in older:
        st.session_state.pop("rel_restore_pick", None)
    ver = st.selectbox("Release to restore", older, key="rel_restore_pick")
    why = st.text_input("Why (goes in the release history)", key="rel_restore_note")
    if st.button("Restore this release", key="rel_restore"):
        out = actions.rollback(store, ver, user.name, why)
        st.session_state["rel_msg"] = ("ok" if out["ok"] else "busy", out["message"])
        st.rerun()


def _audit(store) -> None:
    st.header("Audit log")
    rows = audit.entries(store.root, 200)
    if not rows:
        st.markdown("The audit log is empty.")
        return
    table = [{"at": e.get("at"), "event": e.get("event"), "who": e.get("who"),
              "details": ", ".join(f"{k}={v}" for k, v in e.items() if k not in ("at", "event", "who"))} for e in rows]
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
