"""The app's pages (their URL paths are part of the contract, their titles in the URL's language) and the navigation that
runs the one asked for: dashboard.py calls run() on every script run.

Here rather than in dashboard.py: Streamlit compiles the entry script again whenever its last session has gone (a quiet
server, one resident at a time, paid it on every view); a module is compiled once per process.
"""
import copy
import threading

import streamlit as st

from stats.i18n import t
from ui import state
from ui.analyst import auth


# (script, title's catalog key, URL path): the public pages. A campus's Clery Act pages are linked from the nav only when
# the release has Clery data (ui/public/clery.py); the presenters' deck from every page's footer (ui/public/deck.py).
PUBLIC = (
    ("public_pages/overview.py", "nav.overview", "overview"),
    ("public_pages/incidents.py", "nav.incidents", "incidents"),
    ("public_pages/community.py", "nav.community", "community"),
    ("public_pages/feedback.py", "nav.feedback", "feedback"),
    ("public_pages/trust.py", "nav.trust", "trust"),
    ("public_pages/data.py", "nav.data", "data"),
    ("public_pages/clery.py", "nav.clery", "clery"),
    ("public_pages/crime_log.py", "nav.crime_log", "crime-log"),
    ("public_pages/town_hall.py", "deck.nav", "town-hall"),
)
_this_run = threading.local()  # the st.Page objects of the script run on this thread, by script path


def page(path: str):
    """This run's st.Page for a page script ("public_pages/data.py"), for st.page_link: a link to a Page is looked up by
    its hash, a link to a path resolves the path on disk and compares it with every page's. The path itself when the
    run made no such page."""
    return getattr(_this_run, "pages", {}).get(path, path)


_made: dict[tuple[str, str, str], st.Page] = {}  # the public pages' st.Page objects, by (script, title, URL path)


def _public_page(path: str, title: str, url: str) -> st.Page:
    """A copy of this page's st.Page, made once per process and title: st.Page resolves the script's path on disk and
    checks that it is a file (about 0.03 ms a page, nine pages a view). A copy, because st.navigation marks the page it
    returns as callable and Page.run unmarks it: one object shared by two sessions' runs at once would race."""
    made = _made.get((path, title, url))
    if made is None:
        made = _made[(path, title, url)] = st.Page(path, title=title, url_path=url, default=url == "overview")
    return copy.copy(made)


def run() -> None:
    st.set_page_config(page_title="Bridges", page_icon="🌉", layout="wide", initial_sidebar_state="collapsed")

    state.begin_run()  # the URL's parameters, read once for the whole run
    lang = state.lang()
    made = {path: _public_page(path, t(title, lang), url) for path, title, url in PUBLIC}
    every = list(made.values())
    # /sign-in for everyone; /upload, /preview and /releases only for a signed-in analyst (each also checks the role itself)
    every += auth.pages()
    _this_run.pages = made
    # the pages draw their own navigation (it keeps area, quarter and language in every link)
    st.navigation(every, position="hidden").run()
