"""Field builders and checks shared by the serializers: the units and ranges of docs/api.md §Validation."""

from __future__ import annotations

from django.db import models
from rest_framework import serializers

from . import fields

MAX_ID = 2**63 - 1  # a BigAutoField; larger ids overflow SQLite in IN lookups

FiniteFloatField = fields.FloatField


class ModelSerializer(serializers.ModelSerializer):
    """The base of every model serializer of the API: the strict field types of ``fields`` for every model
    field (integers refuse floats and booleans, strings refuse numbers, text is bounded, ids are integers,
    dates, date-times and decimal strings in one format with ASCII digits)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.AutoField: fields.IntegerField,
        models.BigAutoField: fields.IntegerField,
        models.BigIntegerField: fields.IntegerField,
        models.IntegerField: fields.IntegerField,
        models.PositiveIntegerField: fields.IntegerField,
        models.PositiveBigIntegerField: fields.IntegerField,
        models.PositiveSmallIntegerField: fields.IntegerField,
        models.SmallIntegerField: fields.IntegerField,
        models.FloatField: fields.FloatField,
        models.DecimalField: fields.DecimalField,
        models.DateField: fields.DateField,
        models.DateTimeField: fields.DateTimeField,
        models.BooleanField: fields.BooleanField,
        models.CharField: fields.CharField,
        models.TextField: fields.TextField,
    }
    serializer_related_field = fields.PrimaryKeyRelatedField
    serializer_choice_field = fields.ChoiceField


class QuerySerializer(serializers.Serializer):
    """Validates query parameters. A parameter given with an empty value (``?start_date=``) is an error, not
    "left out" (DRF treats an empty form value as absent), so the schema's formats hold for every value."""

    def to_internal_value(self, data):
        empty = {
            name: [serializers.ErrorDetail("An empty value; leave the parameter out instead.", code="blank")]
            for name in self.fields
            if hasattr(data, "get") and data.get(name) == ""
        }
        if empty:
            raise serializers.ValidationError(empty)
        return super().to_internal_value(data)


def candidate(serializer: serializers.ModelSerializer, attrs: dict):
    """The row as it will be saved: the stored values (on update) overlaid with the validated input, as an
    unsaved model instance for the domain validators."""
    model = serializer.Meta.model
    concrete = {f.name for f in model._meta.concrete_fields}
    values = {}
    if serializer.instance is not None:
        values = {name: getattr(serializer.instance, name) for name in concrete if name != "id"}
    values.update({k: v for k, v in attrs.items() if k in concrete})
    row = model(**values)
    if serializer.instance is not None:
        row.pk = serializer.instance.pk
    return row


def fail(field: str, message: str, code: str = "invalid"):
    raise serializers.ValidationError({field: [serializers.ErrorDetail(message, code=code)]})
