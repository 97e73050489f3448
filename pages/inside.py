"""Inside tiny models: what the families without attention learned, drawn from their own parameters."""

import streamlit as st

from core.inside import embedding_map, lstm_gates, ngram_transitions
from core.runs import list_runs
from dashboard.cache import run_model
from dashboard.inside_charts import embedding_scatter, gate_heatmaps, transition_heatmap
from dashboard.widgets import user_errors

st.title("Inside tiny models")
runs = {run.name: run for run in list_runs() if run.has_checkpoint()}
if not runs:
    st.info("No trained runs yet: train an n-gram, MLP, LSTM or GPT on the Train page first.")
    st.stop()
name = st.selectbox("Run", list(runs), format_func=lambda n: f"{n} ({runs[n].config()['model']})")
family = runs[name].config()["model"]
with user_errors():
    model, tokenizer = run_model(runs[name])
    if family == "ngram":
        st.markdown(
            "**Transition matrix.** How likely each frequent token is to follow another, as the n-gram "
            "predicts it after one token of context (smoothing included)."
        )
        top_n = st.slider("Tokens shown (most frequent first)", 10, 80, 30)
        st.plotly_chart(transition_heatmap(*ngram_transitions(model, tokenizer, top_n)))
    else:
        st.markdown(
            "**Embedding map.** Each token's learned vector, projected on the two directions in which the "
            "vectors differ most (PCA). Tokens the model treats alike end up close together."
        )
        st.plotly_chart(embedding_scatter(embedding_map(model, tokenizer)))
    if family == "lstm":
        st.markdown(
            "**Gates.** The first LSTM layer's input, forget and output gates at every token: 1 lets "
            "information through, 0 blocks it. Forget gates near 1 carry memory across the sentence."
        )
        text = st.text_input("Sentence", "ROMEO: But soft, what light through yonder window breaks?")
        st.plotly_chart(gate_heatmaps(lstm_gates(model, tokenizer, text)))
    if family == "gpt":
        st.caption("GPT runs have attention maps too: see the Attention page.")
