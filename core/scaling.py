"""Scaling laws: the Chinchilla loss law, power-law fits, and two experiments run on this machine.

- `chinchilla_loss(N, D)` and `compute_optimal(C)`: the parametric fit of Hoffmann et al. (2022), "Training
  Compute-Optimal Large Language Models", Approach 3 (eq. 10): L(N, D) = E + A / N^α + B / D^β.
- `fit_power_law(x, y)`: y = a · x^b by least squares in log space, with the standard error of b.
- The sweep: a ladder of tiny GPTs of growing width and depth, trained on the same corpus for the same tokens,
  whose final validation losses are fitted against parameters and compute (C ≈ 6·N·D, Kaplan et al. 2020).
- Head-to-head: the four families on the same corpus with comparable budgets.
Runs are created here and trained by whoever calls `core.train.train` (the dashboard's background job queue).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import UserError
from core.runs import Run, run_path, runs_root, sanitize_run_name, write_atomic

# Hoffmann et al. 2022, Approach 3: the published fit of the parametric loss.
CHINCHILLA = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
FLOPS_PER_PARAM_TOKEN = 6  # forward (2) + backward (4) multiply-adds per parameter per token


def chinchilla_loss(n_params: float | np.ndarray, n_tokens: float | np.ndarray) -> float | np.ndarray:
    """Predicted loss (nats/token on their data) of a model with N parameters trained on D tokens."""
    c = CHINCHILLA
    n, d = np.asarray(n_params, dtype=float), np.asarray(n_tokens, dtype=float)
    if np.any(n <= 0) or np.any(d <= 0):
        raise UserError("Parameters and tokens must both be positive.")
    loss = c["E"] + c["A"] / n ** c["alpha"] + c["B"] / d ** c["beta"]
    return float(loss) if loss.ndim == 0 else loss


def compute_optimal(compute: float | np.ndarray) -> tuple[Any, Any]:
    """(N_opt, D_opt) minimising L(N, D) subject to 6·N·D = C, in closed form (Hoffmann et al. eq. 4).

    With G = (αA / (βB))^(1/(α+β)): N_opt = G · (C/6)^(β/(α+β)) and D_opt = (C/6)^(α/(α+β)) / G.
    """
    c = CHINCHILLA
    compute = np.asarray(compute, dtype=float)
    if np.any(compute <= 0):
        raise UserError("The compute budget must be positive (in FLOPs, e.g. 1e21).")
    a, b = c["alpha"], c["beta"]
    g = (a * c["A"] / (b * c["B"])) ** (1 / (a + b))
    n_opt = g * (compute / FLOPS_PER_PARAM_TOKEN) ** (b / (a + b))
    d_opt = (compute / FLOPS_PER_PARAM_TOKEN) ** (a / (a + b)) / g
    if compute.ndim == 0:
        return float(n_opt), float(d_opt)
    return n_opt, d_opt


@dataclass(frozen=True)
class PowerLawFit:
    """y ≈ coefficient · x^exponent, fitted in log space; `exponent_se` is the standard error of the slope."""

    coefficient: float
    exponent: float
    exponent_se: float
    r2: float
    n_points: int

    def predict(self, x: float | np.ndarray) -> np.ndarray:
        return self.coefficient * np.asarray(x, dtype=float) ** self.exponent

    def label(self) -> str:
        return f"exponent {self.exponent:.3f} ± {self.exponent_se:.3f}"


def fit_power_law(x, y) -> PowerLawFit:
    """Least squares of log y = log a + b · log x; needs at least 3 positive points for an error estimate."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    x, y = x[keep], y[keep]
    if len(x) < 3 or np.ptp(np.log(x)) == 0:
        raise UserError("A power-law fit needs at least 3 points with different positive x values.")
    lx, ly = np.log(x), np.log(y)
    slope, intercept = np.polyfit(lx, ly, 1)
    resid = ly - (intercept + slope * lx)
    dof = len(x) - 2
    sxx = float(np.sum((lx - lx.mean()) ** 2))
    se = math.sqrt(float(np.sum(resid**2)) / dof / sxx) if dof > 0 else float("nan")
    ss_tot = float(np.sum((ly - ly.mean()) ** 2))
    r2 = 1 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 1.0
    return PowerLawFit(float(math.exp(intercept)), float(slope), se, r2, len(x))


# -- the sweep: a ladder of tiny GPTs --------------------------------------------------------------------------
# Same corpus, same tokens (steps x batch x block), growing width and depth: only the model size changes.
SWEEP_TRAINING: dict[str, Any] = {
    "corpus": "tinyshakespeare",
    "tokenizer": "char",
    "block_size": 64,
    "batch_size": 16,
    "max_steps": 800,
    "lr": 2e-3,
    "warmup_steps": 50,
    "eval_interval": 200,
    "eval_iters": 10,
    "log_interval": 20,
    "sample_interval": 800,
    "sample_tokens": 120,
    "device": "cpu",
}
SWEEP_LADDER = [  # (n_layer, n_head, n_embd)
    (1, 2, 32),
    (2, 2, 48),
    (2, 4, 64),
    (3, 4, 96),
    (4, 4, 128),
]
# Half the 6·N·D throughput measured for this ladder on 2 CPU cores (about 1e11 FLOP/s for the largest), so the
# estimate errs long; it only tells the user how long to wait.
CPU_FLOPS_PER_S = 5e10
OVERHEAD_S_PER_RUN = 4.0  # process start, imports, evaluation and checkpoints


def sweep_configs(n: int = 5, **overrides: Any) -> list[Any]:
    """`n` TrainConfigs (2 to 5) of growing GPT size with the same data and token budget."""
    from core.train import TrainConfig

    if not 2 <= n <= len(SWEEP_LADDER):
        raise UserError(f"A sweep has 2 to {len(SWEEP_LADDER)} models; {n} asked.")
    ladder = SWEEP_LADDER[-n:] if n > 3 else SWEEP_LADDER[:: len(SWEEP_LADDER) // n][:n]
    settings = {**SWEEP_TRAINING, **overrides}
    return [
        TrainConfig(model="gpt", model_params={"n_layer": L, "n_head": h, "n_embd": e}, **settings)
        for L, h, e in ladder
    ]


def gpt_params(n_layer: int, n_embd: int, vocab_size: int, block_size: int) -> int:
    """Parameters of core.models.gpt without biases: blocks (12·d² + 2·d LayerNorm gains each), token and
    position embeddings (the head is tied), final LayerNorm."""
    return n_layer * (12 * n_embd**2 + 2 * n_embd) + (vocab_size + block_size) * n_embd + n_embd


def estimated_seconds(cfg: Any, vocab_size: int = 65) -> float:
    """A rough wall time for training `cfg` on this kind of CPU (6·N·D at CPU_FLOPS_PER_S plus overhead)."""
    p = cfg.model_params
    n = gpt_params(p["n_layer"], p["n_embd"], vocab_size, cfg.block_size)
    tokens = cfg.max_steps * cfg.batch_size * cfg.block_size
    evals = (cfg.max_steps // cfg.eval_interval + 1) * cfg.eval_iters * cfg.batch_size * cfg.block_size
    return FLOPS_PER_PARAM_TOKEN * n * tokens / CPU_FLOPS_PER_S + 2 * n * evals / CPU_FLOPS_PER_S + OVERHEAD_S_PER_RUN


def _create_all(prefix: str, named: list[tuple[str, Any]], root: Path | None) -> list[Run]:
    from core.train import create_run

    prefix = prefix.strip() or "sweep"
    paths = [run_path(f"{prefix}-{label}", root) for label, _ in named]
    taken = [p.name for p in paths if p.exists()]
    if taken:
        raise UserError(f"Runs named {', '.join(taken)} already exist; choose another name.")
    return [create_run(cfg, path) for path, (_, cfg) in zip(paths, named, strict=True)]


def start_sweep(name: str, configs: list[Any] | None = None, root: Path | None = None) -> list[Run]:
    """Create the sweep's runs as NAME-d1-... (not trained yet: hand them to the job queue)."""
    configs = configs if configs is not None else sweep_configs()
    named = [(f"gpt{i + 1}-L{c.model_params['n_layer']}-d{c.model_params['n_embd']}", c) for i, c in enumerate(configs)]
    return _create_all(name, named, root)


RESULT_COLUMNS = ["run", "family", "state", "step", "max_steps", "params", "tokens", "val_loss", "wall_s", "sample"]


def _final(run: Run) -> dict[str, Any]:
    metrics = run.metrics()
    status = run.status()
    val = next((m["val_loss"] for m in reversed(metrics) if m.get("val_loss") is not None), None)
    last = metrics[-1] if metrics else {}
    samples = run.samples()
    cfg = run.config()
    return {
        "run": run.name,
        "family": cfg["model"],
        "state": status.get("state"),
        "step": last.get("step", 0),
        "max_steps": cfg["max_steps"],
        "params": status.get("n_params"),
        "tokens": last.get("tokens", 0),
        "val_loss": val if status.get("state") == "completed" else None,
        "wall_s": last.get("elapsed_s"),
        "sample": samples[-1]["text"] if samples else "",
    }


def sweep_results(runs: list[Run]) -> pd.DataFrame:
    """One row per run: params, tokens, compute (6·N·D), final val loss (completed runs only), wall time."""
    rows = [_final(r) for r in runs]
    frame = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    if frame.empty:
        return frame
    frame["compute"] = [
        FLOPS_PER_PARAM_TOKEN * p * t if p else None for p, t in zip(frame["params"], frame["tokens"], strict=True)
    ]
    return frame


def sweep_fits(results: pd.DataFrame) -> dict[str, PowerLawFit]:
    """Fits of final val loss against params and against compute, from the completed runs (needs 3)."""
    done = results.dropna(subset=["val_loss", "params", "compute"])
    if len(done) < 3:
        return {}
    return {x: fit_power_law(done[x].astype(float), done["val_loss"].astype(float)) for x in ("params", "compute")}


def sweep_done(runs: list[Run]) -> bool:
    return all(r.status().get("state") in ("completed", "diverged", "failed", "stopped", "interrupted") for r in runs)


# -- families head to head ------------------------------------------------------------------------------------
HEAD_TO_HEAD: dict[str, dict[str, Any]] = {
    "ngram": {"n": 4},
    "mlp": {"context": 8, "n_embd": 32, "n_hidden": 256},
    "lstm": {"n_embd": 48, "n_hidden": 128, "n_layer": 1},
    "gpt": {"n_layer": 2, "n_head": 4, "n_embd": 64},
}


def head_to_head_configs(**overrides: Any) -> list[Any]:
    """The four families on the same corpus, batch, context and steps (each well under a minute on 2 cores)."""
    from core.train import TrainConfig

    settings = {**SWEEP_TRAINING, "max_steps": 600, "sample_interval": 600, "eval_interval": 200, **overrides}
    return [TrainConfig(model=family, model_params=params, **settings) for family, params in HEAD_TO_HEAD.items()]


def start_head_to_head(name: str, configs: list[Any] | None = None, root: Path | None = None) -> list[Run]:
    configs = configs if configs is not None else head_to_head_configs()
    return _create_all(name, [(c.model, c) for c in configs], root)


def head_to_head_results(runs: list[Run]) -> pd.DataFrame:
    """One row per family: val loss, params, compute (6·N·D; counting models do no such work), wall time, sample."""
    frame = sweep_results(runs)
    if not frame.empty:
        frame.loc[frame["family"] == "ngram", "compute"] = None
    return frame


# -- groups of runs (a sweep, a head-to-head) remembered on disk ----------------------------------------------
GROUP_KINDS = ("sweep", "head_to_head")


def _groups_dir(root: Path | None) -> Path:
    return (root or runs_root()) / ".groups"  # a dot folder: list_runs skips it


def save_group(kind: str, name: str, runs: list[Run], root: Path | None = None) -> None:
    """Remember which runs form one sweep or head-to-head, so a reload or another tab finds them again."""
    if kind not in GROUP_KINDS:
        raise ValueError(kind)
    folder = _groups_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / f"{kind}--{sanitize_run_name(name)}.json", json.dumps([r.name for r in runs]))


def load_groups(kind: str, root: Path | None = None) -> dict[str, list[Run]]:
    """The saved groups of `kind`, newest first, each with the runs that still exist."""
    folder = _groups_dir(root)
    if not folder.is_dir():
        return {}
    files = sorted(folder.glob(f"{kind}--*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    groups = {}
    for path in files:
        runs = [Run(run_path(n, root)) for n in json.loads(path.read_text(encoding="utf-8"))]
        runs = [r for r in runs if (r.path / "config.json").is_file()]
        if runs:
            groups[path.stem.split("--", 1)[1]] = runs
    return groups


def group_progress(runs: list[Run]) -> tuple[float, pd.DataFrame]:
    """Overall fraction of steps done, and a table of each run's state and step."""
    rows = []
    for run in runs:
        status, max_steps = run.status(), run.config()["max_steps"]
        step = status.get("step", 0) if status.get("state") != "completed" else max_steps
        rows.append({"run": run.name, "state": status.get("state"), "step": step, "max_steps": max_steps})
    table = pd.DataFrame(rows, columns=["run", "state", "step", "max_steps"])
    total = table["max_steps"].sum()
    return (float(table["step"].sum() / total) if total else 0.0), table
