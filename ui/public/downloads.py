"""The /data page's Streamlit parts: a table of contents and the links to every public table's files (made only when asked for)."""
from __future__ import annotations

import streamlit as st

from stats.blocks import Downloads
from stats.i18n import num, t

from ui.data import provider_id
from ui.public import file_links
from ui.render import md_escape

SECTIONS = ("downloads", "history", "privacy", "sources", "methodology", "dictionary")


def contents(ctx) -> None:
    lang = ctx.lang
    # same-page anchors: the headings below carry these ids (the sentence and its list: one element)
    items = "\n".join(f"- [{md_escape(t(f'data.h.{s}', lang))}](#{s})" for s in SECTIONS)
    st.markdown(f"{md_escape(t('data.contents', lang))}\n\n{items}")


def links(ctx, block: Downloads) -> None:
    """One list, a table a line: its name, its rows and links to it as CSV and as Parquet. The files are made when a link
    is followed (app.py, ui/public/served.py), never while the page is drawn: one element for every table, where a
    download button was an element each."""
    lang, rel = ctx.lang, ctx.rel
    pid = provider_id()
    lines = []
    for name, label, rows in block.items:
        files = " · ".join(f"[{md_escape(t(f'data.download.format_{f}', lang))}]({file_links.table_url(pid, rel.version, name, f)})"
                           for f in file_links.TABLE_FORMATS)
        lines.append(f"- **{md_escape(label)}** ({md_escape(t('data.download.rows', lang, rows=num(rows, lang)))}): {files}")
    st.markdown("\n".join(lines))
