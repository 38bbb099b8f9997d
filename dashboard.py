"""Bridges entry point: navigation between the public pages."""
import streamlit as st

st.set_page_config(page_title="Bridges: community safety statistics", page_icon="🌉", layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", url_path="overview", default=True),
]
st.navigation(pages).run()
