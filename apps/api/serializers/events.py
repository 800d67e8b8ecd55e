"""Events recorded on an assignment: growth samples, transfers, mortality, treatments, feeding, readings.

The ranges of every field are the model fields' validators (``aquamind.domain``). Each event validates its
date against its assignment's days (``event_date_validate``); the rules that count other rows (population,
one sample a day, a day's feed) run when the row is saved, in the recording services, under a lock on the
assignment. The recompute marking is left to the model signals.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.audit.history import authors_of
from apps.batch.models import BatchContainerAssignment, GrowthSample, GrowthSampleCast, MortalityEvent, TransferAction
from apps.batch.models.casts import MAX_CAST_WEIGHTS
from apps.batch.services.casts import growth_sample_cast_record
from apps.batch.services.feeding import feeding_event_record
from apps.batch.services.recording import growth_sample_record, mortality_event_record, transfer_record
from apps.batch.services.validation import event_date_validate, transfer_validate
from apps.environmental.models import EnvironmentalReading
from apps.environmental.validation import environmental_reading_validate
from apps.health.models import Treatment
from apps.inventory.models import FeedingEvent
from aquamind import domain as d
from aquamind.domain import READING_MAX, READING_MIN

from . import fields
from .common import FiniteFloatField, ModelSerializer, candidate, fail


@extend_schema_field({"type": "string", "nullable": True})
class AuthorField(serializers.Field):
    """Who entered the record, or who changed it last (docs/history.md): read from the list's annotation
    (``with_authors``: no query per row) or, for one record just written, from its history (one query)."""

    def __init__(self, key: str, **kwargs):
        self.key = key
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        if not hasattr(instance, self.key):
            cached = getattr(instance, "_authors", None)
            if cached is None:
                cached = instance._authors = authors_of(instance)
            return cached[self.key]
        return getattr(instance, self.key)

    def to_representation(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


class AuthoredSerializerMixin:
    """Adds ``entered_by``, ``last_changed_by`` (a username, "system", "command" or "database") and
    ``last_changed_at`` to a record's answer."""

    def get_fields(self):
        found = super().get_fields()
        found["entered_by"] = AuthorField("entered_by", help_text="Who entered it: a username, or the channel.")
        found["last_changed_by"] = AuthorField("last_changed_by", help_text="Who wrote its current version.")
        found["last_changed_at"] = AuthorField("last_changed_at", help_text="When its current version was written.")
        return found


class RecordedSerializer(ModelSerializer):
    """Saves through ``record`` (a recording service that locks, checks and saves) instead of ``save()``."""

    def record(self, row):
        raise NotImplementedError

    def create(self, validated_data):
        return self.record(self.Meta.model(**validated_data))

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self.record(instance)


class AssignmentEventSerializer(ModelSerializer):
    """Checks ``date_field`` against the assignment's days."""

    date_field: str = ""
    rule_codes = ("invalid",)  # event_date_validate: in the future, or outside the assignment's days

    def validate(self, attrs):
        row = candidate(self, attrs)
        event_date_validate(assignment=row.assignment, day=getattr(row, self.date_field), field=self.date_field)
        return attrs


class GrowthSampleSerializer(AuthoredSerializerMixin, RecordedSerializer, AssignmentEventSerializer):
    date_field = "sample_date"
    rule_codes = ("duplicate", "has_casts")

    class Meta:
        model = GrowthSample
        fields = [
            "id",
            "assignment",
            "sample_date",
            "sample_size",
            "avg_weight_g",
            "std_dev_weight_g",
            "avg_length_cm",
            "notes",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators = []  # one sample a day: checked under the assignment's lock, naming sample_date

    def record(self, row):
        return growth_sample_record(sample=row)


class DaySampleSerializer(serializers.Serializer):
    """The day's growth sample after the write: the aggregate of its casts."""

    id = fields.IntegerField()
    sample_size = fields.IntegerField(help_text="Fish weighed that day, all casts.")
    avg_weight_g = fields.DecimalField(max_digits=10, decimal_places=2, help_text="Fish-weighted mean, g.")
    std_dev_weight_g = fields.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True, help_text="Pooled standard deviation, g (null: unknown)."
    )
    casts = fields.IntegerField(help_text="Casts of the day.")


class GrowthSampleCastSerializer(ModelSerializer):
    """One cast of a sampling day (docs/api.md, "Casts"): ``assignment`` and ``sample_date`` name the day,
    whose growth sample is created with its first cast and follows every change of its casts."""

    FIGURES = ("fish_weighed", "avg_weight_g", "std_dev_weight_g")
    # figures or weights; the day's fish and spread within a sample's bounds; figures that disagree with the
    # weights and a day outside the assignment's (invalid)
    rule_codes = ("invalid", "figures_or_weights", "day_limit")

    assignment = fields.PrimaryKeyRelatedField(
        queryset=BatchContainerAssignment.objects.all(), source="assignment_id", help_text="The assignment weighed."
    )
    sample_date = fields.DateField(help_text="The sampling day: within the assignment's days, not in the future.")
    weights_g = serializers.ListField(
        child=fields.DecimalField(
            max_digits=10, decimal_places=2, min_value=d.MIN_AVG_WEIGHT_G, max_value=d.MAX_AVG_WEIGHT_G
        ),
        min_length=1,
        max_length=MAX_CAST_WEIGHTS,
        allow_null=True,
        required=False,
        help_text="Every fish's weight in g, when weighed one by one: the cast's fish, mean and standard "
        "deviation are then derived from them (figures sent as well must agree).",
    )
    day = serializers.SerializerMethodField(help_text="The day's growth sample: the aggregate of its casts.")

    class Meta:
        model = GrowthSampleCast
        fields = [
            "id",
            "sample",
            "assignment",
            "sample_date",
            "fish_weighed",
            "avg_weight_g",
            "std_dev_weight_g",
            "weights_g",
            "notes",
            "created_at",
            "day",
        ]
        read_only_fields = ["sample", "created_at"]
        extra_kwargs = {"fish_weighed": {"required": False}, "avg_weight_g": {"required": False}}

    def validate(self, attrs):
        stored = self.instance
        weights = attrs["weights_g"] if "weights_g" in attrs else getattr(stored, "weights_g", None)
        if not weights:
            for field in ("fish_weighed", "avg_weight_g"):
                if attrs.get(field, getattr(stored, field, None)) is None:
                    fail(
                        field,
                        "Send the fish weighed and their mean weight, or every fish's weight (weights_g).",
                        "figures_or_weights",
                    )
        return attrs

    def _save(self, cast: GrowthSampleCast, attrs: dict) -> GrowthSampleCast:
        assignment = attrs.pop("assignment_id", None) or cast.sample.assignment
        day = attrs.pop("sample_date", None) or cast.sample.sample_date
        sent = {f for f in self.FIGURES if f in attrs}
        if attrs.get("weights_g"):
            attrs["weights_g"] = [float(w) for w in attrs["weights_g"]]
            for field in set(self.FIGURES) - sent:  # derived anew from the weights
                setattr(cast, field, None)
        for name, value in attrs.items():
            setattr(cast, name, value)
        cast._sent_figures = sent
        growth_sample_cast_record(cast=cast, assignment=assignment, sample_date=day)
        cast.sample.refresh_from_db()
        return cast

    def create(self, validated_data):
        return self._save(GrowthSampleCast(), dict(validated_data))

    def update(self, instance, validated_data):
        return self._save(instance, dict(validated_data))

    @extend_schema_field(DaySampleSerializer)
    def get_day(self, instance) -> dict:
        sample = instance.sample
        casts = getattr(instance, "day_casts", None)
        return DaySampleSerializer(
            {
                "id": sample.pk,
                "sample_size": sample.sample_size,
                "avg_weight_g": sample.avg_weight_g,
                "std_dev_weight_g": sample.std_dev_weight_g,
                "casts": casts if casts is not None else sample.casts.count(),
            }
        ).data


class MortalityEventSerializer(AuthoredSerializerMixin, RecordedSerializer, AssignmentEventSerializer):
    date_field = "event_date"
    rule_codes = ("exceeds_population",)

    class Meta:
        model = MortalityEvent
        fields = ["id", "assignment", "event_date", "count", "cause", "notes"]

    def record(self, row):
        return mortality_event_record(event=row)


class TreatmentSerializer(AuthoredSerializerMixin, AssignmentEventSerializer):
    date_field = "treatment_date"
    rule_codes = ("required",)  # a weighing's count and weight

    class Meta:
        model = Treatment
        fields = [
            "id",
            "assignment",
            "treatment_date",
            "treatment_type",
            "description",
            "includes_weighing",
            "weighed_count",
            "weighed_avg_weight_g",
        ]

    def validate(self, attrs):
        row = candidate(self, attrs)
        if row.includes_weighing:
            for field in ("weighed_count", "weighed_avg_weight_g"):
                if getattr(row, field) is None:
                    fail(
                        field, "A treatment with weighing needs the count weighed and their average weight.", "required"
                    )
        return super().validate(attrs)


class FeedingEventSerializer(AuthoredSerializerMixin, RecordedSerializer, AssignmentEventSerializer):
    date_field = "feeding_date"
    rule_codes = ("exceeds_daily_feed",)

    class Meta:
        model = FeedingEvent
        fields = ["id", "assignment", "feed", "feeding_date", "amount_kg"]

    def record(self, row):
        return feeding_event_record(event=row)


class TransferSerializer(AuthoredSerializerMixin, RecordedSerializer):
    rule_codes = ("same_assignment", "invalid", "required", "outside_assignment", "exceeds_population")

    class Meta:
        model = TransferAction
        fields = [
            "id",
            "source_assignment",
            "dest_assignment",
            "status",
            "planned_date",
            "actual_execution_date",
            "transferred_count",
            "mortality_during_transfer",
            "measured_avg_weight_g",
            "selection_method",
            "notes",
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
        return attrs

    def record(self, row):
        return transfer_record(transfer=row)


def _check_transfer_day(source, dest, day) -> None:
    """The fish leave the source on or before its departure day and arrive within the destination's days."""
    if day < source.assignment_date or (source.departure_date and day > source.departure_date):
        fail("actual_execution_date", f"{day} is outside the source assignment's days.", "outside_assignment")
    event_date_validate(assignment=dest, day=day, field="actual_execution_date")


class EnvironmentalReadingSerializer(AuthoredSerializerMixin, ModelSerializer):
    rule_codes = ("out_of_range",)
    value = FiniteFloatField(min_value=READING_MIN, max_value=READING_MAX, help_text="Within the parameter's range.")

    class Meta:
        model = EnvironmentalReading
        fields = ["id", "container", "parameter", "reading_time", "value"]

    def validate(self, attrs):
        environmental_reading_validate(candidate(self, attrs))
        return attrs
