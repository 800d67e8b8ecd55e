"""Alerts: the list of what needs attention with acknowledge, and each user's own subscriptions."""

from __future__ import annotations

import django_filters as df
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.alerts.models import Alert, AlertKind, AlertSubscription
from apps.alerts.services import alert_acknowledge
from apps.api import filters as f
from apps.api.permissions import Role
from apps.api.serializers.alerts import AlertSerializer, AlertSubscriptionSerializer

from .base import DomainViewSet, ReadOnlyViewSet

STATES = {
    "open": {"cleared_at__isnull": True, "acknowledged_at__isnull": True},
    "acknowledged": {"acknowledged_at__isnull": False},
    "cleared": {"cleared_at__isnull": False},
    "all": {},
}


class AlertFilter(f.FilterSet):
    kind = df.ChoiceFilter(choices=AlertKind.choices)
    state = df.ChoiceFilter(
        choices=[(s, s) for s in STATES],
        method="in_state",
        label="open (default: needs attention), acknowledged, cleared, all",
    )
    site = f.IdFilter(field_name="site_id")
    batch = f.IdFilter(field_name="batch_id")
    container = f.IdFilter(field_name="container_id")

    class Meta:
        model = Alert
        fields = []

    def in_state(self, queryset, name, value):
        return queryset.filter(**STATES[value])


class AlertViewSet(ReadOnlyViewSet):
    """Alerts raised by the recompute and the nightly jobs, newest first; ``state`` defaults to all."""

    queryset = Alert.objects.select_related("acknowledged_by").order_by("-raised_at", "-id")
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    action_roles = {"acknowledge": Role.OPERATOR}

    @extend_schema(
        request=None, responses={200: AlertSerializer}, summary="Acknowledge: off the list of what needs attention"
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def acknowledge(self, request, pk=None):
        alert = self.get_object()
        alert_acknowledge(alert=alert, user=request.user)
        alert.refresh_from_db()
        return Response(AlertSerializer(alert, context=self.get_serializer_context()).data)


class AlertSubscriptionViewSet(DomainViewSet):
    """The requesting user's own subscriptions: which kinds of alert reach them by e-mail, at once or daily."""

    queryset = AlertSubscription.objects.order_by("kind")
    serializer_class = AlertSubscriptionSerializer
    write_role = Role.VIEWER

    def get_queryset(self):
        return super().get_queryset().filter(user=self.request.user)

    def perform_create(self, serializer):
        serializer.save(user=self.request.user)
