"""The weighings' error that their recorded sampling variance misses, read from the farm's own residuals
(docs/forecast.md "The calibrated band": crowded nets)."""

import datetime as dt
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.forecast.engine.calibration import Residual, calibrate, unrecorded_variance

DAY = dt.date(2025, 1, 1)
RECORDED_SD = 0.02  # what each sample's size says: some tens of fish of 20 % spread


def _farm(rng: random.Random, *, forecasts: int, heavy_share: float, heavy: float, extra_sd: float, phase="sea"):
    """Forecasts whose error drifts smoothly with the horizon (a start off by a few %, a pace off by a few %), each
    scored against weighings every 14-28 days whose own error is the recorded one, plus ``extra_sd`` of Gaussian
    error and, on ``heavy_share`` of the days, ``heavy`` (a crowded net): neither of which the record shows."""
    out = []
    for i in range(forecasts):
        start, pace = rng.gauss(0, 0.03), rng.gauss(0, 0.0006)
        h = rng.randint(1, 14)
        while h <= 180:
            error = RECORDED_SD * rng.gauss(0, 1) + extra_sd * rng.gauss(0, 1)
            error += heavy if rng.random() < heavy_share else 0.0
            day = DAY + dt.timedelta(days=i % 300 + h)
            out.append(Residual(h, phase, start + pace * h + error, day, RECORDED_SD**2, 500.0, (i, 500.0)))
            h += rng.randint(14, 28)
    return out


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    extra_sd=st.floats(0.0, 0.04),
    heavy_share=st.floats(0.0, 0.4),
    heavy=st.floats(0.03, 0.08),
)
def test_the_unrecorded_error_of_the_weighings_is_recovered(seed, extra_sd, heavy_share, heavy):
    rng = random.Random(seed)
    residuals = _farm(rng, forecasts=600, heavy_share=heavy_share, heavy=heavy, extra_sd=extra_sd)
    truth = extra_sd**2 + heavy_share * (1 - heavy_share) * heavy**2
    found = unrecorded_variance(residuals)["sea"]
    # the estimate less two standard errors: below the truth, near it with many weighings
    assert math.sqrt(found) <= math.sqrt(truth) + 0.004
    assert math.sqrt(found) >= math.sqrt(truth) - 0.008


@pytest.mark.parametrize("seed", range(5))
def test_weighings_that_err_as_recorded_add_nothing_or_next_to_nothing(seed):
    residuals = _farm(random.Random(seed), forecasts=600, heavy_share=0.0, heavy=0.0, extra_sd=0.0)
    assert unrecorded_variance(residuals)["sea"] <= 0.004**2
    few = _farm(random.Random(seed), forecasts=2, heavy_share=0.3, heavy=0.06, extra_sd=0.02)[:6]
    assert unrecorded_variance(few) == {}  # too few weighings to tell


def test_a_band_calibrated_on_samples_with_unrecorded_error_is_for_the_fish():
    """Weighings that read heavy on some days widen the residuals' spread; the band is for the fish, so it is
    narrower than one that counts that error as the fish's, and holds the fish's own errors about 80 %."""
    rng = random.Random(7)
    residuals = _farm(rng, forecasts=1500, heavy_share=0.3, heavy=0.06, extra_sd=0.015)
    fish = calibrate(residuals)
    samples = calibrate(residuals, unrecorded=False)
    q10, _, q90 = fish.offsets("sea", 60)[59]
    s10, _, s90 = samples.offsets("sea", 60)[59]
    assert q90 - q10 < 0.95 * (s90 - s10)
    check = random.Random(8)  # the fish's own errors at +60 days: the start and the pace, no weighing's error
    errors = [check.gauss(0, 0.03) + check.gauss(0, 0.0006) * 60 for _ in range(4000)]
    inside = sum(q10 <= e <= q90 for e in errors) / len(errors)
    assert 0.74 <= inside <= 0.85  # counted as the fish's, the samples' error made it 87 %
