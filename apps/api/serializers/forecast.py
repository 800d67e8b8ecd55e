"""Response bodies of the forecast endpoints (docs/forecast.md): growth segments and projections."""
from __future__ import annotations

from rest_framework import serializers

from .common import MAX_ID


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
    performance_source = serializers.CharField(required=False, help_text="fit, assignment, batch or default.")
    temp_bias_c = serializers.FloatField(required=False, allow_null=True)
    start_population = serializers.IntegerField()
    mortality_daily_rate = serializers.FloatField(required=False)
    mortality_rel_sd = serializers.FloatField(required=False)
    mortality_source = serializers.CharField(required=False, help_text="recent or model.")
    target_weight_g = serializers.FloatField()
    harvest_date = serializers.DateField(allow_null=True, help_text="First day the P50 weight reaches the target.")
    harvest_date_p10 = serializers.DateField(allow_null=True, help_text="Earliest (P90 weight reaches the target).")
    harvest_date_p90 = serializers.DateField(allow_null=True, help_text="Latest (P10 weight reaches the target).")
    series = SeriesSerializer()
    computed_at = serializers.DateTimeField()


class BatchProjectionSerializer(serializers.Serializer):
    total = ProjectionSerializer(allow_null=True)
    assignments = ProjectionSerializer(many=True)
