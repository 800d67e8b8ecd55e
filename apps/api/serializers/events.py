"""Events recorded on an assignment: growth samples, transfers, mortality, treatments, feeding, readings.

Each validates its date against its assignment's days (``event_date_validate``), which also refuses future
dates, and leaves the recompute marking to the model signals.
"""
from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from apps.api.selectors import transfer_source_population
from apps.batch.models import GrowthSample, MortalityEvent, TransferAction
from apps.batch.services.validation import event_date_validate, transfer_validate
from apps.environmental.models import EnvironmentalReading
from apps.health.models import Treatment
from apps.inventory.models import FeedingEvent

from . import fields
from .common import MAX_COUNT, FiniteFloatField, ModelSerializer, candidate, fail, fish_count, not_in_future, past_date, weight_g


class AssignmentEventSerializer(ModelSerializer):
    """Checks ``date_field`` against the assignment's days."""

    date_field: str = ""

    def validate(self, attrs):
        row = candidate(self, attrs)
        event_date_validate(assignment=row.assignment, day=getattr(row, self.date_field), field=self.date_field)
        return attrs


class GrowthSampleSerializer(AssignmentEventSerializer):
    date_field = "sample_date"
    sample_size = fish_count()
    avg_weight_g = weight_g()
    std_dev_weight_g = fields.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True)
    avg_length_cm = fields.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True)

    class Meta:
        model = GrowthSample
        fields = ["id", "assignment", "sample_date", "sample_size", "avg_weight_g", "std_dev_weight_g", "avg_length_cm", "notes", "created_at"]
        read_only_fields = ["created_at"]


class MortalityEventSerializer(AssignmentEventSerializer):
    date_field = "event_date"
    count = fish_count()

    class Meta:
        model = MortalityEvent
        fields = ["id", "assignment", "event_date", "count", "cause", "notes"]


class TreatmentSerializer(AssignmentEventSerializer):
    date_field = "treatment_date"
    weighed_count = fish_count(required=False, allow_null=True)
    weighed_avg_weight_g = weight_g(required=False, allow_null=True)

    class Meta:
        model = Treatment
        fields = ["id", "assignment", "treatment_date", "treatment_type", "description", "includes_weighing", "weighed_count", "weighed_avg_weight_g"]

    def validate(self, attrs):
        row = candidate(self, attrs)
        if row.includes_weighing:
            for field in ("weighed_count", "weighed_avg_weight_g"):
                if getattr(row, field) is None:
                    fail(field, "A treatment with weighing needs the count weighed and their average weight.", "required")
        return super().validate(attrs)


class FeedingEventSerializer(AssignmentEventSerializer):
    date_field = "feeding_date"
    amount_kg = fields.DecimalField(
        max_digits=12, decimal_places=3, min_value=Decimal("0.001"), error_messages={"min_value": "The amount must be above 0 kg."}
    )

    class Meta:
        model = FeedingEvent
        fields = ["id", "assignment", "feed", "feeding_date", "amount_kg"]


class TransferSerializer(ModelSerializer):
    actual_execution_date = past_date(required=False, allow_null=True)
    transferred_count = fish_count()
    mortality_during_transfer = fields.IntegerField(min_value=0, max_value=MAX_COUNT, required=False)
    measured_avg_weight_g = weight_g(required=False, allow_null=True)

    class Meta:
        model = TransferAction
        fields = [
            "id", "source_assignment", "dest_assignment", "status", "planned_date", "actual_execution_date",
            "transferred_count", "mortality_during_transfer", "measured_avg_weight_g", "selection_method", "notes",
        ]

    def validate(self, attrs):
        row = candidate(self, attrs)
        if row.source_assignment.pk == row.dest_assignment.pk:
            fail("dest_assignment", "The destination must differ from the source.", "same_assignment")
        transfer_validate(row)
        day = row.actual_execution_date
        if row.status == TransferAction.Status.COMPLETED and day is None:
            fail("actual_execution_date", "A completed transfer needs its execution date.", "required")
        if day is not None:
            _check_transfer_day(row.source_assignment, row.dest_assignment, day)
        if row.status == TransferAction.Status.COMPLETED:
            moved = row.transferred_count + (row.mortality_during_transfer or 0)
            held = transfer_source_population(source=row.source_assignment, day=day, exclude_transfer_id=row.pk)
            if moved > held:
                fail(
                    "transferred_count",
                    f"The transfer moves {moved} fish (alive and dead in handling) but the source holds {held} on {day}.",
                    "exceeds_population",
                )
        return attrs


def _check_transfer_day(source, dest, day) -> None:
    """The fish leave the source on or before its departure day and arrive within the destination's days."""
    if day < source.assignment_date or (source.departure_date and day > source.departure_date):
        fail("actual_execution_date", f"{day} is outside the source assignment's days.", "outside_assignment")
    event_date_validate(assignment=dest, day=day, field="actual_execution_date")


class EnvironmentalReadingSerializer(ModelSerializer):
    reading_time = serializers.DateTimeField(validators=[not_in_future])
    value = FiniteFloatField()

    class Meta:
        model = EnvironmentalReading
        fields = ["id", "container", "parameter", "reading_time", "value"]
