"""Every trigger of docs/architecture.md leaves the right durable marker in the event's own transaction."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.batch.models import Batch, BatchContainerAssignment, GrowthSample, RecomputeMarker, TransferAction
from apps.environmental.models import EnvironmentalReading
from apps.environmental.services import environmental_readings_record
from apps.recompute.signals import recompute_marks_deferred, recompute_signals_muted
from tests.batch.scenarios import START, farm_with_transfer
from tests.factories import (
    FeedingEventFactory,
    GrowthSampleFactory,
    MortalityEventFactory,
    ScenarioFactory,
    TreatmentFactory,
    reading,
    temperature_parameter,
)

pytestmark = pytest.mark.django_db


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def markers() -> dict[int, tuple[dt.date, int]]:
    return {m.assignment_id: (m.dirty_from, m.generation) for m in RecomputeMarker.objects.all()}


@pytest.fixture
def farm(salmon):
    scenario, source, dest, transfer = farm_with_transfer(days=60, transfer_day=30)
    RecomputeMarker.objects.all().delete()
    return scenario, source, dest, transfer


def test_a_new_sample_marks_its_assignment_from_its_date(farm):
    _, source, _, _ = farm
    GrowthSampleFactory(assignment=source, sample_date=day(12))
    assert markers() == {source.pk: (day(12), 1)}


def test_moving_a_sample_later_marks_from_the_old_earlier_date(farm):
    _, source, _, _ = farm
    sample = GrowthSampleFactory(assignment=source, sample_date=day(12))
    sample.sample_date = day(20)
    sample.save()
    assert markers() == {source.pk: (day(12), 2)}  # lowered never raised, generation bumped


def test_deleting_a_loaded_sample_marks_from_its_date(farm):
    _, source, _, _ = farm
    GrowthSampleFactory(assignment=source, sample_date=day(12))
    RecomputeMarker.objects.all().delete()
    GrowthSample.objects.get().delete()
    assert markers() == {source.pk: (day(12), 1)}


def test_mortality_feed_and_weighing_mark_but_a_treatment_without_weighing_does_not(farm):
    _, source, dest, _ = farm
    TreatmentFactory(
        assignment=dest, treatment_date=day(40), includes_weighing=False, weighed_count=None, weighed_avg_weight_g=None
    )
    assert markers() == {}
    MortalityEventFactory(assignment=source, event_date=day(9))
    FeedingEventFactory(assignment=source, feeding_date=day(5))
    TreatmentFactory(assignment=dest, treatment_date=day(45))
    assert markers() == {source.pk: (day(5), 2), dest.pk: (day(45), 1)}


def test_a_transfer_marks_both_ends_only_once_it_is_completed(farm):
    _, source, dest, transfer = farm
    transfer.status = TransferAction.Status.PENDING
    transfer.save()
    RecomputeMarker.objects.all().delete()
    transfer.transferred_count = 8_000
    transfer.save()
    assert markers() == {}  # a pending transfer moves no fish
    transfer.status = TransferAction.Status.COMPLETED
    transfer.save()
    assert markers() == {source.pk: (day(30), 1), dest.pk: (day(30), 1)}


def test_a_temperature_reading_marks_the_containers_assignments_from_seven_days_before(farm):
    _, source, dest, _ = farm
    reading(dest.container, timezone.make_aware(dt.datetime.combine(day(40), dt.time(8))), 11.0)
    assert markers() == {dest.pk: (day(33), 1)}


def test_bulk_recorded_readings_mark_once_per_assignment(farm):
    _, source, _, _ = farm
    when = lambda n: timezone.make_aware(dt.datetime.combine(day(n), dt.time(8)))  # noqa: E731
    parameter = temperature_parameter()
    environmental_readings_record(
        readings=[
            EnvironmentalReading(container=source.container, parameter=parameter, reading_time=when(n), value=9.0)
            for n in (10, 11, 12)
        ]
    )
    assert markers() == {source.pk: (day(3), 1)}


def test_moving_the_departure_marks_from_the_day_before_the_earlier_departure(farm):
    _, _, dest, _ = farm
    dest.departure_date = day(50)
    dest.save()
    assert markers() == {dest.pk: (day(49), 1)}


def test_changing_the_placement_marks_from_the_first_day(farm):
    _, source, _, _ = farm
    source.placement_avg_weight_g = Decimal("90.00")
    source.save()
    assert markers() == {source.pk: (day(1), 1)}


def test_pinning_a_scenario_or_editing_its_model_marks_every_assignment_fully(farm):
    scenario, source, dest, _ = farm
    batch = Batch.objects.get(pk=scenario.batch_id)
    batch.pinned_scenario = ScenarioFactory(batch=batch)
    batch.save()
    assert markers() == {source.pk: (day(1), 2), dest.pk: (day(30), 2)}  # the new scenario and the pin both mark
    RecomputeMarker.objects.all().delete()
    tgc = scenario.tgc_model
    tgc.tgc_value = 2.8
    tgc.save()
    assert set(markers()) == {source.pk, dest.pk}


def test_muted_handlers_mark_nothing(farm):
    _, source, _, _ = farm
    with recompute_signals_muted():
        GrowthSampleFactory(assignment=source, sample_date=day(12))
    assert markers() == {}


def test_deferred_marks_are_written_once_at_the_end(farm):
    _, source, _, _ = farm
    with recompute_marks_deferred():
        for n in (20, 15, 25):
            GrowthSampleFactory(assignment=source, sample_date=day(n))
        assert markers() == {}
    assert markers() == {source.pk: (day(15), 1)}


def test_deleting_a_destination_marks_its_source_and_leaves_no_marker_of_its_own(farm):
    _, source, dest, _ = farm
    BatchContainerAssignment.objects.get(pk=dest.pk).delete()
    assert markers() == {source.pk: (day(30), 1)}  # the cascaded transfer no longer takes fish out
