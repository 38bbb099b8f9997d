"""The app's pages (their URL paths are part of the contract, their titles in the URL's language) and the navigation that
runs the one asked for: dashboard.py calls run() on every script run.

Here rather than in dashboard.py: Streamlit compiles the entry script again whenever its last session has gone (a quiet
server, one resident at a time, paid it on every view); a module is compiled once per process.
"""
import streamlit as st

from stats.i18n import t
from ui import state
from ui.analyst import auth


def run() -> None:
    st.set_page_config(page_title="Bridges", page_icon="🌉", layout="wide", initial_sidebar_state="collapsed")

    lang = state.lang()
    every = [
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
    every += auth.pages()
    # the pages draw their own navigation (it keeps area, quarter and language in every link)
    st.navigation(every, position="hidden").run()
