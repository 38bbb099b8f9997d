"""Bridges entry point: the public pages, their URL paths (part of the contract) and the page titles in the URL's language.

/ overview · /incidents · /community · /feedback · /trust · /data, and for a campus /clery · /crime-log. Every page draws its own header (release,
data as of, language switch, links that keep ?area=&quarter=&lang=), so a page works however it is reached.

The page scripts live in public_pages/, not pages/: Streamlit 1.67 switches to its old multipage mode
whenever a folder named pages/ sits beside the entry script (it then serves every file in it at
/<file name>, skips this script for them and ignores st.navigation). tests/test_pages_app.py checks it.
"""
from ui import pages

pages.run()
