"""Alerts: a condition the farm must look at, raised once while it stands (docs/alerts.md).

An ``Alert`` is identified by its ``key`` (the rule and what it is about: ``mortality_spike:412:2026-12-05``);
while one with that key is open (not cleared), the rule finding it again raises nothing. A rule that no longer
finds it clears it (``cleared_at``): a mortality count corrected below the threshold, a planned activity
completed. Acknowledging takes it off the list of what needs attention; a condition that still stands is not
raised again. ``AlertSubscription``: which kinds a user is e-mailed, at once or in the morning's digest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.access.scope import SHARED


class AlertKind(models.TextChoices):
    MORTALITY_SPIKE = "mortality_spike", "Mortality spike"
    VERIFICATION_REPAIRED = "verification_repaired", "Verification repaired rows"
    PARKED_WORK = "parked_work", "Recompute work parked"
    OVERDUE_ACTIVITY = "overdue_activity", "Planned activity overdue"
    NEEDS_PLANNING = "needs_planning", "Crossing needs planning"


class Alert(models.Model):
    Kind = AlertKind
    # a user sees the alerts of their sites; one about no site (parked work, a verification) only with every site
    site_path = "site"  # docs/access.md

    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    key = models.CharField(max_length=120)
    title = models.CharField(max_length=300)
    site = models.ForeignKey("infrastructure.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    batch = models.ForeignKey("batch.Batch", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    container = models.ForeignKey(
        "infrastructure.Container", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField(null=True, blank=True, help_text="The farm day the alert is about, where it has one.")
    details = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True, help_text="When the rule stopped finding it.")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When the immediate e-mails were claimed.")

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            # raised once while it stands: one open alert per key
            models.UniqueConstraint(fields=["key"], condition=models.Q(cleared_at__isnull=True), name="alert_open_key"),
        ]
        indexes = [models.Index(fields=["kind", "cleared_at"], name="alert_kind_open")]

    def __str__(self) -> str:
        return self.title

    @property
    def needs_attention(self) -> bool:
        return self.cleared_at is None and self.acknowledged_at is None


class AlertSubscription(models.Model):
    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", "At once"
        DIGEST = "digest", "Daily digest"

    site_path = SHARED  # docs/access.md: each user reads only their own (the API's queryset)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscriptions")
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="alert_subscription_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.get_delivery_display()}"
