"""The Attention page's pieces: a model picker for attention, cached models and analyses, and one model's column
(summary heatmap, strongest heads, one head as a heatmap, as lines, and its layer as small multiples)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.attention import AttentionMaps, extract, induction_probe, load_attention_model, summarize
from core.loading import allowed_model_dirs
from core.runs import list_runs
from dashboard.attention_charts import (
    attention_heatmap,
    head_grid,
    strongest_heads,
    summary_heatmap,
    token_lines,
)

HEATMAP_TOKENS = 128  # beyond this a heatmap cell is under 5 pixels and a layer's grid gets slow to draw
DEFAULT_TEXT = "The cat sat on the mat because it was tired."
BUNDLED = {"smollm2": "SmolLM2-135M-Instruct (bundled, causal)", "minilm": "all-MiniLM-L6-v2 (bundled encoder)"}
OTHER = "__other__"

# What a newcomer should look for in the summary, and in a head's heatmap, for each metric.
CAPTIONS = {
    "previous_token": "A **previous-token head** looks at the token just before each token. Its heatmap is a bright "
    "line one step below the diagonal. Such heads tell the model what came right before, the first step "
    "towards copying patterns.",
    "sink": "An **attention-sink head** sends most of its attention to the first token. Its heatmap has a bright "
    "first column. The first token works as a parking spot when a head has nothing useful to look at "
    "(Xiao et al., 2023).",
    "induction": "An **induction head** completes patterns: on meeting a token seen before, it looks at the token "
    "that followed it last time (… A B … A → B). It is measured on a random sequence repeated twice, where such "
    "a head lights up a diagonal stripe in the second half (Olsson et al., 2022). To see one at work on your own "
    "text, write a sentence twice and open the strongest induction head.",
    "entropy": "**Entropy** says how spread out a head's attention is: near 0 it looks at one token; high, it "
    "averages over many. The strongest heads listed here are the most focused.",
    "mean_distance": "**Mean distance** is how far back (or, in an encoder, ahead) a head looks, in tokens. "
    "Local heads hug the diagonal; long-range heads look far away.",
}


def _version(spec: str) -> float:
    """A run's checkpoint time, so a retrained run is loaded again; 0 for everything else."""
    checkpoint = Path(spec) / "model.safetensors"
    return checkpoint.stat().st_mtime if checkpoint.is_file() else 0.0


@st.cache_resource(max_entries=3, show_spinner="Loading the model…")
def _attention_model(spec: str, version: float):
    return load_attention_model(spec, allowed_dirs=allowed_model_dirs())  # a browser may be anyone's


def attention_model(spec: str):
    """A model loaded for attention (eager attention), kept for the whole server process; at most 3 at once."""
    return _attention_model(spec, _version(spec))


@st.cache_resource(max_entries=3, show_spinner="Looking for induction heads…")
def _induction(spec: str, version: float):
    """(layers, heads) induction scores: they depend on the model only, not on the text."""
    return induction_probe(_attention_model(spec, version))


@st.cache_resource(max_entries=8, show_spinner="Reading the attention of every head…")
def _analysis(spec: str, version: float, text: str):
    maps = extract(_attention_model(spec, version), text)
    return maps, summarize(maps, _induction(spec, version))


def analysis(spec: str, text: str):
    """(AttentionMaps, summary DataFrame) for `text`, cached; the results are shared, never modify them."""
    return _analysis(spec, _version(spec), text)


def gpt_runs() -> dict[str, str]:
    """GPT training runs with a checkpoint, by folder: the tiny models that have attention."""
    return {
        str(run.path): f"run {run.name}"
        for run in list_runs()
        if run.has_checkpoint() and run.config().get("model") == "gpt"
    }


def attention_model_picker(key: str, default: str = "smollm2") -> str:
    """The bundled SmolLM2 and MiniLM, every GPT run, or "Other…" (a Hugging Face folder or hub id)."""
    choices = {**BUNDLED, **gpt_runs(), OTHER: "Other…"}
    options = list(choices)
    spec = st.selectbox(
        "Model",
        options,
        index=options.index(default),
        format_func=choices.get,
        key=f"{key}.model",
        help="A bundled model, one of your GPT runs (the tiny models with attention), or any other model.",
    )
    if spec == OTHER:
        spec = st.text_input(
            "Folder or hub id",
            key=f"{key}.other",
            placeholder="HuggingFaceTB/SmolLM2-135M-Instruct",
            help="A Hugging Face model folder, or a hub id (online or already cached).",
        ).strip()
    return spec


def first_tokens(maps: AttentionMaps, limit: int = HEATMAP_TOKENS):
    """(weights (layers, heads, n, n), tokens) of the first `limit` tokens at most, for the heatmaps."""
    n = min(limit, len(maps.tokens))
    return maps.weights[:, :, :n, :n], maps.tokens[:n]


def _open(key: str, source: str, pick: tuple[int, int] | None) -> None:
    """Open head `pick` (layer, head) in the pickers below, once per new click: a selection stays reported on
    every rerun, and must not undo a later choice in the pickers."""
    memo = f"{key}.picked.{source}"
    if pick is not None and st.session_state.get(memo) != pick:
        st.session_state[f"{key}.layer"], st.session_state[f"{key}.head"] = pick
    st.session_state[memo] = pick


def model_column(maps: AttentionMaps, summary, metric: str, key: str) -> None:
    """One model: its summary for `metric`, its strongest heads, then the chosen head in three views."""
    st.subheader(maps.label, anchor=False)
    event = st.plotly_chart(
        summary_heatmap(summary, metric), on_select="rerun", selection_mode="points", key=f"{key}.chart.{metric}"
    )
    points = event.selection.points if event else []
    _open(key, f"chart.{metric}", (int(points[0]["y"]), int(points[0]["x"])) if points else None)
    top = strongest_heads(summary, metric)
    st.caption("Strongest heads (select a row to open it):")
    table = st.dataframe(
        top, hide_index=True, on_select="rerun", selection_mode="single-row", key=f"{key}.top.{metric}"
    )
    rows = table.selection.rows if table else []
    _open(key, f"top.{metric}", tuple(int(v) for v in top.iloc[rows[0]][["layer", "head"]]) if rows else None)
    for name, count, default in [("layer", maps.n_layers, top["layer"]), ("head", maps.n_heads, top["head"])]:
        if st.session_state.get(f"{key}.{name}") not in range(count):  # first visit, or another model
            st.session_state[f"{key}.{name}"] = int(default.iloc[0]) if len(default) else 0
    left, right = st.columns(2)
    layer = left.selectbox("Layer", range(maps.n_layers), key=f"{key}.layer", help="Counted from 0 at the input.")
    head = right.selectbox(
        "Head", range(maps.n_heads), key=f"{key}.head", help="Or click a cell of the summary, or a row above."
    )
    weights, tokens = first_tokens(maps)
    if len(tokens) < len(maps.tokens):
        st.caption(
            f"Showing the first {len(tokens)} of {len(maps.tokens)} tokens"
            + ("." if maps.causal else "; their weights to later tokens are left out, so rows sum to less than 1.")
        )
    heatmap_tab, lines_tab, grid_tab = st.tabs(["Heatmap", "Token lines", f"All heads of layer {layer}"])
    with heatmap_tab:
        st.plotly_chart(attention_heatmap(weights[layer, head], tokens, f"Layer {layer}, head {head}"))
    with lines_tab:
        st.plotly_chart(token_lines(weights[layer, head], tokens))
    with grid_tab:
        st.plotly_chart(head_grid(weights[layer], tokens, layer))


def metric_caption(metric: str) -> None:
    st.caption(CAPTIONS[metric])
