"""Reads the API needs beyond apps/batch/selectors.py."""
from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, Sum

from apps.batch.models import (
    ActualDailyAssignmentState,
    BatchContainerAssignment,
    FailedRecompute,
    RecomputeRun,
    TransferAction,
)


def transfer_source_population(*, source: BatchContainerAssignment, day: dt.date, exclude_transfer_id: int | None = None) -> int:
    """Fish the source assignment holds for a transfer on ``day`` (docs/api.md §Transfers).

    Start from the latest stored daily state before ``day`` (its end-of-day population) or, with none, from
    the placement count (0 for an assignment filled by transfers); add the completed transfers in and subtract
    the completed transfers out (alive plus dead in handling) dated after that state up to and including
    ``day``, except the transfer being validated. Mortality events since the state are not subtracted.
    """
    state = (
        ActualDailyAssignmentState.objects.filter(assignment_id=source.pk, date__lt=day)
        .order_by("-date")
        .values_list("date", "population")
        .first()
    )
    if state is not None:
        since, population = state
        window = Q(actual_execution_date__gt=since, actual_execution_date__lte=day)
    else:
        population = source.placement_count or 0
        window = Q(actual_execution_date__lte=day)
    completed = TransferAction.objects.filter(window, status=TransferAction.Status.COMPLETED)
    if exclude_transfer_id is not None:
        completed = completed.exclude(pk=exclude_transfer_id)
    moved_in = completed.filter(dest_assignment_id=source.pk).aggregate(n=Sum("transferred_count"))["n"] or 0
    moved_out = (
        completed.filter(source_assignment_id=source.pk)
        .aggregate(n=Sum(F("transferred_count") + F("mortality_during_transfer")))["n"]
        or 0
    )
    return population + moved_in - moved_out


def recompute_history(*, batch_id: int, limit: int = 5) -> dict:
    """The batch's latest recompute runs and its failures neither replayed nor resolved, newest first."""
    runs = RecomputeRun.objects.filter(batch_id=batch_id).order_by("-started_at")[:limit]
    failures = FailedRecompute.objects.filter(batch_id=batch_id, replayed_at__isnull=True, resolved_at__isnull=True).order_by("-failed_at")[:limit]
    return {
        "last_runs": list(
            runs.values("started_at", "duration_ms", "assignments", "rows_written", "trigger", "ok", "error_code")
        ),
        "open_failures": list(failures.values("id", "assignment_id", "start_date", "error_code", "error", "failed_at")),
    }
