"""Scaling-law and ecosystem charts are pure builders: checked on their traces, without Streamlit."""

import numpy as np
import pandas as pd

from core.catalog import load_catalog
from core.ecosystem import (
    cpu_doubling,
    filter_ecosystem,
    llm_params_doubling,
    load_cpus,
    load_ecosystem,
    load_milestones,
    open_share_by_year,
)
from core.scaling import compute_optimal, fit_power_law
from dashboard.ecosystem_charts import cpu_vs_llm, network_map, open_share_bars, timeline
from dashboard.scaling_charts import chinchilla_landscape, head_to_head_chart, loss_along_budget, power_law_chart

RESULTS = pd.DataFrame(
    {
        "run": ["a", "b", "c", "d"],
        "family": ["ngram", "mlp", "lstm", "gpt"],
        "params": [1e4, 3e4, 1e5, 3e5],
        "compute": [None, 1e11, 3e11, 1e12],
        "wall_s": [2.0, 3.0, 4.0, 5.0],
        "val_loss": [2.6, 2.5, 2.4, 2.35],
    }
)


def test_chinchilla_landscape_marks_the_frontier_budget_and_point():
    fig = chinchilla_landscape(7e9, 2e12, (1e23,))
    names = [t.name for t in fig.data]
    assert names[0] == "L(N, D)" and "compute-optimal frontier" in names and "your model" in names
    assert any(n.startswith("C = 1.0e+23") for n in names)
    point = fig.data[-1]
    assert point.x[0] == np.log10(7e9) and point.y[0] == np.log10(2e12)


def test_loss_along_budget_has_its_minimum_at_the_optimum():
    fig = loss_along_budget(1e22)
    curve, optimum = fig.data
    assert min(curve.y) >= optimum.y[0] - 1e-9
    assert optimum.x[0] == compute_optimal(1e22)[0]


def test_power_law_chart_shows_the_exponent():
    fit = fit_power_law(RESULTS["params"], RESULTS["val_loss"])
    fig = power_law_chart(RESULTS, "params", fit)
    assert len(fig.data) == 2 and "±" in fig.data[1].name
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert len(power_law_chart(RESULTS, "compute", None).data[0].x) == 3  # the n-gram has no compute


def test_head_to_head_chart_one_trace_per_family():
    fig = head_to_head_chart(RESULTS, "wall_s")
    assert [t.name for t in fig.data] == ["ngram", "mlp", "lstm", "gpt"]


def test_network_map_places_every_node_once():
    eco = load_ecosystem()
    fig = network_map(eco)
    links, *groups = fig.data
    assert sum(len(g.x) for g in groups) == len(eco.nodes)
    assert len(links.x) == 3 * len(eco.links)
    small = network_map(filter_ecosystem(eco, types=["hardware", "cloud"]))
    assert {t.name for t in small.data[1:]} == {"hardware", "cloud"}


def test_timeline_share_and_cpu_charts():
    milestones = load_milestones()
    fig = timeline(milestones)
    assert sum(len(t.x) for t in fig.data) == len(milestones)
    catalog = load_catalog()
    share = open_share_by_year(catalog)
    bars = open_share_bars(share)
    assert [t.name for t in bars.data] == ["open weights", "closed weights"] and bars.layout.barmode == "stack"
    cpus = load_cpus()
    chart = cpu_vs_llm(cpus, cpu_doubling(cpus), catalog, llm_params_doubling(catalog))
    assert len(chart.data) == 4 and chart.layout.yaxis.type == "log"
    assert "doubles every" in chart.data[1].name and "doubles every" in chart.data[3].name
