"""Each bad row is refused by the database itself, with the constraint named, and nothing is saved."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.batch.models import ActualDailyAssignmentState, GrowthSample, MortalityEvent, TransferAction
from apps.batch.services.validation import assignment_validate, growth_sample_validate, transfer_validate
from tests.factories import (
    AssignmentFactory,
    BatchFactory,
    ContainerFactory,
    GrowthSampleFactory,
    TransferFactory,
    stage,
)

pytestmark = pytest.mark.django_db


def refused(make, constraint: str):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        make()


def test_a_sample_weight_of_zero_or_above_fifty_kilograms_is_refused(salmon):
    assignment = AssignmentFactory()
    refused(lambda: GrowthSampleFactory(assignment=assignment, avg_weight_g=Decimal("0")), "sample_weight_in_range")
    refused(
        lambda: GrowthSampleFactory(assignment=assignment, avg_weight_g=Decimal("50000.01")), "sample_weight_in_range"
    )
    assert GrowthSample.objects.count() == 0


def test_a_sample_of_no_fish_is_refused(salmon):
    refused(lambda: GrowthSampleFactory(sample_size=0), "sample_size_positive")
    assert GrowthSample.objects.count() == 0


def test_a_mortality_count_of_zero_is_refused(salmon):
    assignment = AssignmentFactory()
    refused(
        lambda: MortalityEvent.objects.create(assignment=assignment, event_date=dt.date(2024, 1, 2), count=0),
        "mortality_count_positive",
    )
    assert MortalityEvent.objects.count() == 0


def test_a_departure_on_or_before_the_assignment_date_is_refused(salmon):
    refused(
        lambda: AssignmentFactory(assignment_date=dt.date(2024, 3, 1), departure_date=dt.date(2024, 3, 1)),
        "assignment_departure_after_start",
    )


def test_a_second_daily_state_for_the_same_assignment_and_day_is_refused(salmon):
    assignment = AssignmentFactory()
    row = dict(
        assignment=assignment,
        batch=assignment.batch,
        container=assignment.container,
        date=dt.date(2024, 1, 1),
        day_number=1,
        lifecycle_stage=assignment.lifecycle_stage,
        avg_weight_g=Decimal("100"),
        population=10,
        biomass_kg=Decimal("1"),
        temp_c=Decimal("10"),
        mortality_count=0,
        feed_kg=Decimal("0"),
        last_computed_at="2024-01-02T00:00:00Z",
    )
    ActualDailyAssignmentState.objects.create(**row)
    # PostgreSQL names the constraint; SQLite names its columns
    refused(
        lambda: ActualDailyAssignmentState.objects.create(**row),
        r"state_unique_assignment_date|UNIQUE constraint failed: \w+\.assignment_id, \w+\.date",
    )
    assert ActualDailyAssignmentState.objects.count() == 1


def test_a_transfer_between_two_batches_is_refused_by_the_database(salmon):
    source = AssignmentFactory()
    other_batch_dest = AssignmentFactory(batch=BatchFactory(), placement_count=None)
    refused(
        lambda: TransferAction.objects.create(
            source_assignment=source,
            dest_assignment=other_batch_dest,
            transferred_count=10,
            status=TransferAction.Status.COMPLETED,
            actual_execution_date=dt.date(2024, 2, 1),
        ),
        "transfer_same_batch",
    )
    assert TransferAction.objects.count() == 0


def test_a_transfer_between_two_batches_gets_a_clear_message_on_the_destination(salmon):
    transfer = TransferAction(
        source_assignment=AssignmentFactory(),
        dest_assignment=AssignmentFactory(batch=BatchFactory()),
        transferred_count=5,
    )
    with pytest.raises(ValidationError) as error:
        transfer_validate(transfer)
    assert "another batch" in error.value.message_dict["dest_assignment"][0]


def test_a_completed_transfer_needs_its_execution_date(salmon):
    refused(lambda: TransferFactory(actual_execution_date=None), "transfer_completed_has_date")


def test_a_container_holds_one_batch_at_a_time(salmon):
    container = ContainerFactory()
    AssignmentFactory(container=container, assignment_date=dt.date(2024, 1, 1), departure_date=dt.date(2024, 3, 1))
    overlapping = AssignmentFactory.build(
        batch=BatchFactory(), container=container, assignment_date=dt.date(2024, 2, 1), lifecycle_stage=stage("Parr")
    )
    with pytest.raises(ValidationError) as error:
        assignment_validate(overlapping)
    assert "one batch at a time" in error.value.message_dict["container"][0]
    after = AssignmentFactory.build(
        batch=BatchFactory(), container=container, assignment_date=dt.date(2024, 3, 1), lifecycle_stage=stage("Parr")
    )
    assignment_validate(after)  # the day the other batch left is free


def test_a_sample_outside_its_assignment_or_in_the_future_is_refused(salmon):
    assignment = AssignmentFactory(assignment_date=dt.date(2024, 1, 1), departure_date=dt.date(2024, 2, 1))
    for day, reason in [
        (dt.date(2023, 12, 31), "outside"),
        (dt.date(2024, 2, 1), "outside"),
        (dt.date(2999, 1, 1), "future"),
    ]:
        with pytest.raises(ValidationError) as error:
            growth_sample_validate(GrowthSample(assignment=assignment, sample_date=day, sample_size=5, avg_weight_g=1))
        assert reason in error.value.message_dict["sample_date"][0]
