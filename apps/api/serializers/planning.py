"""Planned activities, their completion and the templates that plan them (docs/planning.md)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.batch.labels import assignment_label
from apps.planning import selectors
from apps.planning.models import ActivityTemplate, PlannedActivity
from apps.planning.validation import planned_activity_validate

from .common import ModelSerializer, candidate, fail

DISPLAY_FIELDS = ["batch_number", "assignment_label", "container_label", "is_overdue", "variance_days"]
RECORDED_FIELDS = [
    "template",
    "follows_projection",
    "transfer",
    "growth_sample",
    "treatment",
    "created_by",
    "completed_by",
]


class PlannedActivitySerializer(ModelSerializer):
    rule_codes = (
        "invalid_transition",
        "other_batch",
        "other_container",
        "required",
        "same_container",
        "use_complete_action",
        "final",
    )

    batch_number = serializers.CharField(source="batch.batch_number", read_only=True)
    assignment_label = serializers.SerializerMethodField(
        help_text='The assignment as the pages name it: "Pen 02 · Viðvík · 2025-04-10 → now".'
    )
    container_label = serializers.SerializerMethodField(help_text='"Pen 02 · Viðvík"')
    is_overdue = serializers.SerializerMethodField(help_text="Open (PLANNED or IN_PROGRESS) and due before today.")
    variance_days = serializers.SerializerMethodField(
        help_text="Completed date minus due date (positive: late); null unless completed."
    )

    class Meta:
        model = PlannedActivity
        fields = [
            "id",
            "activity_type",
            "batch",
            "assignment",
            "container",
            "due_date",
            "status",
            "completed_date",
            "notes",
            *DISPLAY_FIELDS,
            *RECORDED_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["completed_date", *RECORDED_FIELDS, "created_at", "updated_at"]

    @extend_schema_field({"type": "string", "nullable": True})
    def get_assignment_label(self, activity) -> str | None:
        a = activity.assignment
        return (
            assignment_label(a.container.name, a.container.site.name, a.assignment_date, a.departure_date)
            if a
            else None
        )

    @extend_schema_field({"type": "string", "nullable": True})
    def get_container_label(self, activity) -> str | None:
        c = activity.container
        return f"{c.name} · {c.site.name}" if c else None

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_overdue(self, activity) -> bool:
        return selectors.is_overdue(activity)

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_variance_days(self, activity) -> int | None:
        return selectors.variance_days(activity)

    def validate(self, attrs):
        planned_activity_validate(candidate(self, attrs), stored=self.instance)
        return attrs

    def create(self, validated_data):
        user = self.context["request"].user
        return super().create({**validated_data, "created_by": user if user.is_authenticated else None})

    def update(self, instance, validated_data):
        if "due_date" in validated_data and validated_data["due_date"] != instance.due_date:
            validated_data["follows_projection"] = False  # a date set by hand stays
        return super().update(instance, validated_data)


class ActivityTemplateSerializer(ModelSerializer):
    rule_codes = ("required", "not_applicable", "other_species")

    class Meta:
        model = ActivityTemplate
        fields = [
            "id",
            "name",
            "activity_type",
            "trigger",
            "weight_g",
            "to_stage",
            "lead_days",
            "is_active",
            "species",
            "stage",
            "notes",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate(self, attrs):
        row = candidate(self, attrs)
        if row.trigger == ActivityTemplate.Trigger.WEIGHT_THRESHOLD:
            if row.weight_g is None:
                fail("weight_g", "A weight threshold needs its weight.", "required")
            if row.to_stage is not None:
                fail("to_stage", "A weight threshold has no stage to reach; leave it out.", "not_applicable")
        else:
            if row.to_stage is None:
                fail("to_stage", "A stage transition needs the stage it reaches.", "required")
            if row.weight_g is not None:
                fail("weight_g", "A stage transition has no weight; leave it out.", "not_applicable")
        for field in ("to_stage", "stage"):
            stage = getattr(row, field)
            if stage is not None and row.species is not None and stage.species_id != row.species_id:
                fail(field, "The stage belongs to another species than the template's.", "other_species")
        return attrs
