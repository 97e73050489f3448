"""Entry point: `python -m streamlit run dashboard/app.py` from the repository root. It only routes."""

import streamlit as st

from dashboard.navigation import sections

st.set_page_config(page_title="LLM Ecosystem Dashboard", page_icon=":material/hub:", layout="wide")
st.navigation(sections()).run()
