"""batch_recompute: load → engine → save, windowed restarts equal full recomputes, errors are stored."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.batch.models import ActualDailyAssignmentState, BatchContainerAssignment
from apps.recompute.run import batch_recompute
from tests.batch.scenarios import START, farm_with_transfer, state_rows
from tests.factories import AssignmentFactory, BatchFactory, GrowthSampleFactory, MortalityEventFactory, ScenarioFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 12, 31)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def test_rows_exist_exactly_for_the_assignment_days_with_the_departure_day_excluded(salmon):
    scenario, source, dest, _ = farm_with_transfer(days=60, transfer_day=30)
    summary = batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    assert summary.ok and summary.rows == 29 + 31
    source_days = list(ActualDailyAssignmentState.objects.filter(assignment=source).values_list("date", flat=True))
    assert source_days[0] == day(1) and source_days[-1] == day(29)  # departs on day 30 (exclusive)
    first = ActualDailyAssignmentState.objects.get(assignment=dest, date=day(30))
    assert first.population == 9_000  # starts at 0 and gains the transfer once


def test_a_growth_sample_is_an_anchor_hit_to_the_cent(salmon):
    scenario, source, _, _ = farm_with_transfer()
    GrowthSampleFactory(assignment=source, sample_date=day(20), avg_weight_g=Decimal("150.00"))
    batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    weights = dict(ActualDailyAssignmentState.objects.filter(assignment=source).values_list("date", "avg_weight_g"))
    assert weights[day(20)] == Decimal("150.00")
    before = [weights[day(n)] for n in range(1, 20)]
    assert all(Decimal("100") < w < Decimal("150") for w in before) and before == sorted(before)
    row = ActualDailyAssignmentState.objects.get(assignment=source, date=day(20))
    assert row.anchor_type == "growth_sample" and row.sources["weight"] == "measured"


def test_the_destination_starts_from_the_sources_weight_the_day_before_the_transfer(salmon):
    scenario, source, dest, _ = farm_with_transfer()
    batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    source_last = ActualDailyAssignmentState.objects.get(assignment=source, date=day(29)).avg_weight_g
    dest_first = ActualDailyAssignmentState.objects.get(assignment=dest, date=day(30)).avg_weight_g
    assert source_last < dest_first < source_last * Decimal("1.05")  # one day of growth from the source's weight


def test_a_backdated_sample_recomputes_every_later_day_and_the_destination(salmon):
    scenario, source, dest, _ = farm_with_transfer()
    batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    before = dict(ActualDailyAssignmentState.objects.filter(assignment=dest).values_list("date", "avg_weight_g"))
    GrowthSampleFactory(assignment=source, sample_date=day(10), avg_weight_g=Decimal("140.00"))
    batch_recompute(batch_id=scenario.batch_id, from_dates={source.pk: day(10)}, today=TODAY)
    after = dict(ActualDailyAssignmentState.objects.filter(assignment=dest).values_list("date", "avg_weight_g"))
    assert all(after[d] > before[d] for d in before)  # the heavier source lifts every destination day
    windowed = state_rows(scenario.batch_id)
    batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    assert state_rows(scenario.batch_id) == windowed


def test_a_windowed_recompute_after_a_late_sample_equals_a_full_recompute(salmon):
    scenario, source, dest, _ = farm_with_transfer()
    for n, weight in [(7, "112.00"), (14, "121.00"), (21, "135.00")]:
        GrowthSampleFactory(assignment=source, sample_date=day(n), avg_weight_g=Decimal(weight))
    MortalityEventFactory(assignment=source, event_date=day(16), count=77)
    batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    GrowthSampleFactory(assignment=source, sample_date=day(25), avg_weight_g=Decimal("140.00"))
    summary = batch_recompute(batch_id=scenario.batch_id, from_dates={source.pk: day(25)}, today=TODAY)
    assert summary.rows < 60  # restarted at day 21's anchor, not from day 1
    windowed = state_rows(scenario.batch_id)
    batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    assert state_rows(scenario.batch_id) == windowed


def test_moving_the_departure_earlier_removes_the_days_after_it(salmon):
    scenario, source, dest, _ = farm_with_transfer(days=60)
    batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    BatchContainerAssignment.objects.filter(pk=dest.pk).update(departure_date=day(41))
    batch_recompute(batch_id=scenario.batch_id, from_dates={dest.pk: day(40)}, today=TODAY)
    assert ActualDailyAssignmentState.objects.filter(assignment=dest).latest("date").date == day(40)


def test_a_batch_without_a_scenario_stores_a_clear_error_and_other_batches_still_compute(salmon):
    lonely = BatchFactory()
    AssignmentFactory(batch=lonely)
    scenario, *_ = farm_with_transfer()
    summary = batch_recompute(batch_id=lonely.pk, today=TODAY)
    assert summary.error_code == "no_scenario" and summary.rows == 0
    lonely.refresh_from_db()
    assert lonely.last_recompute_error_code == "no_scenario" and "no scenario" in lonely.last_recompute_error
    assert batch_recompute(batch_id=scenario.batch_id, today=TODAY).ok
    assert not ActualDailyAssignmentState.objects.filter(batch=lonely).exists()


def test_a_success_clears_the_stored_error(salmon):
    batch = BatchFactory()
    AssignmentFactory(batch=batch)
    batch_recompute(batch_id=batch.pk, today=TODAY)
    ScenarioFactory(batch=batch)
    assert batch_recompute(batch_id=batch.pk, today=TODAY).ok
    batch.refresh_from_db()
    assert batch.last_recompute_error_code == "" and batch.last_recompute_success_at is not None


def test_the_loader_issues_the_same_number_of_queries_whatever_the_batch_size(salmon):
    def queries_for(samples: int) -> int:
        scenario, source, dest, _ = farm_with_transfer()
        for n in range(1, samples + 1):
            GrowthSampleFactory(assignment=source, sample_date=day(n), avg_weight_g=Decimal(100 + n))
            MortalityEventFactory(assignment=dest, event_date=day(30 + n), count=n)
        with CaptureQueriesContext(connection) as captured:
            batch_recompute(batch_id=scenario.batch_id, today=TODAY)
        return len(captured.captured_queries)

    assert queries_for(2) == queries_for(25) <= 25 + 8  # 8 of them refresh the segments and projections
