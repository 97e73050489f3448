"""What every benchmark shares: the machine description, timing, and the report."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from core.machine import machine

RESULTS = Path(__file__).resolve().parent / "results"


def best_of(fn: Callable[[], object], repeats: int = 3) -> float:
    """Fastest wall time of `repeats` calls, in seconds (the least disturbed by other work on the machine)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def report(name: str, figures: dict[str, object], as_json: bool) -> None:
    """Print a table, save results/NAME.json with machine and date, and end with a JSON line if asked."""
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    record = {"benchmark": name, "date": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(), **figures}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    if as_json:
        print(json.dumps(record))
