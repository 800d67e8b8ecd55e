"""The batch actions: recompute-daily-states, pin-scenario, recompute-status, combined-growth-data."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.batch.models import Batch, FailedRecompute, RecomputeMarker, RecomputeRun
from apps.recompute.run import batch_recompute
from tests.api.conftest import day, errors_by_field
from tests.factories import BatchFactory, ScenarioFactory

pytestmark = pytest.mark.django_db


def url(batch, action: str) -> str:
    return f"/api/v1/batch/batches/{batch.pk}/{action}/"


def markers() -> dict:
    return dict(RecomputeMarker.objects.values_list("assignment_id", "dirty_from"))


def test_recompute_schedules_every_assignment_with_days_from_the_start_date(manager, farm):
    response = manager.post(url(farm.batch, "recompute-daily-states"), {"start_date": "2024-01-10"})
    assert response.status_code == 202
    # the destination starts on day 30, so it is marked from its own first day
    assert response.json() == {
        "batch_id": farm.batch.pk,
        "start_date": "2024-01-10",
        "end_date": None,
        "scheduled": [
            {"assignment_id": farm.source.pk, "from_date": "2024-01-10"},
            {"assignment_id": farm.dest.pk, "from_date": "2024-01-30"},
        ],
    }
    assert markers() == {farm.source.pk: day(10), farm.dest.pk: day(30)}


def test_recompute_skips_assignments_that_ended_before_the_start_date(manager, farm):
    response = manager.post(url(farm.batch, "recompute-daily-states"), {"start_date": "2024-02-10"})
    assert [s["assignment_id"] for s in response.json()["scheduled"]] == [farm.dest.pk]
    assert markers() == {farm.dest.pk: day(41)}


def test_recompute_with_an_end_date_leaves_out_assignments_that_start_later(manager, farm):
    response = manager.post(
        url(farm.batch, "recompute-daily-states"), {"start_date": "2024-01-05", "end_date": "2024-01-20"}
    )
    assert response.status_code == 202 and markers() == {farm.source.pk: day(5)}


def test_recompute_of_chosen_assignments(manager, farm):
    response = manager.post(
        url(farm.batch, "recompute-daily-states"), {"start_date": "2024-01-02", "assignment_ids": [farm.dest.pk]}
    )
    assert response.json()["scheduled"] == [{"assignment_id": farm.dest.pk, "from_date": "2024-01-30"}]
    assert markers() == {farm.dest.pk: day(30)}


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({}, "start_date", "required"),
        ({"start_date": "soon"}, "start_date", "invalid"),
        ({"start_date": "2999-01-01"}, "start_date", "future_date"),
        ({"start_date": "2024-01-10", "end_date": "2024-01-09"}, "end_date", "end_before_start"),
        ({"start_date": "2024-01-10", "assignment_ids": [999_999]}, "assignment_ids", "does_not_exist"),
        ({"start_date": "2024-01-10", "assignment_ids": []}, "assignment_ids", "empty"),
        ({"start_date": "2024-01-10", "assignment_ids": [2**70]}, "assignment_ids.0", "max_value"),
        ({"start_date": "2024-01-10", "assignment_ids": "all"}, "assignment_ids", "not_a_list"),
    ],
)
def test_a_bad_recompute_request_is_400_and_marks_nothing(manager, farm, body, field, code):
    response = manager.post(url(farm.batch, "recompute-daily-states"), body)
    assert response.status_code == 400 and errors_by_field(response) == {field: code}
    assert not RecomputeMarker.objects.exists()


def test_recompute_refuses_a_chosen_assignment_without_days_from_the_start_date(manager, farm):
    response = manager.post(
        url(farm.batch, "recompute-daily-states"), {"start_date": "2024-02-01", "assignment_ids": [farm.source.pk]}
    )
    assert errors_by_field(response) == {"assignment_ids": "no_days"}  # the source left on day 30
    assert not RecomputeMarker.objects.exists()


def test_recompute_refuses_another_batchs_assignment(manager, farm):
    other = BatchFactory(batch_number="OTHER")
    response = manager.post(
        url(other, "recompute-daily-states"), {"start_date": "2024-01-10", "assignment_ids": [farm.source.pk]}
    )
    assert errors_by_field(response) == {"assignment_ids": "does_not_exist"}


def test_pinning_a_scenario_marks_every_assignment_for_a_full_recompute(manager, farm):
    newer = ScenarioFactory(batch=farm.batch, name="Plan B")
    RecomputeMarker.objects.all().delete()  # creating it marked the batch already
    response = manager.post(url(farm.batch, "pin-scenario"), {"scenario_id": newer.pk})
    assert response.status_code == 200
    assert response.json() == {"batch_id": farm.batch.pk, "pinned_scenario_id": newer.pk, "marked_assignments": 2}
    assert Batch.objects.get(pk=farm.batch.pk).pinned_scenario_id == newer.pk
    assert markers() == {farm.source.pk: day(1), farm.dest.pk: day(30)}


def test_pinning_another_batchs_scenario_is_400_and_changes_nothing(manager, farm):
    foreign = ScenarioFactory(batch=BatchFactory(batch_number="OTHER"))
    RecomputeMarker.objects.all().delete()
    response = manager.post(url(farm.batch, "pin-scenario"), {"scenario_id": foreign.pk})
    assert response.status_code == 400 and errors_by_field(response) == {"scenario_id": "other_batch"}
    assert Batch.objects.get(pk=farm.batch.pk).pinned_scenario_id is None and not RecomputeMarker.objects.exists()


def test_pinning_an_unknown_scenario_is_400_naming_it(manager, farm):
    response = manager.post(url(farm.batch, "pin-scenario"), {"scenario_id": 999_999})
    assert errors_by_field(response) == {"scenario_id": "does_not_exist"}


def test_unpinning_with_null_goes_back_to_the_newest_scenario(manager, farm):
    Batch.objects.filter(pk=farm.batch.pk).update(pinned_scenario=farm.scenario)
    response = manager.post(url(farm.batch, "pin-scenario"), {"scenario_id": None})
    assert response.json()["pinned_scenario_id"] is None and len(markers()) == 2


def test_recompute_status_shows_pending_work_runs_and_open_failures(viewer, farm):
    batch_recompute(batch_id=farm.batch.pk, today=dt.date(2024, 3, 1))
    FailedRecompute.objects.create(
        batch=farm.batch, start_date=day(3), error_code="no_scenario", error="gone", failed_at=timezone.now()
    )
    RecomputeMarker.objects.create(
        assignment=farm.source,
        batch=farm.batch,
        dirty_from=day(3),
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    body = viewer.get(url(farm.batch, "recompute-status")).json()
    assert body["pending_markers"] == 1 and body["oldest_pending_at"] is not None
    assert body["last_success_at"] is not None and body["last_error"] is None
    [run] = body["last_runs"]
    assert run["ok"] is True and run["rows_written"] == RecomputeRun.objects.get().rows_written == 60
    assert [(f["error_code"], f["start_date"]) for f in body["open_failures"]] == [("no_scenario", "2024-01-03")]


def test_combined_growth_data_keeps_its_shape_and_query_checks(viewer, farm):
    batch_recompute(batch_id=farm.batch.pk, today=dt.date(2024, 3, 1))
    body = viewer.get(
        url(farm.batch, "combined-growth-data"), {"start_date": "2024-01-01", "end_date": "2024-01-31"}
    ).json()
    assert {
        "batch",
        "scenario",
        "growth_samples",
        "actual_daily_states",
        "batch_totals",
        "assignments",
        "date_range",
    } <= set(body)
    assert len(body["batch_totals"]) == 31 and body["scenario"]["id"] == farm.scenario.pk
    bad = viewer.get(url(farm.batch, "combined-growth-data"), {"granularity": "monthly", "start_date": "nope"})
    assert bad.status_code == 400 and errors_by_field(bad) == {"granularity": "invalid_choice", "start_date": "invalid"}
