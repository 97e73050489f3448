"""Attention: which tokens each head of a model looks at, a summary that points at the heads worth a look, and
any head as a heatmap, as token-to-token lines, or among all heads of its layer."""

from functools import partial

import streamlit as st

from dashboard.attention_charts import METRICS
from dashboard.attention_views import (
    DEFAULT_TEXT,
    HEATMAP_TOKENS,
    analysis,
    attention_model_picker,
    metric_caption,
    model_column,
)
from dashboard.report_views import attention_sections, report_button
from dashboard.widgets import user_errors

st.title("Attention")
st.caption(
    "Every layer of a transformer has several attention heads. For each token (a query), a head decides how much "
    "to look at every token (a key): a row of weights that sums to 1. Some heads have recognisable habits; the "
    "summary below finds them."
)
first_col, second_col = st.columns(2)
with first_col:
    specs = [attention_model_picker("attention")]
with second_col:
    if st.toggle("Compare with a second model", key="attention.compare", help="Show a second model's heads beside."):
        specs.append(attention_model_picker("attention.second", default="minilm"))
text = st.text_area(
    "Text",
    DEFAULT_TEXT,
    height=80,
    key="attention.text",
    help="The text every head reads; a sentence said twice shows induction heads at work.",
)

results = []
with user_errors() as outcome:
    results = [analysis(spec, text) for spec in specs]
if outcome.error:
    st.stop()

for maps, _ in results:
    st.caption(f"{maps.label}: {len(maps.tokens)} tokens, {maps.n_layers} layers × {maps.n_heads} heads")
    st.code(" ".join(maps.tokens), language=None, wrap_lines=True)
    if len(maps.tokens) > HEATMAP_TOKENS:
        st.warning(
            f"The text is {len(maps.tokens)} tokens: the summary covers all of them, the heatmaps the first "
            f"{HEATMAP_TOKENS}.",
            icon=":material/warning:",
        )

metric = st.segmented_control(
    "Look for",
    list(METRICS),
    format_func=lambda m: METRICS[m][0],
    default="previous_token",
    required=True,
    key="attention.metric",
    help="The habit to rank heads by, in the summary and the list of strongest heads.",
)
metric_caption(metric)
columns = st.columns(len(results))
for i, (column, (maps, summary)) in enumerate(zip(columns, results, strict=True)):
    with column:
        model_column(maps, summary, metric, key=f"attention.{i}")

picks = [(st.session_state[f"attention.{i}.layer"], st.session_state[f"attention.{i}.head"]) for i in range(len(specs))]
report_button("Attention", partial(attention_sections, text, results, metric, picks), key="attention.report")
