"""GET /health/: database, broker, a recent worker heartbeat and the oldest pending marker (recompute.md §6)."""
from __future__ import annotations


from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True}


def _check_broker() -> dict:
    if settings.AQUAMIND_EMBEDDED:
        return {"ok": True, "mode": "embedded (tasks run in-process after commit)"}
    from aquamind.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"ok": True, "url": conn.as_uri()}


def _check_worker() -> dict:
    if settings.AQUAMIND_EMBEDDED:
        return {"ok": True, "mode": "embedded (no worker needed)"}
    from apps.batch.models import WorkerHeartbeat

    latest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("hostname", "seen_at").first()
    if latest is None:
        return {"ok": False, "reason": "no worker has ever reported in"}
    age = (timezone.now() - latest[1]).total_seconds()
    limit = settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS
    return {"ok": age <= limit, "hostname": latest[0], "last_seen_seconds_ago": round(age, 1), "limit_seconds": limit}


def _check_markers() -> dict:
    from apps.batch.services.markers import pending_markers_summary
    from apps.batch.tasks import publish_failures

    summary = pending_markers_summary()
    age = summary["oldest_marker_age_seconds"]
    limit = settings.SWEEPER_MIN_AGE_SECONDS + 2 * settings.SWEEPER_INTERVAL_SECONDS
    return {"ok": age is None or age <= limit, "limit_seconds": limit, "publish_failures": publish_failures, **summary}


CHECKS = {"database": _check_database, "broker": _check_broker, "worker": _check_worker, "recompute": _check_markers}


@require_GET
def health(request):
    body: dict = {"checked_at": timezone.now().isoformat()}
    for name, check in CHECKS.items():
        try:
            body[name] = check()
        except Exception as exc:  # each failing part is named, never a 500
            body[name] = {"ok": False, "reason": f"{type(exc).__name__}: {exc}"[:300]}
    healthy = all(part["ok"] for key, part in body.items() if key != "checked_at")
    body["status"] = "ok" if healthy else "failing"
    return JsonResponse(body, status=200 if healthy else 503)
