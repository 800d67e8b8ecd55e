"""A day's entries for many containers at once: the site's record page saves its whole form here."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response

from apps.api.permissions import Role
from apps.api.serializers.entries import DayEntriesSavedSerializer, DayEntriesSerializer
from apps.api.serializers.events import FeedingEventSerializer, MortalityEventSerializer
from apps.api.services import day_entries_record

from .base import IdempotentWrites


class DayEntriesViewSet(IdempotentWrites, viewsets.GenericViewSet):
    # POST only: a day's deaths and feed for many containers, all saved or none (docs/api.md).

    serializer_class = DayEntriesSerializer
    write_role = Role.OPERATOR
    pagination_class = None
    filterset_class = None

    @extend_schema(
        request=DayEntriesSerializer,
        responses={201: DayEntriesSavedSerializer},
        summary="Record a day's mortality and feeding for several containers, all or nothing",
    )
    def create(self, request):
        """Each row's deaths (with cause) and feed of ``date``, checked and saved as the mortality and feeding
        endpoints do, in one transaction: a refusal of any row is reported as ``rows.<n>.<field>`` with the
        same sentences, and nothing is saved. Rows with neither deaths nor feed record nothing."""
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        deaths, feedings = day_entries_record(day=data["date"], rows=data["rows"], feed=data.get("feed"))
        context = self.get_serializer_context()
        return Response(
            {
                "date": data["date"],
                "mortality_events": MortalityEventSerializer(deaths, many=True, context=context).data,
                "feeding_events": FeedingEventSerializer(feedings, many=True, context=context).data,
            },
            status=status.HTTP_201_CREATED,
        )
