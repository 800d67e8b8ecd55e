"""Thin Celery tasks for recompute (docs/architecture.md). They take ids and ISO dates and call services.

Publishing is deduplicated per assignment through a Redis key that a queued task holds until it starts;
correctness never depends on it: the durable markers are the source of truth, and the sweeper re-publishes
any marker that waits too long.
"""
from __future__ import annotations

import datetime as dt
import logging
import random
import time

import redis
from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

from apps.batch.models import Batch, BatchContainerAssignment, FailedRecompute, RecomputeMarker
from apps.recompute.catch_up import catch_up_plan
from apps.recompute.drain import markers_drain, markers_failure_record
from apps.recompute.markers import recompute_mark, recompute_mark_many

logger = logging.getLogger(__name__)
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
MAX_RETRIES = 5
DEDUP_PREFIX = "aquamind:recompute:queued:"
publish_failures = 0  # since this process started; logged each time, shown by /health/


class _Pause:
    """A per-process circuit breaker: once started, ``active()`` is true for ``seconds``; ``end()`` closes it."""

    def __init__(self) -> None:
        self.until = 0.0  # time.monotonic()

    def active(self) -> bool:
        return time.monotonic() < self.until

    def start(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds

    def end(self) -> None:
        self.until = 0.0


# After a failed publish: no publish and no de-duplication call (docs/architecture.md); after a failed
# de-duplication call: publish without de-duplication. Both last RECOMPUTE_PUBLISH_PAUSE_SECONDS.
publish_pause = _Pause()
dedup_pause = _Pause()
_redis_client: redis.Redis | None = None


def _redis() -> redis.Redis | None:
    """The de-duplication client: one attempt per call (no retries), connect and read within REDIS_SOCKET_TIMEOUT."""
    global _redis_client
    if not settings.REDIS_URL:
        return None
    if _redis_client is None:
        timeout = settings.REDIS_SOCKET_TIMEOUT
        _redis_client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
    return _redis_client


def get_dedup_key(assignment_id: int) -> str:
    return f"{DEDUP_PREFIX}{assignment_id}"


def _dedup_claim(assignment_id: int) -> bool | None:
    """Take the assignment's dedup key: True taken, False already held (a task is queued and not started),
    None when de-duplication is off, paused or Redis failed (which pauses it)."""
    client = _redis()
    if client is None or dedup_pause.active():
        return None
    try:
        return bool(client.set(get_dedup_key(assignment_id), "1", nx=True, ex=settings.RECOMPUTE_DEDUP_TTL_SECONDS))
    except redis.RedisError:
        dedup_pause.start(settings.RECOMPUTE_PUBLISH_PAUSE_SECONDS)
        logger.warning("de-duplication is off for %s s: Redis failed", settings.RECOMPUTE_PUBLISH_PAUSE_SECONDS)
        return None


def should_enqueue_task(assignment_id: int) -> bool:
    """True unless a task for this assignment is already queued and not yet started. Redis trouble → True."""
    return _dedup_claim(assignment_id) is not False


def _clear_dedup_key(assignment_id: int) -> None:
    client = _redis()
    if client is not None:
        try:
            client.delete(get_dedup_key(assignment_id))
        except redis.RedisError:
            logger.warning("could not clear the dedup key of assignment %s", assignment_id)


def publish_paused() -> bool:
    """True while this process skips publishing after a failure: the markers wait for the sweeper."""
    return publish_pause.active()


def enqueue_recompute_with_deduplication(
    assignment_id: int, *, force: bool = False, batch_id: int | None = None
) -> bool:
    """Publish a drain task for ``assignment_id`` unless one is already waiting; True when published. Never
    raises: a publish failure is logged and counted, and the durable marker waits for the sweeper.

    Costs at most one broker attempt and one de-duplication call. A failure pauses this process's publishing
    for RECOMPUTE_PUBLISH_PAUSE_SECONDS (``publish_paused()``: no attempt at all, returns False); ``force``
    (the sweeper) bypasses both the pause and de-duplication, and a success ends the pause. Give ``batch_id``
    when the task stands for every marker of the batch: it then drains the batch even if the assignment is
    deleted before the task starts."""
    global publish_failures
    if not force and publish_pause.active():
        return False
    claimed = None if force else _dedup_claim(assignment_id)
    if claimed is False:
        return False
    kwargs = {"from_marker": True} if batch_id is None else {"from_marker": True, "batch_id": batch_id}
    try:
        recompute_assignment_window.apply_async(args=[assignment_id, None], kwargs=kwargs)
    except Exception:  # broker down or unreachable: the marker is safe in the database
        publish_failures += 1
        publish_pause.start(settings.RECOMPUTE_PUBLISH_PAUSE_SECONDS)
        logger.exception(
            "publishing the recompute of assignment %s failed (%s so far); no publishing for %s s",
            assignment_id, publish_failures, settings.RECOMPUTE_PUBLISH_PAUSE_SECONDS,
        )  # fmt: skip
        if claimed:  # the key we took would hold back the next event's publish
            _clear_dedup_key(assignment_id)
        return False
    publish_pause.end()
    return True


def enqueue_batch_recompute(batch_id: int, start_date: dt.date | None = None) -> int:
    """Mark every assignment of the batch that has days from ``start_date`` on (all days when None)."""
    assignments = BatchContainerAssignment.objects.filter(batch_id=batch_id)
    if start_date is not None:
        assignments = assignments.exclude(departure_date__lte=start_date)
    marks = [(pk, start_date or first) for pk, first in assignments.values_list("pk", "assignment_date")]
    return recompute_mark_many(marks=marks)


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
        raise task.retry(exc=exc, countdown=_backoff_seconds(task.request.retries), max_retries=MAX_RETRIES)
    except Exception as exc:  # poison: rolled back, counted on the markers, parked after a few attempts
        if markers_failure_record(batch_id=batch_id, error=exc):
            return {"batch_id": batch_id, "status": "parked", "error": type(exc).__name__}
        raise task.retry(countdown=_backoff_seconds(task.request.retries), max_retries=None)
    summary = result.summary
    return {
        "batch_id": batch_id,
        "markers": result.markers,
        "cleared": result.cleared,
        "rows": summary.rows if summary else 0,
        "error": summary.error_code if summary else "",
    }


@shared_task(name="apps.batch.tasks.recompute_assignment_window", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def recompute_assignment_window(
    self,
    assignment_id: int,
    start_date: str | None = None,
    end_date: str | None = None,
    *,
    from_marker: bool = False,
    batch_id: int | None = None,
) -> dict:
    """Recompute ``assignment_id`` from ``start_date`` to the end of its range (``end_date`` is only a lower
    bound: later days are never left stale), together with everything else pending in its batch.
    ``batch_id``: the batch whose markers this task was published for, drained even if the assignment is
    gone by the time the task runs."""
    _clear_dedup_key(assignment_id)  # before reading the marker: a later event gets its own follow-up run
    if start_date and not from_marker:
        recompute_mark(assignment_id=assignment_id, from_date=dt.date.fromisoformat(start_date), publish=False)
    owner = (
        RecomputeMarker.objects.filter(assignment_id=assignment_id).values_list("batch_id", flat=True).first()
        or BatchContainerAssignment.objects.filter(pk=assignment_id).values_list("batch_id", flat=True).first()
    )
    if owner is None:
        RecomputeMarker.objects.filter(assignment_id=assignment_id).delete()
        if batch_id is None:
            return {"assignment_id": assignment_id, "status": "assignment_gone"}
        owner = batch_id
    return _drain(self, owner, trigger="assignment_window")


@shared_task(name="apps.batch.tasks.recompute_batch_window", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def recompute_batch_window(self, batch_id: int, start_date: str | None = None, end_date: str | None = None) -> dict:
    """Recompute every assignment of ``batch_id`` that has days from ``start_date`` on, in transfer order."""
    if self.request.retries == 0:
        day = dt.date.fromisoformat(start_date) if start_date else None
        assignments = BatchContainerAssignment.objects.filter(batch_id=batch_id)
        if day is not None:
            assignments = assignments.exclude(departure_date__lte=day)
        recompute_mark_many(
            marks=[(pk, day or first) for pk, first in assignments.values_list("pk", "assignment_date")], publish=False
        )
    return _drain(self, batch_id, trigger="batch_window")


@shared_task(name="apps.batch.tasks.recompute_sweeper")
def recompute_sweeper() -> dict:
    """Re-publish markers that have waited longer than SWEEPER_MIN_AGE_SECONDS (lost publish, Redis restart,
    killed worker), one task per batch, bypassing deduplication."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.SWEEPER_MIN_AGE_SECONDS)
    oldest_by_batch: dict[int, int] = {}
    waiting = RecomputeMarker.objects.filter(updated_at__lte=cutoff, parked_at__isnull=True)
    for batch_id, assignment_id in waiting.order_by("created_at").values_list(
        "batch_id", "assignment_id"
    ):
        oldest_by_batch.setdefault(batch_id, assignment_id)
    published = sum(
        enqueue_recompute_with_deduplication(a, force=True, batch_id=b) for b, a in oldest_by_batch.items()
    )
    return {"batches": len(oldest_by_batch), "published": published}


@shared_task(name="apps.batch.tasks.nightly_catch_up")
def nightly_catch_up(days: int | None = None, status: str = Batch.Status.ACTIVE) -> dict:
    """Extend every active assignment to today: mark the last ``days`` days of each batch (docs/architecture.md)."""
    plan = catch_up_plan(today=timezone.localdate(), days=days or settings.NIGHTLY_RECOMPUTE_DAYS, statuses=[status])
    marked = 0
    for batch, from_dates in plan.work:
        marked += recompute_mark_many(marks=list(from_dates.items()))
    return {"batches": len(plan.work), "assignments": marked, "skipped": len(plan.skipped)}


@shared_task(name="apps.batch.tasks.verify_daily_states_nightly")
def verify_daily_states_nightly() -> dict:
    """Beat, after the catch-up: stored states against a full recompute, repaired where they differ."""
    from apps.recompute.verify import daily_states_verify

    run = daily_states_verify(repair=settings.VERIFY_REPAIR, trigger="nightly")
    return {"batches": run.batches_checked, "rows_differing": run.rows_differing, "skipped": run.batches_skipped}
