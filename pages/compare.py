"""Compare: one prompt, up to four models or precisions, answered one after another into side-by-side columns."""

from functools import partial

import streamlit as st

from dashboard.charts import slot_figures
from dashboard.generation_views import loaded_models_panel, run_comparison, show_slot, slot_rows
from dashboard.report_views import compare_sections, report_button
from dashboard.widgets import generation_inputs, model_picker

SLOT_PRECISIONS = ("fp32", "int8", "nf4", "bf16")  # what each slot starts at, all with the bundled SmolLM2

st.title("Compare")
st.caption(
    "The same prompt, seed and settings for every slot. Slots run one after another, never at once, so that each "
    "one's tokens/s is measured on an otherwise idle machine. Loaded models stay loaded (see the sidebar). A slot "
    "can also be a model served over HTTP by an OpenAI-compatible server (temperature, top-p, seed, stop strings "
    "and max new tokens are sent; top-k and the repetition penalty apply to local models only)."
)
n_slots = st.segmented_control(
    "Slots", [2, 3, 4], default=3, required=True, key="compare.slots", help="How many models answer side by side."
)
slots = []
for i, col in enumerate(st.columns(n_slots)):
    with col, st.container(border=True):
        st.markdown(f"**Slot {i + 1}**")
        slots.append(model_picker(f"slot{i}", precision=SLOT_PRECISIONS[i], endpoint=True))
prompt = st.text_area(
    "Prompt",
    value="Explain in two sentences why the sky is blue.",
    height=80,
    key="compare.prompt",
    help="Every slot answers this same prompt, with the same seed and settings.",
)
values = generation_inputs("compare", max_new_tokens=64)

compare = st.button("Compare", type="primary", icon=":material/compare_arrows:")
if compare and (results := run_comparison(slots, prompt, values)) is not None:
    st.session_state.compare_results = results  # kept, so that a rerun shows them again without generating
    st.session_state.compare_inputs = (prompt, values)  # what the report says they answered
elif comparison := st.session_state.get("compare_results"):
    for result, col in zip(comparison, st.columns(len(comparison)), strict=True):
        with col:
            show_slot(result)

if rows := slot_rows(st.session_state.get("compare_results", [])):
    st.plotly_chart(slot_figures(rows))
if comparison := st.session_state.get("compare_results"):
    asked = st.session_state.get("compare_inputs", (prompt, values))
    report_button("Comparison", partial(compare_sections, *asked, comparison), key="compare.report")
loaded_models_panel()
