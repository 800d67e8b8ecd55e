"""project_scenario: the planned series (docs/engine.md §9)."""

import pytest

from apps.batch.engine import compute_assignment, project_scenario
from tests.engine.builders import DAY_1, SMOLT, day, inputs, params


def project(days=30, **model):
    return project_scenario(
        start_date=DAY_1,
        duration_days=days,
        initial_count=10_000,
        initial_weight_g=100.0,
        stage_id=SMOLT,
        params=params(**model),
    )


def test_the_projection_grows_with_the_forward_model_from_its_start_date():
    rows = project()
    assert (rows[0].date, rows[0].day_number, rows[-1].date, rows[-1].day_number) == (DAY_1, 1, day(30), 30)
    assert round(rows[0].avg_weight_g, 2) == 101.95
    assert round(rows[-1].avg_weight_g, 2) == 170.18


def test_the_projection_uses_the_same_growth_as_an_actual_run_on_profile_temperatures():
    profile = ((1, 6.0), (20, 12.0), (40, 9.0))
    actual = compute_assignment(inputs(40, temp_c=None, mortality={}), params(profile=profile))
    planned = project(40, profile=profile)
    assert [r.avg_weight_g for r in planned] == [r.avg_weight_g for r in actual]
    assert [r.stage_id for r in planned] == [r.stage_id for r in actual]
    assert [r.temp_c for r in planned] == [r.temp_c for r in actual]


def test_the_projection_loses_fish_at_the_model_rate():
    assert project(mortality_daily=0.0005)[-1].population == 9_850


def test_planned_feed_is_the_stage_fcr_times_the_biomass_gain():
    rows = project(2, fcr_by_stage={SMOLT: 1.2})
    assert rows[0].feed_kg == pytest.approx(1.2 * (rows[0].biomass_kg - 1000.0))
    assert rows[1].feed_kg == pytest.approx(1.2 * (rows[1].biomass_kg - rows[0].biomass_kg))
    assert rows[0].observed_fcr is None
    assert rows[0].sources["feed"] == "fcr_model"


def test_a_stage_without_fcr_plans_no_feed_and_a_shrinking_biomass_plans_none():
    assert project(2)[0].feed_kg == 0.0
    cold = project(2, fcr_by_stage={SMOLT: 1.2}, profile=((1, 0.0),), mortality_daily=0.01)
    assert [r.feed_kg for r in cold] == [0.0, 0.0]


def test_an_empty_duration_projects_nothing():
    assert project(0) == []
