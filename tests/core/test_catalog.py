"""The LLM catalog: schema, known facts, growth fits on synthetic data, and the user's models as rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.catalog import (
    CatalogFilter,
    check_catalog,
    display_table,
    filter_catalog,
    fit_doubling_time,
    fit_growth_per_year,
    load_catalog,
    local_models,
)
from core.errors import UserError
from core.runs import Run


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return load_catalog()


def row(catalog: pd.DataFrame, name: str) -> pd.Series:
    [match] = catalog.index[catalog["name"] == name]
    return catalog.loc[match]


def test_catalog_has_the_reference_models_with_sources(catalog):
    assert len(catalog) >= 90
    assert catalog["source"].str.len().gt(0).all()
    assert catalog["name"].is_unique


def test_gpt3_reads_as_published(catalog):
    gpt3 = row(catalog, "GPT-3 175B")
    assert gpt3["params_total"] == 175e9
    assert gpt3["training_tokens"] == 300e9
    assert gpt3["training_compute_flop"] == pytest.approx(3.14e23)
    assert gpt3["compute_6nd"] == pytest.approx(3.15e23)
    assert gpt3["tokens_per_param"] == pytest.approx(300 / 175)
    assert gpt3["release_date"] == pd.Timestamp("2020-05-01")


def test_types_and_unknowns(catalog):
    assert pd.api.types.is_datetime64_any_dtype(catalog["release_date"])
    assert catalog["release_date"].notna().all()
    assert catalog["release_date"].min().year == 2017
    gpt4 = row(catalog, "GPT-4")
    assert np.isnan(gpt4["params_total"]) and np.isnan(gpt4["compute_6nd"])  # undisclosed stays unknown
    assert pd.isna(row(catalog, "Transformer (base)")["open_weights"])
    assert row(catalog, "Llama 3 70B")["open_weights"] is True or row(catalog, "Llama 3 70B")["open_weights"]


def test_no_negatives_and_active_at_most_total(catalog):
    numbers = catalog[["params_total", "params_active", "training_tokens", "training_compute_flop"]]
    assert (numbers.fillna(0) >= 0).all().all()
    both = catalog.dropna(subset=["params_total", "params_active"])
    assert (both["params_active"] <= both["params_total"]).all()


def test_reported_compute_agrees_with_6nd_within_3x(catalog):
    both = catalog.dropna(subset=["training_compute_flop", "compute_6nd"])
    assert len(both) > 50
    ratio = both["training_compute_flop"] / both["compute_6nd"]
    assert ratio.between(1 / 3, 3).all(), both.loc[~ratio.between(1 / 3, 3), "name"].tolist()
    # T5-11B is the widest gap (0.5x): its figure is GPT-3 Table D.1's, which counts only the ~half of an
    # encoder-decoder's parameters active per token (reference README, compute_basis).
    assert ratio.min() == pytest.approx(0.5)


def test_check_catalog_rejects_bad_rows(catalog):
    with pytest.raises(ValueError, match="lacks columns"):
        check_catalog(catalog.drop(columns=["source"]))
    bad = catalog.copy()
    bad.loc[0, "training_tokens"] = -1.0
    with pytest.raises(ValueError, match="negative"):
        check_catalog(bad)
    bad = catalog.copy()
    bad.loc[0, "params_active"] = bad.loc[0, "params_total"] * 2
    with pytest.raises(ValueError, match="params_active > params_total"):
        check_catalog(bad)
    bad = catalog.copy()
    bad["params_total"] = bad["params_total"].astype(str)
    with pytest.raises(ValueError, match="float"):
        check_catalog(bad)


def test_fits_recover_known_growth():
    dates = pd.date_range("2018-01-01", "2024-01-01", freq="MS")
    years = (dates - dates[0]).days / 365.25
    rng = np.random.default_rng(0)
    values = 1e8 * 2 ** (years * 12 / 6.0) * 2 ** rng.normal(0, 0.3, len(dates))  # doubles every 6 months
    months, se = fit_doubling_time(dates, values)
    assert months == pytest.approx(6.0, rel=0.03)
    assert 0 < se < 0.3
    factor, factor_se = fit_growth_per_year(dates, 1e20 * 4.0**years)  # exactly x4 per year
    assert factor == pytest.approx(4.0, rel=1e-4)  # leap days aside, an exact exponential
    assert factor_se < 1e-3


def test_fits_skip_unknowns_and_need_two_dates():
    dates = pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01"])
    assert fit_growth_per_year(dates, [1.0, np.nan, 4.0])[0] == pytest.approx(2.0, rel=0.01)
    with pytest.raises(UserError):
        fit_doubling_time(dates, [1.0, np.nan, np.nan])


def test_catalog_trends_are_plausible(catalog):
    months, _ = fit_doubling_time(catalog["release_date"], catalog["params_total"])
    factor, _ = fit_growth_per_year(catalog["release_date"], catalog["training_compute_flop"])
    assert 6 < months < 36
    assert 2 < factor < 6


def test_filters(catalog):
    meta = filter_catalog(catalog, CatalogFilter(organizations=("Meta AI",)))
    assert len(meta) > 5 and meta["organization"].eq("Meta AI").all()
    nvidia = filter_catalog(catalog, CatalogFilter(organizations=("NVIDIA",)))
    assert "Megatron-Turing NLG 530B" in set(nvidia["name"])  # one of several organizations
    closed = filter_catalog(catalog, CatalogFilter(open_weights="closed"))
    assert "GPT-4" in set(closed["name"]) and "Transformer (base)" not in set(closed["name"])
    assert set(filter_catalog(catalog, CatalogFilter(search="smollm"))["name"]) >= {"SmolLM2-135M"}
    assert filter_catalog(catalog, CatalogFilter(years=(2025, 2025)))["release_date"].dt.year.eq(2025).all()
    with pytest.raises(UserError):
        CatalogFilter(years=(2024, 2020))


def test_display_table_says_unknown(catalog):
    table = display_table(catalog)
    gpt4 = table[table["name"] == "GPT-4"].iloc[0]
    assert gpt4["architecture"] == "unknown" and np.isnan(gpt4["params_total"])
    assert table.loc[table["name"] == "Transformer (base)", "open_weights"].item() == "unknown"


def test_local_models_from_runs_and_loaded(tmp_path):
    run = Run(tmp_path / "my-gpt")
    run.path.mkdir()
    (run.path / "config.json").write_text(json.dumps({"model": "gpt"}))
    (run.path / "status.json").write_text(json.dumps({"state": "completed", "n_params": 1000, "updated": 1.7e9}))
    (run.path / "metrics.jsonl").write_text('{"step": 1, "tokens": 500}\n{"step": 2, "tokens": 4000}\n')
    fresh = Run(tmp_path / "never-trained")
    fresh.path.mkdir()
    (fresh.path / "config.json").write_text(json.dumps({"model": "mlp"}))

    class Source:
        label = "SmolLM2-135M-Instruct"

    class Loaded:
        source, n_params, is_hf = Source(), 134_515_008, True

    rows = local_models([run, fresh], [(("bundled", "fp32", "cpu"), Loaded()), (("bundled", "nf4", "cpu"), Loaded())])
    assert list(rows["name"]) == ["my-gpt", "SmolLM2-135M-Instruct"]
    assert rows["local"].all()
    mine = rows.iloc[0]
    assert mine["params_total"] == 1000 and mine["training_tokens"] == 4000
    assert mine["training_compute_flop"] == pytest.approx(6 * 1000 * 4000) == mine["compute_6nd"]
    assert np.isnan(rows.iloc[1]["training_tokens"]) and rows.iloc[1]["params_total"] == 134_515_008
    assert local_models([], []).empty
