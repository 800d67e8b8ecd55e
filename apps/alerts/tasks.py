"""Beat tasks of the alerts (docs/alerts.md); the recompute's drain evaluates a batch's rules itself."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from apps.alerts.services import alerts_digest_send, farm_alerts_evaluate

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 30, "max_retries": 8}


@shared_task(**RETRY)
def alerts_nightly() -> dict:
    """Every rule over the whole farm, after the catch-up and the verification."""
    return {"raised": len(farm_alerts_evaluate())}


@shared_task(**RETRY)
def alerts_digest() -> dict:
    """The morning digest to the users who asked for one."""
    return {"sent": alerts_digest_send()}
