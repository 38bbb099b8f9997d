"""What a page is made of, independent of how it is drawn (Streamlit page, town-hall deck, static site).

Every text field holds plain text (never Markdown or HTML): a renderer must escape it.
"""
from __future__ import annotations

from dataclasses import dataclass, field


def cap(text: str) -> str:
    """Sentence case: a sentence may start with a mid-sentence label ('all areas: …')."""
    return text[:1].upper() + text[1:] if text else text

import pandas as pd
import plotly.graph_objects as go


@dataclass
class Heading:
    text: str
    anchor: str | None = None
    level: int = 2


@dataclass
class Text:
    text: str
    kind: str = "body"  # body | note | info

    def __post_init__(self):
        self.text = cap(self.text)


@dataclass
class Bullets:
    items: list[str]

    def __post_init__(self):
        self.items = [cap(i) for i in self.items]


@dataclass
class Metric:
    key: str
    label: str
    value: str
    detail: list[str] = field(default_factory=list)  # judged comparisons, one sentence each

    def __post_init__(self):
        self.detail = [cap(d) for d in self.detail]


@dataclass
class Metrics:
    items: list[Metric]


@dataclass
class Chart:
    """A chart: title (what, where, when), the sentence (alt text), the figure, and the numbers behind it."""

    key: str
    title: str
    sentence: str
    figure: go.Figure | None
    table: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    source: str = ""

    def __post_init__(self):
        self.sentence = cap(self.sentence)
        self.notes = [cap(n) for n in self.notes]


@dataclass
class Table:
    key: str
    title: str
    sentence: str
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.sentence = cap(self.sentence)
        self.notes = [cap(n) for n in self.notes]


@dataclass
class Links:
    """Links to other pages (page key, label); the renderer keeps area, quarter and language."""

    items: list[tuple[str, str]]


Block = "Heading | Text | Bullets | Metrics | Chart | Table | Links | Downloads | Doc"


def charts(blocks: list) -> list[Chart]:
    return [b for b in blocks if isinstance(b, Chart)]


@dataclass
class Downloads:
    """Open-data downloads of the release's public tables: (table, label, rows)."""

    items: list[tuple[str, str, int]]


@dataclass
class Doc:
    """One of the project's own documents (Markdown written by the project, never uploaded text)."""

    path: str
    title: str
    anchor: str | None = None
