"""Bridges entry point: the public pages, their URL paths (part of the contract) and the page titles in the URL's language.

/ overview · /incidents · /community · /feedback · /trust · /data, and for a campus /clery · /crime-log. Every page draws its own header (release,
data as of, language switch, links that keep ?area=&quarter=&lang=), so a page works however it is reached.

The page scripts live in public_pages/, not pages/: Streamlit 1.67 switches to its old multipage mode
whenever a folder named pages/ sits beside the entry script (it then serves every file in it at
/<file name>, skips this script for them and ignores st.navigation). tests/test_pages_app.py checks it.
"""
import streamlit as st

from stats.i18n import t
from ui.analyst import auth
from ui import state

st.set_page_config(page_title="Bridges", page_icon="🌉", layout="wide", initial_sidebar_state="collapsed")

lang = state.lang()
PAGES = [
    st.Page("public_pages/overview.py", title=t("nav.overview", lang), url_path="overview", default=True),
    st.Page("public_pages/incidents.py", title=t("nav.incidents", lang), url_path="incidents"),
    st.Page("public_pages/community.py", title=t("nav.community", lang), url_path="community"),
    st.Page("public_pages/feedback.py", title=t("nav.feedback", lang), url_path="feedback"),
    st.Page("public_pages/trust.py", title=t("nav.trust", lang), url_path="trust"),
    st.Page("public_pages/data.py", title=t("nav.data", lang), url_path="data"),
    # a campus's Clery Act pages (the nav links them only when the release has Clery data; ui/public/clery.py)
    st.Page("public_pages/clery.py", title=t("nav.clery", lang), url_path="clery"),
    st.Page("public_pages/crime_log.py", title=t("nav.crime_log", lang), url_path="crime-log"),
    st.Page("public_pages/town_hall.py", title=t("deck.nav", lang), url_path="town-hall"),  # presenter deck (ui/public/deck.py)
]
# /sign-in for everyone; /upload, /preview and /releases only for a signed-in analyst (each also checks the role itself)
PAGES += auth.pages()
# the pages draw their own navigation (it keeps area, quarter and language in every link)
st.navigation(PAGES, position="hidden").run()
