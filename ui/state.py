"""URL state: area, quarter and language live in the query string (?area=MS&quarter=2026Q3&lang=fr), the area scheme when
it is not the main one (?scheme=district&area=7), and the provider when a data folder serves several
(?provider=riverton-state), so a view can be shared."""
from __future__ import annotations

import threading

import streamlit as st

from stats import schemes
from stats.i18n import languages, norm_lang

PARAMS = ("area", "scheme", "quarter", "lang", "provider")
# This script run's URL parameters, read once (begin_run), by thread: a script run has a thread of its own. A read of
# st.query_params goes through its proxy, the session state and a lock (about 0.01 ms); a view read it some 20 times.
_run = threading.local()


def begin_run() -> None:
    """Read the URL's parameters for the script run starting on this thread (ui.pages.run, before anything reads them)."""
    _run.params = st.query_params.to_dict()
    _run.view = None


def remember_view(params: dict, page: str) -> None:
    """The view this run draws: the parameters its links carry and its page (ui.public.page.start; the links and the
    footer read them). Per run, like the URL's parameters: session state would cost a look-up through its proxy each."""
    _run.view = (params, page)


def view() -> tuple[dict, str] | None:
    """(parameters, page) of the view this run draws, once remember_view has been called in this run; else None."""
    return getattr(_run, "view", None)


def _get(name: str) -> str | None:
    params = getattr(_run, "params", None)
    return params.get(name) if params is not None else st.query_params.get(name)


def lang() -> str:
    return norm_lang(_get("lang"))


def raw(name: str) -> str | None:
    v = _get(name)
    return v if v else None


def area_key() -> str | None:
    """The area the URL names, as a key of stats.schemes: `?scheme=district&area=7` is "district:7", `?area=MS` is "MS" (no
    scheme: the main one, so links made before schemes existed keep working). The area selector writes a key itself."""
    area = raw("area")
    scheme, aid = schemes.split(area)
    return area if scheme else schemes.key(raw("scheme"), aid)


def write(**values) -> None:
    """Put values into the URL (None removes the parameter); nothing changes when the URL already says so."""
    params = getattr(_run, "params", None)
    for k, v in values.items():
        if v is None or v == "":
            if (k in params) if params is not None else (k in st.query_params):
                del st.query_params[k]
                if params is not None:
                    del params[k]
        elif _get(k) != str(v):
            st.query_params[k] = str(v)
            if params is not None:
                params[k] = str(v)


def current(area: str | None, quarter: str | None, lang_: str) -> dict:
    """The query parameters of the current view (what links to other pages carry), the provider's included (a data
    folder may serve several: model.releases.providers)."""
    out = {"lang": lang_}
    if _get("provider"):
        out["provider"] = _get("provider")
    scheme, aid = schemes.split(area)
    if scheme:
        out["scheme"] = scheme
    if aid:
        out["area"] = aid
    if quarter:
        out["quarter"] = quarter
    return out


def _sync(param: str, key: str) -> None:
    _run.params = None  # a widget's callback runs before the script run (begin_run): read the URL itself
    write(**{param: st.session_state.get(key) or None})


def select(param: str, label: str, options: list, value, format_func, scope: str, help: str | None = None):
    """A selectbox bound to a URL parameter: the URL is the truth, the widget follows it and writes it back.

    The key is per page (`scope`): a widget of the page left behind must not hand its state to this one."""
    key = f"url_{param}_{scope}"
    if value not in options:
        value = options[0]
    if st.session_state.get(key) != value:
        st.session_state[key] = value
    return st.selectbox(label, options, key=key, format_func=format_func, on_change=_sync, args=(param, key), help=help)


def other_languages(current_lang: str) -> list[str]:
    return [x for x in languages() if x != current_lang]
