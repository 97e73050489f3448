"""The Explainer page's walkthrough: each step of one attention head as its formula beside its actual numbers."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import streamlit as st

from core.attention_explain import HeadExplanation, explainer_run
from dashboard.attention_charts import matrix_figure


@dataclass(frozen=True)
class Step:
    names: tuple[str, ...]  # matrices of `HeadExplanation` shown side by side
    title: str
    latex: str
    text: str  # formatted with the explanation's facts: d_model, d_k, n_heads, layer, head, ...
    probabilities: bool = False
    causal: bool | None = None  # shown only for causal (True) or bidirectional (False) models; None: both


STEPS = [
    Step(
        ("embeddings",),
        "Embeddings",
        r"x_t = E_{\mathrm{token}_t} + P_t",
        "Each token's row of the embedding table, plus its position's row: {d_model} numbers per token. The "
        "encoder also adds a segment row and normalises.",
    ),
    Step(
        ("input",),
        "The residual stream entering layer {layer}",
        r"x^{(\ell)} = x + \sum_{m < \ell} \mathrm{block}_m(\ldots)",
        "Each earlier layer has added its attention and MLP outputs to the embeddings; this is what layer {layer} "
        "reads.",
    ),
    Step(
        ("ln_1",),
        "LayerNorm",
        r"\hat{x}_t = \gamma \odot \frac{x_t - \mu_t}{\sigma_t} + \beta",
        "Each token's vector is rescaled to mean 0 and spread 1, then by a learned gain, before attention reads it "
        "(GPT-2's pre-norm). BERT-style encoders normalise after each sublayer instead.",
        causal=True,
    ),
    Step(
        ("q", "k", "v"),
        "Queries, keys and values",
        r"Q = \hat{x} W_Q^{(h)}, \quad K = \hat{x} W_K^{(h)}, \quad V = \hat{x} W_V^{(h)}",
        "Three learned projections give head {head} d_k = {d_model} / {n_heads} = {d_k} numbers per token each. "
        "A query says what a token looks for, a key what it offers, a value what it passes on.",
    ),
    Step(
        ("scores",),
        "Scores",
        r"S = \frac{Q K^\top}{\sqrt{d_k}}",
        "Row i, column j: how well query i matches key j (a dot product), divided by √{d_k} = {sqrt_d_k:.2f} so that "
        "the softmax does not saturate as d_k grows (Vaswani et al., 2017).",
    ),
    Step(
        ("masked",),
        "Causal mask",
        r"S'_{ij} = S_{ij} + M_{ij}, \quad M_{ij} = \begin{cases} 0 & j \le i \\ -\infty & j > i \end{cases}",
        "A token may not look at the tokens after it: their scores become −∞, so the softmax gives them weight 0. "
        "This is what lets a GPT learn to predict every next token of a text at once.",
        causal=True,
    ),
    Step(
        ("masked",),
        "No causal mask",
        r"S'_{ij} = S_{ij} + M_{ij}, \quad M_{ij} = \begin{cases} 0 & j \text{ a real token} \\ -\infty & "
        r"j \text{ padding} \end{cases}",
        "An encoder reads the whole text at once: every token sees every other, before and after it. Only padding "
        "would be masked, and one sentence has none, so M = 0 and S' = S.",
        causal=False,
    ),
    Step(
        ("weights",),
        "Softmax",
        r"A_{ij} = \frac{e^{S'_{ij}}}{\sum_k e^{S'_{ik}}}",
        "Each row becomes weights between 0 and 1 that sum to 1: where this token looks. These are the heatmaps "
        "of the Attention page.",
        probabilities=True,
    ),
    Step(
        ("head_output",),
        "Weighted sum of the values",
        r"Z^{(h)} = A V",
        "Each token's output is the average of the value vectors it attends to, weighted by its row of A.",
    ),
    Step(
        ("concat",),
        "All heads side by side",
        r"\mathrm{Concat}\left(Z^{(0)}, \ldots, Z^{(H-1)}\right)",
        "All {n_heads} heads ran in parallel on the same tokens; their outputs are placed side by side into "
        "{d_model} numbers per token. Head {head}'s own columns are shown: the same numbers as the step before.",
    ),
    Step(
        ("output",),
        "Output projection",
        r"O = \mathrm{Concat}\left(Z^{(0)}, \ldots, Z^{(H-1)}\right) W_O",
        "A last linear layer mixes the heads. A GPT adds O to the residual stream (x + O) and goes on to the MLP; "
        "the encoder adds and normalises, LayerNorm(x + O).",
    ),
]

NAMES = {
    "embeddings": "x",
    "input": "x",
    "ln_1": "x̂",
    "q": "Q",
    "k": "K",
    "v": "V",
    "scores": "S",
    "masked": "S′",
    "weights": "A",
    "head_output": "Z",
    "concat": "Concat",
    "output": "O",
}


def _columns(exp: HeadExplanation, name: str) -> list[str]:
    if exp[name].shape[1] == len(exp.tokens) and name in ("scores", "mask", "masked", "weights"):
        return exp.tokens
    first = exp.first_column[name]
    return [f"d{first + j}" for j in range(exp[name].shape[1])]


def _shown(exp: HeadExplanation, name: str) -> str:
    rows, width = exp.shapes[name]
    first, shown = exp.first_column[name], exp[name].shape[1]
    if shown == width or name in ("scores", "masked", "weights"):
        return f"{rows} × {width}"
    return f"{rows} × {width}, columns {first}–{first + shown - 1} shown"


def walkthrough(exp: HeadExplanation) -> None:
    """Every step that applies to this kind of model, numbered, formula and words left, numbers right."""
    facts = dict(
        d_model=exp.d_model, d_k=exp.d_k, n_heads=exp.n_heads, layer=exp.layer, head=exp.head, sqrt_d_k=exp.d_k**0.5
    )
    steps = [
        s
        for s in STEPS
        if s.causal in (None, exp.causal)
        and all(n in exp.matrices for n in s.names)
        and not (s.names == ("input",) and exp.layer == 0)  # layer 0 reads the embeddings themselves
    ]
    for number, step in enumerate(steps, start=1):
        st.markdown(f"#### {number}. {step.title.format(**facts)}")
        words, numbers = st.columns([2, 3])
        with words:
            st.latex(step.latex)
            st.caption(step.text.format(**facts))
        for column, name in zip(numbers.columns(len(step.names)), step.names, strict=True):
            title = f"{NAMES.get(name, name)} ({_shown(exp, name)})"
            fig = matrix_figure(exp[name], exp.tokens, _columns(exp, name), title, step.probabilities)
            column.plotly_chart(fig, key=f"explainer.{exp.causal}.{name}")


def head_picker(key: str, n_layers: int, n_heads: int) -> tuple[int, int]:
    left, right = st.columns(2)
    layer = left.selectbox("Layer", range(n_layers), key=f"{key}.layer")
    head = right.selectbox("Head", range(n_heads), key=f"{key}.head")
    return layer, head


@st.cache_resource
def _training_lock() -> threading.Lock:
    return threading.Lock()


def ensure_explainer_run():
    """The tiny GPT of the walkthrough, trained now (with a spinner) if the runs folder has none yet."""
    with _training_lock(), st.spinner("No GPT run yet: training a tiny one, 150 steps on Tiny Shakespeare…"):
        return explainer_run()
