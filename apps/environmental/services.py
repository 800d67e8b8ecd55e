"""Record environmental readings and mark the recompute their temperatures reach (±7 days)."""
from __future__ import annotations

from django.db import transaction

from apps.environmental.models import EnvironmentalParameter, EnvironmentalReading


def environmental_readings_record(*, readings: list[EnvironmentalReading]) -> list[EnvironmentalReading]:
    """Bulk-insert readings (no per-row signals) and mark the recompute of the temperatures among them."""
    from apps.batch.services.markers import recompute_mark_many
    from apps.batch.services.reach import TEMPERATURE_CODE, local_day, temperature_marks

    with transaction.atomic():
        created = EnvironmentalReading.objects.bulk_create(readings, batch_size=2000)
        temperature_ids = set(
            EnvironmentalParameter.objects.filter(code__iexact=TEMPERATURE_CODE).values_list("pk", flat=True)
        )
        days = {(r.container_id, local_day(r.reading_time)) for r in created if r.parameter_id in temperature_ids}
        recompute_mark_many(marks=temperature_marks(days))
    return created
