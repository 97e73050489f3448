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
    if not _is_finite_number(value):
        raise UserError(f"{name} must be a number in {interval}; got {value!r}.")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        raise UserError(f"{name} must be in {interval}; got {value:g}.")


def check_choice(name: str, value: object, choices: Iterable[str]) -> None:
    choices = tuple(choices)
    if value not in choices:
        raise UserError(f"{name} must be one of {', '.join(choices)}; got {value!r}.")


def check_bool(name: str, value: object) -> None:
    """Only True or False: 0, 1 and "false" are refused rather than guessed at."""
    if not isinstance(value, bool):
        raise UserError(f"{name} must be true or false; got {value!r}.")


def as_float(config: object, *names: str) -> None:
    """Store each named field of a (frozen) dataclass as a float, so an int such as dropout=0 from JSON becomes
    0.0; call it after check_float has accepted the values."""
    for name in names:
        object.__setattr__(config, name, float(getattr(config, name)))


def _is_finite_number(value: object) -> bool:
    """An int or float that is neither NaN nor infinite; bool is an int to Python but never a sensible number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large to be a float
        return False
