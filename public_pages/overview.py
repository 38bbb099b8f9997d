"""Overview page: headline trend of incidents by category for the published release."""
import streamlit as st

from stats import figures, queries
from ui.data import current_release

st.title("Community safety overview")
rel = current_release()
if rel is None:
    st.info("Nothing is published yet. An analyst can publish data with `python -m loaders publish`.")
    st.stop()
df = queries.incidents_by_quarter(rel)
st.caption(f"Release {rel.version}, published {rel.manifest['published_at'][:10]}.")
fig = figures.trend_by_category(df, "Reported incidents by category, all areas, by quarter")
st.plotly_chart(fig, width="stretch")
with st.expander("Show the numbers"):
    st.dataframe(df.pivot_table(index="quarter", columns="category", values="n", fill_value=0), width="stretch")
