"""Request and response bodies of the batch actions and the growth data endpoint."""
from __future__ import annotations

from rest_framework import serializers

from apps.batch.models import BatchContainerAssignment
from apps.scenario.models import Scenario
from aquamind.domain import event_date, plan_date

from . import fields
from .common import MAX_ID, QuerySerializer


class RecomputeRequestSerializer(serializers.Serializer):
    start_date = serializers.DateField(validators=[event_date], help_text="Recompute from this day on.")
    end_date = serializers.DateField(
        required=False, validators=[plan_date], help_text="Only choose the assignments with days up to here; each still runs to its last day."
    )
    assignment_ids = serializers.ListField(
        child=fields.IntegerField(min_value=1, max_value=MAX_ID), required=False, allow_empty=False, min_length=1, max_length=10_000,
        help_text="Default: every assignment of the batch with days in the range.",
    )

    def validate(self, attrs):
        start, end = attrs["start_date"], attrs.get("end_date")
        if end is not None and end < start:
            raise serializers.ValidationError({"end_date": "end_date is before start_date."}, code="end_before_start")
        ended = [str(a.pk) for a in attrs.get("assignment_ids", []) if a.departure_date and a.departure_date <= start]
        if ended:
            raise serializers.ValidationError(
                {"assignment_ids": f"No days on or after {start} in assignment(s) {', '.join(ended)}."}, code="no_days"
            )
        return attrs

    def validate_assignment_ids(self, ids):
        batch = self.context["batch"]
        found = {a.pk: a for a in BatchContainerAssignment.objects.filter(batch_id=batch.pk, pk__in=ids)}
        missing = sorted(set(ids) - set(found))
        if missing:
            raise serializers.ValidationError(
                f"Not assignments of batch {batch.batch_number}: {', '.join(map(str, missing))}.", code="does_not_exist"
            )
        return [found[pk] for pk in dict.fromkeys(ids)]


class ScheduledAssignmentSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField()
    from_date = serializers.DateField()


class RecomputeScheduledSerializer(serializers.Serializer):
    batch_id = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    scheduled = ScheduledAssignmentSerializer(many=True)


class PinScenarioSerializer(serializers.Serializer):
    scenario_id = fields.IntegerField(
        min_value=1, max_value=MAX_ID, allow_null=True, help_text="A scenario of this batch; null unpins (the newest scenario is used)."
    )

    def validate_scenario_id(self, scenario_id):
        if scenario_id is None:
            return None
        scenario = Scenario.objects.filter(pk=scenario_id).first()
        if scenario is None:
            raise serializers.ValidationError(f"Scenario {scenario_id} does not exist.", code="does_not_exist")
        if scenario.batch_id != self.context["batch"].pk:
            raise serializers.ValidationError(f"Scenario {scenario_id} belongs to another batch.", code="other_batch")
        return scenario


class PinnedSerializer(serializers.Serializer):
    batch_id = serializers.IntegerField()
    pinned_scenario_id = serializers.IntegerField(allow_null=True)
    marked_assignments = serializers.IntegerField(help_text="Assignments now waiting for a full recompute.")


class RecomputeRunSerializer(serializers.Serializer):
    started_at = serializers.DateTimeField()
    duration_ms = serializers.FloatField()
    assignments = serializers.IntegerField()
    rows_written = serializers.IntegerField()
    trigger = serializers.CharField()
    ok = serializers.BooleanField()
    error_code = serializers.CharField()


class OpenFailureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assignment_id = serializers.IntegerField(allow_null=True)
    start_date = serializers.DateField()
    error_code = serializers.CharField()
    error = serializers.CharField()
    failed_at = serializers.DateTimeField()


class RecomputeStatusSerializer(serializers.Serializer):
    pending_markers = serializers.IntegerField()
    parked_markers = serializers.IntegerField(help_text="Poison work that failed repeatedly and waits for a fix or a replay.")
    oldest_pending_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_error_code = serializers.CharField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    last_runs = RecomputeRunSerializer(many=True)
    open_failures = OpenFailureSerializer(many=True)


class GrowthQuerySerializer(QuerySerializer):
    start_date = serializers.DateField(required=False, validators=[plan_date])
    end_date = serializers.DateField(required=False, validators=[plan_date])
    assignment_id = fields.IntegerField(required=False, min_value=1, max_value=MAX_ID, allow_strings=True)
    granularity = serializers.ChoiceField(choices=["daily", "weekly"], default="daily")
    shape = serializers.ChoiceField(
        choices=["rows", "columnar"], default="rows",
        help_text="rows: one object per row (the default); columnar: one array per field, much smaller.",
    )
    include_states = serializers.BooleanField(
        default=False,
        help_text="columnar: also each assignment's daily states for the whole batch (always there with assignment_id).",
    )

    def validate(self, attrs):
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": "end_date is before start_date."}, code="end_before_start")
        return attrs


class CombinedGrowthDataSerializer(serializers.Serializer):
    """Documentation of the growth chart's payload (built by ``apps.web.reads.growth_rows.combined_growth_data``, or
    ``apps.web.reads.growth_data.combined_growth_columns`` for ``shape=columnar``, where each series is an object of
    equal-length arrays, one per field)."""

    shape = serializers.ChoiceField(choices=["columnar"], required=False, help_text="Present (columnar) in the columnar shape only.")
    batch = serializers.DictField()
    scenario = serializers.DictField(allow_null=True, help_text="id, name and the projection series; null without a scenario.")
    growth_samples = serializers.JSONField(help_text="A list of rows, or (columnar) an object of arrays.")
    actual_daily_states = serializers.JSONField(
        help_text="Per assignment and day: a list of rows (empty when weekly), or (columnar) an object of arrays with "
        "weight_source, weight_confidence, temp_source, temp_confidence (null when weekly, and for the whole "
        "batch unless include_states)."
    )
    batch_totals = serializers.JSONField(help_text="Per day, or per ISO week when weekly: rows, or (columnar) arrays.")
    events = serializers.DictField(required=False, help_text="Columnar only: transfers, treatments and harvests for the chart's markers.")
    assignments = serializers.ListField(child=serializers.DictField())
    date_range = serializers.DictField()
    granularity = serializers.ChoiceField(choices=["daily", "weekly"])
    recompute_status = serializers.DictField()
    generated_at = serializers.DateTimeField()
    growth_segments = serializers.ListField(
        child=serializers.DictField(), required=False,
        help_text="Rows shape only: growth performance per segment, as /growth-segments/ gives it (the columnar "
        "shape leaves it to that endpoint).",
    )
    projection = serializers.DictField(
        required=False,
        help_text="Rows shape only: total and assignments, the live projection as /projection/ gives it.",
    )
    forecast = serializers.DictField(
        required=False, allow_null=True,
        help_text="Columnar shape only: the live projection the chart draws (the batch total, or the one "
        "assignment's): date, P10/P50/P90 arrays of avg_weight_g, population and biomass_kg, the harvest date "
        "and its range; null when nothing is active.",
    )


class ErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The input at fault (dotted for nested input), or null.")
    code = serializers.CharField(help_text="A stable machine-readable code.")
    detail = serializers.CharField(help_text="A sentence for people.")


class ErrorResponseSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)
