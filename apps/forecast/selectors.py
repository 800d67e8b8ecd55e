"""Reads of the stored segments and projections (for the API, the growth chart and the admin)."""
from __future__ import annotations

import datetime as dt

from apps.forecast.models import GrowthSegment, Projection

SEGMENT_FIELDS = (
    "id", "assignment_id", "start_date", "end_date", "start_kind", "end_kind", "days", "degree_days",
    "start_weight_g", "end_weight_g", "start_population", "end_population", "realised_tgc", "sgr_pct", "feed_kg",
    "biological_gain_kg", "economic_gain_kg", "biological_fcr", "economic_fcr", "deaths", "mortality_pct",
    "scenario_tgc", "performance_ratio", "computed_at",
)
PROJECTION_FIELDS = (
    "assignment_id", "as_of_date", "first_date", "days", "performance_ratio", "performance_sd", "performance_source",
    "temp_bias_c", "mortality_daily_rate", "mortality_source", "target_weight_g", "harvest_date", "harvest_date_p10",
    "harvest_date_p90", "series", "computed_at",
)


def growth_segments_for_batch(*, batch_id: int, assignment_id: int | None = None) -> list[dict]:
    """The batch's segments by assignment and end date."""
    segments = GrowthSegment.objects.filter(batch_id=batch_id)
    if assignment_id:
        segments = segments.filter(assignment_id=assignment_id)
    return list(segments.order_by("assignment_id", "end_date").values(*SEGMENT_FIELDS))


def projection_for_batch(*, batch_id: int, assignment_id: int | None = None) -> dict:
    """``total`` (None without an active assignment) and one projection per active assignment; each has its
    assumptions, harvest dates and ``series``: daily arrays from ``first_date`` on (weight_g, population and
    biomass_kg, each with p10 / p50 / p90, and stage_ids)."""
    rows = Projection.objects.filter(batch_id=batch_id).order_by("assignment_id").values(*PROJECTION_FIELDS)
    total, assignments = None, []
    for row in rows:
        row["last_date"] = row["first_date"] + dt.timedelta(days=row["days"] - 1) if row["days"] else None
        if row["assignment_id"] is None:
            total = row
        elif not assignment_id or row["assignment_id"] == assignment_id:
            assignments.append(row)
    return {"total": total, "assignments": assignments}
