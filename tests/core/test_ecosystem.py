"""The ecosystem graph, milestones and CPU table: valid data, links that resolve, sensible growth fits."""

import pandas as pd
import pytest

from core.catalog import load_catalog
from core.ecosystem import (
    LAYERS,
    NODE_TYPES,
    Ecosystem,
    check_ecosystem,
    cpu_doubling,
    filter_ecosystem,
    layout,
    llm_params_doubling,
    load_cpus,
    load_ecosystem,
    load_milestones,
    open_share_by_year,
)
from core.errors import UserError


def test_ecosystem_is_valid_and_links_resolve():
    eco = load_ecosystem()
    assert len(eco.nodes) >= 30 and len(eco.links) >= 30
    assert set(eco.nodes["type"]) <= set(NODE_TYPES) and set(eco.nodes["layer"]) <= set(LAYERS)
    ids = set(eco.nodes["id"])
    assert set(eco.links["source"]) <= ids and set(eco.links["target"]) <= ids
    assert (eco.links["relation"] != "").all()
    for name in ["NVIDIA", "TSMC", "PyTorch", "vLLM", "llama.cpp", "Hugging Face Hub", "Attention Is All You Need"]:
        assert name in set(eco.nodes["name"])


def test_bad_graphs_are_rejected():
    nodes = pd.DataFrame({"id": ["a"], "name": ["A"], "type": ["hardware"], "layer": ["Chips"]})
    with pytest.raises(UserError, match="do not exist"):
        check_ecosystem(Ecosystem(nodes, pd.DataFrame({"source": ["a"], "target": ["b"], "relation": ["x"]})))
    with pytest.raises(UserError, match="Unknown node types"):
        check_ecosystem(Ecosystem(nodes.assign(type="spaceship"), pd.DataFrame(columns=["source", "target"])))


def test_filter_and_layout():
    eco = load_ecosystem()
    chips = filter_ecosystem(eco, layers=["Chips", "Cloud"])
    assert set(chips.nodes["layer"]) == {"Chips", "Cloud"}
    assert set(chips.links["source"]) | set(chips.links["target"]) <= set(chips.nodes["id"])
    placed = layout(eco.nodes)
    assert placed["x"].between(0, len(LAYERS) - 1).all() and placed["y"].between(0, 1).all()
    assert not placed.duplicated(["x", "y"]).any()


def test_milestones_parse_in_order():
    m = load_milestones()
    assert m["date"].is_monotonic_increasing
    dates = dict(zip(m["name"], m["date"].dt.strftime("%Y-%m"), strict=True))
    assert dates["Transformer"] == "2017-06" and dates["ChatGPT"] == "2022-11" and dates["DeepSeek-V3"] == "2024-12"
    assert (m["description"].str.len() > 10).all()


def test_cpu_transistors_double_about_every_two_years():
    cpus = load_cpus()
    assert cpus["source"].str.len().gt(0).all() and cpus["transistors"].is_monotonic_increasing
    fit = cpu_doubling(cpus)
    assert 1.7 < fit.doubling_months / 12 < 2.5


def test_llm_growth_and_open_share():
    catalog = load_catalog()
    fit = llm_params_doubling(catalog)
    assert 3 < fit.doubling_months < 36  # far faster than Moore's law
    share = open_share_by_year(catalog)
    assert share["year"].is_monotonic_increasing and share["open_share"].between(0, 1).all()
    known = catalog["open_weights"].notna().sum()
    assert (share["open"] + share["closed"]).sum() == known
