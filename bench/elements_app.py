"""The page bench/elements.py measures: a title, then N elements of one kind (ELEMENTS_N, ELEMENTS_KIND)."""
import os

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

N = int(os.environ.get("ELEMENTS_N", "0"))
KIND = os.environ.get("ELEMENTS_KIND", "markdown")
if KIND == "page_link":  # a link needs a page to point at
    st.navigation([st.Page(__file__, title="elements", url_path="elements", default=True)], position="hidden")
st.title("Elements")
table = pa.Table.from_pandas(pd.DataFrame({"quarter": ["2025Q1", "2025Q2", "2025Q3", "2025Q4"] * 5, "incidents": range(20)}), preserve_index=False)
figure = go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2]), layout=dict(template="none"))
for i in range(N):
    if KIND == "markdown":
        st.markdown(f"Paragraph {i}.")
    elif KIND == "subheader":
        st.subheader(f"Heading {i}", anchor=f"h{i}")
    elif KIND == "container":
        with st.container(key=f"c{i}"):
            pass
    elif KIND == "expander":
        with st.expander(f"Expander {i}"):
            pass
    elif KIND == "page_link":
        st.page_link(__file__, label=f"Link {i}", query_params={"area": "MS"})
    elif KIND == "download_button":
        st.download_button(f"File {i}", lambda: b"x", file_name="x.csv", key=f"d{i}", on_click="ignore")
    elif KIND == "plotly_chart":
        st.plotly_chart(figure, key=f"p{i}", theme=None)
    elif KIND == "dataframe":
        st.dataframe(table, hide_index=True)
