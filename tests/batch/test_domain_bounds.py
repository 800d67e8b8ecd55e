"""The absolute bounds of aquamind/domain.py are database constraints: a row written past every validator
(the ORM, a script, a bulk import) is still refused, with the constraint named. The bulk reading import and
the recording services validate like the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.batch.models import BatchContainerAssignment, GrowthSample, MortalityEvent
from apps.batch.services.feeding import feeding_event_record
from apps.batch.services.recording import growth_sample_record, mortality_event_record
from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
from apps.environmental.services import environmental_readings_record
from apps.inventory.models import FeedingEvent
from aquamind import domain as d
from tests.factories import (
    AssignmentFactory,
    BatchFactory,
    ContainerFactory,
    FeedingEventFactory,
    GrowthSampleFactory,
    MortalityEventFactory,
    ScenarioFactory,
    TreatmentFactory,
    temperature_parameter,
)

pytestmark = pytest.mark.django_db
NOON = timezone.make_aware(dt.datetime(2024, 1, 5, 12))


def refused(make, constraint: str):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        make()


def test_a_reading_beyond_a_million_or_before_1990_is_refused_by_the_database(salmon):
    base = dict(container=ContainerFactory(), parameter=temperature_parameter(), reading_time=NOON)
    refused(lambda: EnvironmentalReading.objects.create(**base, value=1_000_001), "reading_value_in_bounds")
    refused(
        lambda: EnvironmentalReading.objects.create(
            **{**base, "reading_time": dt.datetime(1989, 12, 31, tzinfo=dt.UTC)}, value=8
        ),
        "reading_time_in_range",
    )
    assert not EnvironmentalReading.objects.exists()


def test_a_temperature_parameter_range_beyond_minus_5_to_50_is_refused_by_the_database(salmon):
    refused(
        lambda: EnvironmentalParameter.objects.create(
            code="TEMPERATURE", name="T", unit="°C", min_value=-2, max_value=60
        ),
        "parameter_temperature_range_in_limits",
    )
    refused(
        lambda: EnvironmentalParameter.objects.create(code="ph", name="pH", unit="", min_value=9, max_value=1),
        "parameter_range_ordered",
    )


@pytest.mark.parametrize(
    "make, constraint",
    [
        (lambda a: MortalityEventFactory(assignment=a, count=d.MAX_FISH_COUNT + 1), "mortality_count_max"),
        (lambda a: MortalityEventFactory(assignment=a, event_date=dt.date(1989, 12, 31)), "mortality_date_in_range"),
        (lambda a: FeedingEventFactory(assignment=a, amount_kg=Decimal("100000.001")), "feeding_amount_max"),
        (lambda a: GrowthSampleFactory(assignment=a, sample_size=d.MAX_SAMPLE_SIZE + 1), "sample_size_max"),
        (lambda a: GrowthSampleFactory(assignment=a, std_dev_weight_g=Decimal("50000.01")), "sample_std_dev_in_range"),
        (lambda a: GrowthSampleFactory(assignment=a, avg_length_cm=Decimal("200.01")), "sample_length_in_range"),
        (lambda a: TreatmentFactory(assignment=a, weighed_count=d.MAX_FISH_COUNT + 1), "treatment_weighed_count_max"),
        (lambda a: AssignmentFactory(batch=a.batch, assignment_date=dt.date(1900, 1, 1)), "assignment_date_in_range"),
        (
            lambda a: AssignmentFactory(batch=a.batch, placement_count=d.MAX_FISH_COUNT + 1),
            "assignment_placement_count_max",
        ),
        (lambda a: BatchFactory(start_date=dt.date(1, 1, 5)), "batch_start_in_range"),
        (lambda a: ScenarioFactory(batch=a.batch, start_date=dt.date(9999, 12, 25)), "scenario_start_in_range"),
        (lambda a: ScenarioFactory(batch=a.batch, duration_days=3651), "scenario_duration_max"),
    ],
)
def test_a_value_beyond_its_absolute_bound_is_refused_by_the_database(salmon, make, constraint):
    assignment = AssignmentFactory()
    refused(lambda: make(assignment), constraint)


def test_a_second_sample_on_the_same_day_is_refused_by_the_database(salmon):
    sample = GrowthSampleFactory()
    # PostgreSQL names the constraint; SQLite names its columns
    refused(
        lambda: GrowthSampleFactory(assignment=sample.assignment, sample_date=sample.sample_date),
        r"sample_one_per_assignment_day|UNIQUE constraint failed: \w+\.assignment_id, \w+\.sample_date",
    )


def test_the_bulk_reading_import_refuses_a_reading_outside_its_parameters_range(salmon):
    container, parameter = ContainerFactory(), temperature_parameter()
    readings = [
        EnvironmentalReading(container=container, parameter=parameter, reading_time=NOON, value=v)
        for v in (8.0, 50001.0)
    ]
    with pytest.raises(ValidationError) as error:
        environmental_readings_record(readings=readings)
    assert list(error.value.message_dict) == ["1.value"]
    assert "outside the range of Temperature" in error.value.message_dict["1.value"][0]
    assert not EnvironmentalReading.objects.exists()


def test_the_bulk_reading_import_refuses_a_reading_time_before_1990(salmon):
    reading = EnvironmentalReading(
        container=ContainerFactory(),
        parameter=temperature_parameter(),
        reading_time=dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        value=8.0,
    )
    with pytest.raises(ValidationError) as error:
        environmental_readings_record(readings=[reading])
    assert list(error.value.message_dict) == ["0.reading_time"]


def test_the_recording_services_check_what_the_api_checks(salmon):
    assignment = AssignmentFactory(assignment_date=dt.date(2024, 1, 1), placement_count=100)
    with pytest.raises(ValidationError) as error:
        mortality_event_record(event=MortalityEvent(assignment=assignment, event_date=dt.date(2024, 1, 2), count=101))
    assert error.value.message_dict["count"] == ["101 deaths, but the assignment holds 100 fish on 2024-01-02."]
    growth_sample_record(
        sample=GrowthSample(assignment=assignment, sample_date=dt.date(2024, 1, 3), sample_size=5, avg_weight_g=1)
    )
    with pytest.raises(ValidationError) as error:
        growth_sample_record(
            sample=GrowthSample(assignment=assignment, sample_date=dt.date(2024, 1, 3), sample_size=5, avg_weight_g=2)
        )
    assert list(error.value.message_dict) == ["sample_date"]
    feeding_event_record(
        event=FeedingEvent(assignment=assignment, feeding_date=dt.date(2024, 1, 3), amount_kg=Decimal("99999.999"))
    )
    with pytest.raises(ValidationError) as error:
        feeding_event_record(
            event=FeedingEvent(assignment=assignment, feeding_date=dt.date(2024, 1, 3), amount_kg=Decimal("0.002"))
        )
    assert list(error.value.message_dict) == ["amount_kg"]
    assert (MortalityEvent.objects.count(), GrowthSample.objects.count(), FeedingEvent.objects.count()) == (0, 1, 1)
    assert BatchContainerAssignment.objects.count() == 1
