"""Under every chart of the public pages: download it as a stamped PNG or SVG (outputs.images; made only when asked for)."""
from __future__ import annotations

import json

import streamlit as st

from outputs import images
from stats import schemes
from stats.blocks import Chart, cap
from stats.i18n import quarter_label, t

from ui.data import current_release, runner


@st.cache_data(max_entries=64, show_spinner=False)
def _image(fig_json: str, stamp_json: str, fmt: str) -> bytes:
    import plotly.io as pio

    fig = pio.from_json(fig_json, skip_invalid=True)
    stamp = json.loads(stamp_json)
    return images.chart_png(fig, stamp) if fmt == "png" else images.chart_svg(fig, stamp)


def _make(fig_json: str, stamp_json: str, fmt: str, lang: str) -> bytes:
    try:
        return _image(fig_json, stamp_json, fmt)
    except images.ImageError:
        # never a traceback: the file says what went wrong, in words
        return t("deck.ui.images_failed", lang).encode("utf-8")


def stamp(c: Chart, lang: str) -> dict:
    """The chart's stamp from the view the page shows (area and quarter in the URL, the release on screen)."""
    rel = current_release()
    params = st.session_state.get("_bridges_params") or {}
    # ?scheme=district&area=7 is district 7, not the main area 7: the key names the area in any scheme (stats.schemes)
    area, quarter = schemes.key(params.get("scheme"), params.get("area")), params.get("quarter")
    every = runner(rel)(schemes.scheme_areas)
    names = dict(zip(every["key"], every["name"].astype(str)))
    where = names.get(area, area) if area else t("area.all", lang)
    return images.stamp_for(c, cap(where), quarter_label(quarter, lang) if quarter else "", rel.version, lang, area, quarter)


def buttons(c: Chart, lang: str, s: dict | None = None) -> None:
    """PNG and SVG buttons for a chart (deferred: nothing is drawn until a button is pressed). `s` is the chart's
    stamp when the caller has it (a cached page, ui/public/page.py); else it is worked out from the view on screen."""
    if c.figure is None or not images.available():
        return
    s = s or stamp(c, lang)
    fig_json = c.figure.to_json()
    stamp_json = json.dumps(s, ensure_ascii=False, sort_keys=True)
    name = images.file_stem(s, c.key)
    # two buttons side by side, their labels saying what they give (a label beside them was one more element a view)
    with st.container(horizontal=True, key=f"img-{c.key.replace('.', '-')}", gap="small", vertical_alignment="center"):
        st.download_button(t("image.png", lang), lambda: _make(fig_json, stamp_json, "png", lang), file_name=f"{name}.png", mime="image/png",
                           key=f"png-{c.key}", on_click="ignore")
        st.download_button(t("image.svg", lang), lambda: _make(fig_json, stamp_json, "svg", lang), file_name=f"{name}.svg",
                           mime="image/svg+xml", key=f"svg-{c.key}", on_click="ignore")
