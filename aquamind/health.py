"""GET /health/: database, broker, a recent worker heartbeat, pending and parked recompute work, and the last
verification (docs/architecture.md).

``status`` is ``ok`` (200), ``degraded`` (200: everything runs, but poison work is parked or the last
verification had to repair rows) or ``failing`` (503: a part is down). Anonymous callers get the status and one
boolean per check; staff users and token holders also get the details (hosts, counts, ages, batch ids).
The view runs outside the request transaction, so an unreachable database is a JSON 503, not a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from aquamind.times import farm_time


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True}


def _check_broker() -> dict:
    if settings.AQUAMIND_EMBEDDED:
        return {"ok": True, "mode": "embedded (tasks run in-process after commit)"}
    from aquamind.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=1)  # one attempt: a down broker answers at once
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
    from apps.recompute.markers import pending_markers_summary
    from apps.recompute.publish import publish_failures

    summary = pending_markers_summary()
    age = summary["oldest_marker_age_seconds"]
    limit = settings.SWEEPER_MIN_AGE_SECONDS + 2 * settings.SWEEPER_INTERVAL_SECONDS
    return {
        "ok": age is None or age <= limit,
        "degraded": bool(summary["parked_batches"]),
        "limit_seconds": limit,
        "publish_failures": publish_failures,
        **summary,
    }


def _check_verification() -> dict:
    from apps.recompute.verify import last_verification

    run = last_verification()
    if run is None:
        return {"ok": True, "last_run": None}
    return {
        "ok": True,
        "degraded": run.rows_differing > 0,
        "last_run": run.finished_at.isoformat(),
        "last_run_farm_time": farm_time(run.finished_at),  # for a person reading the JSON
        "batches_checked": run.batches_checked,
        "rows_checked": run.rows_checked,
        "rows_differing": run.rows_differing,
        "rows_repaired": run.rows_repaired,
        "batches_differing": sorted({d["batch_id"] for d in run.details.get("differences", [])}),
    }


CHECKS = {
    "database": _check_database,
    "broker": _check_broker,
    "worker": _check_worker,
    "recompute": _check_markers,
    "verification": _check_verification,
}


def _details_reader(request):
    """The staff user (session) or API token holder who may see the details, None for anyone else; never raises
    (the database may be down)."""
    from rest_framework.authentication import TokenAuthentication

    try:
        if request.user.is_authenticated and request.user.is_staff:
            return request.user
        found = TokenAuthentication().authenticate(request)  # the API's own token check
        return found[0] if found else None
    except Exception:  # a bad token (AuthenticationFailed) or an unreachable database: no details
        return None


def health_report() -> dict:
    """Run every check; each failing part is named with its reason, never raised."""
    body: dict = {"checked_at": timezone.now().isoformat()}
    for name, check in CHECKS.items():
        try:
            body[name] = check()
        except Exception as exc:
            body[name] = {"ok": False, "reason": f"{type(exc).__name__}: {exc}"[:300]}
    parts = [body[name] for name in CHECKS]
    if not all(part["ok"] for part in parts):
        body["status"] = "failing"
    elif any(part.get("degraded") for part in parts):
        body["status"] = "degraded"
    else:
        body["status"] = "ok"
    return body


@require_GET
@transaction.non_atomic_requests
def health(request):
    body = health_report()
    status = 503 if body["status"] == "failing" else 200
    reader = _details_reader(request)
    if reader is None:
        body = {
            "status": body["status"],
            "checked_at": body["checked_at"],
            **{
                name: {"ok": body[name]["ok"], **({"degraded": True} if body[name].get("degraded") else {})}
                for name in CHECKS
            },
        }
    else:
        body = _within_scope(body, reader)
    return JsonResponse(body, status=status)


#: the details that name batches: a scoped reader sees only their sites' batches there (docs/access.md)
BATCH_LISTS = (("recompute", "parked_batches"), ("verification", "batches_differing"))


def _within_scope(body: dict, user) -> dict:
    """The details with the batch ids outside the user's sites left out; with the database away, none named."""
    from apps.access.scope import user_scope, visible_to
    from apps.batch.models import Batch

    try:
        if user_scope(user).is_all:
            return body
        named = {pk for part, key in BATCH_LISTS for pk in body.get(part, {}).get(key, ())}
        seen = set(visible_to(Batch.objects.filter(pk__in=named), user).values_list("pk", flat=True))
    except Exception:  # the database went away between the checks and here
        seen = set()
    for part, key in BATCH_LISTS:
        if key in body.get(part, {}):
            body[part][key] = [pk for pk in body[part][key] if pk in seen]
    return body


#: the parts of the health report in words, for the status page
PART_WORDS = {
    "database": "Database",
    "broker": "Message broker",
    "worker": "Recompute worker",
    "recompute": "Recompute work (pending and parked)",
    "verification": "Nightly verification",
}


@require_GET
@login_required
@transaction.non_atomic_requests
def status_page(request):
    """GET /status/: the health report for people, inside the pages' menu (``/health/`` is its JSON for monitoring):
    each part as "working", "needs attention" (degraded) or "failing", with the reason and the details for staff users
    (as in the JSON)."""
    body = health_report()
    reader = _details_reader(request)
    details = reader is not None
    if details:
        body = _within_scope(body, reader)
    parts = []
    for name in CHECKS:
        part = body[name]
        state = "failing" if not part["ok"] else "needs attention" if part.get("degraded") else "working"
        shown = {k: v for k, v in part.items() if k not in ("ok", "degraded")} if details else {}
        parts.append({"name": PART_WORDS[name], "state": state, "details": sorted(shown.items())})
    overall = {"ok": "working", "degraded": "needs attention", "failing": "failing"}[body["status"]]
    return render(
        request,
        "web/status.html",
        {"overall": overall, "parts": parts, "details": details, "checked_at": timezone.now()},
        status=503 if body["status"] == "failing" else 200,
    )
