"""Read side: queries over published releases, comparisons, figures and summaries (no Streamlit)."""
