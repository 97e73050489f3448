"""Entry point: `python -m streamlit run dashboard/app.py` from the repository root. It only routes."""

import streamlit as st

from dashboard.navigation import sections
from dashboard.widgets import user_errors

st.set_page_config(page_title="LLM Ecosystem Dashboard", page_icon=":material/hub:", layout="wide")
with user_errors():  # the one error path for whatever a page leaves uncaught: a message, never a traceback
    st.navigation(sections()).run()
