"""Pure Plotly builders for the Ecosystem page: the industry map, the timeline, open-vs-closed, CPUs vs LLMs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from core.catalog import GrowthFit
from core.ecosystem import LAYERS, NODE_TYPES, Ecosystem, layout

TYPE_COLORS = dict(zip(NODE_TYPES, qualitative.Plotly, strict=False))
CATEGORY_SYMBOLS = {"research": "diamond", "model": "circle", "product": "square"}


def network_map(eco: Ecosystem) -> go.Figure:
    """Nodes in one column per layer of the industry chain, links as grey lines, one trace per node type."""
    nodes = layout(eco.nodes)
    pos = nodes.set_index("id")[["x", "y"]]
    xs: list[float | None] = []
    ys: list[float | None] = []
    for src, dst in zip(eco.links["source"], eco.links["target"], strict=True):
        xs += [pos.at[src, "x"], pos.at[dst, "x"], None]
        ys += [pos.at[src, "y"], pos.at[dst, "y"], None]
    fig = go.Figure(
        go.Scatter(x=xs, y=ys, mode="lines", line={"color": "rgba(140,140,140,0.45)", "width": 1}, name="links")
    )
    names = nodes.set_index("id")["name"]
    for kind in NODE_TYPES:
        group = nodes[nodes["type"] == kind]
        if group.empty:
            continue
        hover = []
        for node_id in group["id"]:
            out = eco.links[eco.links["source"] == node_id]
            lines = [f"{rel} {names[t]}" for rel, t in zip(out["relation"], out["target"], strict=True)]
            hover.append("<br>".join(lines) or "(no outgoing links shown)")
        fig.add_trace(
            go.Scatter(
                x=group["x"],
                y=group["y"],
                mode="markers+text",
                text=group["name"],
                textposition="top center",
                marker={"size": 14, "color": TYPE_COLORS[kind], "line": {"width": 1, "color": "white"}},
                customdata=hover,
                hovertemplate="<b>%{text}</b><br>%{customdata}<extra></extra>",
                name=kind,
            )
        )
    shown = [layer for layer in LAYERS if layer in set(nodes["layer"])]
    fig.update_xaxes(
        tickvals=[LAYERS.index(layer) for layer in shown], ticktext=shown, side="top", showgrid=False, zeroline=False
    )
    fig.update_yaxes(visible=False, range=[-0.05, 1.08])
    fig.update_layout(height=620, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend_title="type")
    return fig


def timeline(milestones: pd.DataFrame) -> go.Figure:
    """Milestones on a date axis, staggered vertically so labels do not collide, one trace per category."""
    fig = go.Figure()
    levels = np.tile([1.0, 2.0, 3.0], len(milestones) // 3 + 1)[: len(milestones)]
    frame = milestones.assign(level=levels)
    for category, group in frame.groupby("category", sort=False):
        fig.add_trace(
            go.Scatter(
                x=group["date"],
                y=group["level"],
                mode="markers+text",
                text=group["name"],
                textposition="top center",
                marker={"size": 12, "symbol": CATEGORY_SYMBOLS.get(category, "circle")},
                customdata=group["description"],
                hovertemplate="<b>%{text}</b> (%{x|%b %Y})<br>%{customdata}<extra></extra>",
                name=category,
            )
        )
    fig.update_yaxes(visible=False, range=[0.5, 3.8])
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10}, xaxis_title="release")
    return fig


def open_share_bars(share: pd.DataFrame) -> go.Figure:
    """Stacked bars of open-weights and closed models per year, with the open share in the hover."""
    fig = go.Figure()
    for col, color in (("open", "#2ca02c"), ("closed", "#7f7f7f")):
        fig.add_trace(
            go.Bar(
                x=share["year"],
                y=share[col],
                name=f"{col} weights",
                marker_color=color,
                customdata=share["open_share"] * 100,
                hovertemplate="%{x}: %{y} models<br>open share %{customdata:.0f}%<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", xaxis_title="release year", yaxis_title="models in the catalog", height=360)
    return fig


def _fit_line(fit: GrowthFit, dates: pd.Series) -> tuple[pd.DatetimeIndex, np.ndarray]:
    grid = pd.date_range(dates.min(), dates.max(), periods=50)
    return grid, fit.predict(grid)


def cpu_vs_llm(cpus: pd.DataFrame, cpu_fit: GrowthFit, llms: pd.DataFrame, llm_fit: GrowthFit) -> go.Figure:
    """Transistors per CPU and parameters per LLM on one log axis, each with its fitted doubling time."""
    fig = go.Figure()
    llms = llms.dropna(subset=["params_total"])
    series = [
        ("CPU transistors", cpus["date"], cpus["transistors"], cpus["name"], cpu_fit, "#1f77b4"),
        ("LLM parameters", llms["release_date"], llms["params_total"], llms["name"], llm_fit, "#d62728"),
    ]
    for label, dates, values, names, fit, color in series:
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=values,
                mode="markers",
                name=label,
                text=names,
                marker={"color": color, "size": 7},
                hovertemplate="<b>%{text}</b><br>%{x|%Y}: %{y:.3s}<extra></extra>",
            )
        )
        grid, line = _fit_line(fit, dates)
        months = f"{fit.doubling_months:.0f} ± {fit.doubling_months_se:.1f} months"
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=line,
                mode="lines",
                name=f"{label}: doubles every {months}",
                line={"color": color, "dash": "dash"},
            )
        )
    fig.update_yaxes(type="log", title="count")
    fig.update_layout(height=460, xaxis_title="year", legend={"orientation": "h", "y": -0.2})
    return fig
