"""Draw the blocks of stats.views with Streamlit. Text from the data is never rendered as Markdown or HTML."""
from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from stats import blocks as B
from stats.i18n import t

ROOT = Path(__file__).resolve().parents[1]
# Every ASCII punctuation character can be backslash-escaped in CommonMark; escaping them all turns any
# text into literal text (no links, emphasis, headings, tables, :emoji: or :material/icon:, $maths$).
_MD = re.compile(r"([\\`*_\[\]()#+\-.!|<>~$:=&])")
PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True, "scrollZoom": False}


def md_escape(text) -> str:
    """Plain text made safe for st.markdown / st.caption / widget labels."""
    s = "" if text is None else str(text)
    s = _MD.sub(r"\\\1", s)
    return s.replace("\n", " ")


def small(s: str) -> None:
    """A note in small type. (st.caption's grey is 3.9:1 on white, below the 4.5:1 text needs: not used.)"""
    st.markdown(f":small[{md_escape(s)}]")


def text(s: str, kind: str = "body") -> None:
    if kind == "note":
        small(s)
    elif kind == "info":
        st.info(md_escape(s))
    else:
        st.markdown(md_escape(s))


def heading(h: B.Heading) -> None:
    fn = {1: st.title, 2: st.header, 3: st.subheader}.get(h.level, st.subheader)
    fn(md_escape(h.text), anchor=h.anchor or False)


def chart(c: B.Chart, lang: str) -> None:
    with st.container(key=f"chart-{c.key.replace('.', '-')}"):
        st.subheader(md_escape(c.title), anchor=c.key.replace(".", "-"))
        # the sentence is the chart's text alternative: it says what the chart shows, read before the figure
        st.markdown(md_escape(c.sentence))
        if c.figure is not None:
            c.figure.update_layout(title=None, margin=dict(t=70 if c.figure.layout.showlegend else 20))
            st.plotly_chart(c.figure, theme=None, config=PLOTLY_CONFIG, width="stretch", key=f"fig-{c.key}")
            from ui.public import images# PNG and SVG of the chart, stamped (ui/public/images.py)

            images.buttons(c, lang)
        for n in c.notes:
            small(n)
        if c.source:
            small(c.source)
        if c.table is not None and len(c.table):
            with st.expander(t("show_numbers", lang)):
                st.dataframe(c.table, hide_index=True, width="stretch")


def table(tb: B.Table, lang: str) -> None:
    st.subheader(md_escape(tb.title), anchor=tb.key.replace(".", "-"))
    st.markdown(md_escape(tb.sentence))
    if len(tb.table):
        st.dataframe(tb.table, hide_index=True, width="stretch")
    for n in tb.notes:
        small(n)


def metrics(m: B.Metrics) -> None:
    if not m.items:
        return
    cols = st.columns(min(len(m.items), 4))
    for i, item in enumerate(m.items):
        with cols[i % len(cols)]:
            with st.container(border=True, key=f"metric-{item.key}"):
                st.metric(md_escape(item.label), item.value)
                for d in item.detail:
                    st.markdown(md_escape(d))


def bullets(b: B.Bullets) -> None:
    st.markdown("\n".join(f"- {md_escape(i)}" for i in b.items))


def links(lk: B.Links, link_to) -> None:
    for page, label in lk.items:
        link_to(page, label)


def doc(d: B.Doc, lang: str = "en") -> None:
    """A document written by the project (not uploaded text): rendered as Markdown, inside an expander.
    docs/name.<lang>.md is used when it exists (docs/methodology.fr.md), else docs/name.md."""
    p = ROOT / d.path
    translated = p.with_name(f"{p.stem}.{lang}{p.suffix}")
    if translated.exists():
        p = translated
    with st.expander(md_escape(d.title)):
        if p.exists():
            body = p.read_text(encoding="utf-8")
            # links inside the repository's docs do not exist on the site: keep their text only
            body = re.sub(r"\[([^\]]+)\]\((?!https?://)[^)]+\)", r"\1", body)
            st.markdown(body)
        else:
            small(d.path)


def render(blocks: list, lang: str, link_to, downloads=None, hooks: dict | None = None) -> None:
    """Draw blocks in order; hooks[key]() runs just before the chart or table with that key (a widget beside it)."""
    hooks = hooks or {}
    for b in blocks:
        key = getattr(b, "key", None)
        if key in hooks:
            hooks[key]()
        if isinstance(b, B.Heading):
            heading(b)
        elif isinstance(b, B.Text):
            text(b.text, b.kind)
        elif isinstance(b, B.Bullets):
            bullets(b)
        elif isinstance(b, B.Metrics):
            metrics(b)
        elif isinstance(b, B.Chart):
            chart(b, lang)
        elif isinstance(b, B.Table):
            table(b, lang)
        elif isinstance(b, B.Links):
            links(b, link_to)
        elif isinstance(b, B.Downloads):
            if downloads:
                downloads(b)
        elif isinstance(b, B.Doc):
            doc(b, lang)
