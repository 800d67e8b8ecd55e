"""Alerts and the user's own alert subscriptions (docs/alerts.md)."""

from __future__ import annotations

from rest_framework import serializers

from apps.alerts.models import Alert, AlertSubscription

from .common import ModelSerializer


class AlertSerializer(ModelSerializer):
    needs_attention = serializers.BooleanField(read_only=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", read_only=True, default=None)

    class Meta:
        model = Alert
        fields = [
            "id", "kind", "title", "site", "batch", "container", "day", "details", "raised_at", "cleared_at",
            "acknowledged_at", "acknowledged_by", "needs_attention",
        ]  # fmt: skip
        read_only_fields = fields


class AlertSubscriptionSerializer(ModelSerializer):
    rule_codes = ("duplicate",)  # validate_kind

    class Meta:
        model = AlertSubscription
        fields = ["id", "kind", "delivery"]

    def validate_kind(self, kind):
        user = self.context["request"].user
        taken = AlertSubscription.objects.filter(user=user, kind=kind)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(
                "You already subscribe to this kind; change that subscription.", code="duplicate"
            )
        return kind
