"""Plain-data views of runs for the pages: progress of a live run, metrics as a table, the table of all runs."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.runs import Run

METRIC_COLUMNS = ["step", "tokens", "elapsed_s", "train_loss", "val_loss", "lr", "tokens_per_s"]


@dataclass(frozen=True)
class Progress:
    """Where a run stands, for a progress bar: fraction done, speed and estimated time left."""

    state: str
    message: str
    step: int
    max_steps: int
    elapsed_s: float
    tokens_per_s: float | None
    eta_s: float | None
    train_loss: float | None
    val_loss: float | None

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / self.max_steps) if self.max_steps else 0.0


def metrics_frame(run: Run) -> pd.DataFrame:
    """The run's metrics.jsonl as a DataFrame with the documented columns (empty before the first record)."""
    return pd.DataFrame(run.metrics(), columns=METRIC_COLUMNS)


def _last(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.iloc[-1]) if len(values) else None


def progress(run: Run) -> Progress:
    """Progress from status.json and metrics.jsonl; the ETA extrapolates the average seconds per step so far."""
    status = run.status()
    max_steps = status.get("max_steps") or run.config().get("max_steps", 0)
    metrics = metrics_frame(run)
    step = int(metrics["step"].iloc[-1]) if len(metrics) else 0
    elapsed = float(metrics["elapsed_s"].iloc[-1]) if len(metrics) else 0.0
    eta = None
    if status["state"] == "running" and step > 0:
        eta = elapsed / step * (max_steps - step)
    return Progress(
        state=status["state"],
        message=status.get("message", ""),
        step=step,
        max_steps=max_steps,
        elapsed_s=elapsed,
        tokens_per_s=_last(metrics["tokens_per_s"]),
        eta_s=eta,
        train_loss=_last(metrics["train_loss"]),
        val_loss=_last(metrics["val_loss"]),
    )


def runs_table(runs: list[Run]) -> pd.DataFrame:
    """One row per run: what it is, how far it got and its best validation loss."""
    rows = []
    for run in runs:
        config, status = run.config(), run.status()
        metrics = metrics_frame(run)
        rows.append(
            {
                "run": run.name,
                "state": status["state"],
                "model": config.get("model"),
                "corpus": config.get("corpus"),
                "tokenizer": config.get("tokenizer"),
                "params": status.get("n_params"),
                "steps": f"{status.get('step', 0)}/{config.get('max_steps')}",
                "best val loss": metrics["val_loss"].min() if len(metrics) else None,
                "last train loss": _last(metrics["train_loss"]),
                "tokens": int(metrics["tokens"].iloc[-1]) if len(metrics) else 0,
                "time (s)": float(metrics["elapsed_s"].iloc[-1]) if len(metrics) else 0.0,
            }
        )
    return pd.DataFrame(rows)
