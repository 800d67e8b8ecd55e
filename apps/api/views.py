"""Thin API views over the selectors. Every error is JSON naming the field and the reason."""
from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.batch.models import Batch
from apps.batch.selectors import combined_growth_data


class GrowthQuery(serializers.Serializer):
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    assignment_id = serializers.IntegerField(required=False, min_value=1)
    granularity = serializers.ChoiceField(choices=["daily", "weekly"], default="daily")

    def validate(self, attrs):
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": "end_date is before start_date."})
        return attrs


class CombinedGrowthDataView(APIView):
    """Samples, scenario projection, actual daily states and batch totals for the growth chart."""

    def get(self, request, pk: int):
        batch = get_object_or_404(Batch, pk=pk)
        query = GrowthQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(combined_growth_data(batch=batch, **query.validated_data))
