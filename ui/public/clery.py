"""The Clery pages' Streamlit parts: the Annual Security Report with its CSV and PDF downloads, and the daily crime log."""
from __future__ import annotations

import streamlit as st

from outputs import clery as files
from outputs.images import ImageError, available
from stats import clery, views
from stats.i18n import t
from stats.read import open_release

from ui.data import provider_id, runner, shared
from ui.public import file_links
from ui.public.page import image_links
from ui.render import md_escape, prepare, render


def _no_clery(ctx: views.Ctx) -> bool:
    """Say so and stop drawing when the release has no Clery data (a police service's, say)."""
    if ctx.q(clery.has_clery):
        return False
    st.info(md_escape(t("clery.none", ctx.lang)))
    return True


def ready_report(rel, lang: str) -> list:
    """The report's blocks, built once per release and language for every session (ui.data.shared)."""
    return prepare(clery.report_blocks(rel, runner(rel), lang))


def ready_log(rel, lang: str) -> list:
    """The crime log's blocks, built once per release and language for every session."""
    return prepare(clery.log_blocks(rel, runner(rel), lang))


@st.cache_data(max_entries=8, show_spinner=False)
def _csv(root: str, version: int, lang: str) -> bytes:
    return files.csv_bytes(open_release(root, version), lang)


@st.cache_data(max_entries=8, show_spinner=False)
def _printed(root: str, version: int, lang: str) -> bytes:
    return files.pdf_bytes(open_release(root, version), lang)


def _pdf(root: str, version: int, lang: str) -> bytes:
    """The PDF, printed only when asked for (chromium takes seconds); if printing fails the file says why, in words."""
    try:
        return _printed(root, version, lang)
    except ImageError as exc:
        return t("clery.pdf_failed", lang, why=str(exc)).encode("utf-8")


def report(ctx: views.Ctx) -> None:
    if _no_clery(ctx):
        return
    rel, lang = ctx.rel, ctx.lang
    root = str(rel.store.root)
    with st.container(horizontal=True, key="clery-downloads", vertical_alignment="center"):
        st.download_button(md_escape(t("clery.csv", lang)), _csv(root, rel.version, lang), file_name=files.file_name(rel, lang, "csv"),
                           mime="text/csv", key="clery-csv", on_click="ignore")
        if available():  # printed by chromium: no button on a server without it (the CSV holds the same tables)
            st.download_button(md_escape(t("clery.pdf", lang)), lambda: _pdf(root, rel.version, lang), file_name=files.file_name(rel, lang, "pdf"),
                               mime="application/pdf", key="clery-pdf", on_click="ignore")
    view = file_links.view(provider_id(), rel.version, "clery", None, None, lang)
    render(shared(rel)(ready_report, lang), lang, lambda p, label: None, image_links=lambda key: image_links(view, key, lang))


def crime_log(ctx: views.Ctx) -> None:
    if _no_clery(ctx):
        return
    render(shared(ctx.rel)(ready_log, ctx.lang), ctx.lang, lambda p, label: None)
