"""No event is lost when the broker is down at save time or a worker dies in the middle of a recompute.

How killed work comes back (docs/architecture.md): the drain runs in one database transaction, so a killed
run leaves no row and keeps its markers.
- Only the pool child killed: the worker's main process sees the lost child and, with ``acks_late`` and
  ``reject_on_worker_lost``, requeues the message at once; a new child redoes it.
- The whole worker killed: its message stays unacknowledged in Redis and would come back only after the
  broker's ``visibility_timeout`` (an hour by default). The sweeper (every minute under Beat) re-publishes
  the waiting markers long before; the test runs the sweeper itself with a minimum marker age of 0.
"""
import datetime as dt
import os
import signal
import time
from decimal import Decimal

import pytest
from django.db import connection

from apps.batch.models import ActualDailyAssignmentState, Batch, GrowthSample, RecomputeMarker, RecomputeRun
from apps.recompute import publish
from apps.recompute.markers import batch_mark
from apps.recompute.signals import recompute_signals_muted
from apps.recompute.tasks import recompute_sweeper
from tests.batch.scenarios import START, farm_with_transfer
from tests.factories import AssignmentFactory, ScenarioFactory
from tests.integration.support import (
    INTEGRATION,
    assert_equals_full_recompute,
    forget_unacked_messages,
    pending_work,
    redis_stopped,
)

pytestmark = INTEGRATION


def test_an_event_saved_while_redis_is_down_waits_in_its_marker_until_the_sweeper(salmon, drain, settings):
    scenario, source, dest, _ = farm_with_transfer()
    drain()
    failures = publish.publish_failures
    day_20 = START + dt.timedelta(days=19)

    with redis_stopped():
        GrowthSample.objects.create(assignment=source, sample_date=day_20, sample_size=30, avg_weight_g=Decimal("150"))
        assert publish.publish_failures == failures + 1  # the publish failed, the save did not
    assert RecomputeMarker.objects.filter(assignment=source, dirty_from=day_20).exists()
    time.sleep(0.5)
    assert pending_work() == (1, 0)  # Redis came back empty: nothing was queued, the marker waits

    settings.SWEEPER_MIN_AGE_SECONDS = 0
    assert recompute_sweeper() == {"batches": 1, "published": 1}
    drain()
    assert ActualDailyAssignmentState.objects.get(assignment=source, date=day_20).avg_weight_g == Decimal("150.00")
    assert_equals_full_recompute(scenario.batch_id)


def big_batch(*, assignments: int = 30, days: int = 900) -> Batch:
    """A batch whose full recompute takes about a second here (27,000 rows), with no markers yet."""
    with recompute_signals_muted():
        scenario = ScenarioFactory(batch__start_date=START)
        departure = START + dt.timedelta(days=days)
        for _ in range(assignments):
            AssignmentFactory(batch=scenario.batch, assignment_date=START, departure_date=departure)
    return scenario.batch


def recompute_in_progress(batch_id: int) -> bool:
    """Another session (a worker) holds the batch row lock that every drain takes first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND c.relname = %s AND l.mode = 'RowShareLock' AND l.granted AND l.pid <> pg_backend_pid()",
            [Batch._meta.db_table],
        )
        return cursor.fetchone()[0] > 0


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def start_a_long_recompute(batch: Batch) -> None:
    batch_mark(batch_id=batch.pk)  # publishes the drain after its commit
    wait_for(lambda: recompute_in_progress(batch.pk), 30, "the worker to start the recompute")
    time.sleep(0.3)
    assert recompute_in_progress(batch.pk), "the recompute finished too soon to be interrupted"


def assert_killed_run_left_nothing(batch: Batch, assignments: int) -> None:
    wait_for(lambda: not recompute_in_progress(batch.pk), 10, "PostgreSQL to end the killed session")
    assert not RecomputeRun.objects.filter(batch=batch).exists()  # rolled back with the killed transaction
    assert not ActualDailyAssignmentState.objects.filter(batch=batch).exists()
    assert RecomputeMarker.objects.filter(batch=batch).count() == assignments  # the work is still recorded


def test_a_pool_child_killed_mid_recompute_is_redone_from_the_requeued_message(salmon, drain, worker):
    batch = big_batch()
    start_a_long_recompute(batch)
    (child,) = worker.pool_children()
    os.kill(child, signal.SIGKILL)
    assert_killed_run_left_nothing(batch, assignments=30)

    drain()  # no sweeper: reject_on_worker_lost put the message back and a new child ran it
    assert "WorkerLostError" in worker.log()
    assert list(RecomputeRun.objects.filter(batch=batch).values_list("trigger", "ok", "rows_written")) == [
        ("batch_window", True, 30 * 900)
    ]
    assert_equals_full_recompute(batch.pk)


def test_a_worker_killed_outright_mid_recompute_is_redone_through_the_sweeper(salmon, workers, worker, settings):
    batch = big_batch()
    start_a_long_recompute(batch)
    worker.kill()  # SIGKILL to the main process and its pool child at once
    assert_killed_run_left_nothing(batch, assignments=30)
    assert forget_unacked_messages() == 1  # stranded until visibility_timeout; see the module docstring

    workers.start()
    settings.SWEEPER_MIN_AGE_SECONDS = 0
    assert recompute_sweeper() == {"batches": 1, "published": 1}
    workers.drain()
    assert RecomputeRun.objects.filter(batch=batch).count() == 1
    assert_equals_full_recompute(batch.pk)
