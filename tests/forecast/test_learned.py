"""The growth model learned from the farm's own segments (docs/forecast.md "The learned growth model")."""

import datetime as dt
import math
import random

import pytest

from apps.forecast.engine.calibration import Residual
from apps.forecast.engine.learned import (
    MIN_SEGMENTS,
    GrowthModel,
    SegmentObs,
    growth_model_fit,
    option_choose,
    project_learned,
)

DAY = dt.date(2025, 1, 1)


def true_log_ratio(weight_g: float, temp_c: float, fresh: bool, exposure: float) -> float:
    """A farm whose growth departs from the scenario: TGC falling with weight at sea (W^-0.12), an optimum near
    11 °C, fresh water 8 % better, appetite down 30 % right after handling."""
    lw = math.log(weight_g / 100.0)
    t = (temp_c - 10.0) / 5.0
    return (0.0 if fresh else -0.12 * lw) + (0.08 if fresh else 0.0) + 0.05 * t - 0.12 * t * t - 0.35 * exposure


def farm(n: int, seed: int = 1, noise: float = 0.03) -> list[SegmentObs]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        fresh = rng.random() < 0.4
        weight = (
            math.exp(rng.uniform(math.log(5), math.log(150)))
            if fresh
            else math.exp(rng.uniform(math.log(150), math.log(5000)))
        )
        temp = rng.uniform(2.0, 17.0)
        days = rng.randint(20, 40)
        handled = (rng.randint(-30, 5),) if rng.random() < 0.5 else ()
        probe = SegmentObs((i, DAY), DAY, days, temp * days, weight, weight, fresh, 0.0, handled)
        y = true_log_ratio(weight, temp, fresh, probe.exposure(14.0)) + rng.gauss(0, noise)
        out.append(
            SegmentObs(
                (i // 5, DAY + dt.timedelta(days=30 * (i % 5))),
                DAY + dt.timedelta(days=30 * (i % 5)),
                days,
                temp * days,
                weight,
                weight,
                fresh,
                y,
                handled,
            )
        )
    return out


def test_the_fit_learns_the_weight_the_temperature_optimum_and_the_handling_from_the_segments():
    model = growth_model_fit(farm(800))
    effect = lambda w1, w2, fresh: model.log_ratio(w2, 10.0, fresh, 0.0) - model.log_ratio(w1, 10.0, fresh, 0.0)  # noqa: E731
    assert effect(500.0, 2000.0, False) == pytest.approx(-0.12 * math.log(4), abs=0.03)  # at sea TGC falls with weight
    assert effect(20.0, 100.0, True) == pytest.approx(0.0, abs=0.03)  # not in fresh water
    assert model.coef[-1] == pytest.approx(-0.35, abs=0.08) and model.tau_days == 14.0  # appetite back over two weeks


def test_growth_above_the_optimum_is_lower_than_at_it_in_the_learned_model():
    model = growth_model_fit(farm(800))
    at = {t: model.log_ratio(1000.0, t, False, 0.0) for t in (4.0, 11.0, 17.0)}
    assert at[11.0] > at[17.0] and at[11.0] > at[4.0]


def test_with_too_few_segments_there_is_no_model_and_the_scenario_stays():
    assert growth_model_fit(farm(MIN_SEGMENTS - 1)) is None


def test_segments_ending_after_the_date_are_not_learned_from():
    segments = farm(400)
    assert growth_model_fit(segments, until=DAY + dt.timedelta(days=60)) == growth_model_fit(
        [s for s in segments if s.end_date <= DAY + dt.timedelta(days=60)]
    )


def test_a_persistent_deviation_gets_a_long_half_life_and_a_passing_one_a_short_one():
    rng = random.Random(4)

    def segments(persistent: bool):
        out = []
        for a in range(120):
            level = rng.gauss(0, 0.1)
            for k in range(6):
                y = (level if persistent else rng.gauss(0, 0.1)) + rng.gauss(0, 0.01)
                end = DAY + dt.timedelta(days=30 * (k + 1))
                out.append(SegmentObs((a, end), end, 30, 300.0, 500.0, 600.0, False, y))
        return out

    assert growth_model_fit(segments(True)).half_life_days > 200
    assert growth_model_fit(segments(False)).half_life_days < 30


def test_a_planned_handling_bends_the_projection_down_as_past_handling_did():
    model = GrowthModel(coef=(0.0,) * 10 + (-0.4,), tau_days=14.0, half_life_days=60.0, segments=100, degree_days=1e4)
    rules = {1: (0.002, math.inf, None)}
    kwargs = dict(
        x0=10.0,
        temps=[10.0] * 90,
        rules=rules,
        stage=1,
        model=model,
        dev=0.0,
        fresh=False,
        since_handled=None,
        max_cube_root=100.0,
    )
    free, _ = project_learned(**kwargs)
    handled, _ = project_learned(**kwargs, planned=(30,))
    assert handled[28] == free[28] and handled[89] < free[89]
    # the dip recovers: after the handling the daily growth comes back towards the undisturbed day's
    assert (handled[89] - handled[88]) > 0.95 * (free[89] - free[88])


def test_the_deviation_fades_over_the_half_life():
    model = GrowthModel(coef=(0.0,) * 11, tau_days=14.0, half_life_days=30.0, segments=100, degree_days=1e4)
    rules = {1: (0.002, math.inf, None)}
    xs, _ = project_learned(
        x0=10.0,
        temps=[10.0] * 61,
        rules=rules,
        stage=1,
        model=model,
        dev=0.2,
        fresh=False,
        since_handled=None,
        max_cube_root=100.0,
    )
    growth = [b - a for a, b in zip([10.0, *xs], xs)]
    assert growth[29] / 0.02 == pytest.approx(math.exp(0.2 * 0.5), rel=1e-6)  # day 30: half the deviation left
    assert growth[59] / 0.02 == pytest.approx(math.exp(0.2 * 0.25), rel=1e-6)


def test_the_farm_keeps_the_original_method_unless_another_way_erred_clearly_less():
    def errors(size: float, n: int = 200):
        return [Residual(60, "sea", size * (1 if i % 2 else -1), DAY) for i in range(n)]

    assert option_choose({"scenario": errors(0.05), "fit": errors(0.045), "learned-90": errors(0.04)})[0] == (
        "learned-90"
    )
    assert option_choose({"scenario": errors(0.05), "fit": errors(0.049)})[0] == "scenario"
    # too few to tell: the original method (the scenario's law from the latest state)
    assert option_choose({"scenario": errors(0.05, 30), "fit": errors(0.01, 30)})[0] == "scenario"
    assert option_choose({"fit": errors(0.01)})[0] == "scenario"
