"""Temperature for a day and its fallbacks (docs/engine.md §2)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.batch.engine import compute_assignment
from apps.batch.engine.temperature import (
    daily_temperatures,
    interpolation_confidence,
    profile_series,
    profile_temperature,
)
from tests.engine.builders import DAY_1, day, inputs, params


def one_day(temps, *, on=10, profile=((1, 5.0),)):
    """The row of day ``on`` computed with these measured daily means."""
    rows = compute_assignment(inputs(1, first_day=on, temp_c=None, daily_temps_c=temps), params(profile=profile))
    return rows[0]


def test_a_measured_day_uses_its_mean_with_full_confidence():
    row = one_day({day(10): 11.25})
    assert (row.temp_c, row.sources["temp"], row.confidence["temp"]) == (11.25, "measured", 1.0)


def test_a_gap_is_interpolated_between_the_nearest_readings_either_side():
    # 8.0 two days before, 12.0 three days after: 8 + 4 * 2/5 = 9.6; confidence 0.9 - 5/30
    row = one_day({day(8): 8.0, day(13): 12.0})
    assert row.temp_c == pytest.approx(9.6)
    assert (row.sources["temp"], row.confidence["temp"]) == ("interpolated", 0.7333)


def test_interpolation_confidence_falls_with_the_span_and_never_below_0_4():
    assert [interpolation_confidence(s) for s in (2, 5, 14)] == [0.8333, 0.7333, 0.4333]
    assert interpolation_confidence(100) == 0.4


def test_a_reading_only_before_is_used_as_the_nearest_before():
    row = one_day({day(3): 7.0, day(18): 20.0})  # 7 days before; 8 days after is too far
    assert (row.temp_c, row.sources["temp"], row.confidence["temp"]) == (7.0, "nearest_before", 0.6)


def test_a_reading_only_after_is_used_as_the_nearest_after():
    row = one_day({day(2): 3.0, day(17): 9.0})  # 8 days before is too far; 7 days after
    assert (row.temp_c, row.sources["temp"], row.confidence["temp"]) == (9.0, "nearest_after", 0.6)


def test_with_no_reading_within_a_week_the_profile_gives_the_temperature():
    row = one_day({day(2): 3.0, day(18): 9.0}, profile=((1, 4.0), (21, 14.0)))
    # day 10 on a profile from 4 °C at day 1 to 14 °C at day 21
    assert (row.temp_c, row.sources["temp"], row.confidence["temp"]) == (8.5, "profile", 0.5)


def test_the_profile_holds_its_first_value_before_and_its_last_value_after_its_days():
    profile = ((5, 6.0), (10, 8.0))
    assert [profile_temperature(profile, n) for n in (1, 5, 7, 10, 400)] == [6.0, 6.0, 6.8, 8.0, 8.0]


def test_readings_outside_the_computed_range_still_reach_into_it():
    temps, codes, confs = daily_temperatures({day(0): 6.0, day(4): 10.0}, DAY_1, 2, 1, ((1, 1.0),))
    assert temps == [7.0, 8.0]
    assert confs == [0.7667, 0.7667]


def test_the_day_number_counts_from_the_batch_start():
    row = one_day({}, on=40, profile=((1, 0.0), (101, 10.0)))
    assert row.day_number == 40
    assert row.temp_c == pytest.approx(3.9)


@settings(max_examples=50, deadline=None)
@given(
    points=st.dictionaries(st.integers(-30, 700), st.floats(-2.0, 20.0), min_size=1, max_size=12),
    first=st.integers(-40, 800),
    n_days=st.integers(0, 450),
)
def test_the_profile_series_is_what_the_days_get_where_nothing_was_measured(points, first, n_days):
    """``profile_series`` (the forecast's temperatures ahead) equals ``daily_temperatures`` with no reading."""
    profile = tuple(sorted(points.items()))
    expected = daily_temperatures({}, DAY_1, n_days, first, profile)[0]
    assert profile_series(profile, first, n_days) == expected
    assert expected == [profile_temperature(profile, first + i) for i in range(n_days)]
