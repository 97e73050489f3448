"""Pure Plotly builders for the Scaling laws page: the Chinchilla landscape, the sweep fits, families head to head."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.scaling import FLOPS_PER_PARAM_TOKEN, PowerLawFit, chinchilla_loss, compute_optimal
from dashboard.text import plotly_texts

AXIS_LABELS = {
    "params": "parameters N",
    "compute": "training compute 6·N·D (FLOPs)",
    "wall_s": "wall time (s)",
    "val_loss": "final validation loss",
}


def chinchilla_landscape(n_params: float, n_tokens: float, budgets: tuple[float, ...] = ()) -> go.Figure:
    """Iso-loss contours of L(N, D) on log axes, the compute-optimal frontier, iso-compute lines for `budgets`,
    and the point (N, D) the user chose."""
    ns = np.logspace(6, 13, 120)
    ds = np.logspace(8, 14, 120)
    grid_n, grid_d = np.meshgrid(ns, ds)
    loss = chinchilla_loss(grid_n, grid_d)
    fig = go.Figure(
        go.Contour(
            x=np.log10(ns),
            y=np.log10(ds),
            z=loss,
            colorscale="Viridis_r",
            contours={"start": 1.8, "end": 4.0, "size": 0.1, "showlabels": True},
            colorbar={"title": "loss"},
            hovertemplate="N=10^%{x:.1f}, D=10^%{y:.1f}<br>loss %{z:.3f}<extra></extra>",
            name="L(N, D)",
        )
    )
    c = np.logspace(17, 27, 60)
    n_opt, d_opt = compute_optimal(c)
    fig.add_trace(
        go.Scatter(
            x=np.log10(n_opt),
            y=np.log10(d_opt),
            mode="lines",
            name="compute-optimal frontier",
            line={"color": "black", "width": 3},
        )
    )
    for budget in budgets:
        n_line = ns[
            (budget / (FLOPS_PER_PARAM_TOKEN * ns) >= ds[0]) & (budget / (FLOPS_PER_PARAM_TOKEN * ns) <= ds[-1])
        ]
        fig.add_trace(
            go.Scatter(
                x=np.log10(n_line),
                y=np.log10(budget / (FLOPS_PER_PARAM_TOKEN * n_line)),
                mode="lines",
                line={"color": "orange", "dash": "dot"},
                name=f"C = {budget:.1e} FLOPs",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[np.log10(n_params)],
            y=[np.log10(n_tokens)],
            mode="markers",
            name="your model",
            marker={"color": "red", "size": 14, "symbol": "x"},
        )
    )
    fig.update_layout(
        xaxis_title="log10 parameters N",
        yaxis_title="log10 training tokens D",
        height=520,
        xaxis_range=[6, 13],
        yaxis_range=[8, 14],
        legend={"orientation": "h", "y": -0.18},
    )
    return fig


def loss_along_budget(budget: float) -> go.Figure:
    """Loss along the iso-compute line 6·N·D = C as N varies: the minimum is the compute-optimal model."""
    n_opt, d_opt = compute_optimal(budget)
    ns = n_opt * np.logspace(-1.5, 1.5, 121)
    loss = chinchilla_loss(ns, budget / (FLOPS_PER_PARAM_TOKEN * ns))
    fig = go.Figure(go.Scatter(x=ns, y=loss, mode="lines", name=f"C = {budget:.1e}"))
    fig.add_trace(
        go.Scatter(
            x=[n_opt],
            y=[chinchilla_loss(n_opt, d_opt)],
            mode="markers",
            name="optimum",
            marker={"size": 12, "color": "red"},
        )
    )
    fig.update_xaxes(type="log", title="parameters N (D = C / 6N)")
    fig.update_layout(yaxis_title="predicted loss", height=380)
    return fig


def power_law_chart(results: pd.DataFrame, x: str, fit: PowerLawFit | None, y: str = "val_loss") -> go.Figure:
    """`y` against `x` on log-log axes, one marker per run, with the fitted power law and exponent ± error."""
    done = results.dropna(subset=[x, y])
    fig = go.Figure(
        go.Scatter(
            x=done[x],
            y=done[y],
            mode="markers",
            hovertext=plotly_texts(done["run"]),
            hovertemplate="%{hovertext}<br>%{x:.3s}: %{y:.3f}<extra></extra>",
            marker={"size": 11},
            name="runs",
        )
    )
    if fit is not None and len(done):
        grid = np.logspace(np.log10(done[x].min()), np.log10(done[x].max()), 50)
        fig.add_trace(
            go.Scatter(x=grid, y=fit.predict(grid), mode="lines", line={"dash": "dash"}, name=f"fit: {fit.label()}")
        )
    fig.update_xaxes(type="log", title=AXIS_LABELS.get(x, x))
    fig.update_yaxes(type="log", title=AXIS_LABELS.get(y, y))
    fig.update_layout(height=400, legend={"orientation": "h", "y": -0.25})
    return fig


def head_to_head_chart(results: pd.DataFrame, x: str) -> go.Figure:
    """Final val loss of each family against params, compute or wall time (log x); one trace per family."""
    fig = go.Figure()
    for _, row in results.dropna(subset=[x, "val_loss"]).iterrows():
        fig.add_trace(
            go.Scatter(
                x=[row[x]],
                y=[row["val_loss"]],
                mode="markers+text",
                text=[row["family"]],
                textposition="middle right",
                cliponaxis=False,
                marker={"size": 14},
                name=row["family"],
            )
        )
    fig.update_xaxes(type="log", title=AXIS_LABELS.get(x, x))
    fig.update_layout(yaxis_title="final validation loss", height=360, showlegend=False)
    return fig
