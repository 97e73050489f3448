"""The stakeholder demo: five pages in the order of the story, each with a caption, presenter defaults that
show results within seconds on a 2-core CPU, and a bar at the top with Previous, Next and Exit.

The tour is one table, `STEPS`. Moving to a step queues its defaults (`view_state.queue`), which `app.py`
applies before the step's page draws its widgets, then switches to the page; the pages themselves know nothing
of the tour. No step needs a GPU or the network; where a GPU would add something, the step says what.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from core.demo_assets import demo_run
from dashboard import url_state
from dashboard.navigation import page_of

STEP = "tour.step"  # the current step's index while the tour is on; absent when it is off
DEMO_TEXT = "To be, or not to be, that is the question. To be, or not to be."
SETUP = "`make demo-assets` (or `python -m core.demo_assets`, about a minute on 2 CPU cores)"


def _ecosystem_defaults() -> dict[str, Any]:
    """The whole map (imported here: pandas comes with it, and the bar is on every page)."""
    from core.ecosystem import LAYERS, NODE_TYPES

    return {"ecosystem.layers": list(LAYERS), "ecosystem.types": list(NODE_TYPES)}


def _attention_defaults() -> dict[str, Any]:
    """SmolLM2, whose heads have clear habits, and beside it the demo run when the set-up step made it: a real
    model next to the tiny GPT trained on Shakespeare a minute before the demo."""
    run = demo_run()
    second = {"attention.second.model": str(run.path)} if run else {}
    return {
        "attention.model": "smollm2",
        "attention.compare": run is not None,
        **second,
        "attention.text": DEMO_TEXT,
        "attention.metric": "previous_token",
    }


def _attention_note() -> str:
    if demo_run():
        return ""
    return (
        f"The demo run is missing, so this step shows SmolLM2 alone. Run {SETUP} to see the small GPT trained on "
        "Shakespeare beside it, then come back to this step."
    )


@dataclass(frozen=True)
class Step:
    page: str  # the page's URL path (its file name without .py)
    title: str
    caption: str
    gpu: str = ""  # what a GPU would add here; empty when nothing
    defaults: Callable[[], dict[str, Any]] = dict  # widget key -> presenter default
    note: Callable[[], str] = str  # a warning for this machine, e.g. a missing demo asset; empty when none
    results: tuple[str, ...] = ()  # session keys of earlier results that would hide the defaults'


STEPS: tuple[Step, ...] = (
    Step(
        "ecosystem",
        "The ecosystem",
        "Language models sit at the top of a chain: chips, clouds, data and research, software, labs, then models "
        "and the products built on them. Hover a node; below, milestones since the Transformer and open weights "
        "against closed.",
        defaults=_ecosystem_defaults,
    ),
    Step(
        "scale",
        "Model scale",
        "94 notable models since 2017: parameters have doubled about every 16 months and training compute grows "
        "about 3x a year. GPT-3, Llama 3 70B, DeepSeek-V3 and SmolLM2 (the model we run today) are highlighted.",
        defaults=lambda: {
            "scale.highlight": ["GPT-3 175B", "Llama 3 70B", "DeepSeek-V3", "SmolLM2-135M"],
            "scale.mine": True,
        },
    ),
    Step(
        "train",
        "Train a tiny model live",
        "Press **Start training**: a 2-layer GPT (about 100k parameters) reads Tiny Shakespeare one character at "
        "a time. Watch the loss fall within seconds and the samples turn from noise into play-like lines; the "
        "run finishes in about half a minute on 2 CPU cores.",
        gpu="On a GPU the same run takes a few seconds, and the 4-layer default with thousands of steps fits in "
        "a minute.",
        defaults=lambda: {
            "corpus_choice": "tinyshakespeare",
            "train.tokenizer": "char",
            "train.family": "gpt",
            "gpt.n_layer": 2,
            "gpt.n_head": 4,
            "gpt.n_embd": 64,
            "train.steps": 300,
            "train.batch": 16,
            "train.block": 64,
            "train.lr": 0.003,
        },
    ),
    Step(
        "attention",
        "Look inside with attention",
        "SmolLM2 beside the small GPT trained on Shakespeare. Each head decides, for every token, which earlier "
        "tokens to read; the summary finds heads with a habit: previous-token heads (a bright line just below the "
        "diagonal) and, on a sentence said twice, induction heads that copy what followed last time.",
        defaults=_attention_defaults,
        note=_attention_note,
    ),
    Step(
        "compare",
        "Quantized models side by side",
        "The same SmolLM2 at full precision (fp32) and at 4 bits (nf4): press **Compare**. The 4-bit model needs "
        "about a third of the memory and mostly says the same thing; the chart sets memory, tokens/s and time to "
        "first token side by side.",
        gpu="bitsandbytes' 4-bit kernels make nf4 faster there too, not only smaller, and fp4 becomes available "
        "for a third slot.",
        defaults=lambda: {
            "compare.slots": 2,
            "slot0.model": "smollm2",
            "slot0.precision": "fp32",
            "slot1.model": "smollm2",
            "slot1.precision": "nf4",
            "compare.prompt": "Explain in one sentence what a language model is.",
            "compare.new": 32,
        },
        results=("compare_results",),
    ),
)


# -- pure navigation ----------------------------------------------------------------------------------------------
def step_of(page: str) -> int | None:
    """The index of the step shown on `page`, or None for a page outside the tour."""
    return next((i for i, step in enumerate(STEPS) if step.page == page), None)


def neighbours(index: int) -> tuple[int | None, int | None]:
    """(previous, next) step indices; None before the first and after the last."""
    return (index - 1 if index > 0 else None, index + 1 if index + 1 < len(STEPS) else None)


# -- Streamlit ----------------------------------------------------------------------------------------------------
def current() -> int | None:
    """The step the tour is on, or None when it is off."""
    return st.session_state.get(STEP)


def go(index: int) -> None:
    """Turn the tour on at step `index`: queue its presenter defaults and switch to its page."""
    step = STEPS[index]
    st.session_state[STEP] = index
    for key in step.results:  # an earlier result would sit under the new defaults as if they had made it
        st.session_state.pop(key, None)
    url_state.queue(step.page, step.defaults())
    st.switch_page(page_of(step.page))


def stop() -> None:
    """Turn the tour off and go back to the Demo page."""
    st.session_state.pop(STEP, None)
    st.switch_page(page_of("demo"))


def bar(page: str) -> None:
    """At the top of a tour page while the tour is on: step n of 5, the caption, Previous / Next / Exit."""
    index = step_of(page)
    if current() is None or index is None:
        return
    st.session_state[STEP] = index  # the sidebar may have jumped to another step
    step = STEPS[index]
    previous, following = neighbours(index)
    # The buttons come right after the title, at the same place on every step, so that they stay put (and are
    # not drawn twice while the next page runs) whatever the step has below them.
    with st.container(border=True, key="tour.bar"):
        st.markdown(f"**Demo tour · step {index + 1} of {len(STEPS)}: {step.title}**")
        with st.container(horizontal=True):
            back = st.button("Previous", key="tour.previous", icon=":material/arrow_back:", disabled=previous is None)
            label = "Next" if following is not None else "Finish"
            forward = st.button(label, key="tour.next", type="primary", icon=":material/arrow_forward:")
            leave = st.button("Exit tour", key="tour.exit", icon=":material/close:")
        st.markdown(step.caption)
        if note := step.note():
            st.warning(note, icon=":material/info:")
        if step.gpu:
            st.caption(f":material/memory: With a GPU: {step.gpu}")
    if back:
        go(previous)
    if forward and following is not None:
        go(following)
    if leave or forward:  # Finish, after the last step, ends the tour like Exit
        stop()
