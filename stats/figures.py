"""Pure figure builders shared by the pages, the town-hall deck and the static site (plotly graph_objects).

Rules every builder follows (docs/methodology.md):
- Okabe–Ito colours, only those with at least 3:1 contrast against white for marks; text is near-black
  (#222, 15.9:1). Series also differ by dash, marker or pattern, and bars carry their value as text,
  so nothing is told by colour alone.
- y values are plain Python lists (None for a hidden or missing value), never numpy arrays.
- Text that comes from the data (area names, topics) is HTML-escaped: plotly renders a subset of HTML.
- Number separators follow the language (layout.separators); labels are formatted by the caller with Babel.
- Each figure is built in one go.Figure(data, layout) call with template "none" and explicit styling: the
  "plotly_white" template alone costs 10 ms a figure (a deep copy), and every update_* call validates again.
"""
from __future__ import annotations

import html
import math
import textwrap

import plotly.graph_objects as go

# Okabe–Ito. Orange, sky blue and yellow are below 3:1 against white, so they are not used for marks.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#000000", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]
MARK_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#000000", "#CC79A7"]  # ≥ 3:1 on white
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "cross", "star", "hexagon"]
PATTERNS = ["", "/", ".", "x", "-", "+"]
TEXT = "#222222"
GRID = "#D9D9D9"
NO_DATA_FILL = "#E0E0E0"
# light-to-mid blues (ColorBrewer Blues 1–6): black labels stay above 4.5:1 on every fill; outlines carry the shapes
SEQUENTIAL = [[0.0, "#F7FBFF"], [0.25, "#DEEBF7"], [0.5, "#C6DBEF"], [0.75, "#9ECAE1"], [1.0, "#6BAED6"]]
# quoted: an unquoted "Source Sans 3" is not valid CSS, and the browser would drop the whole list ("Open Sans" instead)
FONT = dict(family='"Source Sans Pro", "Source Sans 3", Arial, sans-serif', size=14, color=TEXT)
SEPARATORS = {"fr": ", ", "en": ".,"}


def esc(text) -> str:
    """Data text made safe for plotly labels (which render <b>, <a href> and friends)."""
    return html.escape("" if text is None else str(text), quote=False)


def _clean(values) -> list:
    out = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        try:
            f = float(v)
        except (TypeError, ValueError):
            out.append(None)
            continue
        if math.isnan(f):
            out.append(None)
        elif f.is_integer() and not isinstance(v, float):
            out.append(int(f))
        else:
            out.append(f)
    return out


def wrap_tick(label: str) -> str:
    """'Q3 2026' → 'Q3<br>2026': quarter labels stacked on two lines so twelve of them fit a phone."""
    return esc(label).replace(" ", "<br>", 1)


def _axis(title: str | None = None, **more) -> dict:
    ax = dict(gridcolor=GRID, linecolor="#555555", showline=True, zeroline=False, tickfont=dict(color=TEXT), automargin=True,
              ticks="outside", tickcolor="#555555")
    if title:
        ax["title"] = dict(text=esc(title), font=dict(color=TEXT))
    ax.update(more)
    return ax


def _quarter_axis(labels: list[str], title: str | None = None, **more) -> dict:
    xs = [esc(x) for x in labels]
    return _axis(title, type="category", tickmode="array", tickvals=xs, ticktext=[wrap_tick(x) for x in labels], tickangle=0, **more)


def _layout(title: str, lang: str, height: int, show_legend: bool, **more) -> dict:
    lay = dict(
        template="none", title=dict(text=esc(title), x=0, xanchor="left", font=dict(size=17, color=TEXT)),
        font=FONT, height=height, separators=SEPARATORS.get(lang, ".,"), margin=dict(l=10, r=20, t=56, b=10),
        showlegend=show_legend, legend=dict(orientation="h", yanchor="top", y=-0.18, x=0, font=dict(color=TEXT)),
        paper_bgcolor="#FFFFFF", plot_bgcolor="#FFFFFF", hoverlabel=dict(font=dict(color=TEXT), bgcolor="#FFFFFF"),
        hovermode="closest",
    )
    lay.update(more)
    return lay


def _range_for_text(vals: list, factor: float = 1.25) -> list | None:
    top = max([v for v in vals if v is not None] or [0])
    return [0, top * factor] if top > 0 else None


def quarter_axis(fig: go.Figure, labels: list[str]) -> None:
    """Stack an existing figure's quarter labels on two lines (for figures made elsewhere)."""
    fig.update_xaxes(**{k: v for k, v in _quarter_axis(labels).items() if k in ("tickmode", "tickvals", "ticktext", "tickangle", "type")})


def lines(x_labels: list[str], series: list[dict], *, title: str, lang: str, x_title: str | None = None,
          y_title: str | None = None, y_range: list | None = None, hline: dict | None = None, height: int = 420,
          hover_suffix: str = "") -> go.Figure:
    """Lines over ordered categories (quarters). series: {name, y}; hline: {y, label} drawn dashed."""
    xs = [esc(x) for x in x_labels]
    data = []
    for i, s in enumerate(series):
        name = esc(s["name"])
        data.append(dict(
            type="scatter", x=xs, y=_clean(s["y"]), name=name, mode="lines+markers",
            line=dict(color=MARK_COLOURS[i % len(MARK_COLOURS)], dash=DASHES[i % len(DASHES)], width=3),
            marker=dict(symbol=MARKERS[i % len(MARKERS)], size=9, line=dict(width=1, color="#FFFFFF")),
            connectgaps=False, hovertemplate="%{x}: %{y}" + esc(hover_suffix) + "<extra>" + name + "</extra>",
        ))
    many = len(series) > 1
    more = {}
    if many:  # above the plot (clear of the axis title), entries in equal columns so none is cut
        more["legend"] = dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(color=TEXT), entrywidthmode="fraction",
                              entrywidth=1.0 / min(len(series), 3))
        more["margin"] = dict(l=10, r=20, t=90, b=10)
    if hline is not None:
        more["shapes"] = [dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=hline["y"], y1=hline["y"],
                               line=dict(color="#000000", dash="dash", width=2))]
        more["annotations"] = [dict(text=esc(hline["label"]), xref="paper", x=0, xanchor="left", yref="y", y=hline["y"], yanchor="bottom",
                                    showarrow=False, font=dict(color=TEXT), bgcolor="#FFFFFF")]
    yaxis = _axis(y_title, range=y_range) if y_range is not None else _axis(y_title, rangemode="tozero")
    if hline is not None and y_range is None:
        top = max([v for s in series for v in _clean(s["y"]) if v is not None] + [hline["y"]])
        yaxis["range"] = [0, top * 1.15]
    layout = _layout(title, lang, height, many, xaxis=_quarter_axis(x_labels, x_title), yaxis=yaxis, **more)
    return go.Figure(data=data, layout=layout)


def bars(labels: list[str], values: list, *, title: str, lang: str, texts: list[str] | None = None, horizontal: bool = True,
         x_title: str | None = None, y_title: str | None = None, colour: str = MARK_COLOURS[0], pattern: str = "",
         height: int | None = None, name: str | None = None, tick_labels: list[str] | None = None, quarters: bool = False,
         value_range: list | None = None, value_ticks: list | None = None, value_suffix: str = "", text_size: int | None = None) -> go.Figure:
    """One series of bars, each labelled with its value (texts: preformatted labels; tick_labels: shorter axis labels;
    quarters: the categories are quarter labels, stacked on two lines)."""
    cats = [esc(c) for c in labels]
    vals = _clean(values)
    n = max(len(cats), 1)
    trace = dict(type="bar", marker=dict(color=colour, line=dict(color="#000000", width=1), pattern=dict(shape=pattern, fgcolor="#FFFFFF")),
                 text=[esc(t) for t in texts] if texts is not None else None, textposition="outside",
                 textfont=dict(color=TEXT, **({"size": text_size} if text_size else {})), cliponaxis=False, name=esc(name or title))
    vrange = value_range or _range_for_text(vals)
    vaxis = _axis(x_title if horizontal else y_title, rangemode="tozero", **({"range": vrange} if vrange else {}),
                  **({"tickvals": value_ticks} if value_ticks else {}), **({"ticksuffix": value_suffix} if value_suffix else {}))
    if horizontal:
        trace.update(y=cats, x=vals, orientation="h", hovertemplate="%{y}: %{x}<extra></extra>")
        layout = _layout(title, lang, height or max(220, 60 + 34 * n), False,
                         yaxis=_axis(y_title, autorange="reversed", type="category"), xaxis=vaxis)
    else:
        trace.update(x=cats, y=vals, hovertemplate="%{x}: %{y}<extra></extra>")
        if quarters:
            xaxis = _quarter_axis(labels, x_title)
        else:
            xaxis = _axis(x_title, type="category", tickangle=0)
            if tick_labels is not None:
                xaxis.update(tickmode="array", tickvals=cats, ticktext=[esc(x) for x in tick_labels])
        layout = _layout(title, lang, height or 380, False, xaxis=xaxis, yaxis=vaxis)
    return go.Figure(data=[trace], layout=layout)


def grouped_bars(labels: list[str], groups: list[dict], *, title: str, lang: str, x_title: str | None = None,
                 height: int | None = None) -> go.Figure:
    """Horizontal bars, several series per label; each series has its own colour, pattern and value labels.
    groups: {name, values, texts}."""
    cats = [esc(c) for c in labels]
    data, top = [], 0.0
    for i, g in enumerate(groups):
        vals = _clean(g["values"])
        top = max([top] + [v for v in vals if v is not None])
        name = esc(g["name"])
        data.append(dict(
            type="bar", y=cats, x=vals, orientation="h", name=name,
            marker=dict(color=MARK_COLOURS[i % len(MARK_COLOURS)], line=dict(color="#000000", width=1),
                        pattern=dict(shape=PATTERNS[i % len(PATTERNS)], fgcolor="#FFFFFF", size=8)),
            text=[esc(t) for t in g.get("texts") or []] or None, textposition="outside", textfont=dict(color=TEXT), cliponaxis=False,
            hovertemplate="%{y}: %{x}<extra>" + name + "</extra>",
        ))
    layout = _layout(title, lang, height or max(260, 80 + 26 * len(cats) * len(groups)), True, barmode="group",
                     legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, font=dict(color=TEXT), entrywidthmode="fraction",
                                 entrywidth=1.0 / max(min(len(groups), 3), 1)),
                     margin=dict(l=10, r=20, t=90, b=10),
                     yaxis=_axis(None, autorange="reversed", type="category"),
                     xaxis=_axis(x_title, rangemode="tozero", **({"range": [0, top * 1.3]} if top > 0 else {})))
    return go.Figure(data=data, layout=layout)


def two_panels(x_labels: list[str], top: dict, bottom: dict, *, title: str, lang: str, height: int = 520) -> go.Figure:
    """Two stacked panels sharing the quarter axis: bars on top, a line below (different units, no dual axis)."""
    xs = [esc(x) for x in x_labels]
    ty, by = _clean(top["y"]), _clean(bottom["y"])
    data = [
        dict(type="bar", x=xs, y=ty, name=esc(top["name"]), text=[esc(t) for t in top.get("texts") or []] or None, textposition="outside",
             textfont=dict(color=TEXT), cliponaxis=False, marker=dict(color=MARK_COLOURS[0], line=dict(color="#000000", width=1)),
             xaxis="x", yaxis="y"),
        dict(type="scatter", x=xs, y=by, name=esc(bottom["name"]), mode="lines+markers+text",
             text=[esc(t) for t in bottom.get("texts") or []] or None, textposition="top center", textfont=dict(color=TEXT),
             line=dict(color=MARK_COLOURS[1], dash="dash", width=3), marker=dict(symbol="square", size=9), xaxis="x2", yaxis="y2"),
    ]
    tr, br = _range_for_text(ty), _range_for_text(by, 1.3)
    layout = _layout(
        title, lang, height, False,
        xaxis=_quarter_axis(x_labels, None, anchor="y", showticklabels=False, matches="x2"),
        yaxis=_axis(None, domain=[0.57, 1.0], rangemode="tozero", **({"range": tr} if tr else {})),
        xaxis2=_quarter_axis(x_labels, None, anchor="y2"),
        yaxis2=_axis(None, domain=[0.0, 0.43], rangemode="tozero", **({"range": br} if br else {})),
        annotations=[dict(text=esc(top["name"]), xref="paper", yref="paper", x=0.5, y=1.0, yanchor="bottom", showarrow=False,
                          font=dict(color=TEXT, size=14)),
                     dict(text=esc(bottom["name"]), xref="paper", yref="paper", x=0.5, y=0.43, yanchor="bottom", showarrow=False,
                          font=dict(color=TEXT, size=14))],
    )
    return go.Figure(data=data, layout=layout)


def _interp(colorscale, x: float) -> str:
    """Colour at x in [0, 1] on a two-or-more stop scale of hex colours."""
    x = min(max(x, 0.0), 1.0)
    for (a, ca), (b, cb) in zip(colorscale, colorscale[1:]):
        if x <= b:
            f = 0.0 if b == a else (x - a) / (b - a)
            c1 = [int(ca[i:i + 2], 16) for i in (1, 3, 5)]
            c2 = [int(cb[i:i + 2], 16) for i in (1, 3, 5)]
            return "#" + "".join(f"{round(u + (v - u) * f):02X}" for u, v in zip(c1, c2))
    return colorscale[-1][1]


def _label_lines(text: str, width: int = 12) -> list[str]:
    """A map label on lines of about `width` characters ("University Heights" on two), so it stays inside its shape."""
    return textwrap.wrap(text, width, break_long_words=False) or [text]


def ranked(items: list[dict], *, title: str, lang: str, value_title: str, highlight: str | None = None,
           height: int | None = None) -> go.Figure:
    """Areas ranked by value, largest first: what takes a map's place where the areas have no boundaries (client sites,
    patrol zones, beats known only by name). items: {id, value, text, name}; the caller leaves out areas with no value.

    The chosen area (highlight) is drawn in another colour and pattern, with its name in bold and marked "◀", so it is
    not told by colour alone. The trace carries meta = {"ranked": True, "areas": [ids], "values": [values]} so tests and
    other renderers can read the numbers."""
    order = sorted(items, key=lambda i: (-(_clean([i["value"]])[0] or 0), str(i["name"]).lower()))
    ids = [str(i["id"]) for i in order]
    vals = _clean([i["value"] for i in order])
    hl = [i == highlight for i in ids]
    cats = [f"<b>{esc(i['name'])} ◀</b>" if h else esc(i["name"]) for i, h in zip(order, hl)]
    trace = dict(type="bar", orientation="h", y=cats, x=vals, text=[esc(i["text"]) for i in order], textposition="outside",
                 textfont=dict(color=TEXT), cliponaxis=False, name=esc(title), hovertemplate="%{y}: %{text}<extra></extra>",
                 marker=dict(color=[MARK_COLOURS[1] if h else MARK_COLOURS[0] for h in hl], line=dict(color="#000000", width=1),
                             pattern=dict(shape=["/" if h else "" for h in hl], fgcolor="#FFFFFF")),
                 meta={"ranked": True, "areas": ids, "values": vals})
    vrange = _range_for_text(vals, 1.3)
    layout = _layout(title, lang, height or max(240, 70 + 40 * len(order)), False,
                     yaxis=_axis(None, autorange="reversed", type="category"),
                     xaxis=_axis(value_title, rangemode="tozero", **({"range": vrange} if vrange else {})))
    return go.Figure(data=[trace], layout=layout)


def choropleth(outlines: dict, points: dict, shaded: list[dict], unshaded: list[dict], *, title: str, lang: str,
               colorbar_title: str, highlight: str | None = None, height: int = 540) -> go.Figure:
    """Areas filled by value and labelled with it, drawn as plain SVG shapes: no base map, no tiles, no topojson, no fonts.

    outlines: {id: [ring of (lon, lat)]}; shaded: {id, value, label, short?} areas with a value; unshaded: {id, label,
    short?} areas without one (grey, labelled with the reason). short: lines of the label drawn on the area.
    Each area's trace carries meta = {"area": id, "value": value} so tests and other renderers can read the numbers.
    (plotly's geo traces fetch world_110m.json from a CDN even with geo.visible = False, and map traces fetch glyphs
    for text labels: neither is used.)
    """
    data = []
    vals = [v for v in _clean([s["value"] for s in shaded]) if v is not None]
    zmax = (max(vals) if vals else 1.0) or 1.0
    lats = [y for rings in outlines.values() for r in rings for _, y in r]
    lat0 = (min(lats) + max(lats)) / 2 if lats else 0.0
    for item, has_value in [(s, True) for s in shaded] + [(s, False) for s in unshaded]:
        rings = outlines.get(item["id"])
        if not rings:
            continue
        xs, ys = [], []
        for r in rings:
            xs += [p[0] for p in r] + [None]
            ys += [p[1] for p in r] + [None]
        v = _clean([item.get("value")])[0] if has_value else None
        fill = _interp(SEQUENTIAL, v / zmax) if v is not None else NO_DATA_FILL
        hl = item["id"] == highlight
        data.append(dict(
            type="scatter", x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill,
            line=dict(color="#000000" if hl else "#333333", width=4 if hl else 1),
            hoveron="fills", hoverinfo="text", text=esc(item["label"]), name=esc(item["label"]), showlegend=False,
            meta={"area": item["id"], "value": v},
        ))
    labelled = [s for s in shaded + unshaded if s["id"] in points and s["id"] in outlines]
    if labelled:
        data.append(dict(
            type="scatter", x=[points[s["id"]][0] for s in labelled], y=[points[s["id"]][1] for s in labelled], mode="text",
            text=["<br>".join(esc(x) for part in (s.get("short") or [s["label"]]) for x in _label_lines(str(part))) for s in labelled],
            textfont=dict(color="#000000", size=12), hoverinfo="skip", showlegend=False,
        ))
    if vals and points:
        any_pt = next(iter(points.values()))
        data.append(dict(  # colour bar only
            type="scatter", x=[any_pt[0]], y=[any_pt[1]], mode="markers", hoverinfo="skip", showlegend=False,
            marker=dict(size=0.1, opacity=0, color=[0], cmin=0, cmax=zmax, colorscale=SEQUENTIAL, showscale=True,
                        colorbar=dict(title=dict(text=esc(colorbar_title), font=dict(color=TEXT), side="right"), tickfont=dict(color=TEXT),
                                      thickness=14, len=0.8, outlinecolor="#333333", outlinewidth=1)),
        ))
    hidden = dict(visible=False, showgrid=False, zeroline=False)
    layout = _layout(title, lang, height, False, margin=dict(l=0, r=0, t=56, b=0), dragmode=False,
                     xaxis=hidden, yaxis=dict(hidden, scaleanchor="x", scaleratio=1 / max(math.cos(math.radians(lat0)), 0.05)))
    return go.Figure(data=data, layout=layout)


# ---------------------------------------------------------------- big-room and export variants (town-hall deck, images, site)


ROOM_FONT = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"  # installed fonts only: nothing to fetch


def _bigger(font: dict | None, size: int) -> dict:
    f = dict(font or {})
    f["size"] = max(int(f.get("size") or 0), size)
    f["family"] = ROOM_FONT
    return f


def scaled(fig: go.Figure, font_size: int = 26, height: int | None = None, width: int | None = None, title: bool = False) -> go.Figure:
    """A copy of `fig` for the back of a room: every text at least `font_size` px (axes, ticks, legend, bar labels,
    annotations, colour bar), thicker lines and larger markers; the title is dropped unless `title` (the slide says it).

    Works on the figure's JSON (no validation per property), so it is cheap and leaves `fig` untouched."""
    d = fig.to_plotly_json()
    lay = dict(d.get("layout") or {})
    lay["font"] = _bigger(lay.get("font"), font_size)
    if title and lay.get("title"):
        lay["title"] = {**lay["title"], "font": _bigger(lay["title"].get("font"), font_size + 4)}
    else:
        lay.pop("title", None)
    for k in list(lay):
        if k.startswith(("xaxis", "yaxis")) and isinstance(lay[k], dict):
            ax = dict(lay[k])
            ax["tickfont"] = _bigger(ax.get("tickfont"), font_size)
            if isinstance(ax.get("title"), dict):
                ax["title"] = {**ax["title"], "font": _bigger(ax["title"].get("font"), font_size)}
            lay[k] = ax
    if isinstance(lay.get("legend"), dict):
        lay["legend"] = {**lay["legend"], "font": _bigger(lay["legend"].get("font"), font_size)}
    if lay.get("annotations"):
        lay["annotations"] = [{**a, "font": _bigger(a.get("font"), font_size)} for a in lay["annotations"]]
    lay["hoverlabel"] = {**(lay.get("hoverlabel") or {}), "font": _bigger((lay.get("hoverlabel") or {}).get("font"), font_size)}
    m = dict(lay.get("margin") or {})
    m["t"] = max(int(m.get("t") or 0), 130 if lay.get("showlegend") else (90 if title else 30))
    m["l"] = max(int(m.get("l") or 0), 40)  # automargin measures tick labels a little short at this size
    m["r"] = max(int(m.get("r") or 0), 40)
    lay["margin"] = m
    if height is not None:
        lay["height"] = height
    if width is not None:
        lay["width"] = width
    data = []
    for tr in d.get("data") or []:
        tr = dict(tr)
        if tr.get("text") is not None or "text" in str(tr.get("mode", "")):
            tr["textfont"] = _bigger(tr.get("textfont"), font_size)
        if isinstance(tr.get("line"), dict) and tr["line"].get("width"):
            tr["line"] = {**tr["line"], "width": max(tr["line"]["width"], min(tr["line"]["width"] * 1.7, 6))}
        mk = tr.get("marker")
        if isinstance(mk, dict):
            mk = dict(mk)
            if isinstance(mk.get("size"), (int, float)) and mk["size"] >= 1:
                mk["size"] = mk["size"] * 1.6
            if isinstance(mk.get("colorbar"), dict):
                cb = dict(mk["colorbar"])
                cb["tickfont"] = _bigger(cb.get("tickfont"), font_size)
                if isinstance(cb.get("title"), dict):
                    cb["title"] = {**cb["title"], "font": _bigger(cb["title"].get("font"), font_size)}
                cb["thickness"] = max(cb.get("thickness") or 0, 24)
                mk["colorbar"] = cb
            tr["marker"] = mk
        data.append(tr)
    return go.Figure(data=data, layout=lay, skip_invalid=True)
