"""Pure Plotly builders for token-level views: text laid out token by token and coloured by a number, and KL
divergence per position. No Streamlit here.

Model and user text is escaped before it reaches a figure: Plotly reads a small HTML subset (<b>, <a href>, <br>)
in text and hover labels, and a token such as "<b>" must show as itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from core.token_stats import Disagreement, TokenStats
from dashboard.text import plotly_text as safe

LINE_CHARS = 64  # width of a laid-out line, in characters of the monospace font
ROW_PX = 30
UNSCORED = "#d0d0d0"  # the first token: nothing predicts it


def token_layout(tokens: Sequence[str], line_chars: int = LINE_CHARS) -> tuple[list[float], list[float], list[int]]:
    """Where each token goes when the text flows in lines of `line_chars`: (start, width, row) per token.

    A token is as wide as its text (at least one character); a line breaks before a token that would overflow
    it and after a newline token (shown as ↵).
    """
    starts, widths, rows = [], [], []
    x, row = 0.0, 0
    for token in tokens:
        width = float(max(len(token), 1))
        if x > 0 and x + width > line_chars:
            x, row = 0.0, row + 1
        starts.append(x)
        widths.append(width)
        rows.append(row)
        x += width
        if token.endswith("↵"):
            x, row = 0.0, row + 1
    return starts, widths, rows


def _token_figure(
    tokens: Sequence[str],
    values: np.ndarray,
    hover: list[str],
    colorbar_title: str,
    colorscale: str,
    cmin: float,
    cmax: float,
    cmid: float | None,
    line_chars: int,
) -> go.Figure:
    """Tokens as horizontal bar segments in flowing lines: NaN values grey, the rest on the colour scale."""
    starts, widths, rows = token_layout(tokens, line_chars)
    scored = [i for i, v in enumerate(values) if not math.isnan(v)]
    unscored = [i for i, v in enumerate(values) if math.isnan(v)]
    fig = go.Figure()

    def pick(seq, idx):
        return [seq[i] for i in idx]

    common = dict(
        orientation="h",
        textposition="inside",
        insidetextanchor="middle",
        textfont=dict(family="monospace"),
        hoverinfo="text",
        marker_line=dict(color="white", width=1),
    )
    if unscored:
        fig.add_trace(
            go.Bar(
                name="not scored",
                base=pick(starts, unscored),
                x=pick(widths, unscored),
                y=pick(rows, unscored),
                text=[safe(tokens[i]) for i in unscored],
                hovertext=pick(hover, unscored),
                marker_color=UNSCORED,
                showlegend=False,
                **common,
            )
        )
    fig.add_trace(
        go.Bar(
            name=colorbar_title,
            base=pick(starts, scored),
            x=pick(widths, scored),
            y=pick(rows, scored),
            text=[safe(tokens[i]) for i in scored],
            hovertext=pick(hover, scored),
            marker=dict(
                color=[float(values[i]) for i in scored],
                colorscale=colorscale,
                cmin=cmin,
                cmax=cmax,
                cmid=cmid,
                colorbar=dict(title=dict(text=colorbar_title), thickness=12),
                line=dict(color="white", width=1),
            ),
            showlegend=False,
            **{k: v for k, v in common.items() if k != "marker_line"},
        )
    )
    n_rows = (max(rows) + 1) if rows else 1
    fig.update_layout(
        barmode="overlay",
        bargap=0.08,
        height=max(160, n_rows * ROW_PX + 70),
        margin=dict(l=10, r=10, t=30, b=10),
        uniformtext=dict(minsize=9, mode="show"),
        plot_bgcolor="white",
    )
    fig.update_xaxes(visible=False, range=[0, line_chars + 0.5])
    fig.update_yaxes(visible=False, autorange="reversed", range=None)
    return fig


def token_probabilities(stats: TokenStats, line_chars: int = LINE_CHARS) -> go.Figure:
    """The text coloured by the probability the model gave each actual token (red: surprising, green:
    expected); hovering a token shows its probability, surprisal, entropy and the model's top alternatives."""
    hover = []
    for i, token in enumerate(stats.tokens):
        if i == 0 or math.isnan(stats.prob[i]):
            hover.append(f"{safe(token)}<br>first token: nothing predicts it")
            continue
        alternatives = "<br>".join(
            f"  '{safe(t)}'  {p:.1%}" for t, p in zip(stats.top_tokens[i], stats.top_probs[i], strict=False)
        )
        hover.append(
            f"<b>'{safe(token)}'</b>  p = {stats.prob[i]:.1%}<br>"
            f"surprisal {stats.surprisal[i]:.2f} nats · entropy {stats.entropy[i]:.2f} nats<br>"
            f"top {len(stats.top_tokens[i])}:<br>{alternatives}"
        )
    fig = _token_figure(stats.tokens, stats.prob, hover, "p(token)", "RdYlGn", 0.0, 1.0, None, line_chars=line_chars)
    fig.update_layout(title=dict(text=safe(stats.label), font=dict(size=14)))
    return fig


def token_disagreement(d: Disagreement, line_chars: int = LINE_CHARS) -> go.Figure:
    """The text coloured by surprisal(A) − surprisal(B) on a diverging scale centred at 0: red where A was more
    surprised than B (B predicted the token better), blue where B was more surprised."""
    frame = d.frame
    diff = frame["difference"].to_numpy(dtype=float)
    finite = diff[~np.isnan(diff)]
    bound = float(np.abs(finite).max()) if len(finite) else 0.0
    bound = bound if bound > 0 else 1.0  # a model against itself: all zeros, still a valid scale
    hover = []
    for token, sa, sb, dv in frame[["token", "surprisal_a", "surprisal_b", "difference"]].itertuples(index=False):
        if math.isnan(dv):
            hover.append(f"{safe(token)}<br>first token: nothing predicts it")
        else:
            hover.append(
                f"<b>'{safe(token)}'</b>  A − B = {dv:+.2f} nats<br>"
                f"A {safe(d.label_a)}: {sa:.2f}<br>B {safe(d.label_b)}: {sb:.2f}"
            )
    fig = _token_figure(
        list(frame["token"]), diff, hover, "A − B (nats)", "RdBu_r", -bound, bound, 0.0, line_chars=line_chars
    )
    fig.update_layout(
        title=dict(text=f"Surprisal of A ({safe(d.label_a)}) minus B ({safe(d.label_b)})", font=dict(size=14))
    )
    return fig


def kl_per_position(
    kl: dict[str, np.ndarray],
    divergence: dict[str, int | None] | None = None,
    tokens: Sequence[str] | None = None,
) -> go.Figure:
    """KL(p_ref ‖ p_precision) per answer position, one line per precision, with an ✕ where that precision's own
    greedy answer first departs from the reference's. `tokens` (the reference answer) label the hover."""
    divergence = divergence or {}
    fig = go.Figure()
    for i, (name, values) in enumerate(kl.items()):
        color = qualitative.Plotly[i % len(qualitative.Plotly)]
        x = list(range(len(values)))
        labels = [safe(tokens[j]) if tokens and j < len(tokens) else "" for j in x]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                mode="lines+markers",
                name=name,
                line=dict(color=color, width=2),
                marker=dict(size=4),
                customdata=labels,
                hovertemplate=f"{safe(name)}<br>token %{{x}} %{{customdata}}<br>KL %{{y:.4f}} nats<extra></extra>",
            )
        )
        at = divergence.get(name)
        if at is not None:
            y = float(values[at]) if at < len(values) else 0.0
            fig.add_trace(
                go.Scatter(
                    x=[at],
                    y=[y],
                    mode="markers",
                    name=f"{name}: first divergence",
                    marker=dict(symbol="x", size=14, color=color, line=dict(width=1, color="black")),
                    hovertemplate=f"{safe(name)} answers differently from token {at}<extra></extra>",
                )
            )
    fig.update_layout(
        xaxis_title="answer token",
        yaxis_title="KL(reference ‖ precision), nats",
        height=360,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=1.12),
    )
    fig.update_yaxes(rangemode="tozero")
    return fig
