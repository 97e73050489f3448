"""Explainer: one attention head step by step, each formula beside the actual numbers, for a tiny GPT (causal)
and the MiniLM encoder (bidirectional)."""

from pathlib import Path

import streamlit as st

from core.attention_explain import explain_encoder_head, explain_tiny_gpt_head
from core.runs import open_run
from dashboard.attention_views import attention_model, gpt_runs
from dashboard.cache import run_model
from dashboard.explainer_views import ensure_explainer_run, head_picker, walkthrough
from dashboard.widgets import user_errors

st.title("Explainer")
st.caption(
    "What one attention head computes, with the real numbers of a real model on a short sentence: "
    "softmax(QKᵀ/√d_k) V, one step at a time. Wide matrices show their first few columns; hover a cell for its "
    "value."
)
# Only the open tab is computed (each draws a dozen heatmaps); choosing the other tab reruns the page.
gpt_tab, encoder_tab = st.tabs(
    ["Tiny GPT (causal)", "MiniLM encoder (bidirectional)"], key="explainer.tab", on_change="rerun"
)

with gpt_tab, user_errors():
    if gpt_tab.open:
        runs = gpt_runs()
        if not runs:
            ensure_explainer_run()
            runs = gpt_runs()
        path = st.selectbox("GPT run", list(runs), format_func=runs.get, key="explainer.run")
        model, tokenizer = run_model(open_run(Path(path)))
        text = st.text_input("Sentence (at most 24 tokens)", "To be, or not to be", key="explainer.gpt.text")
        layer, head = head_picker("explainer.gpt", len(model.transformer.h), model.config.n_head)
        walkthrough(explain_tiny_gpt_head(model, tokenizer, text, layer, head))

with encoder_tab, user_errors():
    if encoder_tab.open:
        am = attention_model("minilm")
        text = st.text_input("Sentence (at most 24 tokens)", "The cat sat on the mat.", key="explainer.encoder.text")
        config = am.model.config
        layer, head = head_picker("explainer.encoder", config.num_hidden_layers, config.num_attention_heads)
        walkthrough(explain_encoder_head(am, text, layer, head))
