"""markers_drain: recompute what is pending, clear only what the run covered, store domain failures."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.batch.models import ActualDailyAssignmentState, FailedRecompute, RecomputeMarker
from apps.recompute import drain
from apps.recompute.drain import failed_recompute_replay, markers_drain
from apps.recompute.markers import recompute_mark
from apps.recompute.run import batch_recompute
from tests.batch.scenarios import START, farm_with_transfer, state_rows
from tests.factories import AssignmentFactory, BatchFactory, GrowthSampleFactory, ScenarioFactory

pytestmark = pytest.mark.django_db


def test_a_drain_computes_the_marked_days_and_clears_the_markers(salmon):
    scenario, source, dest, _ = farm_with_transfer()
    assert RecomputeMarker.objects.count() == 2  # the set-up itself was marked by the signals
    result = markers_drain(batch_id=scenario.batch_id)
    assert (result.markers, result.cleared) == (2, 2)
    assert ActualDailyAssignmentState.objects.filter(batch_id=scenario.batch_id).exists()
    drained = state_rows(scenario.batch_id)
    batch_recompute(batch_id=scenario.batch_id)
    assert state_rows(scenario.batch_id) == drained


def test_an_event_during_the_run_keeps_its_marker_for_a_follow_up(salmon, monkeypatch):
    scenario, source, _, _ = farm_with_transfer()
    real = drain.batch_recompute

    def recompute_while_an_event_lands(**kwargs):
        summary = real(**kwargs)
        GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=3))  # bumps the generation
        return summary

    monkeypatch.setattr(drain, "batch_recompute", recompute_while_an_event_lands)
    result = markers_drain(batch_id=scenario.batch_id)
    assert result.cleared == 1  # the destination's marker; the source's changed during the run
    assert list(RecomputeMarker.objects.values_list("assignment_id", flat=True)) == [source.pk]


def test_a_batch_without_scenario_is_recorded_as_failed_and_not_retried_then_replayed(salmon):
    batch = BatchFactory()
    assignment = AssignmentFactory(batch=batch)
    recompute_mark(assignment_id=assignment.pk, from_date=START + dt.timedelta(days=4))
    markers_drain(batch_id=batch.pk)
    failed = FailedRecompute.objects.get()
    assert (failed.error_code, failed.start_date) == ("no_scenario", START)  # the assignment's own mark was earlier
    assert not RecomputeMarker.objects.exists()
    ScenarioFactory(batch=batch)  # the fix marks the batch again ...
    RecomputeMarker.objects.all().delete()
    assert failed_recompute_replay(failed=failed) == 1  # ... and so does a replay
    markers_drain(batch_id=batch.pk)
    assert ActualDailyAssignmentState.objects.filter(assignment=assignment).exists()


def test_a_successful_drain_resolves_the_work_a_task_gave_up_on_for_a_transient_cause(salmon):
    scenario, _, _, _ = farm_with_transfer()
    other, _, _, _ = farm_with_transfer()
    now = timezone.now() - dt.timedelta(seconds=1)
    gave_up = FailedRecompute.objects.create(
        batch_id=scenario.batch_id,
        start_date=START,
        error_code=FailedRecompute.TRANSIENT,
        error="lock busy",
        failed_at=now,
    )
    domain = FailedRecompute.objects.create(
        batch_id=scenario.batch_id, start_date=START, error_code="no_scenario", error="…", failed_at=now
    )
    elsewhere = FailedRecompute.objects.create(
        batch_id=other.batch_id,
        start_date=START,
        error_code=FailedRecompute.TRANSIENT,
        error="lock busy",
        failed_at=now,
    )
    markers_drain(batch_id=scenario.batch_id)  # the markers the task left behind are drained now
    gave_up.refresh_from_db(), domain.refresh_from_db(), elsewhere.refresh_from_db()
    assert gave_up.resolved_at is not None
    assert domain.resolved_at is None and elsewhere.resolved_at is None
