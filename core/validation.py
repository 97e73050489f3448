"""Range and type checks shared by the config dataclasses, each failing with a UserError that says the fix."""

from __future__ import annotations

import math
from collections.abc import Iterable

from core.errors import UserError


def check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserError(f"{name} must be a whole number between {low:,} and {high:,}; got {value!r}.")
    if not low <= value <= high:
        raise UserError(f"{name} must be between {low:,} and {high:,}; got {value:,}.")


def check_float(
    name: str, value: object, low: float, high: float, *, low_open: bool = False, high_open: bool = False
) -> None:
    """Check low <= value <= high, with either end excluded when open (shown as '(' or ')')."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UserError(f"{name} must be a number in {interval}; got {value!r}.")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        raise UserError(f"{name} must be in {interval}; got {value:g}.")


def check_choice(name: str, value: object, choices: Iterable[str]) -> None:
    choices = tuple(choices)
    if value not in choices:
        raise UserError(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
