"""Streamlit glue of the analyst pages: sign-in, upload, preview, releases. May import every stage."""
