"""Planned activities (operators plan and complete them, managers delete them) and their templates (managers)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.api import filters as f
from apps.api.permissions import Role
from apps.api.scoping import scope_checked
from apps.api.serializers.completion import ActivityCompleteSerializer
from apps.api.serializers.planning import ActivityTemplateSerializer, PlannedActivitySerializer
from apps.planning.models import ActivityTemplate
from apps.planning.selectors import planned_activities
from apps.planning.services.completion import planned_activity_complete

from .base import DomainViewSet


class PlannedActivityViewSet(DomainViewSet):
    """What the farm plans to do to a batch, and when; completing one records the real event."""

    queryset = planned_activities()
    serializer_class = PlannedActivitySerializer
    filterset_class = f.PlannedActivityFilter
    write_role = Role.OPERATOR
    action_roles = {"destroy": Role.MANAGER}

    @extend_schema(
        request=ActivityCompleteSerializer,
        responses={200: PlannedActivitySerializer},
        summary="Complete the activity: record its event and close it, in one transaction",
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def complete(self, request, pk=None):
        """TRANSFER: a completed transfer into a new assignment in ``container`` (or into ``dest_assignment``);
        SAMPLING: a growth sample; TREATMENT, VACCINATION: a treatment (with weighing if given); HARVEST: the
        assignment's departure; GRADING, OTHER: the date only. The event's errors name this body's fields."""
        activity = self.get_object()
        body = scope_checked(ActivityCompleteSerializer)(
            data=request.data, context={**self.get_serializer_context(), "activity": activity}
        )
        body.is_valid(raise_exception=True)
        done = planned_activity_complete(
            activity=activity,
            completed_date=body.validated_data["completed_date"],
            record=body.record,
            user=request.user,
            notes=body.validated_data.get("notes"),
        )
        return Response(
            PlannedActivitySerializer(planned_activities().get(pk=done.pk), context=self.get_serializer_context()).data
        )


class ActivityTemplateViewSet(DomainViewSet):
    """Rules that plan activities from each active assignment's projection (a weight or a stage ahead)."""

    queryset = ActivityTemplate.objects.select_related("to_stage", "stage", "species")
    serializer_class = ActivityTemplateSerializer
    filterset_class = f.ActivityTemplateFilter
    write_role = Role.MANAGER
