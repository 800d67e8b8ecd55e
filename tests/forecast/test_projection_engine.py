"""The banded projection (no database): the closed form, and bands that widen with horizon and spread."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.batch.engine import ModelParams, Stage
from apps.forecast.engine import MortalityEstimate, Performance, ProjectionStart, TemperatureBias, project
from apps.forecast.engine.estimates import SegmentEvidence, performance_estimate, temperature_bias

AS_OF = dt.date(2026, 3, 1)
PARAMS = ModelParams(
    tgc=3.0,
    tgc_by_stage={},
    mortality_daily=0.0005,
    mortality_daily_by_stage={},
    fcr_by_stage={},
    profile=((1, 10.0),),
    stages={1: Stage(1, 1, 0.0, 100_000.0, None)},
)


def projection(*, ratio=1.0, sd=0.03, bias=0.0, bias_sd=0.3, days=30, weight=100.0, target=5000.0, mortality=0.0005):
    return project(
        start=ProjectionStart(date=AS_OF, day_number=60, weight_g=weight, population=10_000, stage_id=1),
        horizon_days=days,
        params=PARAMS,
        performance=Performance(ratio, sd, "assignment", 3),
        bias=TemperatureBias(bias, bias_sd, 14),
        mortality=MortalityEstimate(mortality, 0.5, "recent"),
        target_weight_g=target,
    )


def test_constant_temperature_and_tgc_give_the_closed_form():
    p = projection()
    # docs/engine.md §11: 100 g at 10 °C with TGC 3.0: the cube root rises 0.03 a day; day 1 101.95 g, day 30 170.18 g
    assert round(p.weight_g["p50"][0], 2) == 101.95
    assert round(p.weight_g["p50"][29], 2) == 170.18
    assert p.weight_g["p50"][29] == pytest.approx((100 ** (1 / 3) + 0.03 * 30) ** 3)
    assert p.first_date == AS_OF + dt.timedelta(days=1) and p.days == 30


@settings(max_examples=40, deadline=None)
@given(
    temps=st.lists(st.floats(-2.0, 18.0), min_size=1, max_size=60),
    ratio=st.floats(0.3, 1.8),
    bias=st.floats(-2.0, 2.0),
    weight=st.floats(1.0, 3000.0),
    horizon=st.integers(0, 400),
)
def test_the_path_without_the_band_is_the_banded_projections_p50_and_stages(temps, ratio, bias, weight, horizon):
    """``band=False`` (the scenario's path of a blend, or a P50 the calibrated band goes on) grows exactly as the
    banded projection does, stage changes included."""
    params = ModelParams(
        tgc=3.0,
        tgc_by_stage={1: 2.0, 2: 3.1, 3: 2.6},
        mortality_daily=0.0005,
        mortality_daily_by_stage={},
        fcr_by_stage={},
        profile=tuple((i + 1, t) for i, t in enumerate(temps)),
        stages={1: Stage(1, 1, 0.0, 60.0, 2), 2: Stage(2, 2, 60.0, 500.0, 3), 3: Stage(3, 3, 500.0, 100_000.0, None)},
    )
    stage = 1 if weight < 60 else 2 if weight < 500 else 3
    kwargs = dict(
        start=ProjectionStart(date=AS_OF, day_number=1, weight_g=weight, population=1000, stage_id=stage),
        horizon_days=horizon,
        params=params,
        performance=Performance(ratio, 0.05, "assignment", 3),
        bias=TemperatureBias(bias, 0.3, 14),
        mortality=None,
        target_weight_g=5000.0,
    )
    banded, path = project(**kwargs), project(**kwargs, band=False)
    assert path.weight_g == {"p50": banded.weight_g["p50"]}
    assert path.stage_ids == banded.stage_ids and path.first_date == banded.first_date
    assert path.harvest is None and banded.harvest is not None


def test_the_performance_ratio_and_the_temperature_bias_scale_the_growth():
    p = projection(ratio=1.1, bias=1.0)
    assert p.weight_g["p50"][29] == pytest.approx((100 ** (1 / 3) + 1.1 * 0.003 * 11.0 * 30) ** 3)


def test_the_population_follows_the_daily_rate_and_biomass_is_population_times_weight():
    p = projection()
    assert p.population["p50"][29] == pytest.approx(10_000 * (1 - 0.0005) ** 30)
    assert p.biomass_kg["p50"][29] == pytest.approx(p.population["p50"][29] * p.weight_g["p50"][29] / 1000)
    assert p.population["p10"][29] < p.population["p50"][29] < p.population["p90"][29]


def test_the_band_widens_with_the_horizon():
    p = projection(days=90)
    widths = [hi / lo for lo, hi in zip(p.weight_g["p10"], p.weight_g["p90"])]
    assert all(b > a for a, b in zip(widths, widths[1:]))
    assert all(lo < mid < hi for lo, mid, hi in zip(*p.weight_g.values()))
    assert all(lo < mid < hi for lo, mid, hi in zip(*p.biomass_kg.values()))


def test_the_band_widens_with_the_spread_of_the_realised_ratios_and_of_the_temperature_bias():
    def width(**kw):
        p = projection(**kw)
        return p.weight_g["p90"][-1] - p.weight_g["p10"][-1]

    assert width(sd=0.02) < width(sd=0.05) < width(sd=0.10)
    assert width(bias_sd=0.1) < width(bias_sd=0.6)


def test_the_harvest_date_is_the_first_day_the_p50_reaches_the_target_with_the_band_around_it():
    p = projection(weight=150.0, target=200.0, days=90)
    first = next(i for i, w in enumerate(p.weight_g["p50"], start=1) if w >= 200.0)
    assert p.harvest_date == AS_OF + dt.timedelta(days=first)
    assert p.harvest_date_early < p.harvest_date < p.harvest_date_late
    assert projection(weight=150.0, target=10_000.0).harvest_date is None  # beyond the horizon


def test_performance_is_the_degree_day_weighted_recent_ratio_falling_back_to_the_batch_then_to_one():
    own = [SegmentEvidence(AS_OF, 100.0, 1.1), SegmentEvidence(AS_OF, 300.0, 0.9)]
    found = performance_estimate(as_of=AS_OF, own=own, batch=[])
    assert found.ratio == pytest.approx(0.95) and found.source == "assignment"  # (110 + 270) / 400
    batch = performance_estimate(as_of=AS_OF, own=[], batch=own)
    assert batch.ratio == pytest.approx(0.95) and batch.source == "batch"
    assert performance_estimate(as_of=AS_OF, own=[], batch=[]).ratio == 1.0
    later = [SegmentEvidence(AS_OF + dt.timedelta(days=5), 500.0, 1.4)]  # after the as-of date: not evidence
    assert performance_estimate(as_of=AS_OF, own=later, batch=[]).source == "default"


def test_the_temperature_bias_is_the_recent_mean_clamped_to_two_degrees():
    assert temperature_bias(measured_minus_profile_c=[0.5, 1.5]).bias_c == pytest.approx(1.0)
    assert temperature_bias(measured_minus_profile_c=[3.0, 4.0]).bias_c == 2.0
    assert temperature_bias(measured_minus_profile_c=[]).bias_c == 0.0


def test_the_growth_fit_recovers_the_level_and_ratio_of_exact_weighings():
    from apps.forecast.engine.estimates import AnchorPoint, growth_fit

    # cube root 6.0 today and 1.1 x the scenario's growth: a weighing at position -p had cube root 6.0 - 1.1 p
    points = [AnchorPoint(age, -p, 6.0 - 1.1 * p) for age, p in ((10, 0.3), (40, 1.0), (70, 1.8))]
    fit = growth_fit(points=points, prior=Performance(1.0, 0.5, "default", 0))
    assert fit.level == pytest.approx(6.0, abs=0.01) and fit.performance.ratio == pytest.approx(1.1, abs=0.02)
    one = growth_fit(points=points[:1], prior=Performance(1.0, 0.05, "batch", 3))
    assert one.performance.ratio == pytest.approx(1.0) and one.level == pytest.approx(6.0 - 1.1 * 0.3 + 0.3)
    assert growth_fit(points=[AnchorPoint(400, -5.0, 4.0)], prior=Performance(1.0, 0.05, "batch", 3)) is None


@settings(max_examples=30, deadline=None)
@given(
    k=st.floats(0.3, 1.5),  # growth per degree-day falling as the fish grow: x' = g (x / x0)^-k
    last_age=st.integers(0, 13),
    x0=st.floats(3.0, 12.0),
)
def test_the_level_follows_the_latest_weighings_where_growth_per_degree_day_changes_with_size(k, last_age, x0):
    """Real fish: a weighing months old, moved to today by one ratio for the whole window, lands off today's
    weight; the level leans on the recent weighings, so it stays near the truth where a level as old as the
    ratio's window (half-life 60 days) drifts (regression: the realistic farm's fit ran 3 % heavy on big fish)."""
    from apps.forecast.engine import estimates
    from apps.forecast.engine.estimates import AnchorPoint, growth_fit

    g = 0.03  # the scenario's cube-root growth a day
    xs = [x0]  # the true cube root, day by day, from 240 days ago to today
    for _ in range(240):
        xs.append(xs[-1] + g * (xs[-1] / x0) ** -k)
    today = xs[-1]
    points = [AnchorPoint(age, -g * age, xs[240 - age]) for age in range(last_age, 240, 14)]
    prior = Performance(1.0, 0.2, "batch", 3)
    level = growth_fit(points=points, prior=prior).level
    old = estimates.LEVEL_HALF_LIFE_DAYS
    try:
        estimates.LEVEL_HALF_LIFE_DAYS = estimates.FIT_HALF_LIFE_DAYS
        long_level = growth_fit(points=points, prior=prior).level
    finally:
        estimates.LEVEL_HALF_LIFE_DAYS = old
    error, long_error = level**3 / today**3 - 1, long_level**3 / today**3 - 1
    assert long_error > 0.005  # the ratio's window moves old weighings too far: they read heavy
    assert 0 < error <= 0.65 * long_error  # the recent weighings cut that by more than a third (most cases 60 %)
