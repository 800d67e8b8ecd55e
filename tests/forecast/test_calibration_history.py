"""The band for today's forecasts where the farm's errors shrank as its history grew (docs/forecast.md "The
calibrated band": the history trend)."""

import datetime as dt
import math
import random

import pytest

from apps.forecast.engine.calibration import (
    TREND_FLOOR,
    Residual,
    bucket_of,
    calibrate,
    history_scaled,
    history_trend,
)

START = dt.date(2023, 1, 1)
YEARS = 3
HORIZONS = (30, 60, 90)


def farm(seed: int, *, shrinking: bool, batches: int = 20, sd_90: float = 0.06) -> list[Residual]:
    """The residuals of ``batches`` batches forecast every 30 days for YEARS years and weighed at HORIZONS: each
    forecast's growth rate errs by a normal g, so that its log error at +h days is g x h / 90 (the weighings
    exact); g's sd is sd_90 today and, when ``shrinking``, was twice that at the farm's start (halving over its
    life, as a farm's errors do while its history grows), else sd_90 throughout. (Not the trend's own law: there
    the spread shrinks the faster the longer the horizon.)"""
    rng = random.Random(seed)
    out = []
    end = START + dt.timedelta(days=365 * YEARS)
    for b in range(batches):
        as_of = START + dt.timedelta(days=rng.randrange(30))
        while as_of < end:
            age = (end - as_of).days / (365 * YEARS)  # 1 at the start, 0 today
            g = rng.gauss(0.0, sd_90 * (2**age if shrinking else 1.0))
            for h in HORIZONS:
                weighed = as_of + dt.timedelta(days=h)
                out.append(Residual(h, "sea", g * h / 90, weighed, 0.0, 1000.0, (as_of, 1000.0, b)))
            as_of += dt.timedelta(days=30)
    return out


def covered(calibration, seed: int, h: int, sd_90: float = 0.06) -> float:
    """The share of new forecasts made today (errors of today's spread) inside the calibrated band at +h days."""
    rng = random.Random(seed + 1000)
    q10, _, q90 = calibration.offsets("sea", h, 1000.0)[h - 1]
    fresh = [rng.gauss(0.0, sd_90) * h / 90 for _ in range(20000)]
    return sum(q10 <= e <= q90 for e in fresh) / len(fresh)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_where_the_errors_shrank_with_the_farms_history_the_band_holds_todays_forecasts_eighty_percent(seed):
    residuals = farm(seed, shrinking=True)
    until = max(r.truth_date for r in residuals)
    assert all(history_trend(residuals)[i] < 0 for i in (1, 2, 3))  # 16-45, 46-75, 76-105 days
    with_trend = calibrate(residuals, until=until)
    without = calibrate(residuals, until=until, history=False)
    for h in (60, 90):
        assert 0.75 <= covered(with_trend, seed, h) <= 0.86, h
        # all the past alike: the band is for the farm's average forecast, too wide for today's
        assert covered(without, seed, h) > covered(with_trend, seed, h) + 0.03, h


@pytest.mark.parametrize("seed", range(8))
def test_errors_of_a_steady_spread_show_no_trend_and_the_band_is_unchanged(seed):
    residuals = farm(seed, shrinking=False)
    until = max(r.truth_date for r in residuals)
    assert history_trend(residuals) == {}
    assert history_scaled(residuals, until) == residuals
    assert calibrate(residuals, until=until) == calibrate(residuals, until=until, history=False)


def test_a_trend_read_over_less_than_a_year_of_forecasts_is_not_used():
    recent = [r for r in farm(4, shrinking=True) if r.forecast[0] >= START + dt.timedelta(days=365 * YEARS - 300)]
    assert history_trend(recent) == {}
    assert history_trend(farm(4, shrinking=True))[3] < 0


def test_an_older_forecasts_error_is_brought_about_its_cells_median_at_most_down_to_the_floor():
    residuals = farm(5, shrinking=True)
    until = max(r.truth_date for r in residuals)
    scaled = history_scaled(residuals, until)
    slopes = history_trend(residuals)
    assert slopes[0] == 0.0 and slopes[4] == slopes[3]  # none before 16 days; beyond 105 days the last bucket's
    median = sorted(r.log_error for r in residuals if r.horizon_days == 90)[len(residuals) // 6]
    for before, after in zip(residuals, scaled):
        f = max(TREND_FLOOR, math.exp(slopes[bucket_of(before.horizon_days)] * (until - before.forecast[0]).days))
        assert after.noise_var == pytest.approx(before.noise_var * f * f)
        if before.horizon_days == 90:
            assert after.log_error - median == pytest.approx((before.log_error - median) * f)
    # the oldest 90-day forecasts erred twice as widely as today's: brought to about today's spread
    oldest = [
        (b, a)
        for b, a in zip(residuals, scaled)
        if b.horizon_days == 90 and b.forecast[0] < START + dt.timedelta(days=90)
    ]
    spread_before = math.sqrt(sum(b.log_error**2 for b, _ in oldest) / len(oldest))
    spread_after = math.sqrt(sum(a.log_error**2 for _, a in oldest) / len(oldest))
    assert 0.45 <= spread_after / spread_before <= 0.75
