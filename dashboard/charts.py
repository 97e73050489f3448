"""Pure Plotly figure builders: plain data in, a Figure out, no Streamlit, so each is testable on `fig.data`."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from dashboard.text import plotly_text, plotly_texts

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
    for i, (run_name, frame) in enumerate(curves.items()):
        color, name = PALETTE[i % len(PALETTE)], plotly_text(run_name)
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


SLOT_METRICS = {"memory_mb": "Memory (MB)", "tokens_per_s": "Tokens/s", "ttft_s": "First token (s)"}


def _bar_text(value: float | None) -> str:
    """Two significant-looking digits for small values (0.09 s), fewer as they grow (12.5 tokens/s, 538 MB)."""
    if value is None:
        return ""
    return f"{value:.2f}" if value < 1 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def slot_figures(rows: list[dict]) -> go.Figure:
    """A comparison's figures: one horizontal bar per slot in three panels side by side (memory footprint,
    tokens per second, time to first token), slot 1 on top, one colour per slot.

    `rows` are dicts with a unique `label` and the keys of SLOT_METRICS. A value may be None (a served model's
    memory, the rate of an answer without tokens): no bar, and "n/a" where it would start, never a bar of 0.
    """
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=1,
        cols=len(SLOT_METRICS),
        shared_yaxes=True,
        subplot_titles=list(SLOT_METRICS.values()),
        horizontal_spacing=0.03,
    )
    labels = plotly_texts(row["label"] for row in rows)
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(rows))]
    for col, (key, title) in enumerate(SLOT_METRICS.items(), start=1):
        values = [row.get(key) for row in rows]
        fig.add_trace(
            go.Bar(
                x=values,
                y=labels,
                orientation="h",
                marker_color=colors,
                name=title,
                text=[_bar_text(v) for v in values],
                textposition="auto",
                showlegend=False,
                hovertemplate="%{y}<br>" + title + ": %{x:,.2f}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        for label, value in zip(labels, values, strict=True):
            if value is None:
                fig.add_annotation(
                    x=0, y=label, text="n/a", xanchor="left", showarrow=False, font=dict(color="gray"), row=1, col=col
                )
        if rows and all(v is None for v in values):  # an empty panel: no scale to read
            fig.update_xaxes(range=[0, 1], showticklabels=False, row=1, col=col)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=10), height=120 + 50 * max(len(rows), 1))
    if not rows:
        fig.add_annotation(text="No slot has answered yet.", showarrow=False, xref="paper", yref="paper")
    return fig
