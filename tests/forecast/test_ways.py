"""How the P50 grows, chosen per phase and horizon bucket by the farm's own backtest (docs/forecast.md
"Choosing how to grow"), and the calibration's weight classes, bias correction and widening ("The calibrated
band")."""

import datetime as dt
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.forecast.engine.calibration import (
    HORIZON_EDGES,
    Residual,
    _residual_order,
    bucket_of,
    calibrate,
    classes_choose,
    widths_choose,
)
from apps.forecast.engine.learned import choice_parse, choice_text, chosen_residuals, options_choose, ways_blend

DAY = dt.date(2025, 1, 1)
HORIZONS = (10, 30, 60, 90, 130, 200, 300)  # one in each horizon bucket


def residuals(rng, option_sd: float, *, phase: str = "sea", n: int = 120, shift: float = 0.0) -> list[Residual]:
    """n residuals a bucket of a way whose log errors are normal (shift, option_sd x the horizon's growth)."""
    return [
        Residual(h, phase, rng.gauss(shift, option_sd * math.sqrt(h / 30)), DAY + dt.timedelta(days=i % 300), 0.0)
        for h in HORIZONS
        for i in range(n)
    ]


def test_on_a_farm_that_follows_the_scenario_the_original_method_is_chosen_in_every_bucket():
    rng = random.Random(3)
    # the scenario's law holds: its forecasts err by the weighings' noise only; the fitted ratio adds its own error
    errors = {
        "fit": residuals(rng, 0.05),
        "scenario": residuals(rng, 0.02),
        "learned-90": residuals(rng, 0.04),
    }
    choice = options_choose(errors)
    assert choice["sea"] == ("scenario",) * len(HORIZON_EDGES)
    # and the blend is then the scenario's own path, day by day
    paths = {"fit": [100.0 + d for d in range(400)], "scenario": [90.0 + 2 * d for d in range(400)]}
    assert ways_blend(paths, choice["sea"], 400) == paths["scenario"]


# statistical bounds: the same examples every run, so no failure by chance
@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    sds=st.lists(st.floats(0.01, 0.12), min_size=3, max_size=3),
    shifts=st.lists(st.floats(-0.08, 0.08), min_size=3, max_size=3),
    seed=st.integers(0, 10**6),
)
def test_the_chosen_ways_never_err_more_than_the_original_method_once_the_median_is_corrected(sds, shifts, seed):
    """Whatever the ways' errors, in each bucket the chosen way's errors (about their median, which the
    calibration corrects) are at most the original method's, give or take the margin that keeps the phase's way."""
    rng = random.Random(seed)
    errors = {
        option: residuals(rng, sd, shift=shift, n=60)
        for option, sd, shift in zip(("fit", "scenario", "learned-30"), sds, shifts)
    }
    chosen = options_choose(errors)["sea"]

    def spread(option, i):
        cell = [r.log_error for r in errors[option] if bucket_of(r.horizon_days) == i]
        middle = sorted(cell)[len(cell) // 2]
        return sum(abs(e - middle) for e in cell) / len(cell)

    for i, way in enumerate(chosen):
        assert spread(way, i) <= spread("scenario", i) / 0.97 + 1e-12


def test_a_bucket_takes_another_way_only_where_that_way_erred_clearly_less_there():
    rng = random.Random(5)
    # "fit" is better at short horizons (its level), the scenario over months
    fit = [r for h, sd in zip(HORIZONS, (0.01, 0.02, 0.05, 0.08, 0.1, 0.12, 0.15)) for r in _at(rng, h, sd)]
    scenario = [r for h, sd in zip(HORIZONS, (0.03, 0.035, 0.04, 0.045, 0.05, 0.06, 0.07)) for r in _at(rng, h, sd)]
    ways = options_choose({"fit": fit, "scenario": scenario})["sea"]
    assert ways[:2] == ("fit", "fit") and ways[3:] == ("scenario",) * 4
    # the calibration is built on each bucket's chosen way's residuals
    chosen = chosen_residuals({"fit": fit, "scenario": scenario}, {"sea": ways})
    assert all(r in (fit if ways[bucket_of(r.horizon_days)] == "fit" else scenario) for r in chosen)
    assert len(chosen) == len(fit)
    # too few residuals in a bucket: the phase's way, and with too few to choose one, the original method
    few = options_choose({"fit": fit[:20], "scenario": scenario[:20]})["sea"]
    assert set(few) == {"scenario"}


def _at(rng, horizon: int, sd: float, n: int = 200) -> list[Residual]:
    return [Residual(horizon, "sea", rng.gauss(0.0, sd), DAY) for _ in range(n)]


@settings(max_examples=20, deadline=None)
@given(
    ways=st.lists(st.sampled_from(["fit", "scenario", "learned-90"]), min_size=7, max_size=7),
    rates=st.lists(st.floats(0.001, 0.02), min_size=3, max_size=3),
)
def test_the_blend_is_each_buckets_way_at_its_middle_and_between_neighbours_elsewhere(ways, rates):
    paths = {
        name: [100.0 * math.exp(rate * d) for d in range(1, 401)]
        for name, rate in zip(("fit", "scenario", "learned-90"), rates)
    }
    blend = ways_blend(paths, tuple(ways), 400)
    middles = [((HORIZON_EDGES[i - 1] + 1 if i else 1) + HORIZON_EDGES[i]) / 2 for i in range(len(HORIZON_EDGES))]
    for i, middle in enumerate(middles):
        d = int(middle)
        if d == middle:
            assert blend[d - 1] == pytest.approx(paths[ways[i]][d - 1])
    for d in range(1, 401):
        low = min(p[d - 1] for p in paths.values())
        high = max(p[d - 1] for p in paths.values())
        assert low * (1 - 1e-12) <= blend[d - 1] <= high * (1 + 1e-12)


def _blend_day_by_day(paths, ways, days):
    """The blend's definition, one day at a time: bucket j's way from its middle on, log-linear towards the next
    bucket's way up to the next middle; "fit" wherever a way's path is missing or too short."""
    middles = [((HORIZON_EDGES[i - 1] + 1 if i else 1) + HORIZON_EDGES[i]) / 2 for i in range(len(HORIZON_EDGES))]

    def at(way, d):
        path = paths.get(way)
        return path[d - 1] if path is not None and len(path) >= d else paths["fit"][d - 1]

    out = []
    for d in range(1, days + 1):
        j = max([0] + [i for i, m in enumerate(middles) if m <= d])
        if d <= middles[j] or j + 1 == len(middles) or ways[j + 1] == ways[j]:
            out.append(at(ways[j], d))
            continue
        t = (d - middles[j]) / (middles[j + 1] - middles[j])
        out.append(math.exp((1 - t) * math.log(at(ways[j], d)) + t * math.log(at(ways[j + 1], d))))
    return out


@settings(max_examples=60, deadline=None)
@given(
    ways=st.lists(st.sampled_from(["fit", "scenario", "learned-90", "level"]), min_size=7, max_size=7),
    days=st.integers(0, 400),
    lengths=st.lists(st.integers(0, 400), min_size=2, max_size=2),
)
def test_the_blend_equals_its_day_by_day_definition_to_the_last_bit(ways, days, lengths):
    """The blend is built by slices (it runs for every projection of every refresh); a path shorter than the
    horizon, or missing ("level" here), falls back to "fit" day by day."""
    paths = {"fit": [100.0 + 0.7 * d for d in range(days)]}
    for name, length, rate in zip(("scenario", "learned-90"), lengths, (0.004, 0.011)):
        paths[name] = [100.0 * math.exp(rate * d) for d in range(1, min(length, days) + 1)]
    assert ways_blend(paths, tuple(ways), days) == _blend_day_by_day(paths, tuple(ways), days)


def test_the_choice_is_stored_as_text_and_read_back():
    choice = {
        "fresh": ("fit",) * 7,
        "sea": ("fit", "fit", "learned-90", "scenario", "scenario", "scenario", "scenario"),
    }
    assert choice_text(choice) == "fresh=fit sea=fit,fit,learned-90,scenario,scenario,scenario,scenario"
    assert choice_parse(choice_text(choice)) == choice
    assert choice_parse("learned-90") == {"fresh": ("learned-90",) * 7, "sea": ("learned-90",) * 7}


def classed(rng, n: int, offsets: dict[float, float], sd: float = 0.04, horizon: int = 60) -> list[Residual]:
    """n residuals per starting weight in ``offsets``, log errors normal about that weight's offset, dated over
    a year (the calibration splits them in time)."""
    return [
        Residual(horizon, "sea", rng.gauss(offset, sd), DAY + dt.timedelta(days=i % 365), 0.0, weight)
        for weight, offset in offsets.items()
        for i in range(n)
    ]


# statistical bounds: the same examples every run, so no failure by chance
@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    small=st.floats(-0.15, 0.15),
    big=st.floats(-0.15, 0.15),
    seed=st.integers(0, 10**6),
)
def test_forecasts_of_small_and_big_fish_get_their_own_bias_correction(small, big, seed):
    """Residuals with a known offset per weight class: the corrected P50's bias converges to 0 in each class
    (the median correction applied, as it helps on the newer half), and the classes are chosen by the data:
    offsets clearly apart get a class each; offsets closer than chance tells share one correction (between
    them)."""
    rng = random.Random(seed)
    calibration = calibrate(classed(rng, 600, {150.0: small, 4000.0: big}))
    split = len({b.weight_from_g for b in calibration.buckets if b.phase == "sea"}) >= 2
    for weight, offset in ((150.0, small), (4000.0, big)):
        q10, q50, q90 = calibration.offsets("sea", 60, weight)[59]
        if abs(offset) > 0.03 and split:  # a bias well inside the noise may not show on the newer half
            assert q50 == pytest.approx(offset, abs=0.01)
        elif abs(offset) > 0.03 and abs(small + big) / 2 > 0.03:
            assert q50 == pytest.approx((small + big) / 2, abs=0.01 + abs(small - big) / 2)
        assert q10 < offset < q90
    if abs(small - big) > 0.06:
        assert split


def test_with_one_bias_for_every_weight_the_correction_converges_to_it():
    rng = random.Random(11)
    for n, tolerance in ((200, 0.012), (2000, 0.004)):
        calibration = calibrate(classed(rng, n, {150.0: 0.04, 1000.0: 0.04, 4000.0: 0.04}))
        for weight in (150.0, 1000.0, 4000.0):
            assert calibration.offsets("sea", 60, weight)[59][1] == pytest.approx(0.04, abs=tolerance)


def test_a_band_that_held_too_little_of_the_newer_weighings_is_widened_until_it_would_have_held_eighty_percent():
    rng = random.Random(2)
    # errors that spread more and more over the year (a farm whose errors are not exchangeable in time)
    drifting = [
        Residual(60, "sea", rng.gauss(0.0, 0.02 + 0.06 * (i % 365) / 365), DAY + dt.timedelta(days=i % 365), 0.0)
        for i in range(2000)
    ]
    bucket = next(b for b in calibrate(drifting).buckets if b.phase == "sea" and b.first_day <= 60 <= b.last_day)
    assert bucket.coverage < 0.75 and bucket.widened > 1.0
    newer = sorted(drifting, key=lambda r: r.truth_date)[1000:]
    inside = sum(bucket.q10 <= r.log_error <= bucket.q90 for r in newer) / len(newer)
    assert inside >= 0.8
    # errors alike over the year: nothing to widen
    steady = [Residual(60, "sea", rng.gauss(0.0, 0.05), DAY + dt.timedelta(days=i % 365), 0.0) for i in range(2000)]
    assert all(b.widened <= 1.1 for b in calibrate(steady).buckets)  # at most the noise of a 1,000-draw share


def spread_classed(rng, n: int, spec: dict[float, tuple[float, float]]) -> list[Residual]:
    """n residuals per starting weight in ``spec`` (weight: (offset, sd)), one forecast each, over a year."""
    return [
        Residual(60, "sea", rng.gauss(offset, sd), DAY + dt.timedelta(days=i % 365), 0.0, weight)
        for weight, (offset, sd) in spec.items()
        for i in range(n)
    ]


# statistical bounds: the same examples every run, so no failure by chance
@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    gap=st.floats(0.1, 0.25),
    sign=st.sampled_from((-1, 1)),
    sd=st.floats(0.02, 0.04),
    ratio=st.floats(3.0, 5.0),
    depends=st.booleans(),
    seed=st.integers(0, 10**6),
)
def test_the_width_rule_is_the_classes_own_only_where_the_spread_depends_on_the_weight(
    gap, sign, sd, ratio, depends, seed
):
    """Two weight classes whose medians are apart: where their errors spread alike, the band's widths are the
    phase's about each class's median ("centred"); where one class's spread is several times the other's, each
    class's own ("own") — chosen by the older half's band's tails on the newer half. And the band that results
    holds about 80 % of each class."""
    rng = random.Random(seed)
    big_sd = sd * ratio if depends else sd
    spec = {150.0: (-sign * gap / 2, sd), 4000.0: (sign * gap / 2, big_sd)}
    farm = spread_classed(rng, 600, spec)
    ordered = sorted(farm, key=lambda r: r.truth_date)
    older, newer = ordered[:600], ordered[600:]
    edges = {"fresh": (), "sea": (4000.0,)}
    assert widths_choose(older, newer, edges) == {"sea": "own" if depends else "centred"}
    calibration = calibrate(farm)
    fresh = spread_classed(random.Random(seed + 1), 2000, spec)
    for weight in spec:
        q10, _, q90 = calibration.offsets("sea", 60, weight)[59]
        mine = [r.log_error for r in fresh if r.start_weight_g == weight]
        # at most 90 %: the band errs on the wide side by design (the time split's widening comes in steps of 5 %;
        # a random search found 88.95 % for gap 0.234, sd 0.025, ratio 3.66, seed 46989, its rule rightly "own")
        assert 0.72 <= sum(q10 <= e <= q90 for e in mine) / len(mine) <= 0.90


@pytest.mark.parametrize("seed", [2, 5, 11])
def test_classes_whose_errors_spread_differently_get_their_own_band_even_with_close_medians(seed):
    """Regression (found by the property test above): medians 0.1 apart, spreads 0.04 and 0.2. Classes were kept
    only where their medians differed by more than chance, so one band over all weights held 98 % of the small
    fish and 61 % of the big; the classes are now scored by the quantile loss of the whole band."""
    spec = {150.0: (-0.05, 0.04), 4000.0: (0.05, 0.2)}
    calibration = calibrate(spread_classed(random.Random(seed), 600, spec))
    fresh = spread_classed(random.Random(seed + 1), 2000, spec)
    for weight in spec:
        q10, _, q90 = calibration.offsets("sea", 60, weight)[59]
        mine = [r.log_error for r in fresh if r.start_weight_g == weight]
        assert 0.72 <= sum(q10 <= e <= q90 for e in mine) / len(mine) <= 0.88


# statistical bounds: the same examples every run, so no failure by chance
@settings(max_examples=20, deadline=None, derandomize=True)
@given(gap=st.floats(0.0, 0.1), sd=st.floats(0.03, 0.08), seed=st.integers(0, 10**6))
def test_the_weight_classes_that_help_are_kept_whatever_width_rule_is_chosen(gap, sd, seed):
    """The calibration's weight classes are those ``classes_choose`` finds on its time split (the older half's
    band with them scoring better on the newer half), whatever the width rule: the rule says how wide a class's
    band is, not whether the classes, and their medians, are kept."""
    farm = spread_classed(random.Random(seed), 600, {150.0: (-gap / 2, sd), 4000.0: (gap / 2, sd)})
    ordered = sorted(sorted(farm, key=_residual_order), key=lambda r: r.truth_date)  # calibrate's split
    chosen = classes_choose(ordered[:600], ordered[600:])["sea"]
    calibration = calibrate(farm, unrecorded=False, history=False)
    assert tuple(sorted({b.weight_from_g for b in calibration.buckets if b.phase == "sea"} - {0.0})) == chosen


@pytest.mark.parametrize("seed", [8, 12, 28, 32, 45])
def test_regression_a_width_rule_no_longer_drops_the_classes_medians(seed):
    """Regression (issue 18, twelfth round): two classes whose medians are 0.015-0.045 apart, their errors
    spread alike. The time split kept the classes, but the simplest width rule, "one" (one median and band for all
    weights), was within the noise of the others and dropped them, the classes' median correction with them; on
    the realistic faroe farm that left the sea's forecasts of small and big fish with one median (seed 4, +90-day
    MAPE 9.15 against 8.40 % with the classes kept). The rule is gone: the classes stay, the small fish's P50 is
    corrected down and the big fish's not below it."""
    rng = random.Random(seed)
    gap, sd = rng.uniform(0.01, 0.08), rng.uniform(0.03, 0.08)
    calibration = calibrate(spread_classed(rng, 600, {150.0: (-gap / 2, sd), 4000.0: (gap / 2, sd)}))
    assert {b.weight_from_g for b in calibration.buckets if b.phase == "sea"} == {0.0, 4000.0}
    small, big = (calibration.offsets("sea", 60, w)[59][1] for w in (150.0, 4000.0))
    assert small <= 0.0 <= big


def test_a_band_over_all_weights_that_holds_eighty_percent_of_each_class_by_missing_on_one_side_is_not_chosen():
    # two classes far apart, equal spreads: the band of all weights holds 80 % of each, the small fish all
    # missed below, the big all above; the tails show it
    rng = random.Random(5)
    farm = spread_classed(rng, 600, {150.0: (-0.1, 0.05), 4000.0: (0.1, 0.05)})
    ordered = sorted(farm, key=lambda r: r.truth_date)
    assert widths_choose(ordered[:600], ordered[600:], {"sea": (4000.0,)}) == {"sea": "centred"}


def _sized(rng, weights: tuple[float, float], offset: float, *, n: int = 60, first: int = 0) -> list[Residual]:
    """Residuals of n forecasts (one a day from ``first``) starting from log-uniform weights in ``weights``, each
    erring by ``offset`` plus its own luck, scored at every horizon of HORIZONS."""
    out = []
    for i in range(n):
        start = math.exp(rng.uniform(math.log(weights[0]), math.log(weights[1])))
        as_of = DAY + dt.timedelta(days=first + i)
        own = rng.gauss(0.0, 0.02)
        for h in HORIZONS:
            error = offset + own * math.sqrt(h / 30) + rng.gauss(0.0, 0.01)
            out.append(Residual(h, "sea", error, as_of + dt.timedelta(days=h), 0.0, start, (as_of, start, i % 6)))
    return out


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 10_000),
    offset=st.floats(0.0, 0.4) | st.floats(-0.4, 0.0),
    low=st.floats(50.0, 2000.0),
)
def test_the_median_correction_applies_only_to_forecasts_like_those_it_was_read_from(seed, offset, low):
    rng = random.Random(seed)
    high = low * 2.0
    calibration = calibrate(_sized(rng, (low, high), offset), classes=False)
    plain = calibration.offsets("sea", 90)[89]  # no starting weight given: the bucket's own correction
    assert calibration.offsets("sea", 90, (low * high) ** 0.5)[89] == plain  # forecasts like the past ones
    if abs(offset) >= 0.15:  # a bias far beyond the forecasts' own spread passes the gate and is corrected
        assert plain[1] == pytest.approx(offset, abs=0.03)
    for outside in (low / 2.0, high * 2.0):
        q10, q50, q90 = calibration.offsets("sea", 90, outside)[89]
        assert q50 == 0.0 and q10 <= 0.0 <= q90  # the band around the model's own P50, not the others' bias


def test_regression_a_bias_read_from_post_smolts_is_not_applied_to_a_bigger_fish():
    # faroe seed 6, realistic world, December 2024: the only sea forecasts old enough to be scored at +90 days were
    # of 150-300 g post-smolts, 30-40 % too light; their median correction (+35 %) was applied to the forecast of a
    # 725 g fish that its way already had 15 % too light, and that P50 ran 25 % heavy
    rng = random.Random(6)
    calibration = calibrate(_sized(rng, (150.0, 300.0), 0.35), classes=False)
    assert calibration.offsets("sea", 90, 200.0)[89][1] > 0.3
    assert calibration.offsets("sea", 90, 725.0)[89][1] == 0.0
    assert calibration.factors("sea", 90, 725.0)[89][1] == 1.0
    assert calibration.factors("sea", 90, 200.0)[89][1] > 1.3  # cached per class and range: each its own
