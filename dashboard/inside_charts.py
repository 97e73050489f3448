"""Figures for the attention-free families: n-gram transitions, embedding maps, LSTM gates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.inside import LSTMGates
from dashboard.text import plotly_texts

SEQUENTIAL = "Cividis"  # colour-blind safe, light = high


def transition_heatmap(labels: list[str], probs: np.ndarray) -> go.Figure:
    """P(next | previous) between frequent tokens: previous token on rows, next token on columns."""
    fig = go.Figure(
        go.Heatmap(
            z=probs,
            x=plotly_texts(labels),
            y=plotly_texts(labels),
            colorscale=SEQUENTIAL,
            zmin=0,
            zmax=float(probs.max()),
            colorbar=dict(title="P(next | previous)"),
            hovertemplate="after %{y} comes %{x}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis_title="next token",
        yaxis_title="previous token",
        yaxis_autorange="reversed",
        height=560,
        margin=dict(l=10, r=10, t=30, b=10),
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return fig


def embedding_scatter(frame: pd.DataFrame) -> go.Figure:
    """Tokens at their embeddings' first two principal components, labelled."""
    explained = frame["explained"].iloc[0] if len(frame) else 0.0
    fig = go.Figure(
        go.Scatter(
            x=frame["x"],
            y=frame["y"],
            mode="markers+text",
            text=plotly_texts(frame["token"]),
            textposition="top center",
            marker=dict(size=6, color="#4F46E5", opacity=0.6),
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis_title="principal component 1",
        yaxis_title="principal component 2",
        height=560,
        title=f"Token embeddings, first two principal components ({explained:.0%} of the variance)",
        margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


def gate_heatmaps(gates: LSTMGates, max_units: int = 64) -> go.Figure:
    """Input, forget and output gate values (0 closed – 1 open) per token and hidden unit."""
    names = ("input", "forget", "output")
    fig = make_subplots(rows=1, cols=3, subplot_titles=[f"{n} gate" for n in names], shared_yaxes=True)
    for col, name in enumerate(names, start=1):
        values = getattr(gates, name)[:, :max_units]
        fig.add_trace(
            go.Heatmap(
                z=values,
                y=plotly_texts(gates.tokens),
                colorscale=SEQUENTIAL,
                zmin=0,
                zmax=1,
                showscale=col == 3,
                colorbar=dict(title="gate value"),
                hovertemplate="token %{y}, unit %{x}: %{z:.2f}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(title_text="hidden unit", row=1, col=col)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(300, 22 * len(gates.tokens) + 120), margin=dict(l=10, r=10, t=40, b=10))
    return fig
