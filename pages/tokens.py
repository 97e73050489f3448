"""Tokens: what one or two models think of a text, token by token: probabilities, alternatives, perplexity."""

import streamlit as st

from core.generation import GenerationSettings, generate
from core.token_stats import compare_models
from dashboard.cache import model_cache
from dashboard.token_charts import token_disagreement, token_probabilities
from dashboard.widgets import model_picker, user_errors

SAMPLE_PROMPT = "Write three sentences about the sea."
DEFAULT_TEXT = "The quick brown fox jumps over the lazy dog. Paris is the capital of France."

st.title("Tokens")
st.caption(
    "Each token coloured by the probability the model gave it (red: surprising, green: expected). Hover a token "
    "for its top-5 alternatives and the entropy of the prediction. Two precisions of one model, or two models "
    "with the same tokenizer, also get a token-by-token disagreement view."
)
if "tokens.sample" in st.session_state:  # a generated sample replaces the text before the text box is drawn
    st.session_state["tokens.text"] = st.session_state.pop("tokens.sample")
st.session_state.setdefault("tokens.text", DEFAULT_TEXT)

col_a, col_b = st.columns(2)
with col_a:
    st.subheader("Model A")
    chosen = [model_picker("tokens.a")]
with col_b:
    if st.toggle("Compare with a second model", key="tokens.two"):
        chosen.append(model_picker("tokens.b", precision="nf4"))
text = st.text_area("Text", key="tokens.text", height=120, max_chars=4000)
score_col, sample_col = st.columns([1, 4])
score = score_col.button("Score", type="primary", icon=":material/analytics:")
if sample_col.button("Generate a sample", help=f"Model A answers “{SAMPLE_PROMPT}” greedily (48 tokens)."):
    with user_errors(), st.spinner("Generating…"):
        loaded = model_cache().get(*chosen[0])
        st.session_state["tokens.sample"] = generate(loaded, SAMPLE_PROMPT, GenerationSettings(max_new_tokens=48)).run()
        st.rerun()

if score:
    with user_errors(), st.spinner("Loading and scoring…"):
        models = [model_cache().get(spec, precision) for spec, precision in chosen]
        st.session_state["tokens.result"] = compare_models(models, text)
result = st.session_state.get("tokens.result")
if result is None:
    st.info("Type or generate a text, then press Score.")
    st.stop()

st.subheader("Perplexity")
st.dataframe(result.perplexities, hide_index=True)
st.caption("Lower is better. The validation excerpt is the same for every model; its first token is not scored.")
for note in result.notes:
    st.info(note)
for i, stats in enumerate(result.stats):
    st.plotly_chart(token_probabilities(stats), key=f"tokens.chart.{i}")
if result.disagreement is not None:
    st.subheader("Where they disagree")
    st.caption("Red: A was more surprised by the token than B; blue: B was; white: they agree.")
    st.plotly_chart(token_disagreement(result.disagreement))
