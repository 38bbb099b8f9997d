"""The floor for bench/serve.py: a trivial Streamlit page with one chart and one table, built on every run.

The chart is a plain go.Figure with template "none" (as Bridges' figures are), so the floor does not carry plotly's
default template, which alone costs about 10 ms a figure.
"""
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

st.title("One chart, one table")
quarters = ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
counts = [41, 44, 38, 52]
st.plotly_chart(go.Figure(go.Bar(x=quarters, y=counts), layout=dict(template="none")), theme=None)
st.dataframe(pd.DataFrame({"quarter": quarters, "incidents": counts}), hide_index=True)
