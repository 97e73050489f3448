"""Pure Plotly figure builders: plain data in, a Figure out, no Streamlit, so each is testable on `fig.data`."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

PALETTE = qualitative.Plotly
X_AXES = {"step": "Step", "tokens": "Tokens seen", "elapsed_s": "Seconds"}


def ema(values: pd.Series, smoothing: float) -> pd.Series:
    """Exponential moving average with TensorBoard's meaning of `smoothing` (0 = raw, 0.99 = very smooth).

    pandas' `adjust=True` removes the start-up bias, so the smoothed curve starts at the first raw value.
    """
    return values.ewm(alpha=1.0 - smoothing, adjust=True).mean() if smoothing > 0 else values


def loss_curves(
    curves: dict[str, pd.DataFrame], x: str = "step", log_y: bool = False, smoothing: float = 0.0
) -> go.Figure:
    """Train (solid) and validation (dashed, with markers) loss of each run, one colour per run.

    `curves` maps a run name to its metrics (columns step, tokens, elapsed_s, train_loss, val_loss). With
    smoothing, the raw train curve stays faintly behind the smoothed one, so noise is never hidden, only
    de-emphasised; the gap between solid and dashed lines of one colour shows overfitting.
    """
    fig = go.Figure()
    for i, (name, frame) in enumerate(curves.items()):
        color = PALETTE[i % len(PALETTE)]
        train = frame.dropna(subset=["train_loss"])
        val = frame.dropna(subset=["val_loss"])
        if smoothing > 0 and len(train) > 1:
            fig.add_trace(
                go.Scatter(
                    x=train[x],
                    y=train["train_loss"],
                    mode="lines",
                    line=dict(color=color, width=1),
                    opacity=0.25,
                    name=f"{name} · train (raw)",
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=train[x],
                y=ema(train["train_loss"], smoothing),
                mode="lines",
                line=dict(color=color, width=2),
                name=f"{name} · train",
                legendgroup=name,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=val[x],
                y=val["val_loss"],
                mode="lines+markers",
                line=dict(color=color, width=2, dash="dash"),
                marker=dict(size=6),
                name=f"{name} · val",
                legendgroup=name,
            )
        )
    fig.update_layout(
        xaxis_title=X_AXES.get(x, x),
        yaxis_title="Loss (nats per token)",
        yaxis_type="log" if log_y else "linear",
        hovermode="x unified",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        margin=dict(l=10, r=10, t=40, b=10),
        height=380,
        uirevision="loss-curves",  # keep the user's zoom while a live chart refreshes
    )
    if not curves or all(f.empty for f in curves.values()):
        fig.add_annotation(text="Waiting for the first losses…", showarrow=False, xref="paper", yref="paper")
    return fig
