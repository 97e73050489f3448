"""Attention over training: scrub through a run's evaluations and watch its heads form."""

import streamlit as st

from core import probes
from core.runs import list_runs
from dashboard.attention_charts import attention_heatmap
from dashboard.probe_charts import METRIC_TITLES, head_formation
from dashboard.widgets import user_errors

st.title("Attention over training")
st.caption(
    "At every evaluation, training keeps a light snapshot of the model on a fixed probe (the start of the "
    "validation text): its attention and its five likeliest next tokens. Scrub through them here."
)
runs = {run.name: run for run in list_runs() if probes.steps(run)}
if not runs:
    st.info("No run has snapshots yet: train a model on the Train page (a GPT shows attention).")
    st.stop()
run = runs[st.selectbox("Run", list(runs), format_func=lambda n: f"{n} ({runs[n].config()['model']})")]
with user_errors():
    step = st.select_slider("Training step", probes.steps(run), value=probes.steps(run)[-1])
    probe = probes.load(run, step)
    if probe.attention is not None:
        metric = st.segmented_control(
            "Head score",
            list(METRIC_TITLES),
            default="previous_token",
            required=True,
            format_func=lambda m: m.replace("_", " "),
        )
        st.plotly_chart(head_formation(probes.head_trajectories(run), metric))
        layers, heads = probe.attention.shape[:2]
        left, right = st.columns(2)
        layer = left.selectbox("Layer", range(layers))
        head = right.selectbox("Head", range(heads))
        st.plotly_chart(
            attention_heatmap(
                probe.attention[layer, head], probe.tokens, f"Layer {layer}, head {head} at step {step:,}"
            )
        )
    else:
        st.caption("This family has no attention; its predictions on the probe still show what it learned.")
    st.markdown(f"**Next-token guesses at step {step:,}**")
    st.dataframe(probes.predictions_table(probe), hide_index=True)
