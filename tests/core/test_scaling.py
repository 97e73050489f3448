"""The Chinchilla law and its optimum, power-law fits, and the sweep and head-to-head plans."""

import numpy as np
import pytest

from core.errors import UserError
from core.scaling import (
    CHINCHILLA,
    FLOPS_PER_PARAM_TOKEN,
    chinchilla_loss,
    compute_optimal,
    estimated_seconds,
    fit_power_law,
    gpt_params,
    group_progress,
    head_to_head_configs,
    head_to_head_results,
    load_groups,
    save_group,
    start_head_to_head,
    start_sweep,
    sweep_configs,
    sweep_fits,
    sweep_results,
)
from tests.conftest import TINY_LADDER


def test_loss_at_known_point():
    c = CHINCHILLA
    expected = c["E"] + c["A"] / 70e9 ** c["alpha"] + c["B"] / 1.4e12 ** c["beta"]
    assert chinchilla_loss(70e9, 1.4e12) == pytest.approx(expected)
    assert chinchilla_loss(1e9, 1e12) > chinchilla_loss(1e10, 1e12) > c["E"]


@pytest.mark.parametrize("budget", [1e18, 5.76e23, 1e26])
def test_compute_optimal_is_the_closed_form_and_a_true_minimum(budget):
    a, b, A, B = CHINCHILLA["alpha"], CHINCHILLA["beta"], CHINCHILLA["A"], CHINCHILLA["B"]
    n_opt, d_opt = compute_optimal(budget)
    g = (a * A / (b * B)) ** (1 / (a + b))
    assert n_opt == pytest.approx(g * (budget / 6) ** (b / (a + b)))
    assert FLOPS_PER_PARAM_TOKEN * n_opt * d_opt == pytest.approx(budget)
    best = chinchilla_loss(n_opt, d_opt)
    for factor in (0.8, 0.95, 0.99, 1.01, 1.05, 1.25):  # neighbours along 6ND = C
        n = n_opt * factor
        assert chinchilla_loss(n, budget / (6 * n)) > best


def test_compute_optimal_vectorised_and_validated():
    n, d = compute_optimal(np.array([1e20, 1e22]))
    assert n.shape == d.shape == (2,) and n[1] > n[0]
    with pytest.raises(UserError):
        compute_optimal(0)
    with pytest.raises(UserError):
        chinchilla_loss(-1, 10)


def test_power_law_fit_recovers_a_noisy_exponent():
    rng = np.random.default_rng(0)
    x = np.logspace(3, 7, 30)
    y = 5.0 * x**-0.3 * np.exp(rng.normal(0, 0.02, x.size))
    fit = fit_power_law(x, y)
    assert fit.exponent == pytest.approx(-0.3, abs=3 * fit.exponent_se + 1e-3)
    assert 0 < fit.exponent_se < 0.02 and fit.r2 > 0.99
    assert fit.coefficient == pytest.approx(5.0, rel=0.1)
    assert "±" in fit.label()


def test_power_law_fit_needs_three_points():
    with pytest.raises(UserError):
        fit_power_law([1, 2], [3, 4])


def test_sweep_configs_grow_and_fit_the_time_budget():
    configs = sweep_configs()
    sizes = [gpt_params(c.model_params["n_layer"], c.model_params["n_embd"], 65, c.block_size) for c in configs]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes) == 5
    tokens = {c.max_steps * c.batch_size * c.block_size for c in configs}
    assert len(tokens) == 1  # the same data budget for every size
    assert sum(estimated_seconds(c) for c in configs) < 180
    assert len(sweep_configs(3)) == 3
    with pytest.raises(UserError):
        sweep_configs(1)


def test_gpt_params_matches_the_model():
    from core.models import build_model

    model = build_model("gpt", {"n_layer": 2, "n_head": 2, "n_embd": 32}, 65, 64)
    assert gpt_params(2, 32, 65, 64) == model.num_params()


def test_head_to_head_covers_the_four_families_on_one_budget():
    configs = head_to_head_configs()
    assert [c.model for c in configs] == ["ngram", "mlp", "lstm", "gpt"]
    assert len({(c.corpus, c.max_steps, c.batch_size, c.block_size) for c in configs}) == 1


TINY = {**TINY_LADDER, "corpus": "tinyshakespeare"}


def test_sweep_runs_results_and_fits(runs_dir):
    from core.train import train

    runs = start_sweep("s", sweep_configs(3, **TINY))
    assert [r.name for r in runs][0].startswith("s-gpt1")
    with pytest.raises(UserError):
        start_sweep("s", sweep_configs(3, **TINY))  # names taken
    fraction, table = group_progress(runs)
    assert fraction == 0 and list(table["state"]) == ["created"] * 3
    for run in runs:
        train(run)
    results = sweep_results(runs)
    assert list(results["state"]) == ["completed"] * 3
    assert results["params"].is_monotonic_increasing
    assert (results["compute"] == 6 * results["params"] * results["tokens"]).all()
    fits = sweep_fits(results)
    assert set(fits) == {"params", "compute"}
    assert fits["params"].exponent == pytest.approx(fits["compute"].exponent)  # same tokens for every run
    assert group_progress(runs)[0] == 1.0
    save_group("sweep", "s", runs)
    assert [r.name for r in load_groups("sweep")["s"]] == [r.name for r in runs]
    assert load_groups("head_to_head") == {}


def test_head_to_head_results(runs_dir):
    from core.train import train

    runs = start_head_to_head("h", head_to_head_configs(**TINY))
    for run in runs:
        train(run)
    results = head_to_head_results(runs)
    assert list(results["family"]) == ["ngram", "mlp", "lstm", "gpt"]
    assert results["val_loss"].notna().all() and results["wall_s"].notna().all()
    assert np.isnan(results.loc[0, "compute"]) and results["compute"][1:].notna().all()
    assert all(isinstance(s, str) for s in results["sample"])
