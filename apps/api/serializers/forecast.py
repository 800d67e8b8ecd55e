"""Response bodies of the forecast endpoints (docs/forecast.md): growth segments, projections and the summary."""

from __future__ import annotations

from rest_framework import serializers

from apps.infrastructure.models import Site

from . import fields
from .common import MAX_ID, QuerySerializer


class AssignmentQuerySerializer(QuerySerializer):
    assignment_id = fields.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, allow_strings=True, help_text="Only this assignment."
    )


class GrowthSegmentSerializer(serializers.Serializer):
    id = fields.IntegerField()
    assignment_id = fields.IntegerField()
    start_date = fields.DateField(help_text="The segment starts at the end of this day.")
    end_date = fields.DateField(help_text="The anchor day that ends it.")
    start_kind = fields.CharField(help_text="placement, growth_sample, transfer or vaccination.")
    end_kind = fields.CharField()
    days = fields.IntegerField()
    degree_days = fields.FloatField()
    start_weight_g = fields.FloatField()
    end_weight_g = fields.FloatField()
    start_population = fields.IntegerField()
    end_population = fields.IntegerField()
    realised_tgc = fields.FloatField(allow_null=True, help_text="Per 1000; null without degree-days.")
    sgr_pct = fields.FloatField(help_text="Specific growth rate, %/day.")
    feed_kg = fields.FloatField()
    biological_gain_kg = fields.FloatField()
    economic_gain_kg = fields.FloatField()
    biological_fcr = fields.FloatField(
        allow_null=True, help_text="Feed / biomass grown, the dead fish's growth included."
    )
    economic_fcr = fields.FloatField(allow_null=True, help_text="Feed / biomass gained net of the dead fish.")
    deaths = fields.IntegerField()
    mortality_pct = fields.FloatField(allow_null=True)
    scenario_tgc = fields.FloatField(
        allow_null=True, help_text="The scenario's TGC over the same days, degree-day weighted."
    )
    performance_ratio = fields.FloatField(allow_null=True, help_text="Realised / scenario TGC.")
    computed_at = fields.DateTimeField()


class BandSerializer(serializers.Serializer):
    p10 = serializers.ListField(child=fields.FloatField())
    p50 = serializers.ListField(child=fields.FloatField())
    p90 = serializers.ListField(child=fields.FloatField())


class SeriesSerializer(serializers.Serializer):
    weight_g = BandSerializer()
    population = BandSerializer()
    biomass_kg = BandSerializer()
    stage_ids = serializers.ListField(child=fields.IntegerField(), help_text="P50 stage; 0 in the batch total.")


class ProjectionSerializer(serializers.Serializer):
    assignment_id = fields.IntegerField(allow_null=True, help_text="Null for the batch total.")
    as_of_date = fields.DateField(help_text="The latest actual state it starts from.")
    first_date = fields.DateField(help_text="Date of the first entry of every series array.")
    last_date = fields.DateField(allow_null=True)
    days = fields.IntegerField()
    performance_ratio = fields.FloatField(required=False, allow_null=True, help_text="Absent in the total.")
    performance_sd = fields.FloatField(required=False, allow_null=True)
    performance_source = fields.CharField(required=False, help_text="fit, assignment, batch, site or default.")
    temp_bias_c = fields.FloatField(required=False, allow_null=True)
    start_population = fields.IntegerField()
    mortality_daily_rate = fields.FloatField(required=False)
    mortality_rel_sd = fields.FloatField(required=False)
    mortality_source = fields.CharField(required=False, help_text="recent or model.")
    target_weight_g = fields.FloatField()
    harvest_date = fields.DateField(allow_null=True, help_text="First day the P50 weight reaches the target.")
    harvest_date_p10 = fields.DateField(allow_null=True, help_text="Earliest (P90 weight reaches the target).")
    harvest_date_p90 = fields.DateField(allow_null=True, help_text="Latest (P10 weight reaches the target).")
    sea_transfer_target_g = fields.FloatField(
        required=False,
        allow_null=True,
        help_text="The sea-transfer weight; null outside fresh water, absent in the total.",
    )
    sea_transfer_date = fields.DateField(
        required=False, allow_null=True, help_text="First day the P50 weight reaches the sea-transfer weight."
    )
    sea_transfer_date_p10 = fields.DateField(required=False, allow_null=True, help_text="Earliest (P90 weight).")
    sea_transfer_date_p90 = fields.DateField(required=False, allow_null=True, help_text="Latest (P10 weight).")
    series = SeriesSerializer()
    computed_at = fields.DateTimeField()


class BandBucketSerializer(serializers.Serializer):
    phase = fields.CharField(help_text="fresh or sea.")
    first_day = fields.IntegerField()
    last_day = fields.IntegerField()
    n = fields.IntegerField(help_text="Past forecast errors the bucket's quantiles rest on.")
    source = fields.CharField(
        help_text="bucket, classes (the phase's weight classes pooled), phases (both phases pooled) or neighbours "
        "(neighbouring horizons too)."
    )
    coverage = fields.FloatField(
        allow_null=True, help_text="Measured: the newer half of the weighings inside the older half's band."
    )
    weight_from_g = fields.FloatField(help_text="The weight class: forecasts starting from this weight (g) …")
    weight_to_g = fields.FloatField(allow_null=True, help_text="… up to this one (exclusive; null: no bound).")
    like_from_g = fields.FloatField(
        allow_null=True,
        help_text="The P50 is corrected by the bucket's median past error only for forecasts starting from this "
        "weight (g) …: the starting weights of the forecasts that median was read from.",
    )
    like_to_g = fields.FloatField(allow_null=True, help_text="… up to this one (null: no bound).")


class BandCalibrationSerializer(serializers.Serializer):
    """How the P10-P90 band was made (docs/forecast.md "The calibrated band")."""

    calibrated = fields.BooleanField(help_text="False: the closed-form band (too little history, or never calibrated).")
    computed_at = fields.DateTimeField(allow_null=True, help_text="When the band was last calibrated.")
    method_version = fields.CharField(allow_null=True)
    residuals = fields.IntegerField()
    buckets = BandBucketSerializer(many=True)
    note = fields.CharField(help_text="One sentence: calibrated when, and the measured coverage at +30/+60/+90 days.")


class BatchProjectionSerializer(serializers.Serializer):
    total = ProjectionSerializer(allow_null=True)
    assignments = ProjectionSerializer(many=True)
    band = BandCalibrationSerializer(
        help_text="How the P10-P90 band was made and its measured coverage (docs/forecast.md)."
    )


FLAGS = ["PLANNED", "NEEDS_PLANNING", "PROJECTED"]


class QuantilesSerializer(serializers.Serializer):
    p10 = fields.FloatField()
    p50 = fields.FloatField()
    p90 = fields.FloatField()


class CountQuantilesSerializer(serializers.Serializer):
    p10 = fields.IntegerField(help_text="The fewer fish: the death rate's high end.")
    p50 = fields.IntegerField()
    p90 = fields.IntegerField()


class CrossingSerializer(serializers.Serializer):
    target_weight_g = fields.FloatField(help_text="The weight that makes the crossing.")
    date = fields.DateField(allow_null=True, help_text="First day the P50 weight reaches it; null beyond the horizon.")
    date_p10 = fields.DateField(allow_null=True, help_text="Earliest (the P90 weight reaches it).")
    date_p90 = fields.DateField(allow_null=True, help_text="Latest (the P10 weight reaches it).")
    flag = fields.ChoiceField(choices=FLAGS)
    weight_g = QuantilesSerializer(allow_null=True, help_text="P10/P50/P90 weight on ``date``; null without a date.")
    population = CountQuantilesSerializer(allow_null=True)
    biomass_kg = QuantilesSerializer(allow_null=True)


class AssignmentSummarySerializer(serializers.Serializer):
    assignment_id = fields.IntegerField()
    container_id = fields.IntegerField()
    container_name = fields.CharField()
    site_id = fields.IntegerField()
    site_name = fields.CharField()
    as_of_date = fields.DateField()
    flag = fields.ChoiceField(choices=FLAGS, help_text="The most urgent of its crossings' flags.")
    harvest = CrossingSerializer()
    sea_transfer = CrossingSerializer(allow_null=True, help_text="Null outside fresh water.")


class BatchForecastSummarySerializer(serializers.Serializer):
    batch_id = fields.IntegerField()
    today = fields.DateField()
    planning_days = fields.IntegerField(help_text="A crossing this close without a planned activity needs planning.")
    assignments = AssignmentSummarySerializer(many=True)


class WeekCrossingsSerializer(serializers.Serializer):
    assignments = fields.IntegerField(help_text="Assignments whose P50 crossing falls in the week.")
    needs_planning = fields.IntegerField()
    population = CountQuantilesSerializer(help_text="Summed quantile by quantile.")
    biomass_kg = QuantilesSerializer(help_text="Summed quantile by quantile.")


class CrossingsByKindSerializer(serializers.Serializer):
    harvest = WeekCrossingsSerializer()
    sea_transfer = WeekCrossingsSerializer()


class WeekSerializer(CrossingsByKindSerializer):
    week = fields.CharField(help_text="ISO week, e.g. 2026-W49.")
    start_date = fields.DateField(help_text="Its Monday.")


class FarmForecastSummarySerializer(serializers.Serializer):
    today = fields.DateField()
    site_id = fields.IntegerField(allow_null=True)
    planning_days = fields.IntegerField()
    weeks = WeekSerializer(many=True)
    overdue = CrossingsByKindSerializer(help_text="Crossings whose P50 date lies before this week.")


class FarmSummaryQuerySerializer(QuerySerializer):
    rule_codes = ("does_not_exist",)

    site = fields.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, allow_strings=True, help_text="Only this site's containers."
    )

    def validate_site(self, value):
        if not Site.objects.filter(pk=value).exists():
            raise serializers.ValidationError("No site with this id.", code="does_not_exist")
        return value
