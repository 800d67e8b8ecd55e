"""Templates plan one activity per crossing of each active assignment's projection, and follow it when it moves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.forecast.models import Projection
from apps.planning.models import ActivityTemplate, PlannedActivity
from apps.planning.services.templates import planned_activities_from_templates
from apps.recompute.run import batch_recompute
from tests.factories import GrowthSampleFactory, SpeciesFactory, stage
from tests.planning.farms import open_tank

START = dt.date(2024, 1, 1)
TODAY = dt.date(2024, 1, 15)  # day 15, the fish in Smolt at ~120 g: the projection runs 400 days on from here
pytestmark = pytest.mark.django_db


@pytest.fixture
def tank(salmon):
    return open_tank(start=START)[1]


def recompute(tank, today: dt.date = TODAY) -> None:
    assert batch_recompute(batch_id=tank.batch_id, today=today).ok


def weight_template(grams: int, **extra) -> ActivityTemplate:
    return ActivityTemplate.objects.create(
        name=f"sample at {grams} g",
        activity_type="SAMPLING",
        trigger="WEIGHT_THRESHOLD",
        weight_g=Decimal(grams),
        **extra,
    )


def first_day_at(tank, grams: float) -> dt.date:
    """Read off the stored projection: the first day whose P50 weight reaches ``grams`` (the day before is lighter)."""
    projection = Projection.objects.get(assignment=tank)
    p50 = projection.series["weight_g"]["p50"]
    index = next(i for i, w in enumerate(p50) if w >= grams)
    assert index > 0 and p50[index - 1] < grams
    return projection.first_date + dt.timedelta(days=index)


def test_a_weight_template_plans_the_activity_its_lead_days_before_the_p50_reaches_the_weight(tank):
    template = weight_template(500, lead_days=7, notes="weigh 100 fish")
    recompute(tank)
    activity = PlannedActivity.objects.get()
    assert activity.due_date == first_day_at(tank, 500) - dt.timedelta(days=7)
    assert (activity.activity_type, activity.batch_id, activity.assignment_id, activity.container_id) == (
        "SAMPLING",
        tank.batch_id,
        tank.pk,
        tank.container_id,
    )
    assert (activity.template_id, activity.follows_projection, activity.status, activity.notes) == (
        template.pk,
        True,
        "PLANNED",
        "weigh 100 fish",
    )


def test_repeated_recomputes_never_plan_a_second_activity(tank, django_assert_num_queries):
    weight_template(500)
    for _ in range(3):
        recompute(tank)
    assert batch_recompute(batch_id=tank.batch_id, from_dates={tank.pk: TODAY - dt.timedelta(days=5)}, today=TODAY).ok
    assert PlannedActivity.objects.count() == 1
    with django_assert_num_queries(3):  # the templates, the projections, the activities already planned
        assert planned_activities_from_templates(batch_id=tank.batch_id) == 0  # nothing to create or move


def test_the_due_date_follows_the_projection_when_it_moves(tank):
    weight_template(500)
    recompute(tank)
    first = PlannedActivity.objects.get().due_date
    projected = Projection.objects.get(assignment=tank).series["weight_g"]["p50"][0]
    GrowthSampleFactory(
        assignment=tank, sample_date=TODAY, avg_weight_g=Decimal(round(projected * 1.5, 2))
    )  # far heavier
    recompute(tank)
    moved = PlannedActivity.objects.get()
    assert moved.due_date == first_day_at(tank, 500) < first
    assert PlannedActivity.objects.count() == 1


@pytest.mark.parametrize(
    "change", [{"status": "COMPLETED", "completed_date": TODAY}, {"status": "CANCELLED"}, {"follows_projection": False}]
)
def test_a_closed_or_hand_dated_activity_is_left_alone(tank, change):
    weight_template(500)
    recompute(tank)
    PlannedActivity.objects.update(**change)
    planned = PlannedActivity.objects.get().due_date
    GrowthSampleFactory(assignment=tank, sample_date=TODAY, avg_weight_g=Decimal("200"))
    recompute(tank)
    assert first_day_at(tank, 500) != planned
    assert PlannedActivity.objects.get().due_date == planned and PlannedActivity.objects.count() == 1


def test_a_stage_template_plans_the_first_projected_day_in_that_stage(tank):
    post_smolt = stage("Post-Smolt")
    ActivityTemplate.objects.create(
        name="vaccinate",
        activity_type="VACCINATION",
        trigger="STAGE_TRANSITION",
        to_stage=post_smolt,
        lead_days=14,
    )
    recompute(tank)
    projection = Projection.objects.get(assignment=tank)
    index = next(i for i, s in projection.series["stage_changes"] if s == post_smolt.pk)
    assert projection.series["stage_changes"][0][1] == stage("Smolt").pk  # a crossing ahead, not behind
    assert PlannedActivity.objects.get().due_date == projection.first_date + dt.timedelta(days=index - 14)


def test_templates_out_of_scope_inactive_or_already_passed_plan_nothing(tank):
    trout = SpeciesFactory(name="Rainbow trout")
    weight_template(500, species=trout)
    weight_template(600, stage=stage("Parr"))
    weight_template(700, is_active=False)
    weight_template(50)  # the fish weigh more than 50 g already
    recompute(tank)
    assert not PlannedActivity.objects.exists()
    weight_template(800, species=tank.batch.species, stage=stage("Smolt"))
    recompute(tank)
    assert PlannedActivity.objects.get().template.name == "sample at 800 g"


def test_without_active_templates_the_refresh_costs_one_query(tank, django_assert_num_queries):
    recompute(tank)
    weight_template(500, is_active=False)
    with django_assert_num_queries(1):
        assert planned_activities_from_templates(batch_id=tank.batch_id) == 0
