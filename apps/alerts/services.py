"""Raising, clearing, acknowledging and e-mailing alerts (docs/alerts.md).

``alerts_sync(reach, findings)`` makes the open alerts inside ``reach`` equal to ``findings``: a finding with no
open alert of its key raises one; an open alert inside the reach that was not found is cleared. The partial
unique index on open keys makes "raised once while it stands" hold under concurrent evaluations too (the
second writer's insert is refused and skipped). New alerts are e-mailed after the transaction commits to the
users subscribed to their kind at once who hold their site; each alert's e-mails are claimed once
(``emailed_at``), so a retried task never sends them twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail, send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.access.scope import is_visible
from apps.alerts import rules
from apps.alerts.models import Alert, AlertKind, AlertSubscription
from apps.batch.models import VerificationRun

logger = logging.getLogger(__name__)


def alerts_sync(reach: rules.Reach, findings: Iterable[rules.Finding]) -> list[Alert]:
    """Raise what is newly found, clear what is no longer found inside ``reach``; the raised alerts."""
    found = {f.key: f for f in findings}
    now = timezone.now()
    raised: list[Alert] = []
    with transaction.atomic():
        open_alerts = Alert.objects.filter(kind=reach.kind, cleared_at__isnull=True)
        inside = open_alerts
        if reach.batch_id is not None:
            inside = inside.filter(batch_id=reach.batch_id)
        if reach.since is not None:
            inside = inside.filter(Q(day__gte=reach.since) | Q(day__isnull=True))
        gone = [pk for pk, key in inside.values_list("pk", "key") if key not in found] if reach.clears else []
        if gone:
            Alert.objects.filter(pk__in=gone).update(cleared_at=now)
        standing = set(open_alerts.filter(key__in=list(found)).values_list("key", flat=True))
        for key, finding in found.items():
            if key in standing:
                continue
            alert = _raise(finding, now)
            if alert is not None:
                raised.append(alert)
        if raised:
            ids = [a.pk for a in raised]
            transaction.on_commit(lambda: alerts_email(ids))
    return raised


def _raise(finding: rules.Finding, now: dt.datetime) -> Alert | None:
    try:
        with transaction.atomic():  # a savepoint: a concurrent raise of the same key is skipped, not fatal
            return Alert.objects.create(
                kind=finding.kind,
                key=finding.key,
                title=finding.title[:300],
                site_id=finding.site_id,
                batch_id=finding.batch_id,
                container_id=finding.container_id,
                day=finding.day,
                details=finding.details,
                raised_at=now,
            )
    except IntegrityError:
        return None


def batch_alerts_evaluate(*, batch_id: int, today: dt.date | None = None) -> list[Alert]:
    """After a batch's recompute: the rules that its states, markers, projections and activities feed."""
    today = today or timezone.localdate()
    raised = []
    for reach, findings in (
        rules.mortality_spikes(today=today, batch_id=batch_id),
        rules.parked_work(batch_id=batch_id),
        rules.overdue_activities(today=today, batch_id=batch_id),
        rules.crossings_needing_planning(today=today, batch_id=batch_id),
    ):
        raised += alerts_sync(reach, findings)
    return raised


def farm_alerts_evaluate(*, today: dt.date | None = None) -> list[Alert]:
    """Nightly, after the catch-up and the verification: every rule over the whole farm (dates move on:
    an activity becomes overdue, a crossing enters the planning window, with no record changing)."""
    today = today or timezone.localdate()
    raised = []
    for reach, findings in (
        rules.mortality_spikes(today=today),
        rules.parked_work(),
        rules.overdue_activities(today=today),
        rules.crossings_needing_planning(today=today),
    ):
        raised += alerts_sync(reach, findings)
    return raised


def verification_alert(run: VerificationRun) -> list[Alert]:
    """A verification that repaired rows raises one alert (a fact about that run: never cleared by a rule)."""
    findings = rules.verification_repairs(run)
    if not findings:
        return []
    return alerts_sync(rules.Reach(AlertKind.VERIFICATION_REPAIRED, clears=False), findings)


def alert_acknowledge(*, alert: Alert, user) -> bool:
    """Take ``alert`` off the list of what needs attention; False if it already was."""
    return bool(
        Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=user
        )
    )


def user_holds_alert(user, alert: Alert) -> bool:
    """Whether ``user`` may see ``alert``: its site is one of theirs (an alert about no site: they hold all)."""
    return bool(user.is_active) and is_visible(user, alert)


def _subscribers(kind: str, delivery: str):
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            alert_subscriptions__kind=kind,
            alert_subscriptions__delivery=delivery,
        )
        .exclude(email="")
    )
    return users.distinct()


def alerts_email(alert_ids: list[int]) -> int:
    """E-mail each of ``alert_ids`` once to its immediate subscribers; the number of messages sent."""
    messages = []
    for alert in Alert.objects.filter(pk__in=alert_ids, emailed_at__isnull=True).order_by("pk"):
        if not Alert.objects.filter(pk=alert.pk, emailed_at__isnull=True).update(emailed_at=timezone.now()):
            continue  # another process claimed it
        for user in _subscribers(alert.kind, AlertSubscription.Delivery.IMMEDIATE):
            if user_holds_alert(user, alert):
                messages.append((f"[AquaMind] {alert.title}"[:200], _body([alert]), None, [user.email]))
    if not messages:
        return 0
    try:
        return send_mass_mail(messages, fail_silently=False)
    except Exception:  # a mail server down must not fail the recompute that raised the alert
        logger.exception("sending %s alert e-mails failed", len(messages))
        return 0


def alerts_digest_send(*, now: dt.datetime | None = None) -> int:
    """The morning digest: to each digest subscriber, the alerts of their kinds raised since their last digest
    (at most the last day on the first) that still need attention. The number of e-mails sent."""
    now = now or timezone.now()
    sent = 0
    subscriptions = (
        AlertSubscription.objects.filter(delivery=AlertSubscription.Delivery.DIGEST, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    by_user: dict[int, list[AlertSubscription]] = {}
    for subscription in subscriptions:
        by_user.setdefault(subscription.user_id, []).append(subscription)
    for subs in by_user.values():
        user = subs[0].user
        since = min(s.last_digest_at or now - dt.timedelta(days=1) for s in subs)
        alerts = [
            a
            for a in Alert.objects.filter(
                kind__in=[s.kind for s in subs],
                raised_at__gt=since,
                raised_at__lte=now,
                cleared_at__isnull=True,
                acknowledged_at__isnull=True,
            ).order_by("raised_at")
            if user_holds_alert(user, a)
        ]
        AlertSubscription.objects.filter(pk__in=[s.pk for s in subs]).update(last_digest_at=now)
        if alerts:
            subject = f"[AquaMind] {len(alerts)} alert{'s' if len(alerts) > 1 else ''} since {since:%-d %b %H:%M}"
            sent += send_mail(subject, _body(alerts), None, [user.email], fail_silently=True)
    return sent


def _body(alerts: list[Alert]) -> str:
    lines = [f"- {a.title}" for a in alerts]
    link = settings.ALERTS_PAGE_URL
    return "\n".join([*lines, "", f"Open the alerts: {link}" if link else "Open the alerts page: /alerts/"])
