"""Batches, assignments and the read-only daily states."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from apps.batch.models import ActualDailyAssignmentState, Batch, BatchContainerAssignment, VerificationRun
from apps.batch.services.validation import assignment_record_validate

from .common import ModelSerializer, candidate, fail

RECOMPUTE_FIELDS = [
    "last_recompute_error_code",
    "last_recompute_error",
    "last_recompute_error_at",
    "last_recompute_success_at",
]


class BatchSerializer(ModelSerializer):
    rule_codes = ("future_date", "other_batch", "has_assignments")

    class Meta:
        model = Batch
        fields = [
            "id",
            "batch_number",
            "species",
            "start_date",
            "status",
            "pinned_scenario",
            "notes",
            "created_at",
            *RECOMPUTE_FIELDS,
        ]
        read_only_fields = ["created_at", *RECOMPUTE_FIELDS]

    def validate(self, attrs):
        row = candidate(self, attrs)
        if row.status != Batch.Status.PLANNED and row.start_date and row.start_date > timezone.localdate():
            fail(
                "start_date", f"{row.start_date} is in the future; only a PLANNED batch may start later.", "future_date"
            )
        scenario = attrs.get("pinned_scenario")
        if scenario is not None and (self.instance is None or scenario.batch_id != self.instance.pk):
            fail("pinned_scenario", f"Scenario {scenario.pk} belongs to another batch.", "other_batch")
        if self.instance is not None and "species" in attrs and attrs["species"].pk != self.instance.species_id:
            if self.instance.assignments.exists():
                fail("species", "The batch already has assignments in stages of its species.", "has_assignments")
        return attrs


class AssignmentSerializer(ModelSerializer):
    # assignment_record_validate: another batch in the container (invalid), deaths and transfers out needing
    # the fish of a lowered placement count
    rule_codes = ("end_before_start", "before_batch_start", "other_species", "invalid", "exceeds_population")

    label = serializers.CharField(
        source="__str__", read_only=True, help_text='Container, site and dates: "Pen 02 · Viðvík · 2025-04-10 → now".'
    )

    class Meta:
        model = BatchContainerAssignment
        fields = [
            "id",
            "label",
            "batch",
            "container",
            "lifecycle_stage",
            "assignment_date",
            "departure_date",
            "placement_count",
            "placement_avg_weight_g",
            "notes",
            *RECOMPUTE_FIELDS,
        ]
        read_only_fields = RECOMPUTE_FIELDS

    def validate(self, attrs):
        row = candidate(self, attrs)
        if row.departure_date is not None and row.departure_date <= row.assignment_date:
            fail("departure_date", "The departure must be after the assignment date.", "end_before_start")
        if row.assignment_date < row.batch.start_date:
            fail(
                "assignment_date",
                f"{row.assignment_date} is before the batch's start ({row.batch.start_date}).",
                "before_batch_start",
            )
        if row.lifecycle_stage.species_id != row.batch.species_id:
            fail("lifecycle_stage", "The stage belongs to another species than the batch.", "other_species")
        assignment_record_validate(row)
        return attrs


class DailyStateSerializer(ModelSerializer):
    class Meta:
        model = ActualDailyAssignmentState
        fields = [
            "id",
            "assignment",
            "batch",
            "container",
            "date",
            "day_number",
            "lifecycle_stage",
            "avg_weight_g",
            "population",
            "biomass_kg",
            "temp_c",
            "mortality_count",
            "feed_kg",
            "observed_fcr",
            "anchor_type",
            "sources",
            "confidence_scores",
            "last_computed_at",
        ]
        read_only_fields = fields


class VerificationRunSerializer(ModelSerializer):
    """One run of the verifier (stored states against a full recompute); ``details`` lists, per assignment that
    differed, its batch, first differing day, rows and fields, and the batches skipped with the reason."""

    class Meta:
        model = VerificationRun
        fields = [
            "id",
            "started_at",
            "finished_at",
            "duration_ms",
            "trigger",
            "repair",
            "batches_checked",
            "batches_skipped",
            "batches_differing",
            "rows_checked",
            "rows_differing",
            "rows_repaired",
            "details",
        ]
        read_only_fields = fields
