"""The /client-reports page body: pick a client site and a period, preview its report, approve it for the client, and
download the client copy (HTML or PDF) once approved; before that, only a copy marked DRAFT."""
from __future__ import annotations

import streamlit as st

from bridges import actions
from model.errors import InputError
from outputs import client_report, images
from outputs.images import ImageError
from stats.read import open_release

from ui.render import md_escape

PREVIEW_HEIGHT = 1100  # px: about one printed page of the report at a time


def _store():
    from ui.analyst.guard import store

    return store()


def body(user) -> None:
    store = _store()
    st.title("Client reports")
    st.markdown("One report per client site and period, from the published release: what the site's manager receives. "
                "An analyst approves a report before it is shared; a new release needs a new approval.")
    msg = st.session_state.pop("cr_msg", None)
    if msg:
        st.success(md_escape(msg))
    rel = open_release(store.root)
    if rel is None:
        st.info("Nothing is published yet, so there is no report. Upload a guard log and publish it first.")
        return
    sites = client_report.sites(rel)
    if sites.empty:
        st.info(md_escape(f"Release {rel.version} names no site or area, so there is no report. A guard log needs a site column."))
        return
    names = dict(zip(sites["area_id"], sites["name"]))
    site = st.selectbox("Client site", list(names), format_func=lambda a: names[a], key="cr_site")
    periods = client_report.available_periods(rel, site)
    if not periods:
        st.info(md_escape(f"Release {rel.version} has nothing for {names[site]} yet."))
        return
    keys = [p.key for p in periods]
    if st.session_state.get("cr_period") not in keys:  # another site, or a new release, may not have the period picked before
        st.session_state["cr_period"] = keys[0]
    by_key = {p.key: p for p in periods}
    with st.container(horizontal=True):
        period = by_key[st.selectbox("Period", keys, format_func=lambda k: by_key[k].label("en"), key="cr_period")]
        lang = st.selectbox("Language", ["en", "fr"], format_func={"en": "English", "fr": "Français"}.get, key="cr_lang")
        paper = st.selectbox("Paper", list(client_report.PAPERS), format_func={"a4": "A4", "letter": "US Letter"}.get, key="cr_paper")
    rep = client_report.build(rel, site, period, lang)
    approval = actions.client_report_approval(store.root, rep.site, rep.period.key, rel.version)
    _status(store, rep, approval, rel.version)
    if approval is None:
        if st.button(f"Approve this report for the client (release {rel.version})", key="cr_approve", type="primary"):
            a = actions.approve_client_report(store, site, period.key, user.name, lang=lang)
            st.session_state["cr_msg"] = (f"The report for {a['site_name']}, {period.label('en')}, is approved for the client "
                                          f"(release {a['release']}). Its client copy can be downloaded now.")
            st.rerun()
    _downloads(store, user, rep, approval, lang, paper)
    st.subheader("Preview" if approval else "Preview (draft)")
    st.iframe(client_report.html_page(rep, lang, approval=approval, draft=approval is None, paper=paper), height=PREVIEW_HEIGHT)


def _status(store, rep, approval: dict | None, version: int) -> None:
    if approval:
        st.success(md_escape(f"Approved for the client by {approval['by']} on {approval['at'][:10]} (release {approval['release']})."))
        return
    earlier = [a for a in actions.client_report_approvals(store.root, rep.site, rep.period.key) if a.get("release") != version]
    text = f"Not approved for the client in release {version}: preview it, then approve it to share it."
    if earlier:
        a = earlier[-1]
        text += (f" It was approved for release {a['release']} by {a['by']} on {a['at'][:10]}; release {version} may have changed "
                 "its figures, so it needs a new approval.")
    st.warning(md_escape(text))


def _downloads(store, user, rep, approval: dict | None, lang: str, paper: str) -> None:
    """The client copy once approved; a copy marked DRAFT before. Each file is made (and logged) when it is downloaded."""
    draft = approval is None

    def make(fmt: str):
        def data() -> bytes:
            try:
                out, _, _ = actions.client_report_copy(store, rep.site, rep.period.key, user.name, fmt, lang=lang, paper=paper, draft=draft)
            except (ImageError, InputError) as exc:  # e.g. the release changed under the page: the file says why, not a traceback
                return f"The report could not be made: {exc}".encode("utf-8")
            return out
        return data

    what = "draft copy, marked DRAFT" if draft else "client copy"
    no_pdf = None if images.available() else "This server has no chromium to print PDFs: download the HTML and print it from a browser."
    with st.container(horizontal=True):
        for fmt, mime in (("pdf", "application/pdf"), ("html", "text/html")):
            st.download_button(f"Download the {what} ({fmt.upper()})", make(fmt), file_name=client_report.file_name(rep, lang, fmt, draft=draft),
                               mime=mime, on_click="ignore", key=f"cr_dl_{fmt}", type="secondary" if draft else "primary",
                               disabled=fmt == "pdf" and no_pdf is not None, help=no_pdf if fmt == "pdf" else None)
