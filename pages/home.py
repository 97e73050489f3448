"""Home: what the dashboard is for, and a card per page."""

import streamlit as st

from dashboard.navigation import PAGES

st.title("LLM Ecosystem Dashboard")
st.markdown(
    "Explore how language models learn, offline, on a laptop CPU or a GPU. Train tiny models of four families "
    "(counting n-grams, a Bengio-style MLP, an LSTM and a GPT) on bundled corpora or your own text and watch "
    "their loss fall and their samples turn into language, then compare runs side by side."
)
cols = st.columns(2)
for i, info in enumerate(p for p in PAGES if p.file != "home.py"):
    with cols[i % 2].container(border=True):
        st.page_link(info.page(), label=f"**{info.title}**", icon=info.icon)
        st.write(info.description)
