"""Beat's housekeeping for the API (docs/operations.md)."""

from __future__ import annotations

from celery import shared_task

from apps.api.idempotency import idempotency_keys_expire as expire


@shared_task
def idempotency_keys_expire() -> dict:
    """Hourly: delete the Idempotency-Keys older than IDEMPOTENCY_KEY_HOURS."""
    return {"deleted": expire()}
