"""Streamlit glue of the public pages and the presenter deck. May import ui, stats and outputs; never the write side."""
