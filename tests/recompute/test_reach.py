"""Regression tests for what an edit reaches (issue 8, cases 1–7): each edit is drained like a worker would and
the stored rows must then equal a full recompute. Each case failed before reach.py marked both ends of a move
and the cascade followed the transfer graph."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.batch.models import (
    ActualDailyAssignmentState,
    Batch,
    GrowthSample,
    LifeCycleStage,
    RecomputeMarker,
    TransferAction,
)
from apps.environmental.models import EnvironmentalParameter
from apps.recompute.run import batch_recompute
from tests.batch.scenarios import START, drain_all_batches, farm_with_transfer, state_rows
from tests.factories import (
    AssignmentFactory,
    ContainerFactory,
    GrowthSampleFactory,
    ScenarioFactory,
    TGCModelFactory,
    TransferFactory,
    reading,
    stage,
)

pytestmark = pytest.mark.django_db


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def at(n: int, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day(n), dt.time(hour), tzinfo=dt.UTC)


def assert_equals_full_recompute(batch_id: int) -> None:
    drained = state_rows(batch_id)
    assert drained, "no rows at all"
    summary = batch_recompute(batch_id=batch_id, trigger="test_full")
    assert summary.ok, summary.error
    full = state_rows(batch_id)
    differing = [a[:4] for a, b in zip(drained, full) if a != b]
    assert (len(drained), differing) == (len(full), [])


@pytest.fixture
def farm(salmon):
    scenario, source, dest, transfer = farm_with_transfer(days=60, transfer_day=30)
    drain_all_batches()
    return scenario, source, dest, transfer


def test_case_1_a_reading_moved_to_another_day_recomputes_the_days_around_its_old_time(farm):
    scenario, source, _, _ = farm
    moved = reading(source.container, at(10), 4.0)
    reading(source.container, at(3), 9.0)
    GrowthSampleFactory(assignment=source, sample_date=day(15))  # the restart anchor: days before it stay
    drain_all_batches()
    moved.reading_time = at(25)
    moved.save()
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)


def test_case_2_a_reading_moved_to_another_container_recomputes_the_old_containers_assignments(farm):
    scenario, source, dest, _ = farm
    moved = reading(source.container, at(10), 4.0)
    drain_all_batches()
    moved.container = dest.container
    moved.reading_time = at(40)
    moved.save()
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)


def test_case_3_a_reading_that_stops_being_a_temperature_recomputes_its_days(farm):
    scenario, source, _, _ = farm
    moved = reading(source.container, at(10), 4.0)
    drain_all_batches()
    moved.parameter = EnvironmentalParameter.objects.create(code="oxygen", name="Oxygen", unit="mg/l")
    moved.save()
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)


def test_case_3b_a_parameter_whose_code_becomes_temperature_recomputes_its_readings(farm):
    scenario, source, _, _ = farm
    oxygen = EnvironmentalParameter.objects.create(code="oxygen", name="Oxygen", unit="mg/l")
    reading(source.container, at(10), 4.0).__class__.objects.filter(container=source.container).update(parameter=oxygen)
    drain_all_batches()
    batch_recompute(batch_id=scenario.batch_id)  # the update above bypassed the signals
    oxygen.code = "Temperature2"
    oxygen.save()
    assert not RecomputeMarker.objects.exists()  # still not a temperature
    EnvironmentalParameter.objects.filter(code="temperature").update(code="water_temperature")
    oxygen.code, oxygen.min_value, oxygen.max_value = "TEMPERATURE", -2, 40
    oxygen.save()
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)


def test_case_4_a_scenario_moved_to_another_batch_recomputes_the_batch_it_left(salmon):
    older = ScenarioFactory(batch__start_date=START, tgc_model=TGCModelFactory(tgc_value=2.0))
    left = older.batch
    AssignmentFactory(batch=left, assignment_date=START, departure_date=day(90))
    moved = ScenarioFactory(batch=left, tgc_model=TGCModelFactory(tgc_value=3.5))  # newer: the one in use
    other = ScenarioFactory(batch__start_date=START).batch
    AssignmentFactory(batch=other, assignment_date=START, departure_date=day(90))
    drain_all_batches()
    moved.batch = other
    moved.save()
    drain_all_batches()
    assert_equals_full_recompute(left.pk)
    assert_equals_full_recompute(other.pk)


def test_case_5_a_destination_that_starts_before_its_source_follows_a_change_to_the_source(salmon):
    scenario = ScenarioFactory(batch__start_date=START)
    dest = AssignmentFactory(
        batch=scenario.batch,
        assignment_date=START,
        departure_date=day(80),
        placement_count=None,
        placement_avg_weight_g=None,
    )
    source = AssignmentFactory(batch=scenario.batch, assignment_date=day(5), departure_date=day(30))
    TransferFactory(
        source_assignment=source, dest_assignment=dest, actual_execution_date=day(30), transferred_count=9000
    )
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)
    GrowthSampleFactory(assignment=source, sample_date=day(20), avg_weight_g=Decimal("160.00"))
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)


def test_case_6_the_first_transfer_in_set_to_pending_recomputes_the_destination_from_its_first_day(salmon):
    scenario = ScenarioFactory(batch__start_date=START)
    source = AssignmentFactory(batch=scenario.batch, assignment_date=START, departure_date=day(40))
    dest = AssignmentFactory(
        batch=scenario.batch,
        assignment_date=day(10),
        departure_date=day(80),
        placement_count=None,
        placement_avg_weight_g=None,
    )
    transfer = TransferFactory(
        source_assignment=source, dest_assignment=dest, actual_execution_date=day(25), transferred_count=5000
    )
    GrowthSampleFactory(assignment=dest, sample_date=day(20))  # an anchor between the first day and the transfer
    drain_all_batches()
    transfer.status = TransferAction.Status.PENDING
    transfer.save()
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)


def test_case_6b_an_earlier_transfer_in_recomputes_the_destination_from_its_first_day(salmon):
    scenario = ScenarioFactory(batch__start_date=START)
    source = AssignmentFactory(batch=scenario.batch, assignment_date=START, departure_date=day(40))
    dest = AssignmentFactory(
        batch=scenario.batch,
        assignment_date=day(10),
        departure_date=day(80),
        placement_count=None,
        placement_avg_weight_g=None,
    )
    TransferFactory(
        source_assignment=source, dest_assignment=dest, actual_execution_date=day(25), transferred_count=500
    )
    drain_all_batches()
    TransferFactory(
        source_assignment=source, dest_assignment=dest, actual_execution_date=day(15), transferred_count=700
    )
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)


def test_case_7_a_stage_band_edit_recomputes_every_batch_of_the_species(farm):
    scenario, _, _, _ = farm
    smolt = stage("Smolt")
    smolt.expected_weight_max_g = Decimal("120.00")
    smolt.save()
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)
    assert LifeCycleStage.objects.get(pk=smolt.pk).expected_weight_max_g == Decimal("120.00")


def test_a_batch_start_date_or_species_edit_recomputes_its_day_numbers(farm):
    scenario, _, _, _ = farm
    batch = Batch.objects.get(pk=scenario.batch_id)
    batch.start_date = START - dt.timedelta(days=10)
    batch.save()
    drain_all_batches()
    assert_equals_full_recompute(batch.pk)


def test_an_assignment_moved_to_another_container_recomputes_its_temperatures(farm):
    scenario, source, _, _ = farm
    warm = ContainerFactory()
    reading(warm, at(5), 16.0)
    drain_all_batches()
    source.container = warm
    source.save()
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)


def test_a_transfer_cycle_is_computed_the_same_way_windowed_and_in_full(salmon):
    scenario = ScenarioFactory(batch__start_date=START)
    a = AssignmentFactory(
        batch=scenario.batch,
        assignment_date=START,
        departure_date=day(90),
        placement_count=None,
        placement_avg_weight_g=None,
    )
    b = AssignmentFactory(
        batch=scenario.batch,
        assignment_date=day(3),
        departure_date=day(90),
        placement_count=None,
        placement_avg_weight_g=None,
    )
    TransferFactory(source_assignment=a, dest_assignment=b, actual_execution_date=day(20), transferred_count=100)
    TransferFactory(source_assignment=b, dest_assignment=a, actual_execution_date=day(30), transferred_count=50)
    drain_all_batches()
    GrowthSample.objects.create(assignment=a, sample_date=day(10), sample_size=20, avg_weight_g=Decimal("140"))
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)


def test_an_assignment_moved_to_another_batch_takes_its_pending_work_along(salmon):
    """Found by the state machine: the marker kept the old batch, so the new batch never computed the moved
    assignment's pending day and the old batch's drain skipped it."""
    first = ScenarioFactory(batch__start_date=START).batch
    second = ScenarioFactory(batch__start_date=START).batch
    moved = AssignmentFactory(batch=first, assignment_date=START, departure_date=day(40))
    AssignmentFactory(batch=second, assignment_date=START, departure_date=day(40))
    drain_all_batches()
    GrowthSampleFactory(assignment=moved, sample_date=day(12))  # pending work, marked for the first batch
    moved.batch = second
    moved.save()
    assert RecomputeMarker.objects.get(assignment=moved).batch_id == second.pk
    drain_all_batches()
    assert_equals_full_recompute(second.pk)
    assert not ActualDailyAssignmentState.objects.filter(batch_id=first.pk).exists()


def test_a_source_that_departs_before_its_transfer_no_longer_lends_its_weight(salmon):
    """Found by the state machine: the destination read the source's stale row of the day before the transfer,
    which the same recompute then deleted because the source's departure moved earlier."""
    scenario = ScenarioFactory(batch__start_date=START)
    source = AssignmentFactory(batch=scenario.batch, assignment_date=START, departure_date=day(35))
    dest = AssignmentFactory(
        batch=scenario.batch,
        assignment_date=day(5),
        departure_date=day(70),
        placement_count=None,
        placement_avg_weight_g=None,
    )
    TransferFactory(
        source_assignment=source, dest_assignment=dest, actual_execution_date=day(30), transferred_count=6000
    )
    drain_all_batches()
    source.departure_date = day(4)
    source.save()
    drain_all_batches()
    assert_equals_full_recompute(scenario.batch_id)
