"""Thin Celery tasks of the recompute (docs/architecture.md): ids and ISO dates in, a service call, a small
dict out. Publishing lives in ``apps.recompute.publish`` and sends them by name.

Each task is registered under ``apps.recompute.tasks.<name>`` and, so that messages queued and beat rows
written before the recompute had an app of its own still run, under its old name ``apps.batch.tasks.<old>``.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from apps.alerts.services import batch_alerts_evaluate, verification_alert
from apps.batch.models import Batch, BatchContainerAssignment, FailedRecompute, RecomputeMarker
from apps.recompute import publish
from apps.recompute.catch_up import catch_up_plan
from apps.recompute.drain import markers_drain, markers_failure_record
from apps.recompute.markers import recompute_mark, recompute_mark_many
from apps.recompute.verify import daily_states_verify

logger = logging.getLogger(__name__)
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
MAX_RETRIES = 5
# a database outage anywhere in a task retries it with backoff (1, 2, 4, 8, 16 s for a drain); the nightly
# work waits longer, up to about 45 minutes, since no marker records it for the sweeper
RETRY_TRANSIENT = {"autoretry_for": TRANSIENT_ERRORS, "retry_backoff": True, "retry_jitter": True}
RETRY_NIGHTLY = {**RETRY_TRANSIENT, "retry_backoff": 30, "retry_backoff_max": 600, "max_retries": 8}
DRAIN_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": MAX_RETRIES,
    **RETRY_TRANSIENT,
}


def task(old_name: str, **options):
    """Register the function as ``apps.recompute.tasks.<its name>`` and, for what was queued under the old
    name, as ``apps.batch.tasks.<old_name>``; returns the task of the new name."""

    def register(function):
        shared_task(name=f"apps.batch.tasks.{old_name}", **options)(function)
        return shared_task(name=f"apps.recompute.tasks.{function.__name__}", **options)(function)

    return register


def _backoff_seconds(retries: int) -> float:
    """Exponential backoff with full jitter: up to 0.5 s, 1 s, 2 s, 4 s, 8 s."""
    return random.uniform(0.05, 0.5 * (2**retries))


def _drain(task, batch_id: int, trigger: str) -> dict:
    try:
        result = markers_drain(batch_id=batch_id, trigger=trigger)
    except TRANSIENT_ERRORS as exc:  # lock busy, database restarting: try again later
        if task.request.retries >= MAX_RETRIES:
            earliest = RecomputeMarker.objects.filter(batch_id=batch_id).order_by("dirty_from").first()
            FailedRecompute.objects.create(
                batch_id=batch_id,
                start_date=earliest.dirty_from if earliest else timezone.localdate(),
                error_code=FailedRecompute.TRANSIENT,
                error=str(exc)[:2000],
                failed_at=timezone.now(),
            )
            logger.error("recompute of batch %s gave up after %s retries: %s", batch_id, MAX_RETRIES, exc)
            return {"batch_id": batch_id, "status": "gave_up"}
        raise task.retry(exc=exc, countdown=_backoff_seconds(task.request.retries), max_retries=MAX_RETRIES) from exc
    except Exception as exc:  # poison: rolled back, counted on the markers, parked after a few attempts
        if markers_failure_record(batch_id=batch_id, error=exc):
            _alerts_evaluate(batch_id)  # raises the parked-work alert
            return {"batch_id": batch_id, "status": "parked", "error": type(exc).__name__}
        raise task.retry(countdown=_backoff_seconds(task.request.retries), max_retries=None) from exc
    summary = result.summary
    if summary is not None:
        _alerts_evaluate(batch_id)
    return {
        "batch_id": batch_id,
        "markers": result.markers,
        "cleared": result.cleared,
        "rows": summary.rows if summary else 0,
        "error": summary.error_code if summary else "",
    }


def _alerts_evaluate(batch_id: int) -> None:
    """The batch's alert rules on its new states (docs/alerts.md); a failure here is logged, never a failed
    recompute: the states are committed, and the nightly evaluation catches what this one missed."""
    try:
        batch_alerts_evaluate(batch_id=batch_id)
    except Exception:
        logger.exception("evaluating the alerts of batch %s failed", batch_id)


@shared_task(**DRAIN_OPTIONS)
def recompute_drain(self, assignment_id: int, *, batch_id: int | None = None) -> dict:
    """Recompute everything pending in the batch of ``assignment_id`` (its marker's batch, else its own).
    ``batch_id``: the batch whose markers this task was published for, drained even if the assignment is
    gone by the time the task runs."""
    return _drain_assignment(self, assignment_id, batch_id)


def _drain_assignment(task, assignment_id: int, batch_id: int | None) -> dict:
    publish.dedup_key_clear(assignment_id)  # before reading the marker: a later event gets its own follow-up run
    owner = (
        RecomputeMarker.objects.filter(assignment_id=assignment_id).values_list("batch_id", flat=True).first()
        or BatchContainerAssignment.objects.filter(pk=assignment_id).values_list("batch_id", flat=True).first()
    )
    if owner is None:
        RecomputeMarker.objects.filter(assignment_id=assignment_id).delete()
        if batch_id is None:
            return {"assignment_id": assignment_id, "status": "assignment_gone"}
        owner = batch_id
    return _drain(task, owner, trigger="assignment_window")


@shared_task(name="apps.batch.tasks.recompute_assignment_window", **DRAIN_OPTIONS)
def recompute_assignment_window(
    self,
    assignment_id: int,
    start_date: str | None = None,
    end_date: str | None = None,
    *,
    from_marker: bool = False,
    batch_id: int | None = None,
) -> dict:
    """The drain task's old name and arguments, for messages queued before it became ``recompute_drain``
    (every publish sent ``from_marker=True``; a ``start_date`` without it marks the assignment first)."""
    if start_date and not from_marker:
        recompute_mark(assignment_id=assignment_id, from_date=dt.date.fromisoformat(start_date), publish=False)
    return _drain_assignment(self, assignment_id, batch_id)


@task("recompute_sweeper")
def recompute_sweeper() -> dict:
    """Re-publish markers that have waited longer than SWEEPER_MIN_AGE_SECONDS (lost publish, Redis restart,
    killed worker), one task per batch, bypassing deduplication."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.SWEEPER_MIN_AGE_SECONDS)
    oldest_by_batch: dict[int, int] = {}
    waiting = RecomputeMarker.objects.filter(updated_at__lte=cutoff, parked_at__isnull=True)
    for batch_id, assignment_id in waiting.order_by("created_at").values_list("batch_id", "assignment_id"):
        oldest_by_batch.setdefault(batch_id, assignment_id)
    published = sum(
        publish.enqueue_recompute_with_deduplication(a, force=True, batch_id=b) for b, a in oldest_by_batch.items()
    )
    return {"batches": len(oldest_by_batch), "published": published}


@task("nightly_catch_up", **RETRY_NIGHTLY)
def nightly_catch_up(days: int | None = None, status: str = Batch.Status.ACTIVE) -> dict:
    """Extend every active assignment to today: mark the last ``days`` days of each batch (docs/architecture.md)."""
    plan = catch_up_plan(today=timezone.localdate(), days=days or settings.NIGHTLY_RECOMPUTE_DAYS, statuses=[status])
    marked = 0
    for _batch, from_dates in plan.work:
        marked += recompute_mark_many(marks=list(from_dates.items()))
    return {"batches": len(plan.work), "assignments": marked, "skipped": len(plan.skipped)}


@task("verify_daily_states_nightly", **RETRY_NIGHTLY)
def verify_daily_states_nightly() -> dict:
    """Beat, after the catch-up: stored states against a full recompute, repaired where they differ."""
    run = daily_states_verify(repair=settings.VERIFY_REPAIR, trigger="nightly", processes=settings.VERIFY_PROCESSES)
    verification_alert(run)
    return {"batches": run.batches_checked, "rows_differing": run.rows_differing, "skipped": run.batches_skipped}
