"""Record environmental readings and mark the recompute their temperatures reach (±7 days)."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading
from apps.environmental.validation import reading_in_range_validate

TEMPERATURE_REACH = dt.timedelta(days=7)


def is_temperature(parameter_id: int) -> bool:
    return EnvironmentalParameter.objects.filter(pk=parameter_id, code__iexact="temperature").exists()


def temperature_marks(container_days: Iterable[tuple[int, dt.date]]) -> list[tuple[int, dt.date]]:
    """(assignment id, from date) for every assignment of the container whose days lie within ±7 days of the
    reading's day: interpolation reaches that far (engine.md §3.2)."""
    from apps.batch.models import BatchContainerAssignment

    by_container: dict[int, tuple[dt.date, dt.date]] = {}
    for container_id, day in container_days:
        low, high = by_container.get(container_id, (day, day))
        by_container[container_id] = (min(low, day), max(high, day))
    condition = Q()
    for container_id, (low, high) in by_container.items():
        condition |= Q(container_id=container_id, assignment_date__lte=high + TEMPERATURE_REACH) & (
            Q(departure_date__isnull=True) | Q(departure_date__gt=low - TEMPERATURE_REACH)
        )
    if not by_container:
        return []
    rows = BatchContainerAssignment.objects.filter(condition).values_list("pk", "container_id")
    return [(pk, by_container[container][0] - TEMPERATURE_REACH) for pk, container in rows]


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
    from apps.batch.services.markers import recompute_mark_many

    readings_validate(readings)
    with transaction.atomic():
        created = EnvironmentalReading.objects.bulk_create(readings, batch_size=2000)
        temperature_ids = set(
            EnvironmentalParameter.objects.filter(code__iexact="temperature").values_list("pk", flat=True)
        )
        days = {
            (r.container_id, timezone.localdate(r.reading_time)) for r in created if r.parameter_id in temperature_ids
        }
        recompute_mark_many(marks=temperature_marks(days))
    return created
