"""Response bodies of the forecast endpoints (docs/forecast.md): growth segments, projections and the summary."""
from __future__ import annotations

from rest_framework import serializers

from apps.infrastructure.models import Site

from . import fields
from .common import MAX_ID, QuerySerializer


class AssignmentQuerySerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="Only this assignment.")


class GrowthSegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assignment_id = serializers.IntegerField()
    start_date = serializers.DateField(help_text="The segment starts at the end of this day.")
    end_date = serializers.DateField(help_text="The anchor day that ends it.")
    start_kind = serializers.CharField(help_text="placement, growth_sample, transfer or vaccination.")
    end_kind = serializers.CharField()
    days = serializers.IntegerField()
    degree_days = serializers.FloatField()
    start_weight_g = serializers.FloatField()
    end_weight_g = serializers.FloatField()
    start_population = serializers.IntegerField()
    end_population = serializers.IntegerField()
    realised_tgc = serializers.FloatField(allow_null=True, help_text="Per 1000; null without degree-days.")
    sgr_pct = serializers.FloatField(help_text="Specific growth rate, %/day.")
    feed_kg = serializers.FloatField()
    biological_gain_kg = serializers.FloatField()
    economic_gain_kg = serializers.FloatField()
    biological_fcr = serializers.FloatField(allow_null=True, help_text="Feed / biomass grown, the dead fish's growth included.")
    economic_fcr = serializers.FloatField(allow_null=True, help_text="Feed / biomass gained net of the dead fish.")
    deaths = serializers.IntegerField()
    mortality_pct = serializers.FloatField(allow_null=True)
    scenario_tgc = serializers.FloatField(allow_null=True, help_text="The scenario's TGC over the same days, degree-day weighted.")
    performance_ratio = serializers.FloatField(allow_null=True, help_text="Realised / scenario TGC.")
    computed_at = serializers.DateTimeField()


class BandSerializer(serializers.Serializer):
    p10 = serializers.ListField(child=serializers.FloatField())
    p50 = serializers.ListField(child=serializers.FloatField())
    p90 = serializers.ListField(child=serializers.FloatField())


class SeriesSerializer(serializers.Serializer):
    weight_g = BandSerializer()
    population = BandSerializer()
    biomass_kg = BandSerializer()
    stage_ids = serializers.ListField(child=serializers.IntegerField(), help_text="P50 stage; 0 in the batch total.")


class ProjectionSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField(allow_null=True, help_text="Null for the batch total.")
    as_of_date = serializers.DateField(help_text="The latest actual state it starts from.")
    first_date = serializers.DateField(help_text="Date of the first entry of every series array.")
    last_date = serializers.DateField(allow_null=True)
    days = serializers.IntegerField()
    performance_ratio = serializers.FloatField(required=False, allow_null=True, help_text="Absent in the total.")
    performance_sd = serializers.FloatField(required=False, allow_null=True)
    performance_source = serializers.CharField(required=False, help_text="fit, assignment, batch, site or default.")
    temp_bias_c = serializers.FloatField(required=False, allow_null=True)
    start_population = serializers.IntegerField()
    mortality_daily_rate = serializers.FloatField(required=False)
    mortality_rel_sd = serializers.FloatField(required=False)
    mortality_source = serializers.CharField(required=False, help_text="recent or model.")
    target_weight_g = serializers.FloatField()
    harvest_date = serializers.DateField(allow_null=True, help_text="First day the P50 weight reaches the target.")
    harvest_date_p10 = serializers.DateField(allow_null=True, help_text="Earliest (P90 weight reaches the target).")
    harvest_date_p90 = serializers.DateField(allow_null=True, help_text="Latest (P10 weight reaches the target).")
    sea_transfer_target_g = serializers.FloatField(
        required=False, allow_null=True, help_text="The sea-transfer weight; null outside fresh water, absent in the total."
    )
    sea_transfer_date = serializers.DateField(
        required=False, allow_null=True, help_text="First day the P50 weight reaches the sea-transfer weight."
    )
    sea_transfer_date_p10 = serializers.DateField(required=False, allow_null=True, help_text="Earliest (P90 weight).")
    sea_transfer_date_p90 = serializers.DateField(required=False, allow_null=True, help_text="Latest (P10 weight).")
    series = SeriesSerializer()
    computed_at = serializers.DateTimeField()


class BandBucketSerializer(serializers.Serializer):
    phase = serializers.CharField(help_text="fresh or sea.")
    first_day = serializers.IntegerField()
    last_day = serializers.IntegerField()
    n = serializers.IntegerField(help_text="Past forecast errors the bucket's quantiles rest on.")
    source = serializers.CharField(help_text="bucket, phases (both phases pooled) or neighbours (neighbouring horizons too).")
    coverage = serializers.FloatField(allow_null=True, help_text="Measured: the newer half of the weighings inside the older half's band.")


class BandSerializer(serializers.Serializer):
    calibrated = serializers.BooleanField(help_text="False: the closed-form band (too little history, or never calibrated).")
    computed_at = serializers.DateTimeField(allow_null=True, help_text="When the band was last calibrated.")
    method_version = serializers.CharField(allow_null=True)
    residuals = serializers.IntegerField()
    buckets = BandBucketSerializer(many=True)
    note = serializers.CharField(help_text="One sentence: calibrated when, and the measured coverage at +30/+60/+90 days.")


class BatchProjectionSerializer(serializers.Serializer):
    total = ProjectionSerializer(allow_null=True)
    assignments = ProjectionSerializer(many=True)
    band = BandSerializer(help_text="How the P10-P90 band was made and its measured coverage (docs/forecast.md).")


FLAGS = ["PLANNED", "NEEDS_PLANNING", "PROJECTED"]


class QuantilesSerializer(serializers.Serializer):
    p10 = serializers.FloatField()
    p50 = serializers.FloatField()
    p90 = serializers.FloatField()


class CountQuantilesSerializer(serializers.Serializer):
    p10 = serializers.IntegerField(help_text="The fewer fish: the death rate's high end.")
    p50 = serializers.IntegerField()
    p90 = serializers.IntegerField()


class CrossingSerializer(serializers.Serializer):
    target_weight_g = serializers.FloatField(help_text="The weight that makes the crossing.")
    date = serializers.DateField(allow_null=True, help_text="First day the P50 weight reaches it; null beyond the horizon.")
    date_p10 = serializers.DateField(allow_null=True, help_text="Earliest (the P90 weight reaches it).")
    date_p90 = serializers.DateField(allow_null=True, help_text="Latest (the P10 weight reaches it).")
    flag = serializers.ChoiceField(choices=FLAGS)
    weight_g = QuantilesSerializer(allow_null=True, help_text="P10/P50/P90 weight on ``date``; null without a date.")
    population = CountQuantilesSerializer(allow_null=True)
    biomass_kg = QuantilesSerializer(allow_null=True)


class AssignmentSummarySerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField()
    container_id = serializers.IntegerField()
    container_name = serializers.CharField()
    site_id = serializers.IntegerField()
    site_name = serializers.CharField()
    as_of_date = serializers.DateField()
    flag = serializers.ChoiceField(choices=FLAGS, help_text="The most urgent of its crossings' flags.")
    harvest = CrossingSerializer()
    sea_transfer = CrossingSerializer(allow_null=True, help_text="Null outside fresh water.")


class BatchForecastSummarySerializer(serializers.Serializer):
    batch_id = serializers.IntegerField()
    today = serializers.DateField()
    planning_days = serializers.IntegerField(help_text="A crossing this close without a planned activity needs planning.")
    assignments = AssignmentSummarySerializer(many=True)


class WeekCrossingsSerializer(serializers.Serializer):
    assignments = serializers.IntegerField(help_text="Assignments whose P50 crossing falls in the week.")
    needs_planning = serializers.IntegerField()
    population = CountQuantilesSerializer(help_text="Summed quantile by quantile.")
    biomass_kg = QuantilesSerializer(help_text="Summed quantile by quantile.")


class CrossingsByKindSerializer(serializers.Serializer):
    harvest = WeekCrossingsSerializer()
    sea_transfer = WeekCrossingsSerializer()


class WeekSerializer(CrossingsByKindSerializer):
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W49.")
    start_date = serializers.DateField(help_text="Its Monday.")


class FarmForecastSummarySerializer(serializers.Serializer):
    today = serializers.DateField()
    site_id = serializers.IntegerField(allow_null=True)
    planning_days = serializers.IntegerField()
    weeks = WeekSerializer(many=True)
    overdue = CrossingsByKindSerializer(help_text="Crossings whose P50 date lies before this week.")


class FarmSummaryQuerySerializer(QuerySerializer):
    site = fields.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, allow_strings=True, help_text="Only this site's containers."
    )

    def validate_site(self, value):
        if not Site.objects.filter(pk=value).exists():
            raise serializers.ValidationError("No site with this id.", code="does_not_exist")
        return value
