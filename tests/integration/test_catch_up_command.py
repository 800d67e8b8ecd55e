"""``manage.py recompute_recent_daily_states``: its flags, skips, per-batch errors, and both modes
(``--sync`` computes in this process; without it, with a broker, the workers compute what it marks)."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.batch.models import ActualDailyAssignmentState, Batch, GrowthSample, RecomputeMarker, RecomputeRun
from apps.recompute.signals import recompute_signals_muted
from tests.factories import (
    AssignmentFactory,
    BatchFactory,
    ContainerFactory,
    ScenarioFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
)
from tests.integration.support import INTEGRATION, assert_equals_full_recompute, queued_messages

pytestmark = INTEGRATION
DAYS = 100  # each farm's assignment started 99 days ago and is still open: 100 rows up to today


def today() -> dt.date:
    return timezone.localdate()


def farm(*, status=Batch.Status.ACTIVE, scenario=True, assignment=True, broken=False) -> Batch:
    """A batch recorded by a bulk load (no signals, so nothing is marked or computed yet)."""
    start = today() - dt.timedelta(days=DAYS - 1)
    with recompute_signals_muted():
        batch = BatchFactory(start_date=start, status=status)
        if scenario:
            profile = TemperatureProfileFactory(days={} if broken else {1: 9.0, 365: 11.0})
            ScenarioFactory(batch=batch, tgc_model=TGCModelFactory(profile=profile))
        if assignment:
            AssignmentFactory(batch=batch, assignment_date=start)
    return batch


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("recompute_recent_daily_states", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rows_of(batch: Batch) -> int:
    return ActualDailyAssignmentState.objects.filter(batch=batch).count()


def test_a_full_backfill_computes_every_status_skips_the_uncomputable_and_isolates_a_broken_one(salmon):
    good = farm()
    no_scenario, no_assignments, broken = farm(scenario=False), farm(assignment=False), farm(broken=True)
    completed = farm(status=Batch.Status.COMPLETED)

    out, err = run("--all", "--sync")

    assert f"skipped {no_scenario.batch_number}: no scenario" in out
    assert f"skipped {no_assignments.batch_number}: no assignments in the window" in out
    assert f"error in {broken.batch_number}" in err and "(invalid_scenario)" in err
    assert "recomputed 3 batches, 2 assignments, 200 rows, 1 errors, 2 skipped in" in out
    broken.refresh_from_db()
    assert broken.last_recompute_error_code == "invalid_scenario" and rows_of(broken) == 0
    assert rows_of(completed) == DAYS  # --all without --status: every status (issue 8, case 11)
    assert list(RecomputeRun.objects.filter(batch=good).values_list("trigger", "rows_written")) == [("catch_up", 100)]
    assert not RecomputeMarker.objects.exists()
    assert_equals_full_recompute(good.pk)


def test_days_restarts_each_assignment_at_its_last_anchor_before_the_window(salmon):
    good = farm()
    assignment = good.assignments.get()
    with recompute_signals_muted():
        GrowthSample.objects.create(assignment=assignment, sample_date=today() - dt.timedelta(days=50), sample_size=30,
                                    avg_weight_g=Decimal("180.00"))  # fmt: skip
        AssignmentFactory(  # left 30 days ago: outside a 14-day window
            batch=good, container=ContainerFactory(), assignment_date=good.start_date,
            departure_date=today() - dt.timedelta(days=30),
        )  # fmt: skip
    assert "recomputed 1 batches, 2 assignments, 169 rows, 0 errors" in run("--all", "--sync")[0]  # 100 + 69

    out, _ = run("--days", "14", "--sync")

    assert "recomputed 1 batches, 1 assignments, 51 rows, 0 errors" in out  # the anchor day 50 days ago .. today
    assert_equals_full_recompute(good.pk)


def test_batch_id_and_status_choose_the_batches(salmon):
    first, second = farm(), farm()
    completed = farm(status=Batch.Status.COMPLETED)

    assert "recomputed 1 batches" in run("--batch-id", str(second.pk), "--sync")[0]
    assert (rows_of(first), rows_of(second), rows_of(completed)) == (0, DAYS, 0)

    assert "recomputed 1 batches" in run("--status", "COMPLETED", "--sync")[0]
    assert (rows_of(first), rows_of(second), rows_of(completed)) == (0, DAYS, DAYS)

    terminated = farm(status=Batch.Status.TERMINATED)
    assert "recomputed 3 batches" in run("--status", "ACTIVE", "TERMINATED", "--sync")[0]
    assert (rows_of(first), rows_of(terminated)) == (DAYS, DAYS)


def test_an_unknown_batch_id_is_an_error(salmon):
    with pytest.raises(CommandError, match="no batch with id 424242"):
        run("--batch-id", "424242", "--sync")


def test_dry_run_prints_the_plan_and_writes_nothing(salmon, worker):
    good, no_scenario = farm(), farm(scenario=False)

    out, _ = run("--dry-run", "--days", "14")

    since = today() - dt.timedelta(days=14)
    assert f"would recompute {good.batch_number}: 1 assignments, from {since}" in out
    assert f"skipped {no_scenario.batch_number}: no scenario" in out
    assert "dry run: 1 batches, 1 skipped, nothing written" in out
    assert not ActualDailyAssignmentState.objects.exists() and not RecomputeRun.objects.exists()
    assert not RecomputeMarker.objects.exists() and queued_messages() == 0


def test_without_sync_it_marks_the_work_and_the_workers_compute_it(salmon, drain):
    first, second, no_scenario = farm(), farm(), farm(scenario=False)

    out, _ = run("--all")

    assert "enqueued 2 batches, 2 assignments, 0 errors, 1 skipped in" in out
    drain()
    assert not RecomputeRun.objects.filter(trigger="catch_up").exists()  # nothing was computed in this process
    assert set(RecomputeRun.objects.values_list("batch_id", "trigger")) == {
        (first.pk, "assignment_window"),
        (second.pk, "assignment_window"),
    }
    assert rows_of(no_scenario) == 0
    assert_equals_full_recompute(first.pk)
    assert_equals_full_recompute(second.pk)
