"""Pure Plotly builders for attention: one head's map, a layer's heads, the per-head summary, a token-to-token
line view and the explainer's small matrices. Weights come as (T, T) arrays, query rows by key columns.

Tokens go on the axes by position (tick labels carry the text), so a word that appears twice keeps two rows.
Token text is escaped for Plotly's small HTML-like label language, so a token such as "<b>" reads as itself.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.text import plotly_text as label

SEQUENTIAL = "Viridis"  # perceptually uniform and colour-blind safe; dark = little attention, yellow = a lot
DIVERGING = "RdBu"  # for signed numbers (Q, K, V, scores): blue above zero, red below, white at zero
WEIGHT_BAR = "attention weight (0–1)"
LINE_THRESHOLD = 0.02  # token_lines leaves out weights below this: thousands of invisible lines slow the browser

# metric -> (title, what it measures, whether it is a share in [0, 1])
METRICS: dict[str, tuple[str, str, bool]] = {
    "previous_token": ("Previous-token heads", "average weight on the token just before", True),
    "sink": ("Attention-sink heads", "average weight on the first token", True),
    "induction": ("Induction heads", "weight on the token after an earlier copy of the current one", True),
    "entropy": ("Focus (entropy)", "entropy of each row in nats: 0 = one token, high = spread out", False),
    "mean_distance": ("Reach (mean distance)", "average distance in tokens between query and key", False),
}


def _check(weights: np.ndarray, tokens: list[str]) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    T = len(tokens)
    if weights.shape[-2:] != (T, T):
        raise ValueError(f"weights {weights.shape} do not match {T} tokens")
    return weights


def _pairs(tokens: list[str]) -> np.ndarray:
    """(T, T, 2) customdata: the query token and the key token of every cell, for hover text."""
    shown = np.array([label(t) for t in tokens], dtype=object)
    T = len(tokens)
    return np.stack([np.repeat(shown[:, None], T, 1), np.repeat(shown[None, :], T, 0)], axis=-1)


HOVER = "%{customdata[0]} → %{customdata[1]}: %{z:.3f}<br>query %{y}, key %{x}<extra></extra>"
HOVER_POSITIONS = "query %{y} → key %{x}: %{z:.3f}<extra></extra>"
GRID_HOVER_TOKENS = 48  # above this the grid's hover names positions only: 9 heads x T x T token pairs get heavy


def _weight_trace(weights: np.ndarray, tokens: list[str], with_tokens: bool = True, **kwargs) -> go.Heatmap:
    T = len(tokens)
    return go.Heatmap(
        z=np.round(weights, 4),  # 4 decimals are more than the hover shows, and keep the page light
        x=list(range(T)),
        y=list(range(T)),
        customdata=_pairs(tokens) if with_tokens else None,
        hovertemplate=HOVER if with_tokens else HOVER_POSITIONS,
        zmin=0.0,
        zmax=1.0,
        colorscale=SEQUENTIAL,
        **kwargs,
    )


def _token_axis(tokens: list[str], title: str | None) -> dict:
    size = 12 if len(tokens) <= 32 else 9 if len(tokens) <= 64 else 7
    return dict(
        title=title,
        tickmode="array",
        tickvals=list(range(len(tokens))),
        ticktext=[label(t) for t in tokens],
        tickfont=dict(size=size),
        showgrid=False,
    )


def attention_heatmap(weights: np.ndarray, tokens: list[str], title: str) -> go.Figure:
    """One head: query tokens down the side (first token at the top), key tokens along the bottom."""
    weights = _check(weights, tokens)
    T = len(tokens)
    fig = go.Figure(_weight_trace(weights, tokens, colorbar=dict(title=WEIGHT_BAR)))
    fig.update_layout(
        title=title,
        xaxis=dict(_token_axis(tokens, "key (attended to)"), tickangle=-60, constrain="domain"),
        yaxis=dict(_token_axis(tokens, "query (attending)"), autorange="reversed", scaleanchor="x"),
        height=max(420, min(900, 200 + 25 * T)),
        margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


def head_grid(weights: np.ndarray, tokens: list[str], layer: int | None = None) -> go.Figure:
    """Small multiples: every head of one layer (weights (H, T, T)), on one shared 0–1 colour scale."""
    weights = _check(weights, tokens)
    H = weights.shape[0]
    cols = math.ceil(math.sqrt(H))
    rows = math.ceil(H / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[f"head {h}" for h in range(H)],
        horizontal_spacing=0.02,
        vertical_spacing=0.06,
    )
    with_tokens = len(tokens) <= GRID_HOVER_TOKENS
    for h in range(H):
        trace = _weight_trace(weights[h], tokens, with_tokens, coloraxis="coloraxis", name=f"head {h}")
        fig.add_trace(trace, h // cols + 1, h % cols + 1)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, autorange="reversed")
    fig.update_layout(
        title=f"All {H} heads"
        + (f" of layer {layer}" if layer is not None else "")
        + (" (hover for tokens)" if with_tokens else " (hover for positions)"),
        coloraxis=dict(colorscale=SEQUENTIAL, cmin=0.0, cmax=1.0, colorbar=dict(title=WEIGHT_BAR)),
        height=60 + 200 * rows,
        margin=dict(l=10, r=10, t=70, b=10),
    )
    return fig


def summary_heatmap(summary: pd.DataFrame, metric: str) -> go.Figure:
    """Layer (rows, layer 0 at the top) by head (columns) of one metric of `core.attention.summarize`."""
    title, meaning, share = METRICS[metric]
    grid = summary.pivot(index="layer", columns="head", values=metric).sort_index()
    measured = not grid.isna().all().all()
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(dtype=float),
            x=list(grid.columns),
            y=list(grid.index),
            colorscale=SEQUENTIAL,
            zmin=0.0 if share else None,
            zmax=1.0 if share else None,
            colorbar=dict(title=metric.replace("_", " ") + (" (0–1)" if share else "")),
            hoverinfo="skip",
        )
    )
    # An invisible marker on every cell carries the hover text and makes a cell clickable: Streamlit's chart
    # selection reports points of scatter traces, not heatmap cells. A selected cell gets a white outline.
    values = summary[metric].to_numpy(dtype=float)
    fig.add_trace(
        go.Scatter(
            x=summary["head"],
            y=summary["layer"],
            mode="markers",
            marker=dict(symbol="square-open", size=16, color="white", line=dict(width=2), opacity=0),
            selected=dict(marker=dict(opacity=1)),
            unselected=dict(marker=dict(opacity=0)),
            text=["–" if np.isnan(v) else f"{v:.3f}" for v in values],
            hovertemplate=f"layer %{{y}}, head %{{x}}<br>{metric.replace('_', ' ')}: %{{text}}<extra></extra>",
            showlegend=False,
            name="heads",
        )
    )
    fig.update_layout(
        title=f"{title}: {meaning}" + ("" if measured else " (not measured)"),
        xaxis=dict(
            title="head (click a cell to open it below)",
            tickmode="linear",
            dtick=1,
            showgrid=False,
            range=[-0.5, len(grid.columns) - 0.5],
        ),
        clickmode="event+select",
        yaxis=dict(
            title="layer",
            range=[len(grid) - 0.5, -0.5],  # layer 0 at the top
            tickmode="linear",
            dtick=1 if len(grid) <= 12 else 2,
            showgrid=False,
        ),
        height=max(300, min(800, 120 + 20 * len(grid))),
        margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


def strongest_heads(summary: pd.DataFrame, metric: str, n: int = 5) -> pd.DataFrame:
    """The `n` heads with the highest `metric` (lowest for entropy: the most focused), as layer, head, value."""
    ranked = summary.dropna(subset=[metric])
    ranked = ranked.nsmallest(n, metric) if metric == "entropy" else ranked.nlargest(n, metric)
    return ranked[["layer", "head", metric]].reset_index(drop=True)


def token_lines(weights: np.ndarray, tokens: list[str], threshold: float = LINE_THRESHOLD) -> go.Figure:
    """One head as lines: query tokens on the left, key tokens on the right, a line from each query to each key
    it attends to, thicker and darker for more weight; weights below `threshold` are left out."""
    weights = _check(weights, tokens)
    T = len(tokens)
    fig = go.Figure()
    queries, keys = np.nonzero(weights >= threshold)
    values = weights[queries, keys]
    # Lines of similar weight share one trace (segments separated by None): a few traces instead of thousands.
    bins = np.minimum((values * 5).astype(int), 4)
    for b in range(5):
        chosen = bins == b
        if not chosen.any():
            continue
        xs = np.tile([0.0, 1.0, None], chosen.sum())
        ys = np.column_stack([queries[chosen], keys[chosen], np.full(chosen.sum(), None)]).ravel()
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line=dict(width=0.5 + 2.5 * (b + 0.5), color="#3b528b"),  # a Viridis blue
                opacity=0.25 + 0.15 * b,
                hoverinfo="skip",
                showlegend=False,
                name=f"weight {b / 5:.1f}–{(b + 1) / 5:.1f}",
            )
        )
    shown = [label(t) for t in tokens]
    fig.add_trace(  # exact weights on hover, at each line's middle
        go.Scatter(
            x=np.full(len(values), 0.5),
            y=(queries + keys) / 2,
            mode="markers",
            marker=dict(size=6, opacity=0),
            customdata=np.array([[shown[q], shown[k]] for q, k in zip(queries, keys, strict=True)], dtype=object),
            text=[f"{v:.3f}" for v in values],
            hovertemplate="%{customdata[0]} → %{customdata[1]}: %{text}<extra></extra>",
            showlegend=False,
            name="weights",
        )
    )
    for x, anchor, side in [(0.0, "middle left", "query"), (1.0, "middle right", "key")]:
        fig.add_trace(
            go.Scatter(
                x=np.full(T, x),
                y=list(range(T)),
                mode="markers+text",
                text=shown,
                textposition=anchor,
                marker=dict(size=5, color="#21918c"),
                hovertemplate=f"{side} %{{y}}: %{{text}}<extra></extra>",
                showlegend=False,
                name=f"{side} tokens",
            )
        )
    fig.update_layout(
        title=f"Each query token (left) to the keys it attends to (right); weights under {threshold:g} left out",
        xaxis=dict(visible=False, range=[-0.6, 1.6]),
        yaxis=dict(visible=False, autorange="reversed"),
        height=max(320, min(2400, 60 + 18 * T)),
        margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


def _cell(value: float) -> str:
    if np.isneginf(value):
        return "−∞"
    if np.isposinf(value):
        return "∞"
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def matrix_figure(
    matrix: np.ndarray, row_labels: list[str], col_labels: list[str], title: str, probabilities: bool = False
) -> go.Figure:
    """A small matrix with its numbers printed in the cells (−∞ for masked ones, left uncoloured).

    Signed numbers use a diverging scale centred on zero; `probabilities` switches to the 0–1 sequential scale.
    """
    matrix = np.asarray(matrix, dtype=float)
    if matrix.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"matrix {matrix.shape} does not match {len(row_labels)} x {len(col_labels)} labels")
    finite = np.where(np.isfinite(matrix), matrix, np.nan)
    bound = float(np.nanmax(np.abs(finite))) if np.isfinite(finite).any() else 1.0
    scale = (
        dict(colorscale=SEQUENTIAL, zmin=0.0, zmax=1.0)
        if probabilities
        else dict(colorscale=DIVERGING, zmid=0.0, zmin=-bound, zmax=bound)
    )
    rows, cols = matrix.shape
    fig = go.Figure(
        go.Heatmap(
            z=finite,
            x=list(range(cols)),
            y=list(range(rows)),
            text=[[_cell(v) for v in row] for row in matrix],
            texttemplate="%{text}",
            textfont=dict(size=10 if cols <= 12 else 8),
            hovertemplate="row %{y}, column %{x}: %{text}<extra></extra>",
            showscale=False,
            **scale,
        )
    )
    fig.update_layout(
        title=title,
        xaxis=dict(_token_axis(col_labels, None), side="top", tickangle=0 if cols <= 10 else -60),
        yaxis=dict(_token_axis(row_labels, None), autorange="reversed"),
        height=max(160, 90 + 24 * rows),
        margin=dict(l=10, r=10, t=70, b=10),
        plot_bgcolor="#eeeeee",  # masked (−∞) cells show as grey
    )
    return fig
