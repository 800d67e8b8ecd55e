"""Strict field types for every serializer of the API (docs/api.md §Validation, "Types").

JSON has its own types, and the schema states them: an integer field takes a JSON integer, not a float
(``1.5`` or ``1.0``) nor a boolean (``true`` is 1 in Python); a float field takes a number; a decimal field
a number or a decimal string; neither takes a boolean; a string field takes a string, not a number; a
boolean field takes ``true`` or ``false``; a related id takes an integer. DRF's own fields coerce all of
these silently. Integer fields of
query-string serializers take digit strings (``allow_strings=True``): a query string has no other type.

Text that stands for a number or a moment is read in one format only, with ASCII digits (``apps.api.formats``): a date
is ``YYYY-MM-DD`` (not an ISO week date ``2026-W48-1``, not ``20261124``, not Arabic-Indic or full-width
digits, which Python's parsers and ``\\d`` would all take), a datetime ISO 8601 ``YYYY-MM-DDTHH:MM[:SS[.f]]``
with an optional ``Z`` or ``±HH:MM``, a decimal string ``-?digits[.digits]`` with no spaces around it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from apps.api import formats

MAX_TEXT_LENGTH = 10_000


def is_json_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class IntegerField(serializers.IntegerField):
    """A whole number sent as a JSON integer (or, with ``allow_strings``, as digits)."""

    default_error_messages = {"incorrect_type": "An integer is required, not {data_type}."}

    def __init__(self, *, allow_strings: bool = False, **kwargs):
        self.allow_strings = allow_strings
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if is_json_integer(data):
            return data
        if self.allow_strings and isinstance(data, str):
            if not formats.is_integer_text(data):
                self.fail("invalid")
            return int(data)
        self.fail("incorrect_type", data_type=_type_name(data))


class FloatField(serializers.FloatField):
    """A finite real number sent as a JSON number: booleans, strings and numbers beyond a float are refused."""

    default_error_messages = {
        "not_finite": "A finite number is required.",
        "incorrect_type": "A number is required, not {data_type}.",
    }

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip().lower().lstrip("+-") in {"nan", "inf", "infinity"}:
            self.fail("not_finite")
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("incorrect_type", data_type=_type_name(data))
        try:
            value = float(data)
        except OverflowError:  # an integer of hundreds of digits
            self.fail("not_finite")
        if not math.isfinite(value):
            self.fail("not_finite")
        return value


class DecimalField(serializers.DecimalField):
    """A decimal sent as a JSON number or a decimal string (the form the responses use); not a boolean.

    The bounds are checked on the value as sent; it is then rounded half up to ``decimal_places`` (a weight
    of 125.456 g is stored as 125.46 g), so the schema can say "a number between min and max" and mean it.
    """

    default_error_messages = {
        "incorrect_type": "A number is required, not {data_type}.",
        "invalid": "{value!r} is not a number: send a JSON number, or a string of ASCII digits with an optional "
        "minus sign and decimal point, and no spaces.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("rounding", decimal.ROUND_HALF_UP)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float, str)):
            self.fail("incorrect_type", data_type=_type_name(data))
        if isinstance(data, str) and not formats.is_decimal_text(data):
            self.fail("invalid", value=_shown(data))
        return super().to_internal_value(data)

    def validate_precision(self, value):
        if self.min_value is not None and value < self.min_value:
            self.fail("min_value", min_value=self.min_value)
        if self.max_value is not None and value > self.max_value:
            self.fail("max_value", max_value=self.max_value)
        if self.max_whole_digits is not None and value.adjusted() >= self.max_whole_digits:
            self.fail("max_whole_digits", max_whole_digits=self.max_whole_digits)
        if self.decimal_places is not None:
            value = value.quantize(decimal.Decimal(1).scaleb(-self.decimal_places), rounding=self.rounding)
        return super().validate_precision(value)

    def bounds(self) -> dict:
        """``minimum``/``maximum`` of the values accepted: the field's limits, or what its digits can hold."""
        largest = None
        if self.max_whole_digits is not None:
            largest = decimal.Decimal(10) ** self.max_whole_digits - decimal.Decimal(1).scaleb(
                -(self.decimal_places or 0)
            )
        limits = {"minimum": [self.min_value, -largest if largest else None], "maximum": [self.max_value, largest]}
        pick = {"minimum": max, "maximum": min}
        return {
            key: float(pick[key](v for v in values if v is not None))
            for key, values in limits.items()
            if any(v is not None for v in values)
        }


class DecimalFieldSchema(OpenApiSerializerFieldExtension):
    """A decimal is a JSON number with its real bounds, in requests and responses alike
    (``COERCE_DECIMAL_TO_STRING`` is off; drf-spectacular would say "a string matching a pattern", which states no
    bounds)."""

    target_class = DecimalField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "number", "format": "double", **self.target.bounds()}


class DateField(serializers.DateField):
    """A day sent as the string ``YYYY-MM-DD`` with ASCII digits (a real day of the calendar)."""

    default_error_messages = {
        "incorrect_type": "A date string is required, not {data_type}.",
        "invalid": "{value!r} is not a date: use YYYY-MM-DD with ASCII digits.",
    }

    def to_internal_value(self, value):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value  # from Python (a default, an internal call), not from JSON
        if not isinstance(value, str):
            self.fail("incorrect_type", data_type=_type_name(value))
        day = formats.date_from_text(value)
        if day is None:
            self.fail("invalid", value=_shown(value))
        return day


class DateTimeField(serializers.DateTimeField):
    """A moment sent as ISO 8601 ``YYYY-MM-DDTHH:MM[:SS[.fraction]]`` with ASCII digits, then ``Z``, an offset
    ``±HH:MM``, or nothing (the farm's time zone, ``TIME_ZONE``)."""

    default_error_messages = {
        "incorrect_type": "A date-time string is required, not {data_type}.",
        "invalid": "{value!r} is not a date-time: use ISO 8601, YYYY-MM-DDTHH:MM:SS with an optional fraction "
        "and Z or ±HH:MM, in ASCII digits.",
    }

    def to_internal_value(self, value):
        if isinstance(value, dt.datetime):
            return self.enforce_timezone(value)
        if not isinstance(value, str):
            self.fail("incorrect_type", data_type=_type_name(value))
        moment = formats.datetime_from_text(value)
        if moment is None:
            self.fail("invalid", value=_shown(value))
        return self.enforce_timezone(moment)


class CharField(serializers.CharField):
    """Text sent as a JSON string: numbers and booleans are refused, not turned into ``"0"``. Kept as sent
    (no trimming), so "not blank" means what the schema's ``minLength: 1`` says."""

    default_error_messages = {"incorrect_type": "A string is required, not {data_type}."}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("incorrect_type", data_type=_type_name(data))
        return super().to_internal_value(data)


class TextField(CharField):
    """Free text (notes, descriptions): at most ``MAX_TEXT_LENGTH`` characters unless the model says less."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_TEXT_LENGTH)
        super().__init__(**kwargs)


class ChoiceField(serializers.ChoiceField):
    """One of the choices, sent as the JSON string the schema lists."""

    default_error_messages = {"incorrect_type": "A string is required, not {data_type}."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("incorrect_type", data_type=_type_name(data))
        return super().to_internal_value(data)


class BooleanField(serializers.BooleanField):
    """``true`` or ``false``; not 1, 0, "yes" or "on"."""

    default_error_messages = {
        "incorrect_type": "true or false is required, not {data_type}.",
        "invalid": "{value!r} is neither true nor false.",
    }

    def __init__(self, *, allow_strings: bool = False, **kwargs):
        self.allow_strings = allow_strings  # a query string's "true" / "false"
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if self.allow_strings and isinstance(data, str):
            if data.lower() not in {"true", "false"}:  # any case, as the list filters take them
                self.fail("invalid", value=_shown(data))
            return data.lower() == "true"
        if not isinstance(data, bool):
            self.fail("incorrect_type", data_type=_type_name(data))
        return data


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """The id of a stored row, sent as a JSON integer: ``1.5``, ``true`` and ``"1"`` are refused."""

    def to_internal_value(self, data):
        if not is_json_integer(data):
            self.fail("incorrect_type", data_type=_type_name(data))
        return super().to_internal_value(data)


def _shown(text: str, limit: int = 40) -> str:
    """The value as the error message quotes it: at most ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + "…"


def _type_name(value) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }
    return "null" if value is None else names.get(type(value), type(value).__name__)
