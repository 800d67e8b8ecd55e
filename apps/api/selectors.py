"""Reads the API needs beyond apps/batch/selectors.py."""

from __future__ import annotations

from apps.batch.models import FailedRecompute, RecomputeRun


def recompute_history(*, batch_id: int, limit: int = 5) -> dict:
    """The batch's latest recompute runs and its failures neither replayed nor resolved, newest first."""
    runs = RecomputeRun.objects.filter(batch_id=batch_id).order_by("-started_at")[:limit]
    failures = FailedRecompute.objects.filter(
        batch_id=batch_id, replayed_at__isnull=True, resolved_at__isnull=True
    ).order_by("-failed_at")[:limit]
    return {
        "last_runs": list(
            runs.values("started_at", "duration_ms", "assignments", "rows_written", "trigger", "ok", "error_code")
        ),
        "open_failures": list(failures.values("id", "assignment_id", "start_date", "error_code", "error", "failed_at")),
    }
