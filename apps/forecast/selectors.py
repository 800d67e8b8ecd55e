"""Reads of the stored segments and projections (for the API, the growth chart and the admin)."""
from __future__ import annotations

import datetime as dt

from apps.forecast import engine
from apps.forecast.engine import population_and_biomass, projections_total
from apps.forecast.engine.estimates import MortalityEstimate
from apps.forecast.models import GrowthSegment, Projection

SEGMENT_FIELDS = (
    "id", "assignment_id", "start_date", "end_date", "start_kind", "end_kind", "days", "degree_days",
    "start_weight_g", "end_weight_g", "start_population", "end_population", "realised_tgc", "sgr_pct", "feed_kg",
    "biological_gain_kg", "economic_gain_kg", "biological_fcr", "economic_fcr", "deaths", "mortality_pct",
    "scenario_tgc", "performance_ratio", "computed_at",
)
PROJECTION_FIELDS = (
    "assignment_id", "as_of_date", "first_date", "days", "performance_ratio", "performance_sd", "performance_source",
    "temp_bias_c", "start_population", "mortality_daily_rate", "mortality_rel_sd", "mortality_source",
    "target_weight_g", "harvest_date", "harvest_date_p10", "harvest_date_p90", "sea_transfer_target_g",
    "sea_transfer_date", "sea_transfer_date_p10", "sea_transfer_date_p90", "series", "computed_at",
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
    biomass_kg, each with p10 / p50 / p90, and stage_ids; the total's stage_ids are 0). The population and biomass
    quantiles and the total are computed here from what is stored (docs/forecast.md "Storage")."""
    rows = list(Projection.objects.filter(batch_id=batch_id).order_by("assignment_id").values(*PROJECTION_FIELDS))
    projections = [_expanded(row) for row in rows]
    assignments = []
    for row, projection in zip(rows, projections):
        if not assignment_id or row["assignment_id"] == assignment_id:
            assignments.append(_body(row, projection))
    total = projections_total(projections, target_weight_g=rows[0]["target_weight_g"]) if rows else None
    return {"total": _total_body(rows, total) if total else None, "assignments": assignments}


def _expanded(row: dict) -> engine.Projection:
    series = row["series"]
    stages = [0] * row["days"]
    changes = series["stage_changes"] + [[row["days"], None]]
    for (index, stage), (following, _) in zip(changes, changes[1:]):
        stages[index:following] = [stage] * (following - index)
    projection = engine.Projection(first_date=row["first_date"], weight_g=series["weight_g"], stage_ids=stages)
    mortality = MortalityEstimate(row["mortality_daily_rate"], row["mortality_rel_sd"], row["mortality_source"])
    return population_and_biomass(projection, row["start_population"], mortality)


def _rounded(projection: engine.Projection) -> dict:
    return {
        "weight_g": {k: [round(v, 1) for v in values] for k, values in projection.weight_g.items()},
        "population": {k: [round(v) for v in values] for k, values in projection.population.items()},
        "biomass_kg": {k: [round(v, 1) for v in values] for k, values in projection.biomass_kg.items()},
        "stage_ids": projection.stage_ids,
    }


def _body(row: dict, projection: engine.Projection) -> dict:
    body = {k: v for k, v in row.items() if k != "series"}
    body["last_date"] = row["first_date"] + dt.timedelta(days=row["days"] - 1) if row["days"] else None
    body["series"] = _rounded(projection)
    return body


def _total_body(rows: list[dict], total: engine.Projection) -> dict:
    return {
        "assignment_id": None,
        "as_of_date": max(r["as_of_date"] for r in rows),
        "first_date": total.first_date,
        "last_date": total.first_date + dt.timedelta(days=total.days - 1) if total.days else None,
        "days": total.days,
        "start_population": sum(r["start_population"] for r in rows),
        "target_weight_g": rows[0]["target_weight_g"],
        "harvest_date": total.harvest_date,
        "harvest_date_p10": total.harvest_date_early,
        "harvest_date_p90": total.harvest_date_late,
        "series": _rounded(total),
        "computed_at": max(r["computed_at"] for r in rows),
    }
