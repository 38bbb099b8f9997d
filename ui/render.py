"""Draw the blocks of stats.views with Streamlit. Text from the data is never rendered as Markdown or HTML."""
from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

import orjson
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pyarrow as pa
import streamlit as st

from stats import blocks as B
from stats.i18n import t

ROOT = Path(__file__).resolve().parents[1]
# Every ASCII punctuation character can be backslash-escaped in CommonMark; escaping them all turns any
# text into literal text (no links, emphasis, headings, tables, :emoji: or :material/icon:, $maths$).
_MD = re.compile(r"([\\`*_\[\]()#+\-.!|<>~$:=&])")
# Streamlit's Markdown (remark-gfm) also turns bare URLs, www. names and emails into links, after escapes are undone,
# so no backslash stops it. A word joiner (U+2060: no width, no line break, skipped by screen readers) after the "://"
# colon, between "www" and its dot and after an "@" breaks each pattern it looks for (`https?://`, `www(?=\.)`,
# `@[-\w]`), and the text reads the same.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"
PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True, "scrollZoom": False}


class Escaped(str):
    """Text md_escape has made safe already (prepare() escapes a cached view's text once, not on every view)."""

    __slots__ = ()


def md_escape(text) -> str:
    """Plain text made safe for st.markdown / st.caption / widget labels: no Markdown, no HTML and no autolinks."""
    if type(text) is Escaped:
        return text
    s = "" if text is None else str(text)
    s = _AUTOLINK.sub(WORD_JOINER, s)
    s = _MD.sub(r"\\\1", s)
    return Escaped(s.replace("\n", " "))


def small(s: str) -> None:
    """A note in small type. (st.caption's grey is 3.9:1 on white, below the 4.5:1 text needs: not used.)"""
    smalls([s])


def smalls(notes: list) -> None:
    """Several notes in small type, one paragraph each, in one element (an element costs the server about 0.1 ms a view)."""
    if notes:
        st.markdown("\n\n".join(f":small[{md_escape(s)}]" for s in notes))


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


class ReadyFigure(go.Figure):
    """A figure laid out for the page and turned into JSON once, then drawn by every session that opens the view.

    st.plotly_chart takes a plotly figure and calls its to_dict() on every run (through
    plotly.tools.return_figure_from_figure_or_data), where a figure deep-copies itself: 0.5–2 ms a figure. This one
    holds only the JSON Streamlit would make of the original and reads it back (about 0.05 ms); Streamlit sends the
    same spec. It is a go.Figure so that Streamlit accepts it, but go.Figure.__init__ is not run: a built figure is
    about 40 objects for the garbage collector to walk after every script run, the JSON string is none. Only
    to_dict() (what Streamlit reads, see SentSpec), to_plotly_json() and to_json() work (the image links take
    to_plotly_json(), the deck to_json()). Read only.
    """

    def __init__(self, spec: dict):  # go.Figure.__init__ is left out on purpose (see above)
        self._spec = pio.to_json(spec, validate=False)  # what st.plotly_chart makes of a figure's to_dict()

    def to_dict(self) -> SentSpec:
        """What st.plotly_chart reads of the figure: a SentSpec, made once per figure (not pickled)."""
        sent = self.__dict__.get("_sent")
        if sent is None:
            sent = self.__dict__["_sent"] = SentSpec(self._spec)
        return sent

    def to_plotly_json(self) -> dict:
        return orjson.loads(self._spec)

    def to_json(self, *args, **kwargs) -> str:
        return self._spec

    def __repr__(self) -> str:
        return f"ReadyFigure({len(self._spec)} characters of JSON)"

    def __reduce__(self):  # pickled as its JSON (the view cache folder, ui.data): go.Figure's own would need a built figure
        return _ready_figure, (self._spec,)


class SentSpec(dict):
    """A ReadyFigure as st.plotly_chart takes it, its JSON sent as it is: the dict holds only the layout's height and
    width (all Streamlit reads of it), and to_plotly_json() hands plotly.io.to_json the JSON as an orjson.Fragment,
    which orjson writes out unchanged. Streamlit passes the figure's to_dict() to plotly.io.to_json (validate=False),
    which takes any dict as the figure, removes trace uids from its "data" (there is none here: the JSON has none
    either) and calls to_plotly_json() on it; decoding the JSON and encoding it again cost 0.1-0.3 ms a chart a view.
    tests/test_load_protocol.py checks that the JSON Streamlit makes of it is the figure's, character for character."""

    __slots__ = ("_fragment",)

    def __init__(self, spec_json: str):
        layout = orjson.loads(spec_json).get("layout") or {}
        super().__init__()
        size = {k: layout[k] for k in ("height", "width") if k in layout}
        if size:
            self["layout"] = size
        self._fragment = orjson.Fragment(spec_json)

    def to_plotly_json(self):
        return self._fragment


def _ready_figure(spec_json: str) -> ReadyFigure:
    fig = ReadyFigure.__new__(ReadyFigure)
    fig._spec = spec_json
    return fig


def lay_out(fig: go.Figure) -> go.Figure:
    """The chart's title is a heading on the page, not inside the figure; the legend needs room above the plot."""
    fig.update_layout(title=None, margin=dict(t=70 if fig.layout.showlegend else 20))
    return fig


def _laid_out_spec(fig: go.Figure) -> dict:
    """fig.to_dict() after lay_out(fig), made on the dict: update_layout validates, about 5 ms a figure."""
    spec = fig.to_dict()
    layout = spec.setdefault("layout", {})
    layout["title"] = {}  # what update_layout(title=None) leaves
    layout.setdefault("margin", {})["t"] = 70 if layout.get("showlegend") else 20
    return spec


def _arrow(df):
    """A table as Arrow, what st.dataframe sends: converted once instead of on every view (about 0.3–1 ms a table),
    and an Arrow table is a single object to the garbage collector where a DataFrame is dozens."""
    if not isinstance(df, pd.DataFrame):
        return df
    try:
        return pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        return df  # a column Arrow cannot take as it is: st.dataframe knows how to fix it up, on every view


# A prepared table of text (stats.views formats its numbers) of up to this many rows is drawn as a Markdown table, like
# a chart's numbers (a real HTML table for a screen reader, every row in view); a longer one, or one of numbers (the
# Clery report's counts), stays a data grid. Two short tables as st.dataframe sent
# 38 kB of Arrow a view of /feedback (schema and pandas metadata included) and cost 0.2 ms each.
MARKDOWN_TABLE_ROWS = 30


def numbers_table(df) -> Escaped:
    """A chart's numbers as a Markdown table (a real HTML table: a screen reader reads it by rows and columns, where
    st.dataframe's grid is a canvas; and one Markdown element costs a view a third of a dataframe). Every cell is
    text already (stats.views formats the numbers), escaped here; an empty cell stays empty."""
    def cell(v) -> str:
        return "" if v is None or (isinstance(v, float) and v != v) else md_escape(v)

    cols = list(df.columns)
    lines = ["| " + " | ".join(cell(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False, name=None)]
    return Escaped("\n".join(lines))


def _with(b, **fields):
    """A copy of block b with these fields set as given (not through __post_init__, whose cap() would hand back plain str)."""
    b = dataclasses.replace(b)
    for k, v in fields.items():
        setattr(b, k, v)
    return b


def prepare(blocks: list) -> list:
    """Blocks made ready to be drawn on many page views: each chart's figure laid out and turned into a ReadyFigure,
    each table turned into Arrow, and their text escaped for Markdown once."""
    out = []
    for b in blocks:
        if isinstance(b, B.Chart):
            fig = b.figure if b.figure is None or isinstance(b.figure, ReadyFigure) else ReadyFigure(_laid_out_spec(b.figure))
            table = numbers_table(b.table) if isinstance(b.table, pd.DataFrame) and len(b.table) else _arrow(b.table)
            b = _with(b, figure=fig, table=table, title=md_escape(b.title), sentence=md_escape(b.sentence),
                      notes=[md_escape(n) for n in b.notes], source=md_escape(b.source) if b.source else b.source)
        elif isinstance(b, B.Table):
            short = (isinstance(b.table, pd.DataFrame) and 0 < len(b.table) <= MARKDOWN_TABLE_ROWS
                     and all(pd.api.types.is_string_dtype(b.table[c]) for c in b.table.columns))
            b = _with(b, table=numbers_table(b.table) if short else _arrow(b.table), title=md_escape(b.title),
                      sentence=md_escape(b.sentence), notes=[md_escape(n) for n in b.notes])
        elif isinstance(b, (B.Heading, B.Text)):
            b = _with(b, text=md_escape(b.text))
        elif isinstance(b, B.Bullets):
            b = _with(b, items=[md_escape(i) for i in b.items])
        elif isinstance(b, B.Links):
            b = _with(b, items=[(page, md_escape(label)) for page, label in b.items])
        elif isinstance(b, B.Metrics):
            b = _with(b, items=[_with(m, label=md_escape(m.label), detail=[md_escape(d) for d in m.detail]) for m in b.items])
        out.append(b)
    return out


def chart(c: B.Chart, lang: str, image_links=None) -> None:
    """A chart under its heading, its sentence and, in small type, its notes, source and (when `image_links` is given:
    key → Markdown) the links to it as images, all in one element; then the figure; then its numbers."""
    links = image_links(c.key) if image_links and c.figure is not None else ""
    titled(c.title, c.sentence, c.key, [*c.notes, *([c.source] if c.source else []), *([links] if links else [])])
    if c.figure is not None:
        fig = c.figure if isinstance(c.figure, ReadyFigure) else lay_out(c.figure)
        st.plotly_chart(fig, theme=None, config=PLOTLY_CONFIG, width="stretch", key=f"fig-{c.key}")
    if c.table is not None and len(c.table):
        with st.expander(t("show_numbers", lang)):
            if isinstance(c.table, Escaped):  # a prepared chart's numbers: a Markdown table, made once (prepare())
                st.markdown(c.table)
            else:
                st.dataframe(c.table, hide_index=True, width="stretch")


def table(tb: B.Table, lang: str) -> None:
    titled(tb.title, tb.sentence, tb.key, tb.notes)
    if isinstance(tb.table, Escaped):  # a prepared short table: a Markdown table, made once (prepare())
        st.markdown(tb.table)
    elif len(tb.table):
        st.dataframe(tb.table, hide_index=True, width="stretch")


def titled(title: str, sentence: str, key: str, notes: list = ()) -> None:
    """A chart's or table's heading, its anchor made from its key (a Markdown heading's would be made from its words, which
    may come from the data), then its sentence (for a chart, its text alternative, read before the figure) and its notes
    in small type: paragraphs of one element, as an element costs a view about 0.1 ms."""
    st.subheader(md_escape(title), anchor=key.replace(".", "-"))
    st.markdown("\n\n".join([md_escape(sentence), *(f":small[{md_escape(n)}]" for n in notes if n)]))


def metrics(m: B.Metrics) -> None:
    """Cards side by side in one flex row that wraps on a narrow screen (st.columns was a block a column too)."""
    if not m.items:
        return
    with st.container(horizontal=True, gap="small"):
        for item in m.items:
            with st.container(border=True, key=f"metric-{item.key}"):
                st.metric(md_escape(item.label), item.value)
                if item.detail:
                    st.markdown("\n\n".join(md_escape(d) for d in item.detail))


def bullets(b: B.Bullets) -> None:
    st.markdown("\n".join(f"- {md_escape(i)}" for i in b.items))


def links(lk: B.Links, link_to) -> None:
    for page, label in lk.items:
        link_to(page, label)


def doc(d: B.Doc, lang: str = "en", lazy: bool = False) -> None:
    """A document written by the project (not uploaded text): rendered as Markdown, inside an expander.
    docs/name.<lang>.md is used when it exists (docs/methodology.fr.md), else docs/name.md.

    lazy: the document is sent once the reader opens its expander (which reruns the page), not with every view: the
    three documents of /data are 51 kB of Markdown, and Streamlit dedents, hashes and sends each on every run (about
    1.5 ms of a view of /data). Its key, "doc-" and the document's anchor, opens it from session state (tests)."""
    box = st.expander(md_escape(d.title), key=f"doc-{d.anchor or Path(d.path).stem}", on_change="rerun") if lazy else st.expander(md_escape(d.title))
    if lazy and not box.open:
        return
    with box:
        body = _doc_body(d.path, lang)
        if body is not None:
            st.markdown(body)
        else:
            small(d.path)


@functools.lru_cache(maxsize=32)
def _doc_body(path: str, lang: str) -> str | None:
    """A project document in the language as the page shows it, found and read once per process (docs are part of the
    code, like the catalogs)."""
    p = ROOT / path
    translated = p.with_name(f"{p.stem}.{lang}{p.suffix}")
    if translated.exists():
        p = translated
    if not p.exists():
        return None
    # links inside the repository's docs do not exist on the site: keep their text only
    return re.sub(r"\[([^\]]+)\]\((?!https?://)[^)]+\)", r"\1", p.read_text(encoding="utf-8"))


def render(blocks: list, lang: str, link_to, downloads=None, hooks: dict | None = None, image_links=None, lazy_docs: bool = False) -> None:
    """Draw blocks in order; hooks[key]() runs just before the chart or table with that key (a widget beside it).
    image_links(key) is the Markdown of a chart's links to itself as images (published pages only); lazy_docs: the
    project's documents are sent when the reader opens them (published pages only: the draft preview draws a page twice,
    and their keys would clash)."""
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
            chart(b, lang, image_links)
        elif isinstance(b, B.Table):
            table(b, lang)
        elif isinstance(b, B.Links):
            links(b, link_to)
        elif isinstance(b, B.Downloads):
            if downloads:
                downloads(b)
        elif isinstance(b, B.Doc):
            doc(b, lang, lazy_docs)
