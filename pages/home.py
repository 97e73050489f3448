"""Home: what the dashboard is for, and a card per page."""

import streamlit as st

from dashboard.navigation import PAGES

st.title("LLM Ecosystem Dashboard")
st.markdown(
    "Explore the LLM ecosystem offline, on a laptop CPU or a GPU. Train tiny models of four families (counting "
    "n-grams, a Bengio-style MLP, an LSTM and a GPT) and watch them learn; load real pretrained models at full "
    "precision or quantized to 8 and 4 bits and compare them side by side; look inside them through token "
    "probabilities and attention maps."
)
cols = st.columns(2)
for i, info in enumerate(p for p in PAGES if p.file != "home.py"):
    with cols[i % 2].container(border=True):
        st.page_link(info.page(), label=f"**{info.title}**", icon=info.icon)
        st.write(info.description)
