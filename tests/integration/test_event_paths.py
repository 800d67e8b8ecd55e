"""A growth sample saved, corrected, moved or deleted in the web process is recomputed by a real worker."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from apps.batch.models import ActualDailyAssignmentState, GrowthSample, RecomputeRun
from apps.recompute.markers import recompute_mark
from tests.batch.scenarios import START, farm_with_transfer, state_rows
from tests.integration.support import INTEGRATION, assert_equals_full_recompute

pytestmark = INTEGRATION


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def weights(assignment) -> dict[dt.date, Decimal]:
    return dict(ActualDailyAssignmentState.objects.filter(assignment=assignment).values_list("date", "avg_weight_g"))


def computed_at(batch_id: int) -> dict[tuple[int, dt.date], dt.datetime]:
    rows = ActualDailyAssignmentState.objects.filter(batch_id=batch_id)
    return {(a, d): at for a, d, at in rows.values_list("assignment_id", "date", "last_computed_at")}


def save_through_the_orm(client, source, sample_date, weight):
    GrowthSample.objects.create(assignment=source, sample_date=sample_date, sample_size=30, avg_weight_g=weight)


def save_through_the_admin(admin_client, source, sample_date, weight):
    response = admin_client.post(
        reverse("admin:batch_growthsample_add"),
        {
            "assignment": source.pk,
            "sample_date": sample_date,
            "sample_size": 30,
            "avg_weight_g": weight,
            "casts-TOTAL_FORMS": 0,  # the casts inline (issue 21), left empty: the sample is its own cast
            "casts-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def save_through_a_bulk_import(client, source, sample_date, weight):
    """Bulk writes send no signals: the importing service marks the work itself, in the same transaction."""
    with transaction.atomic():
        GrowthSample.objects.bulk_create(
            [GrowthSample(assignment=source, sample_date=sample_date, sample_size=30, avg_weight_g=weight)]
        )
        recompute_mark(assignment_id=source.pk, from_date=sample_date)


@pytest.mark.parametrize("save", [save_through_the_orm, save_through_the_admin, save_through_a_bulk_import])
def test_a_saved_growth_sample_is_written_into_the_daily_states_by_the_worker(salmon, drain, admin_client, save):
    scenario, source, dest, _ = farm_with_transfer()
    drain()  # the set-up's own events: the worker computes the farm once
    before = computed_at(scenario.batch_id)
    assert len(before) == 29 + 31

    save(admin_client, source, day(20), Decimal("150.00"))
    drain()

    anchor = ActualDailyAssignmentState.objects.get(assignment=source, date=day(20))
    assert anchor.avg_weight_g == Decimal("150.00") and anchor.anchor_type == "growth_sample"
    after = computed_at(scenario.batch_id)
    assert after.keys() == before.keys()
    # no earlier anchor: the source restarts on its first day, and the destination follows its weight
    assert all(after[key] > before[key] for key in before)
    assert RecomputeRun.objects.filter(batch_id=scenario.batch_id).latest("started_at").trigger == "assignment_window"
    assert_equals_full_recompute(scenario.batch_id)


def test_a_backdated_sample_changes_every_later_day_of_the_assignment_and_of_its_destination(salmon, drain):
    scenario, source, dest, _ = farm_with_transfer()
    drain()
    source_before, dest_before = weights(source), weights(dest)
    assert source_before[day(10)] < Decimal("140")

    GrowthSample.objects.create(assignment=source, sample_date=day(10), sample_size=30, avg_weight_g=Decimal("140.00"))
    drain()

    source_after, dest_after = weights(source), weights(dest)
    assert source_after[day(10)] == Decimal("140.00")
    assert all(source_after[day(n)] > source_before[day(n)] for n in range(10, 30))  # days 10..29
    assert len(dest_after) == 31 and all(dest_after[d] > dest_before[d] for d in dest_before)  # days 30..60
    assert_equals_full_recompute(scenario.batch_id)


def test_updating_moving_and_deleting_a_sample_each_end_in_a_full_recompute(salmon, drain):
    scenario, source, dest, _ = farm_with_transfer()
    drain()
    without_sample = state_rows(scenario.batch_id)
    sample = GrowthSample.objects.create(
        assignment=source, sample_date=day(20), sample_size=30, avg_weight_g=Decimal("150.00")
    )
    drain()
    assert weights(source)[day(20)] == Decimal("150.00")

    sample.avg_weight_g = Decimal("135.50")
    sample.save()
    drain()
    assert weights(source)[day(20)] == Decimal("135.50")
    assert_equals_full_recompute(scenario.batch_id)

    sample.sample_date = day(8)  # moved earlier: the old anchor day must lose its measured weight
    sample.save()
    drain()
    moved = ActualDailyAssignmentState.objects.filter(assignment=source)
    assert moved.get(date=day(8)).avg_weight_g == Decimal("135.50")
    assert moved.get(date=day(20)).anchor_type is None
    assert_equals_full_recompute(scenario.batch_id)

    sample.delete()
    drain()
    assert_equals_full_recompute(scenario.batch_id)
    assert state_rows(scenario.batch_id) == without_sample  # exactly as if it had never been recorded
