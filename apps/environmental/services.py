"""Record environmental readings and mark the recompute their temperatures reach (±7 days)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
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
            raise ValidationError({f"{index}.{field}": messages for field, messages in error.error_dict.items()})


def environmental_readings_record(*, readings: list[EnvironmentalReading]) -> list[EnvironmentalReading]:
    """Validate, bulk-insert (no per-row signals) and mark the recompute of the temperatures among them.
    All or nothing: one bad reading refuses the whole import."""
    from apps.recompute.markers import recompute_mark_many
    from apps.recompute.reach import TEMPERATURE_CODE, local_day, temperature_marks

    readings_validate(readings)
    with transaction.atomic():
        created = EnvironmentalReading.objects.bulk_create(readings, batch_size=2000)
        temperature_ids = set(
            EnvironmentalParameter.objects.filter(code__iexact=TEMPERATURE_CODE).values_list("pk", flat=True)
        )
        days = {(r.container_id, local_day(r.reading_time)) for r in created if r.parameter_id in temperature_ids}
        recompute_mark_many(marks=temperature_marks(days))
    return created
