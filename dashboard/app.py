"""Entry point: `python -m streamlit run dashboard/app.py` from the repository root. It routes, and draws the
shared frame around every page: its settings in the URL, the demo tour's bar and the scenes in the sidebar."""

import streamlit as st

from dashboard import scenes, tour, url_state
from dashboard.navigation import sections
from dashboard.widgets import user_errors

st.set_page_config(page_title="LLM Ecosystem Dashboard", page_icon=":material/hub:", layout="wide")
page = st.navigation(sections())
name = page.url_path or "home"
url_state.restore(name)
tour.bar(name)
scenes.sidebar(name)  # before the page, so that a page that stops early still has it
with user_errors():  # the one error path for whatever a page leaves uncaught: a message, never a traceback
    page.run()
url_state.save(name)
