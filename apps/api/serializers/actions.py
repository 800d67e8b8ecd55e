"""Request and response bodies of the batch actions and the growth data endpoint."""

from __future__ import annotations

from rest_framework import serializers

from apps.batch.models import BatchContainerAssignment
from apps.scenario.models import Scenario
from aquamind.domain import event_date, plan_date

from . import fields
from .common import MAX_ID, QuerySerializer


class RecomputeRequestSerializer(serializers.Serializer):
    rule_codes = ("end_before_start", "no_days", "does_not_exist")

    start_date = fields.DateField(validators=[event_date], help_text="Recompute from this day on.")
    end_date = fields.DateField(
        required=False,
        validators=[plan_date],
        help_text="Only choose the assignments with days up to here; each still runs to its last day.",
    )
    assignment_ids = serializers.ListField(
        child=fields.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_empty=False,
        min_length=1,
        max_length=10_000,
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
    assignment_id = fields.IntegerField()
    from_date = fields.DateField()


class RecomputeScheduledSerializer(serializers.Serializer):
    batch_id = fields.IntegerField()
    start_date = fields.DateField()
    end_date = fields.DateField(allow_null=True)
    scheduled = ScheduledAssignmentSerializer(many=True)


class PinScenarioSerializer(serializers.Serializer):
    rule_codes = ("does_not_exist", "other_batch")

    scenario_id = fields.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        help_text="A scenario of this batch; null unpins (the newest scenario is used).",
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
    batch_id = fields.IntegerField()
    pinned_scenario_id = fields.IntegerField(allow_null=True)
    marked_assignments = fields.IntegerField(help_text="Assignments now waiting for a full recompute.")


class RecomputeRunSerializer(serializers.Serializer):
    started_at = fields.DateTimeField()
    duration_ms = fields.FloatField()
    assignments = fields.IntegerField()
    rows_written = fields.IntegerField()
    trigger = fields.CharField()
    ok = fields.BooleanField()
    error_code = fields.CharField()


class OpenFailureSerializer(serializers.Serializer):
    id = fields.IntegerField()
    assignment_id = fields.IntegerField(allow_null=True)
    start_date = fields.DateField()
    error_code = fields.CharField()
    error = fields.CharField()
    failed_at = fields.DateTimeField()


class RecomputeStateSerializer(serializers.Serializer):
    pending_markers = fields.IntegerField()
    parked_markers = fields.IntegerField(
        help_text="Poison work that failed repeatedly and waits for a fix or a replay."
    )
    oldest_pending_at = fields.DateTimeField(allow_null=True)
    last_success_at = fields.DateTimeField(allow_null=True)
    last_error_code = fields.CharField(allow_null=True)
    last_error = fields.CharField(allow_null=True)
    last_error_at = fields.DateTimeField(allow_null=True)


class RecomputeStatusSerializer(RecomputeStateSerializer):
    last_runs = RecomputeRunSerializer(many=True)
    open_failures = OpenFailureSerializer(many=True)


class GrowthQuerySerializer(QuerySerializer):
    rule_codes = ("end_before_start",)

    start_date = fields.DateField(required=False, validators=[plan_date])
    end_date = fields.DateField(required=False, validators=[plan_date])
    assignment_id = fields.IntegerField(required=False, min_value=1, max_value=MAX_ID, allow_strings=True)
    granularity = fields.ChoiceField(choices=["daily", "weekly"], default="daily")
    shape = fields.ChoiceField(
        choices=["rows", "columnar"],
        default="rows",
        help_text="rows: one object per row (the default); columnar: one array per field, much smaller.",
    )
    include_states = fields.BooleanField(
        default=False,
        allow_strings=True,
        help_text="columnar: also each assignment's daily states for the whole batch (always there with assignment_id).",
    )

    def validate(self, attrs):
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": "end_date is before start_date."}, code="end_before_start")
        return attrs


class ErrorSerializer(serializers.Serializer):
    field = fields.CharField(allow_null=True, help_text="The input at fault (dotted for nested input), or null.")
    code = fields.CharField(help_text="A stable machine-readable code.")
    detail = fields.CharField(help_text="A sentence for people.")


class ErrorResponseSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)
