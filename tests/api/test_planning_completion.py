"""Completing a planned activity records the real event through the recording services, in one transaction
with the status change; the recompute then follows from that event as from any other."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.batch.models import (
    ActualDailyAssignmentState,
    BatchContainerAssignment,
    GrowthSample,
    RecomputeMarker,
    TransferAction,
)
from apps.health.models import Treatment
from apps.planning.models import PlannedActivity
from tests.api.conftest import errors_by_field
from tests.batch.scenarios import drain_all_batches, state_rows
from tests.factories import ContainerFactory, GrowthSampleFactory, stage
from tests.integration.support import full_recompute_rows
from tests.planning.farms import open_tank

URL = "/api/v1/planning/activities/"
pytestmark = pytest.mark.django_db


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


@pytest.fixture
def tank(salmon):
    return open_tank(days_ago=60)[1]


def planned(tank, activity_type: str, *, due: dt.date | None = None, **extra) -> PlannedActivity:
    return PlannedActivity.objects.create(
        activity_type=activity_type, batch=tank.batch, assignment=tank, due_date=due or ago(20), **extra
    )


def complete(client, activity, **body):
    return client.post(f"{URL}{activity.pk}/complete/", body, format="json")


def test_completing_a_sampling_records_the_growth_sample_and_the_variance(operator, tank):
    activity = planned(tank, "SAMPLING", due=ago(23))
    response = complete(
        operator, activity, completed_date=str(ago(20)), sample_size=50, avg_weight_g=180.5, std_dev_weight_g=12
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    sample = GrowthSample.objects.get()
    assert (sample.assignment_id, sample.sample_date, sample.sample_size, sample.avg_weight_g) == (
        tank.pk,
        ago(20),
        50,
        Decimal("180.50"),
    )
    assert (
        body["status"] == "COMPLETED" and body["completed_date"] == str(ago(20)) and body["growth_sample"] == sample.pk
    )
    assert body["variance_days"] == 3 and body["is_overdue"] is False  # done three days late
    assert RecomputeMarker.objects.filter(assignment_id=tank.pk).exists()  # the sample's own signal marked the work


def test_completing_a_treatment_records_it_with_its_weighing(operator, tank):
    activity = planned(tank, "TREATMENT")
    response = complete(
        operator,
        activity,
        completed_date=str(ago(15)),
        treatment_type="DELICING",
        includes_weighing=True,
        weighed_count=30,
        weighed_avg_weight_g="210.25",
    )
    assert response.status_code == 200, response.json()
    treatment = Treatment.objects.get()
    assert (
        treatment.treatment_type,
        treatment.treatment_date,
        treatment.weighed_count,
        treatment.weighed_avg_weight_g,
    ) == ("DELICING", ago(15), 30, Decimal("210.25"))
    assert response.json()["treatment"] == treatment.pk and response.json()["variance_days"] == 5


def test_a_vaccination_is_recorded_as_a_vaccination_treatment(operator, tank):
    response = complete(operator, planned(tank, "VACCINATION"), completed_date=str(ago(20)))
    assert response.status_code == 200, response.json()
    assert Treatment.objects.get().treatment_type == "VACCINATION" and not Treatment.objects.get().includes_weighing


def test_completing_a_harvest_ends_the_assignment_on_that_day(operator, tank):
    response = complete(operator, planned(tank, "HARVEST"), completed_date=str(ago(2)))
    assert response.status_code == 200, response.json()
    tank.refresh_from_db()
    assert tank.departure_date == ago(2)


@pytest.mark.parametrize("activity_type", ["GRADING", "OTHER"])
def test_a_grading_or_other_records_only_its_date(operator, tank, activity_type):
    response = complete(
        operator, planned(tank, activity_type), completed_date=str(ago(19)), notes="done by the night shift"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["completed_date"] == str(ago(19)) and response.json()["notes"] == "done by the night shift"
    assert not (GrowthSample.objects.exists() or Treatment.objects.exists() or TransferAction.objects.exists())


def test_an_activity_planned_on_a_container_records_on_the_batchs_assignment_there(operator, tank):
    activity = PlannedActivity.objects.create(
        activity_type="SAMPLING", batch=tank.batch, container=tank.container, due_date=ago(5)
    )
    response = complete(operator, activity, completed_date=str(ago(5)), sample_size=20, avg_weight_g=150)
    assert response.status_code == 200, response.json()
    assert GrowthSample.objects.get().assignment_id == tank.pk


def test_completing_a_transfer_records_it_into_a_new_assignment_of_the_destination(operator, tank):
    pen = ContainerFactory()
    activity = planned(tank, "TRANSFER", container=pen, due=ago(12))
    response = complete(
        operator,
        activity,
        completed_date=str(ago(10)),
        transferred_count=4_000,
        mortality_during_transfer=5,
        measured_avg_weight_g=250,
        selection_method="LARGEST",
        lifecycle_stage=stage("Post-Smolt").pk,
    )
    assert response.status_code == 200, response.json()
    transfer = TransferAction.objects.get()
    dest = transfer.dest_assignment
    assert (transfer.source_assignment_id, transfer.status, transfer.planned_date, transfer.actual_execution_date) == (
        tank.pk,
        "COMPLETED",
        ago(12),
        ago(10),
    )
    assert (
        transfer.transferred_count,
        transfer.mortality_during_transfer,
        transfer.measured_avg_weight_g,
        transfer.selection_method,
    ) == (4_000, 5, Decimal("250.00"), "LARGEST")
    assert (
        dest.batch_id,
        dest.container_id,
        dest.assignment_date,
        dest.placement_count,
        dest.lifecycle_stage.name,
    ) == (tank.batch_id, pen.pk, ago(10), None, "Post-Smolt")
    assert response.json()["transfer"] == transfer.pk and response.json()["variance_days"] == 2


def test_a_template_transfer_without_a_destination_takes_the_one_given_at_completion(operator, tank):
    pen = ContainerFactory()
    activity = planned(tank, "TRANSFER")  # as a template plans it: no destination yet
    response = complete(operator, activity, completed_date=str(ago(10)), transferred_count=100, container=pen.pk)
    assert response.status_code == 200, response.json()
    assert response.json()["container"] == pen.pk == TransferAction.objects.get().dest_assignment.container_id
    assert operator.patch(f"{URL}{activity.pk}/", {"notes": "went well"}, format="json").status_code == 200


def test_a_completed_transfer_moves_the_states_of_source_and_destination(operator, tank):
    """4,000 alive and 5 dead in handling leave the tank on the transfer day and arrive in the pen; after the
    workers' recompute, the stored states equal a full recompute of the batch."""
    drain_all_batches()
    before = ActualDailyAssignmentState.objects.get(assignment=tank, date=ago(11)).population
    activity = planned(tank, "TRANSFER", container=ContainerFactory())
    response = complete(
        operator,
        activity,
        completed_date=str(ago(10)),
        transferred_count=4_000,
        mortality_during_transfer=5,
        measured_avg_weight_g=250,
    )
    assert response.status_code == 200, response.json()
    drain_all_batches()
    dest = TransferAction.objects.get().dest_assignment
    source_day = ActualDailyAssignmentState.objects.get(assignment=tank, date=ago(10))
    dest_day = ActualDailyAssignmentState.objects.get(assignment=dest, date=ago(10))
    assert source_day.population == before - 4_005 - source_day.mortality_count
    assert dest_day.population == 4_000 - dest_day.mortality_count
    assert not ActualDailyAssignmentState.objects.filter(assignment=dest, date__lt=ago(10)).exists()
    assert source_day.anchor_type == "transfer"  # the measured weight anchors the source on the day
    incremental = state_rows(tank.batch_id)
    assert incremental == full_recompute_rows(tank.batch_id)


def test_a_completed_transfer_gives_the_states_the_same_transfer_recorded_directly_gives(operator, manager, salmon):
    planned_tank, direct_tank = open_tank()[1], open_tank()[1]
    activity = planned(planned_tank, "TRANSFER", container=ContainerFactory())
    body = {"transferred_count": 3_000, "mortality_during_transfer": 2, "measured_avg_weight_g": 240}
    assert complete(operator, activity, completed_date=str(ago(8)), source_departs=True, **body).status_code == 200
    dest = manager.post(
        "/api/v1/batch/assignments/",
        {
            "batch": direct_tank.batch_id,
            "container": ContainerFactory().pk,
            "lifecycle_stage": direct_tank.lifecycle_stage_id,
            "assignment_date": str(ago(8)),
        },
        format="json",
    )
    assert dest.status_code == 201, dest.json()
    transfer = operator.post(
        "/api/v1/batch/transfers/",
        {
            "source_assignment": direct_tank.pk,
            "dest_assignment": dest.json()["id"],
            "status": "COMPLETED",
            "actual_execution_date": str(ago(8)),
            **body,
        },
        format="json",
    )
    assert transfer.status_code == 201, transfer.json()
    assert (
        manager.patch(
            f"/api/v1/batch/assignments/{direct_tank.pk}/", {"departure_date": str(ago(8))}, format="json"
        ).status_code
        == 200
    )
    drain_all_batches()
    ignored = {"id", "assignment", "batch", "container", "last_computed_at"}

    def days(batch_id):
        rows = ActualDailyAssignmentState.objects.filter(batch_id=batch_id).order_by(
            "date", "assignment__assignment_date"
        )
        return [{k: v for k, v in r.items() if k not in ignored and not k.endswith("_id")} for r in rows.values()]

    planned_days, direct_days = days(planned_tank.batch_id), days(direct_tank.batch_id)
    assert planned_days and planned_days == direct_days


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"transferred_count": 20_000}, "transferred_count", "exceeds_population"),
        ({}, "transferred_count", "required"),
        ({"transferred_count": 10, "lifecycle_stage": 10**9}, "lifecycle_stage", "does_not_exist"),
        ({"transferred_count": 10, "sample_size": 5}, "sample_size", "not_applicable"),
        ({"transferred_count": 10, "completed_date": "2099-01-01"}, "completed_date", "future_date"),
    ],
)
def test_a_refused_transfer_leaves_nothing_saved(operator, tank, body, field, code):
    activity = planned(tank, "TRANSFER", container=ContainerFactory())
    response = complete(operator, activity, **{"completed_date": str(ago(10)), **body})
    assert response.status_code == 400
    assert errors_by_field(response) == {field: code}
    assert not TransferAction.objects.exists()
    assert list(BatchContainerAssignment.objects.values_list("pk", flat=True)) == [
        tank.pk
    ]  # no destination left behind
    activity.refresh_from_db()
    assert (activity.status, activity.completed_date, activity.transfer_id) == ("PLANNED", None, None)


def test_an_event_error_names_the_completed_date_for_the_events_date(operator, tank):
    GrowthSampleFactory(assignment=tank, sample_date=ago(20))
    response = complete(
        operator, planned(tank, "SAMPLING"), completed_date=str(ago(20)), sample_size=5, avg_weight_g=150
    )
    assert errors_by_field(response) == {"completed_date": "duplicate"}
    response = complete(
        operator, planned(tank, "SAMPLING"), completed_date=str(ago(61)), sample_size=5, avg_weight_g=150
    )
    assert errors_by_field(response) == {"completed_date": "invalid"}  # before the assignment's first day
    assert GrowthSample.objects.count() == 1 and not PlannedActivity.objects.filter(status="COMPLETED").exists()


def test_a_completed_or_cancelled_activity_cannot_be_completed_again(operator, tank):
    activity = planned(tank, "OTHER")
    assert complete(operator, activity, completed_date=str(ago(3))).status_code == 200
    assert errors_by_field(complete(operator, activity, completed_date=str(ago(2)))) == {"status": "final"}
    cancelled = planned(tank, "VACCINATION", status="CANCELLED")
    assert errors_by_field(complete(operator, cancelled, completed_date=str(ago(2)))) == {"status": "final"}
    assert not Treatment.objects.exists()


def test_only_operators_complete(viewer, tank):
    assert complete(viewer, planned(tank, "OTHER"), completed_date=str(ago(3))).status_code == 403
