"""The growth chart's payload (``GET batch/batches/{id}/combined-growth-data/``), typed to the last nested object.

Documentation only: the view answers what ``apps.web.reads.growth_rows.combined_growth_data`` (``shape=rows``) and
``apps.web.reads.growth_data.combined_growth_columns`` (``shape=columnar``) build. The schema states the answer as
one of the two shapes, each object with its fields, so a generated client has a class for each. The schemathesis
run and ``tests/api/test_growth_data_schema.py`` check real answers against it.
"""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer, inline_serializer
from rest_framework import serializers

from apps.batch.models import Batch

from . import fields
from .actions import RecomputeStateSerializer
from .forecast import BandCalibrationSerializer, BandSerializer, BatchProjectionSerializer, GrowthSegmentSerializer


def numbers(help_text: str = "", *, nullable: bool = False, required: bool = True) -> serializers.ListField:
    return serializers.ListField(child=fields.FloatField(allow_null=nullable), help_text=help_text, required=required)


def integers(help_text: str = "", *, nullable: bool = False, required: bool = True) -> serializers.ListField:
    return serializers.ListField(child=fields.IntegerField(allow_null=nullable), help_text=help_text, required=required)


def texts(help_text: str = "", *, nullable: bool = False, required: bool = True) -> serializers.ListField:
    return serializers.ListField(child=fields.CharField(allow_null=nullable), help_text=help_text, required=required)


def days(help_text: str = "", *, required: bool = True) -> serializers.ListField:
    return serializers.ListField(child=fields.DateField(), help_text=help_text, required=required)


class GrowthBatchSerializer(serializers.Serializer):
    id = fields.IntegerField()
    batch_number = fields.CharField()
    status = fields.ChoiceField(choices=Batch.Status.choices)
    start_date = fields.DateField()


class DateRangeSerializer(serializers.Serializer):
    start = fields.DateField(allow_null=True, help_text="The first day of the states read; null without states.")
    end = fields.DateField(allow_null=True, help_text="The last day of the states read.")


# --- shape=rows: one object per row -------------------------------------------------------------------------


class ScenarioDayRowSerializer(serializers.Serializer):
    date = fields.DateField()
    day_number = fields.IntegerField()
    avg_weight_g = fields.FloatField()
    population = fields.IntegerField()
    biomass_kg = fields.FloatField()


class ScenarioRowsSerializer(serializers.Serializer):
    id = fields.IntegerField()
    name = fields.CharField()
    projection = ScenarioDayRowSerializer(many=True, help_text="The scenario's modelled days within the query's dates.")


class GrowthSampleRowSerializer(serializers.Serializer):
    id = fields.IntegerField()
    assignment_id = fields.IntegerField()
    sample_date = fields.DateField()
    avg_weight_g = fields.FloatField()
    sample_size = fields.IntegerField()


class DailyStateRowSerializer(serializers.Serializer):
    assignment_id = fields.IntegerField()
    date = fields.DateField()
    day_number = fields.IntegerField()
    avg_weight_g = fields.FloatField()
    population = fields.IntegerField()
    biomass_kg = fields.FloatField()
    temp_c = fields.FloatField()
    feed_kg = fields.FloatField()
    mortality_count = fields.IntegerField()
    observed_fcr = fields.FloatField(allow_null=True)
    anchor_type = fields.CharField(allow_null=True, help_text="What measured the weight that day, if anything did.")
    sources = serializers.DictField(
        child=fields.CharField(), help_text="Where each value came from, by key (weight, temp, feed, fcr, mortality)."
    )
    confidence_scores = serializers.DictField(child=fields.FloatField(), help_text="0 to 1, by the same keys.")
    lifecycle_stage__name = fields.CharField()


class BatchTotalRowSerializer(serializers.Serializer):
    date = fields.DateField(help_text="The day; weekly: the week's last day with data.")
    iso_week = fields.CharField(required=False, help_text="Weekly only: 2026-W49.")
    population = fields.IntegerField()
    biomass_kg = fields.FloatField()
    avg_weight_g = fields.FloatField(allow_null=True, help_text="Population-weighted; null without fish.")
    feed_kg = fields.FloatField()
    mortality_count = fields.IntegerField()
    anchor_type = fields.CharField(allow_null=True)


class AssignmentRowSerializer(serializers.Serializer):
    id = fields.IntegerField()
    container__name = fields.CharField()
    assignment_date = fields.DateField()
    departure_date = fields.DateField(allow_null=True)
    lifecycle_stage__name = fields.CharField()


class GrowthRowsSerializer(serializers.Serializer):
    """``shape=rows`` (the default): every series a list of objects."""

    batch = GrowthBatchSerializer()
    scenario = ScenarioRowsSerializer(allow_null=True, help_text="Null without a scenario.")
    growth_samples = GrowthSampleRowSerializer(many=True)
    actual_daily_states = DailyStateRowSerializer(many=True, help_text="Per assignment and day; empty when weekly.")
    batch_totals = BatchTotalRowSerializer(many=True, help_text="Per day, or per ISO week when weekly.")
    assignments = AssignmentRowSerializer(many=True)
    date_range = DateRangeSerializer()
    granularity = fields.ChoiceField(choices=["daily", "weekly"])
    recompute_status = RecomputeStateSerializer()
    generated_at = fields.DateTimeField()
    growth_segments = GrowthSegmentSerializer(many=True, help_text="As /growth-segments/ gives them.")
    projection = BatchProjectionSerializer(help_text="As /projection/ gives it.")


# --- shape=columnar: one object of equal-length arrays per series ---------------------------------------------


class ScenarioDayColumnsSerializer(serializers.Serializer):
    date = days()
    day_number = integers()
    avg_weight_g = numbers()
    population = integers()
    biomass_kg = numbers()


class ScenarioColumnsSerializer(serializers.Serializer):
    id = fields.IntegerField()
    name = fields.CharField()
    projection = ScenarioDayColumnsSerializer(
        help_text="The modelled days; weekly: the first day, each ISO week's last day (Sunday) and the last day."
    )


class GrowthSampleColumnsSerializer(serializers.Serializer):
    id = integers()
    assignment_id = integers()
    sample_date = days()
    avg_weight_g = numbers()
    sample_size = integers()


class DailyStateColumnsSerializer(serializers.Serializer):
    assignment_id = integers()
    date = days()
    avg_weight_g = numbers()
    population = integers()
    biomass_kg = numbers()
    temp_c = numbers()
    feed_kg = numbers()
    mortality_count = integers()
    observed_fcr = numbers(nullable=True)
    anchor_type = texts(nullable=True)
    weight_source = texts(nullable=True)
    weight_confidence = numbers(nullable=True)
    temp_source = texts(nullable=True)
    temp_confidence = numbers(nullable=True)


class BatchTotalsColumnsSerializer(serializers.Serializer):
    date = days("The day; weekly: the week's last day with data.")
    first_date = days("Weekly only: the week's first day with data.", required=False)
    iso_week = texts("Weekly only: 2026-W49.", required=False)
    avg_weight_g = numbers("Population-weighted; null without fish.", nullable=True)
    population = integers()
    biomass_kg = numbers(nullable=True)
    temp_c = numbers("Population-weighted.", nullable=True)
    feed_kg = numbers(nullable=True)
    mortality_count = integers()
    gain_kg = numbers("Feed / observed FCR of the rows with one.", nullable=True)
    fcr = numbers(nullable=True)
    containers = integers("Daily only: the containers with fish that day.", required=False)
    measured = integers("Daily only: the containers with a measured weight that day.", required=False)
    weight_confidence_min = numbers("Daily only.", nullable=True, required=False)
    anchor_type = texts(nullable=True)


class EventsSerializer(serializers.Serializer):
    transfers = inline_serializer(
        "TransferMarker",
        fields={
            "date": fields.DateField(),
            "count": fields.IntegerField(),
            "from": fields.CharField(),
            "to": fields.CharField(),
        },
        many=True,
    )
    treatments = inline_serializer(
        "TreatmentMarker",
        fields={"date": fields.DateField(), "type": fields.CharField(), "container": fields.CharField()},
        many=True,
    )
    harvests = inline_serializer(
        "HarvestMarker",
        fields={"date": fields.DateField(), "container": fields.CharField()},
        many=True,
        help_text="An assignment that departed with no completed transfer out of it.",
    )


class LabelledAssignmentSerializer(AssignmentRowSerializer):
    container_id = fields.IntegerField()
    container__site__name = fields.CharField()
    label = fields.CharField(help_text='"Pen 02 · Viðvík · 2025-04-10 → now"')


class ForecastColumnsSerializer(serializers.Serializer):
    as_of_date = fields.DateField()
    date = days()
    avg_weight_g = BandSerializer()
    population = BandSerializer()
    biomass_kg = BandSerializer()
    harvest_date = fields.DateField(allow_null=True)
    harvest_date_p10 = fields.DateField(allow_null=True)
    harvest_date_p90 = fields.DateField(allow_null=True)
    target_weight_g = fields.FloatField()
    band = BandCalibrationSerializer(help_text="How the P10-P90 band was made and its measured coverage.")


class GrowthColumnsSerializer(serializers.Serializer):
    """``shape=columnar``: every series one object of equal-length arrays (a JSON null is a day without that value)."""

    shape = fields.ChoiceField(choices=["columnar"])
    batch = GrowthBatchSerializer()
    scenario = ScenarioColumnsSerializer(allow_null=True, help_text="Null without a scenario.")
    growth_samples = GrowthSampleColumnsSerializer()
    actual_daily_states = DailyStateColumnsSerializer(
        allow_null=True, help_text="Daily, for one assignment or with include_states; else null."
    )
    batch_totals = BatchTotalsColumnsSerializer()
    events = EventsSerializer(help_text="The chart's markers.")
    assignments = LabelledAssignmentSerializer(many=True)
    date_range = DateRangeSerializer()
    granularity = fields.ChoiceField(choices=["daily", "weekly"])
    recompute_status = RecomputeStateSerializer()
    forecast = ForecastColumnsSerializer(
        allow_null=True,
        help_text="The live projection the chart draws (the batch total, or the one assignment's); "
        "null when nothing is active.",
    )
    generated_at = fields.DateTimeField()


COMBINED_GROWTH_DATA = PolymorphicProxySerializer(
    component_name="CombinedGrowthData",
    serializers=[GrowthRowsSerializer, GrowthColumnsSerializer],
    resource_type_field_name=None,
)
