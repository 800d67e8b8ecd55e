"""Field builders and checks shared by the serializers: the units and ranges of docs/api.md §Validation."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.utils import timezone
from rest_framework import serializers

from aquamind.domain import MAX_AVG_WEIGHT_G

from . import fields

MAX_COUNT = 2_147_483_647
MAX_ID = 2**63 - 1  # a BigAutoField; larger ids overflow SQLite in IN lookups


def weight_g(**kwargs) -> serializers.DecimalField:
    """An average fish weight in grams: above 0, at most 50,000 g, two decimals."""
    return fields.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(MAX_AVG_WEIGHT_G),
        error_messages={
            "min_value": "A weight must be above 0 g.",
            "max_value": f"A weight must be at most {MAX_AVG_WEIGHT_G:,} g.",
        },
        **kwargs,
    )


def fish_count(**kwargs) -> fields.IntegerField:
    """A number of fish: at least 1."""
    return fields.IntegerField(
        min_value=1, max_value=MAX_COUNT, error_messages={"min_value": "A count must be at least 1."}, **kwargs
    )


CLOCK_SKEW = dt.timedelta(minutes=5)


def not_in_future(value) -> None:
    """A date after today, or a moment more than five minutes ahead (clock skew), is refused."""
    if isinstance(value, dt.datetime):
        if value > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError(f"{value.isoformat()} is in the future.", code="future_date")
        return
    today = timezone.localdate()
    if value > today:
        raise serializers.ValidationError(f"{value} is in the future (today is {today}).", code="future_date")


def past_date(**kwargs) -> serializers.DateField:
    return serializers.DateField(validators=[not_in_future], **kwargs)


FiniteFloatField = fields.FloatField


class ModelSerializer(serializers.ModelSerializer):
    """The base of every model serializer of the API: the strict field types of ``fields`` for every model
    field (integers refuse floats and booleans, strings refuse numbers, text is bounded, ids are integers)."""

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
        empty = {name: [serializers.ErrorDetail("An empty value; leave the parameter out instead.", code="blank")]
                 for name in self.fields if hasattr(data, "get") and data.get(name) == ""}
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
