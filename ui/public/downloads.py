"""The /data page's Streamlit parts: a table of contents and the download buttons (files made only when asked for)."""
from __future__ import annotations

import streamlit as st

from outputs import downloads as D
from stats.blocks import Downloads
from stats.i18n import num, t
from stats.read import open_release

from ui.data import Memo
from ui.render import md_escape

SECTIONS = ("downloads", "history", "privacy", "sources", "methodology", "dictionary")


def contents(ctx) -> None:
    lang = ctx.lang
    st.markdown(md_escape(t("data.contents", lang)))
    # same-page anchors: the headings below carry these ids
    st.markdown("\n".join(f"- [{md_escape(t(f'data.h.{s}', lang))}](#{s})" for s in SECTIONS))


# Every file is made only when its button is pressed (a deferred download): a page view neither builds a CSV of
# millions of rows nor hashes the bytes of small ones (Streamlit hashes a file handed over as bytes on every view).
# Files of small tables are kept once made, in this process, for whoever asks next.
SMALL_ROWS = 50_000
_SMALL = Memo(32)


def _bytes(root: str, version: int, name: str, kind: str) -> bytes:
    rel = open_release(root, version)
    return D.csv_bytes(rel, name) if kind == "csv" else D.parquet_bytes(rel, name)


def _data(root: str, version: int, name: str, kind: str, rows: int):
    if rows <= SMALL_ROWS:
        return lambda: _SMALL.get((root, version, name, kind), lambda: _bytes(root, version, name, kind))
    return lambda: _bytes(root, version, name, kind)


FORMATS = ("csv", "parquet")


def buttons(ctx, block: Downloads) -> None:
    """A format choice, then one button per table (seven buttons, not fourteen: browsers hold back an eleventh
    download in a row from one page, and one choice reads more simply)."""
    lang, rel = ctx.lang, ctx.rel
    root, version = str(rel.store.root), rel.version
    if st.session_state.get("dl_format") not in FORMATS:
        st.session_state["dl_format"] = "csv"
    kind = st.radio(md_escape(t("data.download.format", lang)), FORMATS, key="dl_format", horizontal=True,
                    format_func=lambda f: t(f"data.download.format_{f}", lang))
    mime = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}[kind]
    for name, label, rows in block.items:
        # the row count in the button's label: one element a table, not three (a row, a button and its count)
        text = f"{t(f'data.download.{kind}', lang, label=label)} · {t('data.download.rows', lang, rows=num(rows, lang))}"
        st.download_button(md_escape(text), _data(root, version, name, kind, rows), file_name=D.file_name(rel, name, kind), mime=mime,
                           key=f"{kind}-{name}", on_click="ignore")
