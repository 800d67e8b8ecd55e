"""The farm's forecast summary (docs/api.md, docs/forecast.md "Summary")."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.exports import ExportMixin, farm_summary_rows
from apps.api.serializers import forecast as fc
from apps.planning.summary import forecast_summary_for_farm


class ForecastSummaryView(ExportMixin, APIView):
    """Harvests and sea transfers by ISO week, for every authenticated user (viewer)."""

    export_actions = ("get",)  # ?format=csv|xlsx: one row per week and kind
    export_basename = "forecast-summary"

    @extend_schema(
        parameters=[fc.FarmSummaryQuerySerializer],
        responses={200: fc.FarmForecastSummarySerializer},
        summary="The farm's projected harvests and sea transfers by ISO week (fish and biomass P10/P50/P90)",
    )
    def get(self, request):
        """The next FORECAST_SUMMARY_WEEKS ISO weeks from this one: per week and kind the assignments whose P50
        crossing falls in it, how many need planning, and their fish and biomass; ``site``: one site only."""
        query = fc.FarmSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = forecast_summary_for_farm(
            today=timezone.localdate(), site_id=query.validated_data.get("site"), user=request.user
        )
        data = fc.FarmForecastSummarySerializer(body).data
        return Response(farm_summary_rows(data) if self.export_format() else data)
