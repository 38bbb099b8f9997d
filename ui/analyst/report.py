"""The validation and privacy report of a draft: rows read, accepted and rejected, warnings, unmapped values, personal data."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from bridges import actions
from store import uploads
from loaders.accounting import folded_sentence, reason_group
from loaders.ingest import accounting_line
from loaders.mapping import NO_OFFENCE_VALUE
from model.schema import dataset as get_dataset

from ui.render import md_escape

CHOOSE = "(choose a value)"


def _example(x: dict | None) -> str:
    if not x:
        return ""
    parts = [f"row {x['row']}" if x.get("row") else "", f"column '{x['column']}'" if x.get("column") else "",
             f"value '{x['value']}'" if x.get("value") is not None else ""]
    return ", ".join(p for p in parts if p)


def show(store, user, draft_id: str, examples: list | None, recheck) -> None:
    """Draw the report of a draft; `recheck(assignments, name)` saves value assignments to a profile and checks the file again."""
    if draft_id not in store.list_drafts():
        st.info(md_escape(f"Draft {draft_id} has been published or deleted since it was checked. Upload the next file when you are ready."))
        return
    meta = store.draft(draft_id)
    report = {**meta["report"], "draft": draft_id, "rejections": examples or []}
    st.header("What Bridges found in the file")
    how = f"{report['file']}: read as {report['source_title'] or report['source']} ({report['dataset']}, {report['encoding']}"
    st.markdown(md_escape(how + (f", sheet '{report['sheet']}')." if report.get("sheet") else ").")))
    folded = report.get("rows_folded") or 0
    cols = st.columns(4 if folded else 3)
    cols[0].metric("Rows read", f"{report['rows_read']:,}")
    cols[1].metric("Rows accepted", f"{report['rows_accepted']:,}")
    if folded:
        cols[2].metric("Rows folded", f"{folded:,}")
    cols[-1].metric("Rows rejected", f"{report['rows_rejected']:,}")
    st.markdown(md_escape(accounting_line(report)))
    if folded:
        st.markdown(md_escape(folded_sentence(folded, report.get("folded_by")) + " Folded rows are not rejected and not counted twice."))
    if report.get("counts") == "offences":
        st.markdown("Each row is counted as one offence (the mapping profile says count = \"offences\"): the public pages say offences, not incidents.")
    _changes(report)
    if report.get("date_range"):
        qs = ", ".join(f"{q} ({n:,} rows)" for q, n in report["quarters"].items())
        st.markdown(md_escape(f"Dates from {report['date_range'][0]} to {report['date_range'][1]}; quarters: {qs}."))
    pop = report.get("population")
    if pop:
        st.markdown(md_escape(f"Population from {pop['file']}: {pop['matched']:,} of {report['rows_accepted']:,} areas matched "
                              f"({pop['rows']:,} rows in that file)."))
    _rejections(store, report, draft_id)
    _warnings(store, report, draft_id)
    _unmapped(report, recheck, draft_id)
    _privacy(store, user, draft_id, meta)
    st.success(md_escape(f"Draft {draft_id} is staged. It is not public: check the preview, then publish it on the releases page."))
    with st.container(horizontal=True, key="report-next"):
        for path, label in (("analyst_pages/preview.py", "Preview what the public will see"), ("analyst_pages/releases.py", "Publish on the releases page")):
            try:
                st.page_link(path, label=label)
            except Exception:  # not in this run's navigation
                pass


def _changes(report: dict) -> None:
    """What changed in this file since its mapping profile was made (a renamed column, another date format), and how it was read."""
    changes = report.get("changes") or []
    if not changes:
        return
    st.subheader("What changed since the mapping was made")
    st.markdown("Bridges read this file with your saved mapping, adjusting it where the export changed. Check each change; "
                "the mapping itself is not altered.")
    for c in changes:
        st.markdown(md_escape(f"- {c['note']}."))


def _rejections(store, report: dict, draft_id: str) -> None:
    st.subheader("Rejected rows")
    if not report["rows_rejected"]:
        st.markdown("No row was rejected.")
        return
    rows = []
    for reason, n in report["rejection_reasons"].items():
        ex = next((x for x in report["rejections"] if reason_group(x) == reason), None)  # examples: this session's check
        rows.append({"reason": reason, "rows": n, "example": _example(ex)})
    st.markdown(md_escape(f"{report['rows_rejected']:,} rows were rejected, grouped by reason below. Fix them in the export and upload it again, "
                          "or publish without them."))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.download_button("Download every rejected row with its reason (CSV)", lambda: uploads.safe_csv(uploads.rejected_rows(store, draft_id)),
                       file_name=f"{draft_id}-rejected-rows.csv", mime="text/csv", on_click="ignore", key=f"rej_{draft_id}")


def _warnings(store, report: dict, draft_id: str) -> None:
    warnings = list(report.get("warnings") or [])
    for extra in (uploads.published_duplicates(store, draft_id), uploads.areas_not_in_boundaries(store, draft_id)):
        if extra:
            warnings.append(extra)
    st.subheader("Warnings")
    if not warnings:
        st.markdown("No warnings.")
        return
    st.markdown("These rows are kept; check that each warning is what you expect.")
    table = [{"warning": w["reason"], "rows": w["rows"], "column": w.get("column") or "",
              "examples": "; ".join(_example(x) for x in (w.get("examples") or [])[:3])} for w in warnings]
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")


def _unmapped(report: dict, recheck, draft_id: str) -> None:
    unmapped = report.get("unmapped") or {}
    if not unmapped:
        return
    st.subheader("Values no crosswalk knows")
    st.markdown("Rows with these values were rejected, never turned into 'other'. Assign each a canonical value: the assignment is "
                "saved with the mapping profile and used for every later file.")
    chosen: dict[str, dict[str, str]] = {}
    for fname, values in unmapped.items():
        allowed = get_dataset(report["dataset"]).field(fname).allowed or ()
        if fname == "category":  # a value that is no offence at all is set aside like NIBRS 999, never counted
            allowed = (*allowed, NO_OFFENCE_VALUE)
        items = list(values.items())
        for i, (v, n) in enumerate(items[:100]):
            c1, c2 = st.columns([6, 4])
            c1.markdown(md_escape(f"{fname}: '{v}' ({n:,} rows)"))
            pick = c2.selectbox(f"value for {v}", [CHOOSE, *allowed], key=f"asg_{draft_id}_{fname}_{i}", label_visibility="collapsed")
            if pick != CHOOSE:
                chosen.setdefault(fname, {})[v] = pick
        if len(items) > 100:
            st.markdown(md_escape(f"{len(items) - 100} more values of {fname}; assign these first and check again."))
    name = st.text_input("Mapping profile that keeps the assignments (a saved profile of this file is updated instead)",
                         value=f"{report['source']}-local", key=f"asg_{draft_id}_name")
    if st.button("Save these assignments and check the file again", key=f"asg_{draft_id}_save", disabled=not chosen):
        recheck(chosen, name)


def _privacy(store, user, draft_id: str, meta: dict) -> None:
    st.subheader("Personal data in public text")
    done = st.session_state.pop("red_msg", None)
    if done:
        st.success(md_escape(done))
    hits = meta.get("privacy_hits") or []
    if not hits:
        st.markdown("The scanner found no names, emails, phone numbers or exact addresses in the text that would be public.")
        return
    st.error(md_escape(f"{len(hits):,} piece(s) of personal data found in text that would be public. The draft cannot be published until each is "
                       "redacted or corrected."))
    st.dataframe(pd.DataFrame([{"row": h["row"], "column": h["column"], "found": h["kind"], "text": h["match"]} for h in hits[:1000]]),
                 hide_index=True, width="stretch")
    if st.button("Redact every hit (each becomes [redacted])", key=f"red_all_{draft_id}", type="primary"):
        left = actions.redact(store, draft_id, user.name, redact_all=True)
        st.session_state["red_msg"] = f"{len(hits) - len(left)} hit(s) redacted, {len(left)} left."
        st.rerun()
    labels = [f"row {h['row']}, column '{h['column']}': {h['kind']} '{h['match']}'" for h in hits[:200]]
    i = st.selectbox("Or correct one text by hand", range(len(labels)), format_func=lambda k: labels[k], key=f"red_pick_{draft_id}")
    h = hits[i]
    current = store.draft_rows(draft_id).column(h["column"])[int(h["index"])].as_py()
    text = st.text_area("Corrected public text", value=str(current or ""), key=f"red_text_{draft_id}_{i}")
    if st.button("Save the corrected text", key=f"red_one_{draft_id}"):
        actions.redact(store, draft_id, user.name, edits=[{"index": h["index"], "column": h["column"], "text": text}])
        st.rerun()
