"""Batches: CRUD plus the recompute, pin and growth-data actions (docs/api.md)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.api import filters as f
from apps.api.exports import batch_summary_rows, projection_rows
from apps.api.permissions import Role
from apps.api.selectors import recompute_history
from apps.api.serializers import actions as a
from apps.api.serializers import forecast as fc
from apps.api.serializers.batch import BatchSerializer
from apps.api.serializers.growth_data import COMBINED_GROWTH_DATA
from apps.api.services import batch_recompute_request, batch_scenario_pin, recompute_assignments_default
from apps.batch.models import Batch, RecomputeMarker
from apps.batch.services.recording import batch_delete
from apps.forecast.selectors import growth_segments_for_batch, projection_for_batch
from apps.planning.summary import forecast_summary_for_batch
from apps.web.reads.growth_common import recompute_status
from apps.web.reads.growth_data import combined_growth_columns, growth_data_etag
from apps.web.reads.growth_rows import combined_growth_data

from .base import DomainViewSet


class BatchViewSet(DomainViewSet):
    """Batches of fish. Writes need the manager role."""

    queryset = Batch.objects.select_related("species")
    serializer_class = BatchSerializer
    filterset_class = f.BatchFilter
    action_roles = {
        "recompute_daily_states": Role.MANAGER,
        "pin_scenario": Role.MANAGER,
        "recompute_status": Role.VIEWER,
        "combined_growth_data": Role.VIEWER,
        "growth_segments": Role.VIEWER,
        "projection": Role.VIEWER,
        "forecast_summary": Role.VIEWER,
    }
    export_actions = ("list", "growth_segments", "projection", "forecast_summary")  # ?format=csv|xlsx

    def perform_destroy(self, instance):
        batch_delete(batch=instance)  # its row locked before its markers (a concurrent pin deadlocked)

    @extend_schema(
        request=a.RecomputeRequestSerializer,
        responses={202: a.RecomputeScheduledSerializer},
        summary="Schedule a recompute of the batch's daily states",
    )
    @action(
        detail=True, methods=["post"], url_path="recompute-daily-states", filterset_class=None, pagination_class=None
    )
    def recompute_daily_states(self, request, pk=None):
        """Mark the assignments for recompute from ``start_date`` (default: all with days in the range); 202 with
        what was scheduled. Each recompute runs to the assignment's last day (``end_date`` only selects)."""
        batch = self.get_object()
        body = a.RecomputeRequestSerializer(data=request.data, context={"batch": batch})
        body.is_valid(raise_exception=True)
        start, end = body.validated_data["start_date"], body.validated_data.get("end_date")
        assignments = body.validated_data.get("assignment_ids") or recompute_assignments_default(
            batch=batch, start_date=start, end_date=end
        )
        marks = batch_recompute_request(batch=batch, start_date=start, assignments=assignments)
        scheduled = {
            "batch_id": batch.pk,
            "start_date": start,
            "end_date": end,
            "scheduled": [{"assignment_id": pk, "from_date": day} for pk, day in marks],
        }
        return Response(a.RecomputeScheduledSerializer(scheduled).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=a.PinScenarioSerializer,
        responses={200: a.PinnedSerializer},
        summary="Pin one of the batch's scenarios (schedules a full recompute)",
    )
    @action(detail=True, methods=["post"], url_path="pin-scenario", filterset_class=None, pagination_class=None)
    def pin_scenario(self, request, pk=None):
        """Pin a scenario of this batch (400 for another batch's); every assignment is marked for a full recompute."""
        batch = self.get_object()
        body = a.PinScenarioSerializer(data=request.data, context={"batch": batch})
        body.is_valid(raise_exception=True)
        batch = batch_scenario_pin(batch=batch, scenario=body.validated_data["scenario_id"])
        pinned = {
            "batch_id": batch.pk,
            "pinned_scenario_id": batch.pinned_scenario_id,
            "marked_assignments": RecomputeMarker.objects.filter(batch_id=batch.pk).count(),
        }
        return Response(a.PinnedSerializer(pinned).data)

    @extend_schema(
        responses={200: a.RecomputeStatusSerializer}, summary="Pending recompute work, last success and errors"
    )
    @action(detail=True, methods=["get"], url_path="recompute-status", filterset_class=None, pagination_class=None)
    def recompute_status(self, request, pk=None):
        """Pending markers, last success, last error, the latest runs and open failures."""
        batch = self.get_object()
        body = {**recompute_status(batch=batch), **recompute_history(batch_id=batch.pk)}
        return Response(a.RecomputeStatusSerializer(body).data)

    @extend_schema(
        parameters=[a.GrowthQuerySerializer],
        responses={
            200: COMBINED_GROWTH_DATA,
            304: OpenApiResponse(description="Not modified: the If-None-Match tag is still current (no body)."),
        },
        summary="Everything the growth chart needs in one call",
    )
    @action(detail=True, methods=["get"], url_path="combined-growth-data", filterset_class=None, pagination_class=None)
    def combined_growth_data(self, request, pk=None):
        """Samples, scenario projection, actual daily states and batch totals (daily or true ISO-week aggregates),
        as rows or (``shape=columnar``) columns. Answers with an ETag; a request whose ``If-None-Match`` holds the
        current tag gets 304 with no body, so a page polling an unchanged batch downloads nothing."""
        batch = self.get_object()
        query = a.GrowthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        tag = growth_data_etag(batch=batch, query=params)
        headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
        if tag in _etags(request.headers.get("If-None-Match", "")):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        shape, include_states = params.pop("shape"), params.pop("include_states")
        if shape == "columnar":
            return Response(
                combined_growth_columns(batch=batch, include_states=include_states, **params), headers=headers
            )
        return Response(combined_growth_data(batch=batch, **params), headers=headers)

    @extend_schema(
        parameters=[fc.AssignmentQuerySerializer],
        responses={200: fc.GrowthSegmentSerializer(many=True)},
        summary="Growth performance per segment (between consecutive weighings)",
    )
    @action(detail=True, methods=["get"], url_path="growth-segments", filterset_class=None, pagination_class=None)
    def growth_segments(self, request, pk=None):
        """Realised and scenario TGC, SGR, FCR and mortality per segment; written by the recompute with the states."""
        batch = self.get_object()
        query = fc.AssignmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        segments = growth_segments_for_batch(batch_id=batch.pk, **query.validated_data)
        return Response(fc.GrowthSegmentSerializer(segments, many=True).data)

    @extend_schema(
        parameters=[fc.AssignmentQuerySerializer],
        responses={200: fc.BatchProjectionSerializer},
        summary="Live projection with its P10-P90 band, per active assignment and for the batch",
    )
    @action(detail=True, methods=["get"], url_path="projection", filterset_class=None, pagination_class=None)
    def projection(self, request, pk=None):
        """Daily P10/P50/P90 weight, population and biomass from the latest actual state, and the harvest date range."""
        batch = self.get_object()
        query = fc.AssignmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = fc.BatchProjectionSerializer(projection_for_batch(batch_id=batch.pk, **query.validated_data)).data
        return Response(projection_rows(body) if self.export_format() else body)

    @extend_schema(
        responses={200: fc.BatchForecastSummarySerializer},
        summary="Projected harvest and sea transfer per active assignment, with planning flags",
    )
    @action(detail=True, methods=["get"], url_path="forecast-summary", filterset_class=None, pagination_class=None)
    def forecast_summary(self, request, pk=None):
        """Each active assignment's projected harvest and (in fresh water) sea transfer: dates with their P10-P90
        range, weight, fish and biomass, and PLANNED / NEEDS_PLANNING / PROJECTED (docs/forecast.md "Summary")."""
        batch = self.get_object()
        body = fc.BatchForecastSummarySerializer(
            forecast_summary_for_batch(batch_id=batch.pk, today=timezone.localdate())
        ).data
        return Response(batch_summary_rows(body) if self.export_format() else body)


def _etags(header: str) -> set[str]:
    """The tags of an If-None-Match header, weak ones as strong (GZipMiddleware weakens the tag it sends)."""
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}
