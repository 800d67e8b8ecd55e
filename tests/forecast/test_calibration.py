"""The band calibrated by the farm's own backtests (docs/forecast.md "The calibrated band")."""

import datetime as dt
import math
import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.forecast.engine.calibration import (
    MIN_BUCKET,
    MIN_TOTAL,
    BandBucket,
    Calibration,
    Residual,
    calibrate,
    calibrated_band,
    conformal_bounds,
    forecast_residuals,
)

DAY = dt.date(2025, 1, 1)


def draws(rng: random.Random, kind: str, n: int, scale: float, shift: float) -> list[float]:
    """n log errors from a known distribution: normal, Laplace (heavy tails) or a shifted gamma (skewed)."""
    if kind == "normal":
        return [rng.gauss(shift, scale) for _ in range(n)]
    if kind == "laplace":
        return [shift + scale * (rng.expovariate(1) - rng.expovariate(1)) for _ in range(n)]
    return [shift + scale * (rng.gammavariate(2.0, 1.0) - 2.0) for _ in range(n)]


def residuals_of(errors, horizon: int = 60, phase: str = "sea", day: dt.date = DAY) -> list[Residual]:
    return [Residual(horizon, phase, e, day) for e in errors]


def share_inside(calibration: Calibration, errors, horizon: int = 60, phase: str = "sea") -> float:
    q10, _, q90 = calibration.offsets(phase, horizon)[horizon - 1]
    return sum(q10 <= e <= q90 for e in errors) / len(errors)


@pytest.mark.parametrize("kind", ["normal", "laplace", "skewed"])
def test_on_errors_from_a_known_distribution_the_band_covers_eighty_percent_of_new_ones(kind):
    rng = random.Random(7)
    calibration = calibrate(residuals_of(draws(rng, kind, 4000, 0.05, 0.03)))
    fresh = draws(rng, kind, 20000, 0.05, 0.03)
    assert 0.78 <= share_inside(calibration, fresh) <= 0.82


# statistical bounds: the same examples every run, so no failure by chance
@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    kind=st.sampled_from(["normal", "laplace", "skewed"]),
    scale=st.floats(0.01, 0.2),
    shift=st.floats(-0.1, 0.1),
    seed=st.integers(0, 10**6),
)
def test_the_coverage_converges_to_the_nominal_eighty_percent_whatever_the_errors_spread_and_bias(
    kind, scale, shift, seed
):
    rng = random.Random(seed)
    # the band holds its P50 (q10 <= 0 <= q90), so a bias larger than the spread widens it: keep the P50 inside
    shift = max(-scale, min(scale, shift))
    calibration = calibrate(residuals_of(draws(rng, kind, 3000, scale, shift)))
    assert 0.76 <= share_inside(calibration, draws(rng, kind, 6000, scale, shift)) <= 0.86


def test_the_conformal_bounds_use_the_finite_sample_ranks():
    errors = [float(i) for i in range(1, 20)]  # n = 19: ranks floor(0.1 x 20) = 2 and ceil(0.9 x 20) = 18
    assert conformal_bounds(errors) == (2.0, 18.0)
    assert conformal_bounds([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]) is None  # n = 8: ceil(0.9 x 9) = 9 > 8


def test_with_too_few_residuals_the_farm_keeps_the_closed_form_band():
    calibration = calibrate(residuals_of([0.01] * (MIN_TOTAL - 1)))
    assert not calibration.calibrated and calibration.residuals == MIN_TOTAL - 1
    assert calibration.offsets("sea", 30) is None


def test_a_bucket_with_few_residuals_is_pooled_with_its_neighbouring_horizons_then_with_the_other_phase():
    rng = random.Random(3)
    sea = residuals_of([rng.gauss(0, 0.05) for _ in range(200)], horizon=60, phase="sea")
    fresh = residuals_of([rng.gauss(0, 0.05) for _ in range(MIN_BUCKET // 2)], horizon=60, phase="fresh")
    near = residuals_of([rng.gauss(0, 0.05) for _ in range(10)], horizon=90, phase="sea")
    by_key = {(b.phase, b.first_day): b for b in calibrate(sea + fresh + near).buckets}
    assert by_key[("sea", 46)].source == "bucket" and by_key[("sea", 46)].n == 200
    # 20 of its own, 10 of the next horizon: both phases pooled (n: the pool)
    assert by_key[("fresh", 46)].source == "phases" and by_key[("fresh", 46)].n == 200 + MIN_BUCKET // 2 + 10
    # 10 of its own and 200 at 60 days: its neighbouring horizons of the same phase
    assert by_key[("sea", 76)].source == "neighbours" and by_key[("sea", 76)].n == 210


def test_the_calibration_of_a_date_uses_only_the_weighings_dated_on_or_before_it():
    rng = random.Random(5)
    early = [Residual(60, "sea", rng.gauss(0, 0.02), DAY) for _ in range(300)]
    late = [Residual(60, "sea", rng.gauss(0, 0.30), DAY + dt.timedelta(days=10)) for _ in range(300)]
    assert calibrate(early + late, until=DAY) == calibrate(early)
    assert calibrate(early + late, until=DAY + dt.timedelta(days=10)) != calibrate(early)


def test_the_weighings_own_sampling_error_is_taken_out_of_the_spread():
    rng = random.Random(11)
    # true errors sd 0.05, each weighing off by sd 0.04 more: the band for the fish is the 0.05 one
    noisy = [Residual(60, "sea", rng.gauss(0, 0.05) + rng.gauss(0, 0.04), DAY, noise_var=0.04**2) for _ in range(20000)]
    q10, _, q90 = calibrate(noisy).offsets("sea", 60)[59]
    assert q90 - q10 == pytest.approx(2 * 1.2816 * 0.05, rel=0.05)


def test_the_measured_coverage_is_the_newer_halfs_share_inside_the_older_halfs_band():
    rng = random.Random(2)
    older = [Residual(60, "sea", rng.gauss(0, 0.05), DAY) for _ in range(1000)]
    newer = [Residual(60, "sea", rng.gauss(0, 0.10), DAY + dt.timedelta(days=30)) for _ in range(1000)]
    [bucket] = [b for b in calibrate(older + newer).buckets if (b.phase, b.first_day) == ("sea", 46)]
    # the older band (+-6.4 %) holds about 48 % of errors twice as spread
    assert 0.43 <= bucket.coverage <= 0.53


def test_between_buckets_the_quantiles_run_linearly_and_beyond_the_last_they_grow_with_the_horizon():
    calibration = Calibration(
        buckets=(
            BandBucket("sea", 16, 45, -0.02, 0.0, 0.02, n=100, source="bucket"),
            BandBucket("sea", 46, 75, -0.06, 0.0, 0.04, n=100, source="bucket"),
        ),
        residuals=200,
    )
    offsets = calibration.offsets("sea", 121)
    assert offsets[0] == (-0.02, 0.0, 0.02)  # before the first bucket's middle (30.5): its quantiles
    t = (46 - 30.5) / 30  # day 46, between the middles 30.5 and 60.5
    assert offsets[45] == pytest.approx((-0.02 - 0.04 * t, 0.0, 0.02 + 0.02 * t))
    assert offsets[120] == pytest.approx((-0.06 * 121 / 60.5, 0.0, 0.04 * 121 / 60.5))


def test_the_p50_is_corrected_by_the_median_past_error_and_the_p90_never_falls_nor_the_p10_drops_below_the_start():
    p50 = [100.0, 101.0, 102.0, 103.0]
    offsets = [(-0.5, 0.0, 0.2), (-0.5, 0.0, 0.1), (-0.01, 0.02, 0.03), (-0.01, 0.02, 0.03)]
    p10, mid, p90 = calibrated_band(p50, [tuple(math.exp(q) for q in day) for day in offsets], 90.0)
    assert mid == [100.0, 101.0, pytest.approx(102 * math.exp(0.02)), pytest.approx(103 * math.exp(0.02))]
    assert p10 == [90.0, 90.0, pytest.approx(102 * math.exp(-0.01)), pytest.approx(103 * math.exp(-0.01))]
    assert p90 == [pytest.approx(100 * math.exp(0.2))] * 4


def test_a_forecast_is_scored_only_against_weighings_after_its_date_and_within_its_days():
    p50 = [100.0 + d for d in range(30)]
    samples = [
        (DAY, 99.0, 10.0, 20),  # the as-of date itself: not a later weighing
        (DAY + dt.timedelta(days=10), 115.0, 23.0, 25),
        (DAY + dt.timedelta(days=31), 140.0, None, 30),  # beyond the forecast's 30 days
    ]
    [r] = forecast_residuals(as_of=DAY, phase="fresh", p50=p50, samples=samples)
    assert (r.horizon_days, r.phase, r.truth_date) == (10, "fresh", DAY + dt.timedelta(days=10))
    assert r.log_error == pytest.approx(math.log(115.0 / 109.0))
    assert r.noise_var == pytest.approx(0.2**2 / 25)


def test_the_p50_is_corrected_only_where_the_older_halfs_median_made_the_newer_halfs_errors_smaller():
    rng = random.Random(9)
    # a lasting bias of +5 %: the older half's median corrects the newer half's errors
    lasting = [Residual(60, "sea", rng.gauss(0.05, 0.02), DAY + dt.timedelta(days=i // 10)) for i in range(1000)]
    # a bias that flips between the halves: correcting by the older half's median makes the newer half worse
    flipping = [
        Residual(60, "sea", rng.gauss(0.05 if i < 500 else -0.05, 0.02), DAY + dt.timedelta(days=i // 10))
        for i in range(1000)
    ]
    [kept] = [b for b in calibrate(lasting).buckets if (b.phase, b.first_day) == ("sea", 46)]
    [dropped] = [b for b in calibrate(flipping).buckets if (b.phase, b.first_day) == ("sea", 46)]
    assert kept.corrects and calibrate(lasting).offsets("sea", 60)[59][1] == pytest.approx(kept.q50, abs=0.002)
    assert not dropped.corrects and calibrate(flipping).offsets("sea", 60)[59][1] == 0.0


@settings(max_examples=30, deadline=None)
@given(asked=st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=6), weight=st.floats(50, 6000))
def test_the_factors_of_any_horizon_are_the_exp_of_its_offsets_whatever_was_asked_before(asked, weight):
    """factors() works each weight class out once, for the longest horizon asked so far, and slices it."""
    rng = random.Random(7)
    residuals = [
        Residual(
            phase="sea",
            horizon_days=h,
            log_error=rng.gauss(0.01 * h / 30, 0.02 + 0.001 * h),
            truth_date=DAY + dt.timedelta(days=k % 300),
            start_weight_g=rng.choice((200.0, 3000.0)),
        )
        for k, h in enumerate(h for h in range(1, 400, 2) for _ in range(3))
    ]
    calibration = calibrate(residuals)
    for days in asked:
        factors = calibration.factors("sea", days, weight)
        offsets = calibration.offsets("sea", days, weight)
        assert len(factors) == days
        assert factors == [tuple(math.exp(q) for q in day) for day in offsets]
    assert Calibration(buckets=(), residuals=0).factors("sea", days, weight) is None


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_the_calibration_does_not_depend_on_the_order_of_its_residuals(seed):
    """Regression: the split in time broke ties of a sample date by the residuals' order, and the nightly job and
    the backtest passed them in an order that changed with Python's string hashing (the same farm's band and
    scores moved from run to run: faroe seed 1's +90-day MAPE at sea 7.83 or 7.88 %)."""
    rng = random.Random(seed)
    residuals = [
        Residual(
            phase=rng.choice(("fresh", "sea")),
            horizon_days=rng.randint(1, 200),
            log_error=rng.gauss(0.01, 0.05),
            truth_date=DAY + dt.timedelta(days=rng.randint(0, 20)),  # many weighings share a date
            start_weight_g=rng.choice((150.0, 900.0, 3000.0)),
            forecast=(DAY, k, rng.randint(1, 3)),  # as-of date, start weight, batch: one forecast each
        )
        for k in range(600)
    ]
    shuffled = residuals[:]
    rng.shuffle(shuffled)
    assert calibrate(shuffled) == calibrate(residuals)
    # regression: the scramble named the batch by its id, so the same farm numbered otherwise (another database,
    # or one where other farms were generated and rolled back first) got another band (small seed 11's +90-day
    # coverage 78.9 or 80.8 %)
    renumbered = [replace(r, forecast=(*r.forecast[:2], r.forecast[2] + 1000)) for r in residuals]
    assert calibrate(renumbered) == calibrate(residuals)
