"""Deaths and population (docs/engine.md §5, §11)."""

import pytest

from apps.batch.engine import compute_assignment, daily_rate_from_weekly
from apps.batch.engine.population import model_deaths, settle_negative
from tests.engine.builders import SMOLT, day, inputs, params


def test_the_model_rate_takes_five_a_day_from_ten_thousand_fish_and_leaves_9850_on_day_30():
    rows = compute_assignment(inputs(30), params(mortality_daily=0.0005))
    assert [r.mortality_count for r in rows] == [5] * 30
    assert rows[29].population == 9_850
    assert rows[0].sources["mortality"] == "model" and rows[0].confidence["mortality"] == 0.4


def test_model_deaths_round_half_to_even():
    assert model_deaths(0.0005, 9_000) == 4  # 4.5 -> 4
    assert model_deaths(0.0005, 11_000) == 6  # 5.5 -> 6
    rows = compute_assignment(inputs(1, population=9_000), params(mortality_daily=0.0005))
    assert (rows[0].mortality_count, rows[0].population) == (4, 8_996)


def test_a_stage_override_replaces_the_model_mortality_rate():
    model = params(mortality_daily=0.0005, mortality_daily_by_stage={SMOLT: 0.001})
    rows = compute_assignment(inputs(1), model)
    assert rows[0].mortality_count == 10


def test_a_weekly_rate_of_one_percent_is_a_daily_rate_of_0_14347_percent():
    assert round(daily_rate_from_weekly(0.01) * 100, 5) == 0.14347


def test_a_weekly_rate_outside_zero_to_one_is_rejected():
    with pytest.raises(ValueError):
        daily_rate_from_weekly(1.5)


def test_recorded_deaths_replace_the_model_on_their_day():
    rows = compute_assignment(inputs(2, mortality={day(1): 37}), params(mortality_daily=0.0005))
    assert [r.mortality_count for r in rows] == [37, 5]  # day 2: 9,963 x 0.0005 = 4.98 -> 5
    assert rows[0].population == 9_963
    assert (rows[0].sources["mortality"], rows[0].confidence["mortality"]) == ("actual", 1.0)


def test_a_destination_starts_empty_and_gains_the_transfer_on_its_first_day_once():
    dest = inputs(3, population=0, transfers_in={day(1): 306_090})
    rows = compute_assignment(dest, params(mortality_daily=0.0005))
    assert rows[0].population == 306_090  # no deaths yet: yesterday there were no fish
    assert rows[1].population == 306_090 - 153  # 306,090 x 0.0005 = 153.045 -> 153


def test_a_partial_transfer_out_is_subtracted_on_its_day():
    rows = compute_assignment(inputs(6, transfers_out={day(5): 4_000}), params())
    assert [r.population for r in rows] == [10_000] * 4 + [6_000] * 2


def test_the_last_day_is_included_and_the_departure_is_left_to_the_caller():
    # departing on day 6 (exclusive) means computing to day 5 inclusive: the caller passes last_day = day 5
    rows = compute_assignment(inputs(5, transfers_out={day(5): 10_000}), params())
    assert rows[-1].date == day(5)
    assert rows[-1].population == 0
    assert "warnings" not in rows[-1].sources


def test_recorded_deaths_beyond_the_population_clamp_it_to_zero_with_a_warning():
    rows = compute_assignment(inputs(2, population=100, mortality={day(1): 150}), params())
    assert rows[0].population == 0
    assert rows[0].mortality_count == 150  # kept as recorded; the warning flags the mismatch
    assert rows[0].sources["warnings"] == ["population_clamped"]
    assert rows[0].sources["mortality"] == "actual"
    assert "warnings" not in rows[1].sources


def test_transferring_out_more_fish_than_there_are_clamps_with_a_warning():
    rows = compute_assignment(inputs(1, population=100, transfers_out={day(1): 120}), params())
    assert rows[0].population == 0
    assert rows[0].sources["warnings"] == ["population_clamped"]


def test_model_deaths_shrink_to_the_fish_left_after_a_full_transfer_out():
    emptied = inputs(1, population=100, transfers_out={day(1): 100})
    rows = compute_assignment(emptied, params(mortality_daily=0.01))
    assert (rows[0].population, rows[0].mortality_count) == (0, 0)
    assert "warnings" not in rows[0].sources


def test_settle_negative_keeps_recorded_deaths_and_trims_model_deaths():
    assert settle_negative(100, 0, 0, 150, True) == (0, 150, True)
    assert settle_negative(100, 0, 99, 5, False) == (0, 1, False)
    assert settle_negative(100, 0, 120, 1, False) == (0, 0, True)


def test_biomass_is_population_times_unrounded_weight():
    rows = compute_assignment(inputs(1), params())
    assert rows[0].biomass_kg == 10_000 * rows[0].avg_weight_g / 1000.0
    assert round(rows[0].biomass_kg, 2) == 1019.52  # 10,000 x 101.9516 g
