import math

import pytest

from core.schedules import lr_curve


def test_constant_schedule_warms_up_then_holds():
    rates = lr_curve("constant", 1e-3, 50, warmup_steps=10)
    assert rates[0] < rates[5] < rates[10]
    assert all(r == pytest.approx(1e-3) for r in rates[10:])


def test_cosine_decays_from_peak_to_floor_monotonically():
    rates = lr_curve("cosine", 1e-3, 200, warmup_steps=20, min_lr_ratio=0.1)
    assert max(rates) == pytest.approx(1e-3)
    assert rates.index(max(rates)) == 20
    after = rates[20:]
    assert all(a >= b for a, b in zip(after, after[1:], strict=False))
    assert after[-1] == pytest.approx(1e-4, rel=0.05)
    # halfway through the decay a half cosine sits halfway between peak and floor
    assert after[90] == pytest.approx(1e-4 + 0.5 * 9e-4, rel=0.05)


def test_exponential_decays_geometrically_to_the_floor():
    rates = lr_curve("exponential", 1e-2, 101, warmup_steps=0, min_lr_ratio=0.01)
    ratios = {round(b / a, 6) for a, b in zip(rates, rates[1:], strict=False)}
    assert len(ratios) == 1
    assert rates[-1] == pytest.approx(1e-2 * 0.01 ** (100 / 101), rel=1e-3)
    assert math.isclose(rates[0], 1e-2)
