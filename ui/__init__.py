"""Streamlit glue shared by the pages: cached release, URL state, language."""
