"""Poison work is contained: an unexpected error in a drain is rolled back, recorded, counted on the markers and
parked after RECOMPUTE_MAX_ATTEMPTS; the sweeper leaves parked work, other batches keep draining, and a fix
(a new mark) or a replay gives it another try. Runs the real task eagerly (its retries run in this process)."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.batch.models import ActualDailyAssignmentState, FailedRecompute, RecomputeMarker, TransferAction
from apps.recompute.drain import failed_recompute_replay
from apps.recompute.markers import batch_marks, pending_markers_summary, recompute_mark_many
from apps.recompute.tasks import recompute_drain, recompute_sweeper
from tests.batch.scenarios import START, farm_with_transfer
from tests.factories import GrowthSampleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def poisoned(salmon, settings):
    """A batch whose transfer's selection method was set to nonsense behind the signals' back."""
    settings.RECOMPUTE_MAX_ATTEMPTS = 3
    scenario, source, dest, transfer = farm_with_transfer(measured=Decimal("150"))
    TransferAction.objects.filter(pk=transfer.pk).update(selection_method="BOGUS")
    return scenario, source, dest, transfer


def drain_task(batch_id: int):
    """Mark the whole batch (no publish) and run the drain task on it, its retries in this process."""
    marks = batch_marks(batch_id=batch_id)
    recompute_mark_many(marks=marks, publish=False)
    return recompute_drain.apply(args=[marks[0][0]], kwargs={"batch_id": batch_id}).get()


def test_a_poison_batch_is_parked_after_its_attempts_with_the_error_recorded(poisoned):
    scenario, source, dest, _ = poisoned
    assert drain_task(scenario.batch_id) == {"batch_id": scenario.batch_id, "status": "parked", "error": "ValueError"}
    markers = list(RecomputeMarker.objects.filter(batch_id=scenario.batch_id).values_list("attempts", "parked_at"))
    assert [attempts for attempts, _ in markers] == [3, 3] and all(parked for _, parked in markers)
    failures = FailedRecompute.objects.filter(batch_id=scenario.batch_id)
    assert failures.count() == 3
    assert {f.error_code for f in failures} == {"unexpected_error"}
    assert failures.first().error == "ValueError: unknown selection method 'BOGUS'"
    assert not ActualDailyAssignmentState.objects.exists()  # rolled back: nothing half-written
    assert pending_markers_summary() | {"oldest_marker_age_seconds": None} == {
        "pending_markers": 0,
        "oldest_marker_age_seconds": None,
        "parked_batches": [scenario.batch_id],
    }


def test_the_sweeper_leaves_parked_work_and_other_batches_keep_draining(poisoned, settings, monkeypatch):
    scenario, _, _, _ = poisoned
    drain_task(scenario.batch_id)
    healthy, healthy_source, _, _ = farm_with_transfer()
    published = []  # what the sweeper hands the broker (the broker itself is not the point here)
    monkeypatch.setattr(recompute_drain, "apply_async", lambda args, kwargs: published.append(kwargs))
    settings.SWEEPER_MIN_AGE_SECONDS = 0
    assert recompute_sweeper() == {"batches": 1, "published": 1}
    assert published == [{"batch_id": healthy.batch_id}]
    drain_task(healthy.batch_id)
    assert ActualDailyAssignmentState.objects.filter(batch_id=healthy.batch_id).count() == 60
    assert not RecomputeMarker.objects.filter(batch_id=healthy.batch_id).exists()
    assert RecomputeMarker.objects.filter(batch_id=scenario.batch_id, parked_at__isnull=False).count() == 2


def test_a_fix_un_parks_the_work_and_heals_the_batch(poisoned):
    scenario, source, _, transfer = poisoned
    drain_task(scenario.batch_id)
    fixed = TransferAction.objects.get(pk=transfer.pk)
    fixed.selection_method = TransferAction.SelectionMethod.LARGEST
    fixed.save()  # its signal marks the work again, which un-parks it
    assert not RecomputeMarker.objects.filter(parked_at__isnull=False).exists()
    assert drain_task(scenario.batch_id)["cleared"] == 2
    assert ActualDailyAssignmentState.objects.filter(batch_id=scenario.batch_id).count() == 60


def test_a_new_event_on_still_poisoned_work_costs_one_attempt_then_parks_again(poisoned):
    scenario, source, _, _ = poisoned
    drain_task(scenario.batch_id)
    GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=5))
    assert drain_task(scenario.batch_id)["status"] == "parked"
    assert FailedRecompute.objects.filter(batch_id=scenario.batch_id).count() == 4


def test_a_replay_gives_parked_work_fresh_attempts(poisoned):
    scenario, _, _, _ = poisoned
    drain_task(scenario.batch_id)
    failed_recompute_replay(failed=FailedRecompute.objects.filter(batch_id=scenario.batch_id).first())
    assert set(RecomputeMarker.objects.values_list("attempts", "parked_at")) == {(0, None)}
