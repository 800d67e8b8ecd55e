"""Feed and observed FCR (docs/engine.md §6)."""

import pytest

from apps.batch.engine import StartState, compute_assignment
from apps.batch.engine.feed import grown_biomass_kg, observed_fcr
from tests.engine.builders import day, inputs, params


def test_a_day_without_feeding_records_zero_kg_from_no_source():
    row = compute_assignment(inputs(1), params())[0]
    assert row.feed_kg == 0.0
    assert (row.sources["feed"], row.confidence["feed"]) == ("none", 0.0)
    assert row.observed_fcr is None and row.sources["fcr"] == "insufficient_data"


def test_feed_and_growth_give_an_observed_fcr():
    # 10,000 fish grow 100 -> 101.9516 g: 19.5155 kg of growth for 23.4 kg of feed
    row = compute_assignment(inputs(1, feed_kg={day(1): 23.4}), params())[0]
    assert (row.feed_kg, row.sources["feed"], row.confidence["feed"]) == (23.4, "actual", 1.0)
    assert row.observed_fcr == pytest.approx(23.4 / 19.5155, rel=1e-5)
    assert round(row.observed_fcr, 3) == 1.199
    assert row.sources["fcr"] == "observed"


def test_the_observed_fcr_is_capped_at_ten():
    row = compute_assignment(inputs(1, feed_kg={day(1): 500.0}), params())[0]
    assert row.observed_fcr == 10.0


def test_a_gain_of_one_kg_or_less_gives_no_fcr():
    row = compute_assignment(inputs(1, population=100, feed_kg={day(1): 0.3}), params())[0]
    assert row.observed_fcr is None  # 100 fish grew 0.195 kg
    assert (row.sources["fcr"], row.confidence["fcr"]) == ("insufficient_data", 0.0)


def test_fish_moved_in_are_not_counted_as_growth():
    dest = inputs(1, population=0, transfers_in={day(1): 10_000}, feed_kg={day(1): 20.0})
    row = compute_assignment(dest, params())[0]
    assert row.biomass_kg > 1000.0
    assert row.observed_fcr is None  # all the biomass arrived; none of it grew here


def test_fish_moved_out_are_not_counted_as_loss():
    moved = inputs(1, transfers_out={day(1): 5_000}, feed_kg={day(1): 23.4})
    row = compute_assignment(moved, params())[0]
    # the 5,000 fish left grew 9.758 kg; the 5,000 moved out grew as much before leaving
    assert row.observed_fcr == pytest.approx(23.4 / 19.5155, rel=1e-4)


def test_the_previous_biomass_is_read_rounded_to_the_cent():
    start = StartState(100.0, 10_000, 1000.004, 4)  # as if an unrounded biomass were handed in
    row = compute_assignment(inputs(1, start=start, feed_kg={day(1): 23.4}), params())[0]
    assert row.observed_fcr == 23.4 / (row.biomass_kg - 1000.0)


def test_the_row_loop_agrees_exactly_with_the_feed_functions():
    run = inputs(
        20,
        feed_kg={day(n): 15.0 + n for n in range(1, 21)},
        transfers_in={day(4): 800},
        transfers_out={day(9): 1_500},
        mortality={day(6): 40},
    )
    rows = compute_assignment(run, params(mortality_daily=0.0007))
    for before, row in zip(rows, rows[1:]):
        t_in = run.transfers_in.get(row.date, 0)
        t_out = run.transfers_out.get(row.date, 0)
        gain = grown_biomass_kg(row.biomass_kg, round(before.biomass_kg, 2), t_in, t_out, row.avg_weight_g)
        assert row.observed_fcr == observed_fcr(row.feed_kg, gain)
