"""Generate: chat with one pretrained model or training run, at the precision of your choice, answers streamed."""

import streamlit as st

from core.loading import default_precision
from dashboard.generation_views import chat_history, chat_turn, loaded_models_panel
from dashboard.widgets import generation_inputs, model_picker

st.title("Generate")
st.caption(
    "Chat with the bundled SmolLM2-135M-Instruct, one of your training runs or any other model, at full precision "
    "or quantized. Models with a chat template read the whole conversation; training runs continue your last "
    "message as plain text."
)
model_col, settings_col = st.columns([2, 3])
with model_col:
    spec, precision = model_picker("generate", precision=default_precision())  # the fastest faithful one here
with settings_col:
    values = generation_inputs("generate")
    if st.button("Clear chat", icon=":material/delete_sweep:"):
        st.session_state.generate_chat = []

# The conversation of this browser session: {"role", "content"} dicts; answers also carry their Answer.
history = st.session_state.setdefault("generate_chat", [])
chat_history(history)
if prompt := st.chat_input("Ask the model…"):
    question = {"role": "user", "content": prompt}
    with st.chat_message("user"):
        st.text(prompt)
    with st.chat_message("assistant"):
        answer = chat_turn(spec, precision, [*history, question], values)
    if answer is not None:  # a failed turn leaves the history as it was, so it can be asked again
        history += [question, {"role": "assistant", "content": answer.text, "answer": answer}]
loaded_models_panel()
