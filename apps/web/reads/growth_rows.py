"""The growth chart's data as rows (docs/api.md): one object per daily state, and the batch's totals per day or
ISO week from the same aggregation as the columns (``growth_totals``), so both shapes hold the same figures."""

from __future__ import annotations

from django.utils import timezone

from apps.batch.models import Batch, BatchContainerAssignment
from apps.forecast.selectors import growth_segments_for_batch, projection_for_batch
from apps.web.reads.growth_common import growth_records, recompute_status, scenario_series
from apps.web.reads.growth_totals import batch_totals_columns, rows_of, weekly_totals_columns

#: the fields of a row of ``batch_totals``, daily and weekly (the columns carry more)
DAILY_KEYS = ("date", "population", "biomass_kg", "avg_weight_g", "feed_kg", "mortality_count", "anchor_type")
WEEKLY_KEYS = (
    "date",
    "iso_week",
    "avg_weight_g",
    "population",
    "biomass_kg",
    "feed_kg",
    "mortality_count",
    "anchor_type",
)


def combined_growth_data(
    *, batch: Batch, start_date=None, end_date=None, assignment_id=None, granularity: str = "daily"
) -> dict:
    """Everything the growth chart needs in one read (docs/api.md)."""
    states, samples = growth_records(batch=batch, start_date=start_date, end_date=end_date, assignment_id=assignment_id)
    rows = list(
        states.order_by("date", "assignment_id").values(
            "assignment_id",
            "date",
            "day_number",
            "avg_weight_g",
            "population",
            "biomass_kg",
            "temp_c",
            "feed_kg",
            "mortality_count",
            "observed_fcr",
            "anchor_type",
            "sources",
            "confidence_scores",
            "lifecycle_stage__name",
        )
    )
    daily = granularity == "daily"
    totals = (
        rows_of(batch_totals_columns(states), DAILY_KEYS)
        if daily
        else rows_of(weekly_totals_columns(states), WEEKLY_KEYS)
    )
    return {
        "batch": {
            "id": batch.pk,
            "batch_number": batch.batch_number,
            "status": batch.status,
            "start_date": batch.start_date,
        },
        "scenario": scenario_series(batch=batch, start_date=start_date, end_date=end_date),
        "growth_samples": list(
            samples.order_by("sample_date").values("id", "assignment_id", "sample_date", "avg_weight_g", "sample_size")
        ),
        "actual_daily_states": rows if daily else [],
        "batch_totals": totals,
        "assignments": list(
            BatchContainerAssignment.objects.filter(batch_id=batch.pk)
            .order_by("assignment_date", "id")
            .values("id", "container__name", "assignment_date", "departure_date", "lifecycle_stage__name")
        ),
        "date_range": {"start": rows[0]["date"] if rows else None, "end": rows[-1]["date"] if rows else None},
        "granularity": granularity,
        "recompute_status": recompute_status(batch=batch),
        "generated_at": timezone.now(),
        "growth_segments": growth_segments_for_batch(batch_id=batch.pk, assignment_id=assignment_id),
        "projection": projection_for_batch(batch_id=batch.pk, assignment_id=assignment_id),
    }
