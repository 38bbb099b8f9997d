"""Pure figure builders shared by the pages, the deck and the static site (plotly graph_objects)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

# Okabe–Ito: colour-blind-safe; lines also differ by dash and marker, never by colour alone.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "cross", "star", "hexagon"]


def trend_by_category(df: pd.DataFrame, title: str, labels: dict[str, str] | None = None, top: int = 6) -> go.Figure:
    """Lines of counts by quarter for the `top` largest categories (df: quarter, category, n)."""
    labels = labels or {}
    fig = go.Figure()
    if not df.empty:
        order = df.groupby("category")["n"].sum().sort_values(ascending=False).index[:top]
        quarters = sorted(df["quarter"].unique())
        for i, cat in enumerate(order):
            s = df[df["category"] == cat].set_index("quarter")["n"].reindex(quarters, fill_value=0)
            fig.add_trace(go.Scatter(
                x=quarters, y=[None if pd.isna(v) else int(v) for v in s], name=labels.get(cat, cat), mode="lines+markers",
                line=dict(color=OKABE_ITO[i % len(OKABE_ITO)], dash=DASHES[i % len(DASHES)], width=3),
                marker=dict(symbol=MARKERS[i % len(MARKERS)], size=8),
            ))
    fig.update_layout(title=title, xaxis_title="Quarter", yaxis_title="Incidents", hovermode="x unified",
                      template="plotly_white", margin=dict(l=60, r=20, t=60, b=50), legend=dict(orientation="h", y=-0.2))
    fig.update_yaxes(rangemode="tozero")
    return fig
