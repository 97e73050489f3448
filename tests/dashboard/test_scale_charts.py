"""The scale charts, read through fig.data: layers, highlights, local models, trend lines and missing counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.catalog import load_catalog, local_models
from dashboard.scale_charts import compute_over_time, params_over_time, scale_bubbles, tokens_vs_params

CHARTS = [params_over_time, compute_over_time, tokens_vs_params, scale_bubbles]


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return load_catalog()


@pytest.fixture(scope="module")
def with_mine(catalog) -> pd.DataFrame:
    class Source:
        label = "my SmolLM2"

    class Loaded:
        source, n_params, is_hf = Source(), 134_515_008, True

    return pd.concat([catalog, local_models([], [Loaded()])])


def traces(fig) -> dict:
    return {t.name.split(" (")[0]: t for t in fig.data}


@pytest.mark.parametrize("chart", CHARTS)
def test_highlight_fades_the_rest(catalog, chart):
    plain = traces(chart(catalog))
    assert "highlighted" not in plain and plain["catalog models"].marker.opacity == pytest.approx(0.8)
    marked = traces(chart(catalog, ["GPT-3 175B"]))
    assert list(marked["highlighted"].text) == ["GPT-3 175B"]
    assert marked["catalog models"].marker.opacity < 0.5
    assert "GPT-3 175B" not in set(marked["catalog models"].customdata[:, 0])


def test_params_over_time_trend_and_missing(catalog):
    fig = params_over_time(catalog)
    t = traces(fig)
    assert fig.layout.yaxis.type == "log"
    assert "doubling every" in fig.layout.title.text and "months" in fig.layout.title.text
    missing = catalog["params_total"].isna().sum()
    assert f"{missing} of {len(catalog)} not plotted" in fig.layout.title.text
    assert len(t["catalog models"].x) == len(catalog) - missing
    trend = t["trend"]
    assert trend.y[1] > trend.y[0]  # growing


def test_compute_over_time_growth_per_year(catalog):
    fig = compute_over_time(catalog)
    assert "per year" in fig.layout.title.text
    assert len(traces(fig)["catalog models"].y) == catalog["training_compute_flop"].notna().sum()


def test_tokens_vs_params_has_chinchilla_line(catalog):
    fig = tokens_vs_params(catalog)
    line = next(t for t in fig.data if t.name.startswith("Chinchilla"))
    assert np.allclose(np.asarray(line.y) / np.asarray(line.x), 20)
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "log"
    known = catalog.dropna(subset=["params_active", "training_tokens"])
    assert len(traces(fig)["catalog models"].x) == len(known)


def test_bubbles_grow_with_compute(catalog):
    fig = scale_bubbles(catalog)
    dots = traces(fig)["catalog models"]
    names = list(dots.customdata[:, 0])
    sizes = np.asarray(dots.marker.size)
    assert sizes[names.index("Llama 3.1 405B")] > sizes[names.index("GPT-3 175B")] > sizes[names.index("Pythia-70M")]


@pytest.mark.parametrize("chart", [params_over_time, tokens_vs_params])
def test_local_models_get_their_own_marker(with_mine, chart):
    fig = chart(with_mine)
    t = traces(fig)
    if chart is tokens_vs_params:  # a loaded model has no known token count: not plotted
        assert "your models" not in t
        return
    mine = t["your models"]
    assert mine.marker.symbol == "star" and list(mine.text) == ["my SmolLM2"]
    assert "my SmolLM2" not in set(t["catalog models"].customdata[:, 0])
    # The trend is fitted on the catalog only.
    assert traces(params_over_time(with_mine))["trend"].y[0] == pytest.approx(
        traces(params_over_time(with_mine[~with_mine["local"]]))["trend"].y[0]
    )


def test_empty_selection_draws_an_empty_chart(catalog):
    fig = params_over_time(catalog.iloc[:0])
    assert len(fig.data) == 0 and fig.layout.title.text.startswith("Parameters over time")
