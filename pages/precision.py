"""Precision lab: one model at full precision and quantized, on one greedy prompt: what quantization costs."""

import streamlit as st

from core.precision_lab import (
    DEFAULT_NEW_TOKENS,
    DEFAULT_PROMPT,
    PrecisionLabConfig,
    available_precisions,
    default_precisions,
    run_precision_lab,
)
from dashboard.cache import model_cache
from dashboard.token_charts import kl_per_position
from dashboard.widgets import model_picker, user_errors

st.title("Precision lab")
st.caption(
    "The same model at the reference precision and quantized, answering one prompt greedily. KL(reference ‖ "
    "quantized) per token shows how far quantization moves each prediction, even where the chosen token stays the "
    "same; ✕ marks where a precision's own answer first departs from the reference's."
)
model_col, settings_col = st.columns([2, 3])
with model_col:
    spec, reference = model_picker("precision")
    st.caption("The precision above is the reference.")
with settings_col:
    others = [p for p in available_precisions() if p != reference]
    compared = st.multiselect(
        "Compare with",
        others,
        default=[p for p in default_precisions() if p in others],
        key="precision.compared",
    )
    prompt = st.text_area("Prompt", DEFAULT_PROMPT, key="precision.prompt", height=80)
    new_tokens = st.number_input("Max new tokens", value=DEFAULT_NEW_TOKENS, step=8, key="precision.new")

if st.button("Run", type="primary", icon=":material/play_arrow:"):
    with user_errors(), st.status("Running the precision lab…", expanded=False) as status:
        config = PrecisionLabConfig(spec, prompt, int(new_tokens), (reference, *compared))
        st.session_state["precision.lab"] = run_precision_lab(
            config, load=model_cache().get, on_step=lambda msg: status.update(label=msg)
        )
        status.update(label="Done", state="complete")
lab = st.session_state.get("precision.lab")
if lab is None:
    st.info("Choose the precisions and press Run: about a minute for SmolLM2 at fp32, int8 and nf4 on 2 CPU cores.")
    st.stop()

st.subheader(f"{lab.model}: {', '.join(lab.config.precisions)}")
st.dataframe(
    lab.summary(),
    hide_index=True,
    column_config={
        "memory (MB)": st.column_config.NumberColumn(format="%.0f"),
        "tokens/s": st.column_config.NumberColumn(format="%.1f"),
        "perplexity": st.column_config.NumberColumn(format="%.2f"),
        "top-1 agreement": st.column_config.NumberColumn(format="percent"),
    },
)
st.caption(
    f"Perplexity on {lab.perplexity_source}. First divergence: the first answer token that differs from the "
    f"{lab.config.reference} answer (None: the same answer). KL and top-1 agreement are measured along the "
    f"{lab.config.reference} answer."
)
for note in lab.notes:
    st.info(note)
quantized = lab.runs[1:]
divergence = {r.precision: r.first_divergence for r in quantized}
st.plotly_chart(kl_per_position({r.precision: r.kl for r in quantized}, divergence, lab.reference_tokens))
for col, run in zip(st.columns(len(lab.runs)), lab.runs, strict=True):
    col.markdown(f"**{run.precision}**")
    col.code(run.answer or "(no answer)", language=None, wrap_lines=True)
