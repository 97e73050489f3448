"""Figures for watching a run's heads form over training, from its probe snapshots."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

METRIC_TITLES = {
    "previous_token": "previous-token score (weight on the token just before)",
    "induction": "induction score (weight on the token after the earlier copy)",
    "sink": "attention-sink score (weight on the first token)",
    "entropy": "entropy of the attention (nats; low = focused)",
}


def head_formation(frame: pd.DataFrame, metric: str) -> go.Figure:
    """Heads (rows, 'L0 H1') × training steps (columns), coloured by `metric`: a head that forms lights up."""
    table = frame.assign(name=[f"L{lay} H{h}" for lay, h in zip(frame["layer"], frame["head"], strict=True)])
    pivot = table.pivot_table(index="name", columns="step", values=metric, sort=False)
    fig = go.Figure(
        go.Heatmap(
            z=pivot.values,
            x=[str(s) for s in pivot.columns],
            y=list(pivot.index),
            colorscale="Cividis",
            zmin=0,
            zmax=None if metric == "entropy" else 1,
            colorbar=dict(title=metric.replace("_", " ")),
            hovertemplate="%{y} at step %{x}: %{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=METRIC_TITLES.get(metric, metric),
        xaxis_title="training step",
        yaxis_title="head",
        yaxis_autorange="reversed",
        height=max(300, 18 * len(pivot) + 140),
        margin=dict(l=10, r=10, t=50, b=10),
    )
    fig.update_xaxes(type="category")
    return fig
