"""How pretrained-model answers are shown: loading with progress, streaming, each answer's figures, the chat
history and a comparison's slots, and the list of loaded models with their Unload buttons."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from core.answers import Answer, AnswerStream, chat_prompt
from core.loading import BUNDLED_NAME
from dashboard.cache import model_cache
from dashboard.text import markdown_text, stream_text
from dashboard.widgets import BUNDLED_LABEL, user_errors


# -- pure text ----------------------------------------------------------------------------------------------------
def count_text(n: int) -> str:
    """134515008 -> '134.5M'."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= size:
            return f"{n / size:.1f}{suffix}"
    return str(n)


def spec_name(spec: str) -> str:
    """A short name for what the model picker returned, before it is loaded: 'smollm2', a path or a hub id."""
    if spec == BUNDLED_NAME:
        return BUNDLED_LABEL
    return Path(spec).name if spec.startswith(("/", ".", "~")) else spec or "no model"


COUNTED_BY = {
    "model": "{} new tokens",
    "server": "{} new tokens (the server's count)",
    "chunks": "≈{} new tokens (streamed chunks; the server sent no count)",
}


def figures_text(answer: Answer) -> str:
    """Time to first token, tokens/s and new tokens (and how they were counted), on one line."""
    ttft = "–" if answer.ttft_s is None else f"{answer.ttft_s:.2f} s"
    rate = "–" if answer.tokens_per_s is None else f"{answer.tokens_per_s:.1f}"
    return f"First token after {ttft} · {rate} tokens/s · {COUNTED_BY[answer.counted_by].format(answer.new_tokens)}"


def model_text(answer: Answer) -> str:
    """What was loaded: model, precision, device, dtype, quantization, memory, load time, parameters; for a
    model served elsewhere, where it was served (the rest is the server's and unknown here)."""
    if answer.memory_mb is None:
        return f"{answer.model}, served by {answer.device} · its precision, memory and parameters are not known here"
    quantization = "no quantization" if answer.quantization == "none" else answer.quantization
    return (
        f"{answer.label} on {answer.device} · computes in {answer.dtype} · {quantization} · "
        f"{answer.memory_mb:,.0f} MB · loaded in {answer.load_s:.1f} s · {count_text(answer.n_params)} parameters"
    )


# -- Streamlit views ----------------------------------------------------------------------------------------------
def answer_facts(answer: Answer) -> None:
    """The figures under an answer, as captions (plain text, never HTML)."""
    if not answer.text:
        st.caption("(The model ended its answer at once, without any text.)")
    st.caption(f":material/speed: {figures_text(answer)}")
    st.caption(f":material/memory: {markdown_text(model_text(answer))}")


def load(spec: str, precision: str, status: bool = False):
    """The model from the process-wide cache, loading it first when needed, with a spinner (or an st.status box,
    which stays visible, in a comparison's slot)."""
    cache = model_cache()
    if any(key[:2] == (spec, precision) for key, _ in cache.loaded()):
        return cache.get(spec, precision)
    if not status:
        with st.spinner(f"Loading {spec_name(spec)} at {precision}…"):
            return cache.get(spec, precision)
    with st.status(f"Loading {spec_name(spec)} at {precision}…", expanded=False) as box:
        loaded = cache.get(spec, precision)
        box.update(label=f"Loaded in {loaded.load_s:.1f} s ({loaded.memory_bytes / 1e6:,.0f} MB)", state="complete")
    return loaded


def stream_answer(stream: AnswerStream) -> Answer:
    """Stream an answer (local or served) into the page as it comes; returns it with its figures, also shown below
    it."""
    stream_text(stream)  # plain text: a model's Markdown could load remote images or hide text
    answer = stream.answer()
    answer_facts(answer)
    return answer


def chat_turn(spec: str, precision: str, history: list[dict[str, Any]], values: dict[str, Any]) -> Answer | None:
    """Answer the last user message of `history` with the chosen model; None (and an error shown) on failure."""
    from core.generation import GenerationSettings, generate

    answer = None
    with user_errors():
        settings = GenerationSettings(**values)
        loaded = load(spec, precision)
        answer = stream_answer(generate(loaded, chat_prompt(loaded, history, settings.chat), settings))
    return answer


def chat_history(history: list[dict[str, Any]]) -> None:
    for message in history:
        with st.chat_message(message["role"]):
            st.text(message["content"])
            if "answer" in message:
                answer_facts(message["answer"])


@dataclass(frozen=True)
class SlotResult:
    """One slot of a comparison: its answer, or why it has none."""

    title: str
    answer: Answer | None = None
    error: str | None = None


Slot = tuple[str, str] | dict[str, str]  # what model_picker returns: (spec, precision), or an endpoint's fields


def slot_name(slot: Slot) -> str:
    """A slot's name before it runs."""
    if isinstance(slot, dict):
        return f"{slot.get('model') or 'no model'} (endpoint)"
    spec, precision = slot
    return f"{spec_name(spec)} · {precision}"


def open_slot(slot: Slot, prompt: str, settings) -> tuple[str, AnswerStream]:
    """Get a slot ready to answer: load a local model (in a status box), or check an endpoint's fields (nothing
    is sent before the stream is read). Returns the slot's name and its answer stream."""
    if isinstance(slot, dict):
        from core.endpoint import EndpointConfig, stream_chat

        config = EndpointConfig(**slot)
        return config.label, stream_chat(config, prompt, settings)
    from core.generation import generate

    loaded = load(*slot, status=True)
    return loaded.label, generate(loaded, prompt, settings)


def run_slot(number: int, slot: Slot, prompt: str, settings) -> SlotResult:
    """Load (or connect) and answer in one slot (the current column); a failure stays in its slot."""
    title = f"{number}. {slot_name(slot)}"
    heading = st.empty()
    heading.markdown(f"**{markdown_text(title)}**")
    answer = None
    with user_errors() as outcome:
        name, stream = open_slot(slot, prompt, settings)
        title = f"{number}. {name}"
        heading.markdown(f"**{markdown_text(title)}**")
        answer = stream_answer(stream)
    return SlotResult(title, answer, outcome.error)


def run_comparison(slots: list[Slot], prompt: str, values: dict[str, Any]) -> list[SlotResult] | None:
    """Every slot answers `prompt` in its own column, one after another (generating at once would split the CPU
    between them and distort tokens/s); None, with the reason shown, for bad settings."""
    from core.generation import GenerationSettings

    settings = None
    with user_errors():
        settings = GenerationSettings(**values)
    if settings is None:
        return None
    results = []
    for number, (slot, col) in enumerate(zip(slots, st.columns(len(slots)), strict=True), start=1):
        with col:
            results.append(run_slot(number, slot, prompt, settings))
    return results


def show_slot(result: SlotResult) -> None:
    """A slot of an earlier comparison, as it was."""
    st.markdown(f"**{markdown_text(result.title)}**")
    if result.error:
        st.error(result.error, icon=":material/error:")
    if result.answer:
        st.text(result.answer.text)
        answer_facts(result.answer)


def slot_rows(results: list[SlotResult]) -> list[dict[str, Any]]:
    """The chart's rows: one per slot that answered (a served model's memory is None: not applicable)."""
    return [
        {
            "label": r.title,
            "memory_mb": r.answer.memory_mb,
            "tokens_per_s": r.answer.tokens_per_s,
            "ttft_s": r.answer.ttft_s,
        }
        for r in results
        if r.answer
    ]


def loaded_models_panel() -> None:
    """In the sidebar: the models loaded in this server process, the memory budget used, an Unload button each."""
    cache = model_cache()
    loaded = cache.loaded()
    with st.sidebar:
        st.markdown("**Loaded models**")
        used, budget = cache.used_bytes(), cache.budget_bytes
        st.progress(min(used / budget, 1.0), text=f"{used / 1e6:,.0f} of {budget / 1e6:,.0f} MB budget")
        if not loaded:
            st.caption("None. A model loads on first use and stays loaded for every page and browser tab.")
        for key, model in loaded:
            text_col, button_col = st.columns([3, 2], vertical_alignment="center")
            text_col.caption(f"{markdown_text(model.label)} · {model.memory_bytes / 1e6:,.0f} MB")
            button_col.button("Unload", key=f"unload-{'|'.join(key)}", on_click=cache.unload, args=(key,))
        if loaded:
            st.button("Unload all", key="unload-all", on_click=cache.unload, icon=":material/eject:")
