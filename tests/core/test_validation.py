"""The shared checks: what they accept, what they refuse, and that every refusal is a UserError."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from core.errors import UserError
from core.validation import as_float, check_bool, check_choice, check_float, check_int

# ---- check_int ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 5, 10])
def test_check_int_accepts_both_ends(value) -> None:
    check_int("n", value, 1, 10)


@pytest.mark.parametrize("value", [True, False, 3.0, 2.5, "3", None, math.nan, math.inf])
def test_check_int_refuses_non_ints(value) -> None:
    with pytest.raises(UserError, match=r"n must be a whole number between 1 and 10; got "):
        check_int("n", value, 1, 10)


@pytest.mark.parametrize("value", [0, 11, -1, 10**400])
def test_check_int_refuses_out_of_range(value) -> None:
    with pytest.raises(UserError, match=r"n must be between 1 and 10; got "):
        check_int("n", value, 1, 10)


def test_check_int_message_groups_digits() -> None:
    with pytest.raises(UserError, match=r"between 1 and 10,000; got 20,000\."):
        check_int("n", 20_000, 1, 10_000)


# ---- check_float --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 0.0, 0.5, 1, 1.0])
def test_check_float_closed_accepts_both_ends_and_ints(value) -> None:
    check_float("x", value, 0.0, 1.0)


@pytest.mark.parametrize(
    ("value", "low_open", "high_open"),
    [(0.0, True, False), (1.0, False, True), (0, True, True), (1, True, True)],
)
def test_check_float_open_end_excludes_it(value, low_open, high_open) -> None:
    with pytest.raises(UserError, match=r"x must be in "):
        check_float("x", value, 0.0, 1.0, low_open=low_open, high_open=high_open)


@pytest.mark.parametrize(
    ("low_open", "high_open", "interval"),
    [(False, False, "[0, 1]"), (True, False, "(0, 1]"), (False, True, "[0, 1)"), (True, True, "(0, 1)")],
)
def test_check_float_message_shows_which_ends_are_open(low_open, high_open, interval) -> None:
    with pytest.raises(UserError) as info:
        check_float("x", 2.0, 0.0, 1.0, low_open=low_open, high_open=high_open)
    assert str(info.value) == f"x must be in {interval}; got 2."


def test_check_float_open_ends_keep_the_inside() -> None:
    check_float("x", 1e-12, 0.0, 1.0, low_open=True, high_open=True)
    check_float("x", 0.999999, 0.0, 1.0, low_open=True, high_open=True)


@pytest.mark.parametrize("value", [True, False, "0.5", None, [0.5], math.nan, math.inf, -math.inf, 10**400])
def test_check_float_refuses_non_numbers_and_non_finite(value) -> None:
    with pytest.raises(UserError, match=r"x must be a number in \[0, 1\]; got "):
        check_float("x", value, 0.0, 1.0)


def test_check_float_infinite_bound_still_refuses_infinity() -> None:
    check_float("k", 1e300, 0.0, math.inf, low_open=True, high_open=True)
    with pytest.raises(UserError, match=r"k must be a number in \(0, inf\)"):
        check_float("k", math.inf, 0.0, math.inf, low_open=True, high_open=True)


# ---- check_choice -------------------------------------------------------------------------------------------


def test_check_choice_accepts_listed_value_from_any_iterable() -> None:
    check_choice("mode", "b", ["a", "b"])
    check_choice("mode", "a", (c for c in "ab"))  # a generator is read once, for the test and the message


@pytest.mark.parametrize("value", ["c", "A", "", None, 1, True, ["a"]])
def test_check_choice_refuses_others(value) -> None:
    with pytest.raises(UserError) as info:
        check_choice("mode", value, ("a", "b"))
    assert str(info.value) == f"mode must be one of a, b; got {value!r}."


# ---- check_bool ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_check_bool_accepts_bools(value) -> None:
    check_bool("bias", value)


@pytest.mark.parametrize("value", [0, 1, "true", "false", None, 1.0])
def test_check_bool_refuses_everything_else(value) -> None:
    with pytest.raises(UserError) as info:
        check_bool("bias", value)
    assert str(info.value) == f"bias must be true or false; got {value!r}."


# ---- as_float -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frozen:
    a: float = 0
    b: float = 1
    c: int = 2


def test_as_float_converts_named_fields_of_a_frozen_dataclass() -> None:
    config = _Frozen()
    as_float(config, "a", "b")
    assert (config.a, config.b, config.c) == (0.0, 1.0, 2)
    assert type(config.a) is float and type(config.b) is float and type(config.c) is int


def test_as_float_keeps_floats_and_accepts_no_names() -> None:
    config = _Frozen(a=0.25)
    as_float(config)
    assert config.a == 0.25 and type(config.b) is int
    as_float(config, "a")
    assert config.a == 0.25
