"""No event is lost when the broker is down at save time or a worker dies in the middle of a recompute.

How killed work comes back (docs/architecture.md): the drain runs in one database transaction, so a killed
run leaves no row and keeps its markers. The kill always lands mid-run, whatever the machine's load: the test
holds an advisory lock that the worker's recompute waits on once its rows are written (a test-only hook,
``RECOMPUTE_TEST_HOLD_KEY``), and kills the worker while it waits.
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
    held_recomputes,
    pending_work,
    recomputes_held,
    redis_stopped,
    session_ended,
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


ASSIGNMENTS, DAYS = 4, 200


def big_batch() -> Batch:
    """A batch of ASSIGNMENTS assignments of DAYS days each, with no markers yet (its recompute's length does not
    matter: the test holds it at a known point)."""
    with recompute_signals_muted():
        scenario = ScenarioFactory(batch__start_date=START)
        departure = START + dt.timedelta(days=DAYS)
        for _ in range(ASSIGNMENTS):
            AssignmentFactory(batch=scenario.batch, assignment_date=START, departure_date=departure)
    return scenario.batch


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def start_a_held_recompute(batch: Batch) -> int:
    """Publish the batch's drain and wait until the worker's recompute stops at the hold, its rows written and
    not committed (the test holds the lock: ``recomputes_held``). Returns that recompute's database session."""
    batch_mark(batch_id=batch.pk)  # publishes the drain after its commit
    wait_for(held_recomputes, 60, "the worker's recompute to reach the hold")
    (session,) = held_recomputes()
    return session


def assert_killed_run_left_nothing(batch: Batch, *, session: int) -> None:
    """The killed run's session ended, rolled back: no row, no run record, every marker still there (a redo, if
    one started, waits at the hold uncommitted)."""
    wait_for(lambda: session_ended(session), 30, "PostgreSQL to end the killed run's session")
    assert not RecomputeRun.objects.filter(batch=batch).exists()  # rolled back with the killed transaction
    assert not ActualDailyAssignmentState.objects.filter(batch=batch).exists()
    assert RecomputeMarker.objects.filter(batch=batch).count() == ASSIGNMENTS  # the work is still recorded


def test_a_pool_child_killed_mid_recompute_is_redone_from_the_requeued_message(salmon, drain, worker):
    batch = big_batch()
    with recomputes_held():
        session = start_a_held_recompute(batch)
        (child,) = worker.pool_children()
        os.kill(child, signal.SIGKILL)
        assert_killed_run_left_nothing(batch, session=session)

    drain()  # no sweeper: reject_on_worker_lost put the message back and a new child ran it
    assert "WorkerLostError" in worker.log()
    assert list(RecomputeRun.objects.filter(batch=batch).values_list("trigger", "ok", "rows_written")) == [
        ("assignment_window", True, ASSIGNMENTS * DAYS)
    ]
    assert_equals_full_recompute(batch.pk)


def test_a_worker_killed_outright_mid_recompute_is_redone_through_the_sweeper(salmon, workers, worker, settings):
    batch = big_batch()
    with recomputes_held():
        session = start_a_held_recompute(batch)
        worker.kill()  # SIGKILL to the main process and its pool child at once
        assert_killed_run_left_nothing(batch, session=session)
        assert forget_unacked_messages() == 1  # stranded until visibility_timeout; see the module docstring

    workers.start()
    settings.SWEEPER_MIN_AGE_SECONDS = 0
    assert recompute_sweeper() == {"batches": 1, "published": 1}
    workers.drain()
    assert RecomputeRun.objects.filter(batch=batch).count() == 1
    assert_equals_full_recompute(batch.pk)
