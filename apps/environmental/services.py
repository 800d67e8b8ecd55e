"""Record environmental readings; the recompute marks what their temperatures reach (±7 days) on the
``readings_bulk_created`` signal, sent in the same transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
from apps.environmental.signals import readings_bulk_created
from apps.environmental.validation import reading_in_range_validate


def readings_validate(readings: list[EnvironmentalReading]) -> None:
    """The checks of a single reading (field bounds, its parameter's range) for every reading of a bulk
    import, with no query per row. ``ValidationError`` keyed ``<index>.<field>`` for the first bad reading."""
    parameters = EnvironmentalParameter.objects.in_bulk({r.parameter_id for r in readings})
    for index, reading in enumerate(readings):
        try:
            reading.clean_fields(exclude=["container", "parameter"])
            parameter = parameters.get(reading.parameter_id)
            if parameter is None:
                raise ValidationError({"parameter": f"Parameter {reading.parameter_id} does not exist."})
            reading_in_range_validate(reading, parameter)
        except ValidationError as error:
            raise ValidationError(
                {f"{index}.{field}": messages for field, messages in error.error_dict.items()}
            ) from error


def environmental_readings_record(*, readings: list[EnvironmentalReading]) -> list[EnvironmentalReading]:
    """Validate, bulk-insert (no per-row signals) and mark the recompute of the temperatures among them.
    All or nothing: one bad reading refuses the whole import."""
    readings_validate(readings)
    with transaction.atomic():
        created = EnvironmentalReading.objects.bulk_create(readings, batch_size=2000)
        readings_bulk_created.send(sender=EnvironmentalReading, readings=created)  # the recompute marks them
    return created
