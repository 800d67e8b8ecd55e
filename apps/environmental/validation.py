"""The ranges of environmental readings: each parameter keeps its own, inside the absolute bounds of
``aquamind.domain``; a temperature parameter's range also lies within ``TEMPERATURE_LIMITS_C``, because the
engine turns its readings into the daily temperatures that drive growth."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Max, Min

from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
from aquamind.domain import TEMPERATURE_CODE, TEMPERATURE_LIMITS_C


def reading_in_range_validate(reading: EnvironmentalReading, parameter: EnvironmentalParameter) -> None:
    """The reading's value lies within its parameter's ``min_value`` … ``max_value``."""
    if reading.value is None:
        return
    if not parameter.min_value <= reading.value <= parameter.max_value:
        raise ValidationError(
            {
                "value": ValidationError(
                    f"{reading.value} {parameter.unit} is outside the range of {parameter.name} "
                    f"({parameter.min_value} to {parameter.max_value} {parameter.unit}).",
                    code="out_of_range",
                )
            }
        )


def environmental_reading_validate(reading: EnvironmentalReading) -> None:
    if reading.parameter_id:
        reading_in_range_validate(reading, reading.parameter)


def environmental_parameter_validate(parameter: EnvironmentalParameter) -> None:
    """An ordered range, within the temperature limits for temperature, holding every stored reading."""
    low, high = parameter.min_value, parameter.max_value
    if low is None or high is None:
        return
    if high <= low:
        raise ValidationError(
            {"max_value": ValidationError("The maximum must be above the minimum.", code="max_below_min")}
        )
    if (parameter.code or "").lower() == TEMPERATURE_CODE and not (
        TEMPERATURE_LIMITS_C[0] <= low and high <= TEMPERATURE_LIMITS_C[1]
    ):
        raise ValidationError(
            {
                "max_value" if high > TEMPERATURE_LIMITS_C[1] else "min_value": ValidationError(
                    f"A temperature range lies within {TEMPERATURE_LIMITS_C[0]} to {TEMPERATURE_LIMITS_C[1]} °C.",
                    code="out_of_range",
                )
            }
        )
    if parameter.pk is not None:
        _stored_readings_validate(parameter)


def _stored_readings_validate(parameter: EnvironmentalParameter) -> None:
    stored = EnvironmentalReading.objects.filter(parameter_id=parameter.pk).aggregate(
        low=Min("value"), high=Max("value")
    )
    for field, value, outside in (
        ("min_value", stored["low"], stored["low"] is not None and stored["low"] < parameter.min_value),
        ("max_value", stored["high"], stored["high"] is not None and stored["high"] > parameter.max_value),
    ):
        if outside:
            raise ValidationError(
                {
                    field: ValidationError(
                        f"A stored reading of {value} lies outside the new range.", code="excludes_readings"
                    )
                }
            )
