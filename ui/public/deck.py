"""The presenter page /town-hall: one slide at a time, full screen, no Streamlit chrome.

?area=MS&quarter=2026Q3&lang=fr picks the deck (area=all: all areas; no area: a chooser; ?scheme=district&area=7 an area
of another scheme, and ?scheme=district alone opens the chooser on that scheme's areas). The keys are Streamlit
button shortcuts: Right, PageDown and Space go forward, Left and PageUp go back (clickers send PageDown/PageUp).
&advance=20 moves on every 20 s (a fragment that reruns on a timer). &notes=1 is the speaker-notes view; the deck's
"speaker notes" link opens it with the deck's room id (&room=…), and from then on both views follow whichever of
them moves (a small in-process table shared by the two sessions, polled by each view's fragment every second; when the
store is an object store shared by several servers, a small object per room in the store, so the two views may be
served by different servers).
&slide=3 opens on slide 3. The chrome (header, toolbar, sidebar, status) is hidden by our own CSS; no ?embed=true.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections import OrderedDict
from importlib import resources
from urllib.parse import urlencode

import streamlit as st

from model import fs
from model.releases import default_data_dir
from outputs import deck as D
from outputs import deck_html as H
from outputs import images
from stats import schemes, views
from stats.i18n import quarter_label, t

from ui import state
from ui.data import current_release, runner
from ui.render import md_escape


def asset(name: str) -> str:
    """A style or script of ui/public/assets/ (plain files beside this module, read through importlib.resources)."""
    return (resources.files(__package__) / "assets" / name).read_text(encoding="utf-8")


# The Streamlit chrome hidden for a projector, then the slides' own style (outputs/assets/deck.css): one <style>.
PAGE_CSS = asset("deck-page.css")
# F: full screen; N: the speaker notes (the link below the slide). Our own few lines, nothing loaded from anywhere.
KEYS_JS = asset("deck-keys.js")

ROOM_TTL = 12 * 3600.0  # a room (a deck and its notes view) is forgotten 12 h after its last move
POLL_S = 1.0


class _Rooms:
    """slide index per room id, shared by the sessions of this process (the deck and its notes view)."""

    def __init__(self, size: int = 2000):
        self._d: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, room: str) -> tuple[int, float] | None:
        with self._lock:
            v = self._d.get(room)
            if v is not None and time.time() - v[1] > ROOM_TTL:
                self._d.pop(room, None)
                return None
            return v

    def set(self, room: str, slide: int) -> float:
        now = time.time()
        with self._lock:
            self._d[room] = (slide, now)
            self._d.move_to_end(room)
            while len(self._d) > self._size:
                self._d.popitem(last=False)
        return now


class _SharedRooms:
    """slide index per room id, kept in the shared store (shared/rooms/<hash of the room id>.json): every server of an
    object store sees the same position. Last writer wins, as with the in-process table."""

    def __init__(self, root):
        self._dir = fs.location(root) / "shared" / "rooms"

    def _path(self, room: str):
        # the room id comes from the URL: only its hash names the object
        return self._dir / (hashlib.sha256(room.encode("utf-8", "replace")).hexdigest()[:32] + ".json")

    def get(self, room: str) -> tuple[int, float] | None:
        try:
            doc = json.loads(self._path(room).read_bytes())
            v = (int(doc["slide"]), float(doc["at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return None if time.time() - v[1] > ROOM_TTL else v

    def set(self, room: str, slide: int) -> float:
        now = time.time()
        self._path(room).write_bytes(json.dumps({"slide": int(slide), "at": now}).encode("ascii"))
        return now


@st.cache_resource
def rooms() -> _Rooms | _SharedRooms:
    root = default_data_dir()
    return _SharedRooms(root) if fs.is_remote(root) else _Rooms()


@st.cache_resource(max_entries=64, show_spinner=False)
def _deck(root: str, version: int, area: str | None, quarter: str | None, lang: str) -> D.Deck:
    """One deck per release, area, quarter and language, shared by every session (never modified after it is built)."""
    from stats.read import open_release

    rel = open_release(root, version)
    return D.build(rel, area, quarter, lang, runner(rel))


@st.cache_data(max_entries=8, show_spinner=False)
def _deck_file(root: str, version: int, area: str | None, quarter: str | None, lang: str) -> bytes:
    return H.document(_deck(root, version, area, quarter, lang)).encode("utf-8")


def _slides_zip(root: str, version: int, area: str | None, quarter: str | None, lang: str, stem: str) -> bytes:
    """Every slide as PNG in a ZIP; if chromium cannot draw them, a ZIP holding a note that says so (never a traceback)."""
    try:
        return images.slides_zip(_deck_file(root, version, area, quarter, lang).decode("utf-8"), stem)
    except images.ImageError:
        import io
        import zipfile

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("README.txt", t("deck.ui.images_failed", lang))
        return buf.getvalue()


def _int_param(name: str, default: int, lo: int, hi: int) -> int:
    try:
        v = int(float(state.raw(name) or default))
    except ValueError:
        return default
    return min(max(v, lo), hi)


def main() -> None:
    lang = state.lang()
    st.html(f"<style>{PAGE_CSS}{H.CSS}</style>")
    rel = current_release()
    if rel is None:
        st.title(t("deck.nav", lang))
        st.info(md_escape(t("nothing_published", lang)))
        return
    root, version = str(rel.store.root), rel.version
    area = state.raw("area")
    if area is None:
        _chooser(rel, lang)
        return
    ctx = views.context(rel, None if area == "all" else state.area_key(), state.raw("quarter"), lang, runner(rel))  # ?scheme=district&area=7 too
    deck = _deck(root, version, ctx.area, ctx.quarter, lang)
    n = len(deck.slides)
    notes = state.raw("notes") == "1"
    room = state.raw("room")
    if not room:
        room = st.session_state.get("deck_room") or secrets.token_urlsafe(9)
    st.session_state["deck_room"] = room
    if "deck_slide" not in st.session_state:
        st.session_state["deck_slide"] = _int_param("slide", 1, 1, n) - 1
        st.session_state["deck_moved"] = time.time()
        shared = rooms().get(room)
        if shared is not None:
            st.session_state["deck_slide"] = min(shared[0], n - 1)
        else:
            rooms().set(room, st.session_state["deck_slide"])
    scheme, aid = schemes.split(ctx.area)
    state.write(area=aid or "all", scheme=scheme, quarter=ctx.quarter, lang=lang)
    advance = _int_param("advance", 0, 0, 3600)
    every = min(advance, POLL_S) if advance else POLL_S
    view = _notes_view if notes else _slide_view

    @st.fragment(run_every=every)
    def frame():
        state.begin_run()  # a fragment's rerun may run on the thread of an earlier run: the URL as it is now
        _follow(room, n, advance)
        view(deck, st.session_state["deck_slide"], n, room)
        _keys(room, n, lang)

    frame()
    if not notes:
        _controls(deck, root, version, room, lang)
        st.html(f"<script>{KEYS_JS}</script>", unsafe_allow_javascript=True, width="content")


def _follow(room: str, n: int, advance: int) -> None:
    """Take the room's slide if the other view moved it; move on by itself when auto-advance is due."""
    shared = rooms().get(room)
    if shared is not None and shared[1] > st.session_state.get("deck_moved", 0) and shared[0] != st.session_state["deck_slide"]:
        st.session_state["deck_slide"] = min(shared[0], n - 1)
        st.session_state["deck_moved"] = shared[1]
    if advance and time.time() - st.session_state.get("deck_moved", 0) >= advance - 0.25:
        _move(room, n, +1, wrap=False)


def _move(room: str, n: int, step: int, wrap: bool = False) -> None:
    i = st.session_state.get("deck_slide", 0) + step
    i = i % n if wrap else min(max(i, 0), n - 1)
    st.session_state["deck_slide"] = i
    st.session_state["deck_moved"] = rooms().set(room, i)
    state.write(slide=i + 1)


def _keys(room: str, n: int, lang: str) -> None:
    """Forward and back as buttons with keyboard shortcuts, out of sight but live (inside the fragment, so a key
    press reruns only the slide): Right, PageDown, Space forward; Left, PageUp back."""
    with st.container(key="bridges-keys"):
        for key, step in (("Right", 1), ("PageDown", 1), ("Space", 1), ("Left", -1), ("PageUp", -1)):
            st.button(t("deck.ui.next" if step > 0 else "deck.ui.prev", lang), key=f"deck-key-{key}", shortcut=key,
                      on_click=_move, args=(room, n, step))


def _nav(room: str, n: int, lang: str) -> None:
    st.button("← " + t("deck.ui.prev", lang), key="deck-prev", on_click=_move, args=(room, n, -1))
    st.button(t("deck.ui.next", lang) + " →", key="deck-next", on_click=_move, args=(room, n, +1))


def _slide_view(deck: D.Deck, i: int, n: int, room: str) -> None:
    s = deck.slides[i]
    lay = H.layout(s)
    with st.container(key="bridges-slide"):
        st.html(f'<div class="bridges-deck">{H.header_html(deck, s)}</div>')
        if lay == "split":
            with st.container(horizontal=True, key="slide-body"):
                with st.container(key="slide-text"):
                    st.html(f'<div class="bridges-deck slide-{s.key}"><div class="text">{H.text_html(s, deck.lang)}</div></div>')
                with st.container(key="slide-chart"):
                    st.html(f'<div class="bridges-deck"><div class="chart"><h2>{H.esc(s.chart.title)}</h2></div></div>')
                    st.plotly_chart(_fill(s.figure), theme=None, config={**H.PLOT_CONFIG, "responsive": True}, width="stretch",
                                    height="stretch", key=f"deck-fig-{i}", alt=s.chart.sentence)
        else:
            cls = "slide-title" if lay == "title" else f"slide-{s.key}"
            with st.container(key="slide-body"):
                st.html(f'<div class="bridges-deck {cls}"><div class="body full"><div class="text">{H.text_html(s, deck.lang)}</div></div></div>')
        with st.container(key="slide-foot"):
            st.html(f'<div class="bridges-deck">{H.footer_html(deck, s, i, n)}</div>')


@st.cache_data(max_entries=256, show_spinner=False)
def _fill_spec(fig_json: str) -> dict:
    import json

    spec = json.loads(fig_json)
    spec["layout"].pop("height", None)
    spec["layout"].pop("width", None)
    spec["layout"]["autosize"] = True
    return spec


def _fill(fig) -> dict:
    """The slide's figure without a fixed size: it fills the chart area, which is sized with the window."""
    return _fill_spec(fig.to_json())


def _notes_view(deck: D.Deck, i: int, n: int, room: str) -> None:
    lang = deck.lang
    s = deck.slides[i]
    with st.container(key="bridges-notes"):
        st.markdown(f"# {md_escape(t('deck.ui.counter', lang, i=i + 1, n=n))}: {md_escape(s.heading)}")
        st.markdown("\n".join(f"- {md_escape(x)}" for x in s.notes))
        nxt = deck.slides[i + 1].heading if i + 1 < n else None
        st.markdown(f"## {md_escape(t('deck.ui.next_slide', lang) + ' ' + nxt if nxt else t('deck.ui.end', lang))}")
        with st.container(horizontal=True, key="bridges-notes-nav"):
            _nav(room, n, lang)
        st.markdown(md_escape(t("deck.ui.keys", lang)))


def _controls(deck: D.Deck, root: str, version: int, room: str, lang: str) -> None:
    """Below the slide (out of the projected frame): previous / next, speaker notes, and the downloads."""
    n = len(deck.slides)
    scheme, aid = schemes.split(deck.area)
    params = {**({"scheme": scheme} if scheme else {}), "area": aid or "all", "quarter": deck.quarter or "", "lang": lang, "notes": "1",
              "room": room}
    with st.container(horizontal=True, key="bridges-controls", vertical_alignment="center"):
        _nav(room, n, lang)
        st.link_button(t("deck.ui.notes", lang), "?" + urlencode(params))
        stem = images.file_stem({"version": version, "area_id": deck.area, "quarter": deck.quarter}, "deck")
        st.download_button(t("deck.ui.download_file", lang), lambda: _deck_file(root, version, deck.area, deck.quarter, lang),
                           file_name=f"{stem}-{lang}.html", mime="text/html", key="deck-file", on_click="ignore")
        if images.available():
            st.download_button(t("deck.ui.download_images", lang),
                               lambda: _slides_zip(root, version, deck.area, deck.quarter, lang, f"{stem}-{lang}"),
                               file_name=f"{stem}-{lang}-slides.zip", mime="application/zip", key="deck-zip", on_click="ignore")
    st.markdown(md_escape(t("deck.ui.keys", lang)))


def _chooser(rel, lang: str) -> None:
    """/town-hall with no area: pick the scheme where the release has several (beats, districts, neighbourhoods ...; the
    URL's ?scheme= first), then one of its areas (or all areas) and a quarter, then open the deck."""
    ctx = views.context(rel, None, None, lang, runner(rel))
    st.title(md_escape(t("deck.ui.choose", lang)))
    by = {s or "": names for s, names in (ctx.q(schemes.by_scheme) or {None: {}}).items()}  # "" is the main scheme
    present = list(by)
    asked = state.raw("scheme") or ""
    scheme = asked if asked in present else present[0]
    if len(present) > 1:
        scheme = st.selectbox(md_escape(t("select.scheme", lang)), present, index=present.index(scheme),
                              format_func=lambda s: schemes.label(s or None, lang), key="deck-scheme")
    names = by.get(scheme, {})
    ids = ["all"] + list(names)  # by name (stats.schemes.by_scheme)
    area = st.selectbox(md_escape(schemes.area_word(scheme or None, lang)), ids, format_func=lambda a: schemes.all_word(scheme or None, lang) if a == "all" else names.get(a, a),
                        key=f"deck-area-{scheme or ''}")
    qs = list(reversed(ctx.all_quarters))
    quarter = st.selectbox(md_escape(t("select.quarter", lang)), qs, format_func=lambda q: quarter_label(q, lang)) if qs else ""
    s, aid = schemes.split(None if area == "all" else area)
    params = {**({"scheme": s} if s else {}), "area": aid or "all", "quarter": quarter, "lang": lang}  # ?scheme=district&area=7
    st.link_button(t("deck.ui.open", lang), "?" + urlencode(params))
