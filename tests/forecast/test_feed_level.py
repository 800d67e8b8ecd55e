"""Today's weight moved from the recent weighings by the feed eaten since them, and weighings that read heavy
(docs/forecast.md "The growth fit"). No database."""

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.forecast.engine import estimates
from apps.forecast.engine.estimates import AnchorPoint, Performance, SegmentEvidence, gain_per_feed, growth_fit
from apps.forecast.services.projections import anchor_points
from tests.forecast.test_assignment_projection import PARAMS

AS_OF = dt.date(2026, 3, 1)
PRIOR = Performance(1.0, 0.2, "batch", 3)


def _farm(*, days: int, slow_from: int, slow: float, fcr: float):
    """Fish whose cube root grows 0.03 a day (the scenario's pace), ``slow`` x that from day ``slow_from`` on (a
    disease, appetite lost after handling: what the scenario does not know); the feed eaten per fish each day is
    the gain x ``fcr``. Returns the true cube roots by day and the feed per fish (g) by day."""
    xs, feed = [6.0], [0.0]
    for day in range(1, days + 1):
        step = 0.03 * (slow if day >= slow_from else 1.0)
        xs.append(xs[-1] + step)
        feed.append((xs[-1] ** 3 - xs[-2] ** 3) * fcr)
    return xs, feed


def _points(xs, feed, *, every: int, last_age: int, bias=None):
    today = len(xs) - 1
    points = []
    for age in range(last_age, 200, every):
        day = today - age
        weight = xs[day] ** 3 * (1 + (bias or {}).get(age, 0.0))
        points.append(AnchorPoint(age, -0.03 * age, weight ** (1 / 3), sum(feed[day + 1 :])))
    return points


@settings(max_examples=40, deadline=None)
@given(
    slow=st.floats(0.2, 0.8),
    slow_days=st.integers(10, 40),
    fcr=st.floats(0.8, 2.0),
    last_age=st.integers(0, 13),
)
def test_weighings_moved_by_the_feed_land_on_todays_weight_where_growth_left_the_scenario(
    slow, slow_days, fcr, last_age
):
    xs, feed = _farm(days=200, slow_from=200 - slow_days, slow=slow, fcr=fcr)
    points = _points(xs, feed, every=14, last_age=last_age)
    by_feed = growth_fit(points=points, prior=PRIOR, gain_per_feed=1 / fcr).level
    by_ratio = growth_fit(points=points, prior=PRIOR).level
    today = xs[-1] ** 3
    assert by_feed**3 == pytest.approx(today, rel=1e-9)  # the feed says the growth day by day, whatever its law
    assert abs(by_ratio**3 / today - 1) > 0.001  # the scenario's pace moves the weighings too far


def test_without_feed_since_a_recent_weighing_the_level_is_moved_by_the_ratio():
    xs, feed = _farm(days=200, slow_from=180, slow=0.5, fcr=1.2)
    points = _points(xs, feed, every=14, last_age=5)
    points[1] = AnchorPoint(points[1].age_days, points[1].position, points[1].cube_root, None)  # feed not recorded
    assert growth_fit(points=points, prior=PRIOR, gain_per_feed=1 / 1.2).level == pytest.approx(
        growth_fit(points=points, prior=PRIOR).level
    )
    fed = _points(xs, feed, every=14, last_age=5)
    old = [p if p.age_days <= estimates.FEED_LEVEL_WINDOW_DAYS else replace(p, feed_g=None) for p in fed]
    assert growth_fit(points=old, prior=PRIOR, gain_per_feed=1 / 1.2).level ** 3 == pytest.approx(xs[-1] ** 3)


@settings(max_examples=40, deadline=None)
@given(heavy_age=st.sampled_from([3, 17, 31]), heavy=st.floats(0.03, 0.08), light=st.floats(0.01, 0.03))
def test_a_weighing_that_reads_heavy_counts_less_and_a_light_one_counts_in_full(heavy_age, heavy, light):
    """A crowded net catches the bigger fish: one weighing several % heavy pulls the level up less than its weight
    in the mean; nothing makes a weighing read light, so a light one keeps its full weight."""
    xs, feed = _farm(days=200, slow_from=150, slow=0.6, fcr=1.1)
    today = xs[-1] ** 3
    points = _points(xs, feed, every=14, last_age=3, bias={heavy_age: heavy})
    level = growth_fit(points=points, prior=PRIOR, gain_per_feed=1 / 1.1).level
    old = estimates.HEAVY_ITERATIONS
    try:
        estimates.HEAVY_ITERATIONS = 0
        plain = growth_fit(points=points, prior=PRIOR, gain_per_feed=1 / 1.1).level
        lighter = _points(xs, feed, every=14, last_age=3, bias={heavy_age: -light})
        plain_light = growth_fit(points=lighter, prior=PRIOR, gain_per_feed=1 / 1.1).level
    finally:
        estimates.HEAVY_ITERATIONS = old
    assert today < level**3 < plain**3
    if heavy >= 0.05:  # well above the others: less than half its pull
        assert level**3 / today - 1 <= 0.5 * (plain**3 / today - 1)
    assert growth_fit(points=lighter, prior=PRIOR, gain_per_feed=1 / 1.1).level == pytest.approx(plain_light)


def _segment(end_day: int, days: int, start_g: float, end_g: float, feed_g: float) -> SegmentEvidence:
    return SegmentEvidence(
        end_date=AS_OF - dt.timedelta(days=end_day),
        degree_days=10.0 * days,
        ratio=1.0,
        end_weight_g=end_g,
        scenario_growth=0.03 * days,
        start_weight_g=start_g,
        days=days,
        feed_per_fish_g=feed_g,
    )


@settings(max_examples=40, deadline=None)
@given(fcr=st.floats(0.7, 2.5), noise=st.lists(st.floats(-0.1, 0.1), min_size=6, max_size=6))
def test_the_gain_per_feed_is_read_from_the_assignments_segments(fcr, noise):
    own = [
        _segment(200 - 21 * (i + 1), 21, 300.0 * 1.3**i, 300.0 * 1.3 ** (i + 1), 90.0 * 1.3**i * fcr * (1 + e))
        for i, e in enumerate(noise)
    ]
    found = gain_per_feed(as_of=AS_OF, own=own)
    assert found == pytest.approx(1 / fcr, rel=0.11)  # the feed's noise averages out over the segments
    assert gain_per_feed(as_of=AS_OF, own=own[:1]) is None  # one segment is not evidence
    assert gain_per_feed(as_of=AS_OF, own=[replace(e, feed_per_fish_g=0.0) for e in own]) is None
    assert (
        gain_per_feed(as_of=AS_OF, own=[replace(e, feed_per_fish_g=0.01) for e in own]) is None
    )  # feed that does not follow growth: not used


def test_anchor_points_carry_the_feed_per_fish_since_each_weighing():
    rows = [(AS_OF - dt.timedelta(days=9 - i), 100 + i, 500.0, 1000, 1, 10.0, 0, "measured", 4.0) for i in range(10)]
    own = [_segment(30, 21, 300.0, 400.0, 150.0), _segment(9, 21, 400.0, 500.0, 120.0)]
    points = anchor_points(own=own, rows=rows, params=PARAMS, as_of=AS_OF)
    # the 9 days after the last weighing: 4 kg a day over 1,000 fish; then back through the later segment's feed
    assert [p.age_days for p in points] == [9, 30]
    assert points[0].feed_g == pytest.approx(9 * 4.0)
    assert points[1].feed_g == pytest.approx(9 * 4.0 + 120.0)

    unfed = [r[:8] + ((4.0,) if i % 3 == 0 else (0.0,)) for i, r in enumerate(rows)]  # feed on 4 of the 9 days
    assert [p.feed_g for p in anchor_points(own=own, rows=unfed, params=PARAMS, as_of=AS_OF)] == [None, None]
    gap = [_segment(40, 21, 300.0, 400.0, 150.0), own[1]]  # a segment missing between the two weighings
    assert [p.feed_g for p in anchor_points(own=gap, rows=rows, params=PARAMS, as_of=AS_OF)] == [36.0, None]
    without = [r[:8] for r in rows]  # rows without feed (an older caller): the feed is unknown
    assert [p.feed_g for p in anchor_points(own=own, rows=without, params=PARAMS, as_of=AS_OF)] == [None, None]


@settings(max_examples=30, deadline=None)
@given(pace=st.floats(1.3, 2.5), last_age=st.integers(0, 6))
def test_weighings_moved_by_the_ratio_all_count_in_full(pace, last_age):
    """Regression (issue 18): without feed, fast-growing post-smolts' older weighings, moved by a ratio fitted
    over the window, land below the latest; counting the latest as a heavy one put the level 10-18 % low."""
    xs = [5.0]
    for day in range(1, 61):
        xs.append(xs[-1] + 0.03 * (pace if day > 30 else 1.0))  # the fish speed up: the ratio lags behind
    points = [AnchorPoint(age, -0.03 * age, xs[60 - age]) for age in range(last_age, 61, 9)]
    level = growth_fit(points=points, prior=PRIOR).level
    old = estimates.HEAVY_ITERATIONS
    try:
        estimates.HEAVY_ITERATIONS = 0
        assert growth_fit(points=points, prior=PRIOR).level == level
    finally:
        estimates.HEAVY_ITERATIONS = old
