"""Drain a batch's recompute markers: lock the batch, read its markers, recompute, clear what was covered.

All in one transaction: a worker killed mid-run rolls back and leaves the markers for the next run. A marker
is cleared only if its generation did not change while the recompute ran (an event that arrived meanwhile
keeps it, and its own published task recomputes again).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.audit.recording import causes_attach, causes_forget, waiting_causes
from apps.batch.models import Batch, BatchContainerAssignment, FailedRecompute, RecomputeMarker
from apps.recompute.markers import batch_mark, recompute_mark_many
from apps.recompute.run import RecomputeSummary, batch_recompute

logger = logging.getLogger(__name__)
UNEXPECTED = "unexpected_error"


@dataclass(frozen=True)
class DrainResult:
    batch_id: int
    markers: int
    cleared: int
    summary: RecomputeSummary | None = None


def markers_drain(*, batch_id: int, trigger: str = "marker") -> DrainResult:
    """Recompute everything pending for ``batch_id``. Raises ``django.db.OperationalError`` at once if another
    worker holds the batch (the caller retries later); domain errors are stored, and their markers cleared."""
    waiting = RecomputeMarker.objects.filter(batch_id=batch_id, parked_at__isnull=True)  # parked: poison, left alone
    if not waiting.exists():
        # nothing pending (another task of the batch drained it): no lock, no transaction, no commit to flush
        return DrainResult(batch_id=batch_id, markers=0, cleared=0)
    started = timezone.now()
    with transaction.atomic():
        if not Batch.objects.select_for_update(nowait=True, no_key=True).filter(pk=batch_id).exists():
            deleted, _ = RecomputeMarker.objects.filter(batch_id=batch_id).delete()  # batch is gone
            causes_forget(batch_id=batch_id)
            return DrainResult(batch_id=batch_id, markers=deleted, cleared=deleted)
        causes = waiting_causes(batch_id=batch_id)  # before the markers: each is covered by this run (history)
        markers = list(waiting.values_list("assignment_id", "dirty_from", "generation"))
        if not markers:
            return DrainResult(batch_id=batch_id, markers=0, cleared=0)
        summary = batch_recompute(
            batch_id=batch_id, from_dates={a: day for a, day, _ in markers}, trigger=trigger, nowait=True
        )
        causes_attach(causes=causes, assignment_ids=[a for a, _, _ in markers], run_id=summary.run_id)
        if summary.ok:
            _resolve_transient_failures(batch_id, before=started)
        else:
            _record_failure(batch_id, summary, start_date=min(day for _, day, _ in markers))
        covered = Q()
        for assignment_id, _, generation in markers:
            covered |= Q(assignment_id=assignment_id, generation=generation)
        cleared, _ = RecomputeMarker.objects.filter(covered).delete()
    return DrainResult(batch_id=batch_id, markers=len(markers), cleared=cleared, summary=summary)


def _record_failure(batch_id: int, summary: RecomputeSummary, *, start_date) -> None:
    failed = summary.assignment_errors or {None: summary.error}
    FailedRecompute.objects.bulk_create(
        FailedRecompute(
            batch_id=batch_id,
            assignment_id=assignment_id,
            start_date=start_date,
            error_code=summary.error_code,
            error=message,
            failed_at=timezone.now(),
        )
        for assignment_id, message in failed.items()
    )


def _resolve_transient_failures(batch_id: int, *, before) -> None:
    """A task that gave up on a transient error (lock busy, database away) left its markers in place, so this
    successful drain, or an earlier one, recomputed that work: it needs no replay."""
    FailedRecompute.objects.filter(
        batch_id=batch_id,
        error_code=FailedRecompute.TRANSIENT,
        failed_at__lt=before,
        replayed_at__isnull=True,
        resolved_at__isnull=True,
    ).update(resolved_at=timezone.now())


def failed_recompute_replay(*, failed: FailedRecompute) -> int:
    """Mark the failed work again (its assignment, else every assignment of its batch, from its start date)."""
    with transaction.atomic():
        if failed.assignment_id:  # still in its batch: an assignment moved since is marked by its move
            still = BatchContainerAssignment.objects.filter(pk=failed.assignment_id, batch_id=failed.batch_id)
            marked = recompute_mark_many(marks=[(pk, failed.start_date) for pk in still.values_list("pk", flat=True)])
        else:
            marked = batch_mark(batch_id=failed.batch_id, from_date=failed.start_date)
        markers_unpark(batch_id=failed.batch_id)
        FailedRecompute.objects.filter(pk=failed.pk).update(replayed_at=timezone.now())
    return marked


def markers_failure_record(*, batch_id: int, error: BaseException) -> bool:
    """A drain of ``batch_id`` died of an error that is neither transient nor a domain error (its transaction is
    rolled back): count it on the batch's markers, record a ``FailedRecompute`` with the error's class and
    message, and park the markers that reached ``RECOMPUTE_MAX_ATTEMPTS``. Returns True when the work is parked."""
    message = f"{type(error).__name__}: {error}"[:2000]
    now = timezone.now()
    with transaction.atomic():
        markers = RecomputeMarker.objects.filter(batch_id=batch_id, parked_at__isnull=True)  # the ones it tried
        markers.update(attempts=F("attempts") + 1, last_error=message)
        earliest = markers.order_by("dirty_from").values_list("dirty_from", flat=True).first()
        parked = markers.filter(attempts__gte=settings.RECOMPUTE_MAX_ATTEMPTS).update(parked_at=now)
        if Batch.objects.filter(pk=batch_id).exists():
            FailedRecompute.objects.create(
                batch_id=batch_id,
                start_date=earliest or timezone.localdate(),
                error_code=UNEXPECTED,
                error=message,
                failed_at=now,
            )
        stuck = not markers.exists()  # nothing left to try: every marker of the batch is parked
    logger.error("recompute of batch %s failed: %s%s", batch_id, message, " (parked)" if parked else "")
    return stuck


def markers_unpark(*, batch_id: int) -> int:
    """Give the work of ``batch_id`` a fresh set of attempts, parked or not (the admin's replay); returns how
    many markers were parked."""
    markers = RecomputeMarker.objects.filter(batch_id=batch_id)
    parked = markers.filter(parked_at__isnull=False).count()
    markers.update(parked_at=None, attempts=0)
    return parked
