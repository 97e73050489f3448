"""Pure Plotly builders for the "Model scale" page: catalog DataFrame (core.catalog) in, Figure out.

Every chart draws three layers: catalog models (faded when something is highlighted), the highlighted models
(larger, labelled) and the user's own models (`local` rows, a star marker, legend "your models"). Rows with an
unknown value on either axis are not plotted; the title says how many.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.catalog import CHINCHILLA_TOKENS_PER_PARAM, fit_growth
from core.errors import UserError
from dashboard.text import plotly_texts

CATALOG_COLOR = "#6B8FCB"  # mid-tone, so that faded points stay visible on light and dark backgrounds
HIGHLIGHT_COLOR = "#E45756"
LOCAL_COLOR = "#F58518"
TREND_COLOR = "#54A24B"
LABEL_POSITIONS = ("top center", "bottom center", "middle left", "middle right")


def _missing_note(total: int, plotted: int) -> str:
    missing = total - plotted
    return f" · {missing} of {total} not plotted (unknown)" if missing else ""


def _bubble_sizes(compute: pd.Series) -> np.ndarray:
    """Marker diameters growing with log10(compute): 1e18 FLOP -> 6 px, each factor 10 adds 4 px."""
    return np.clip(6 + 4 * (np.log10(compute.to_numpy(dtype=float)) - 18), 6, None)


def _layers(
    fig: go.Figure,
    df: pd.DataFrame,
    x: str,
    y: str,
    highlight: Sequence[str],
    y_label: str,
    size_by: str | None = None,
) -> int:
    """Add the catalog / highlighted / local traces of the rows with known x, y (and size); return how many."""
    known = df.dropna(subset=[c for c in (x, y, size_by) if c])
    local = known["local"].astype(bool)
    marked = known["name"].isin(list(highlight)) & ~local
    faded = bool(len(highlight))
    layers = [
        ("catalog models", known[~local & ~marked], CATALOG_COLOR, "circle", 0.45 if faded else 0.8, False),
        ("highlighted", known[marked], HIGHLIGHT_COLOR, "diamond", 1.0, True),
        ("your models", known[local], LOCAL_COLOR, "star", 1.0, True),
    ]
    for name, rows, color, symbol, opacity, labelled in layers:
        if rows.empty:
            continue
        size = _bubble_sizes(rows[size_by]) if size_by else (13 if labelled else 8)
        fig.add_trace(
            go.Scatter(
                x=rows[x],
                y=rows[y],
                mode="markers+text" if labelled else "markers",
                name=name,
                text=plotly_texts(rows["name"]) if labelled else None,  # local names are a user's
                # Alternate label positions so neighbours (runs trained the same day) stay readable.
                textposition=[LABEL_POSITIONS[i % len(LABEL_POSITIONS)] for i in range(len(rows))],
                marker={"color": color, "symbol": symbol, "size": size, "opacity": opacity, "line": {"width": 0.5}},
                customdata=np.stack([plotly_texts(rows["name"]), plotly_texts(rows["organization"])], axis=-1),
                hovertemplate="<b>%{customdata[0]}</b> (%{customdata[1]})<br>" + y_label + ": %{y:.3g}<extra></extra>",
            )
        )
    return len(known)


def _trend(fig: go.Figure, df: pd.DataFrame, y: str) -> object:
    """Fit log2(y) over release dates of the catalog rows (not the user's) and draw the line; None if too few."""
    catalog = df[~df["local"].astype(bool)]
    try:
        fit = fit_growth(catalog["release_date"], catalog[y])
    except UserError:
        return None
    known = catalog.dropna(subset=[y])
    dates = pd.to_datetime([known["release_date"].min(), known["release_date"].max()])
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=fit.predict(dates),
            mode="lines",
            name=f"trend (fit on {fit.n} models)",
            line={"color": TREND_COLOR, "dash": "dash"},
            hoverinfo="skip",
        )
    )
    return fit


def params_over_time(df: pd.DataFrame, highlight: Sequence[str] = ()) -> go.Figure:
    """Total parameters by release date (log y), with the fitted exponential trend and its doubling time."""
    fig = go.Figure()
    fit = _trend(fig, df, "params_total")
    plotted = _layers(fig, df, "release_date", "params_total", highlight, "parameters")
    trend = ""
    if fit is not None and math.isfinite(fit.doubling_months):
        trend = f": doubling every {fit.doubling_months:.1f} ± {fit.doubling_months_se:.1f} months"
    fig.update_layout(
        title=f"Parameters over time{trend}{_missing_note(len(df), plotted)}",
        xaxis_title="Release date",
        yaxis_title="Parameters (total)",
        yaxis_type="log",
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def compute_over_time(df: pd.DataFrame, highlight: Sequence[str] = ()) -> go.Figure:
    """Training compute (FLOP, reported or estimated) by release date (log y), with the growth factor per year."""
    fig = go.Figure()
    fit = _trend(fig, df, "training_compute_flop")
    plotted = _layers(fig, df, "release_date", "training_compute_flop", highlight, "FLOP")
    trend = ""
    if fit is not None:
        trend = f": ×{fit.factor_per_year:.2f} ± {fit.factor_per_year_se:.2f} per year"
    fig.update_layout(
        title=f"Training compute over time{trend}{_missing_note(len(df), plotted)}",
        xaxis_title="Release date",
        yaxis_title="Training compute (FLOP)",
        yaxis={"type": "log", "exponentformat": "power", "dtick": 3},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def tokens_vs_params(df: pd.DataFrame, highlight: Sequence[str] = ()) -> go.Figure:
    """Training tokens against active parameters (log-log) with Chinchilla's 20 tokens per parameter line:
    models above it are trained longer than compute-optimal (cheaper to serve), below it shorter."""
    fig = go.Figure()
    plotted = _layers(fig, df, "params_active", "training_tokens", highlight, "tokens")
    params = df["params_active"].dropna()
    if not params.empty:
        xs = np.array([params.min() / 2, params.max() * 2])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=xs * CHINCHILLA_TOKENS_PER_PARAM,
                mode="lines",
                name="Chinchilla: 20 tokens / parameter",
                line={"color": TREND_COLOR, "dash": "dash"},
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        title=f"Tokens vs parameters{_missing_note(len(df), plotted)}",
        xaxis_title="Parameters (active per token)",
        yaxis_title="Training tokens",
        xaxis_type="log",
        yaxis_type="log",
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def scale_bubbles(df: pd.DataFrame, highlight: Sequence[str] = ()) -> go.Figure:
    """Parameters × tokens with marker size growing with training compute (log scale)."""
    fig = go.Figure()
    plotted = _layers(fig, df, "params_active", "training_tokens", highlight, "tokens", size_by="training_compute_flop")
    fig.update_layout(
        title=f"Parameters × tokens, sized by compute{_missing_note(len(df), plotted)}",
        xaxis_title="Parameters (active per token)",
        yaxis_title="Training tokens",
        xaxis_type="log",
        yaxis_type="log",
        legend={"orientation": "h", "y": -0.2},
    )
    return fig
