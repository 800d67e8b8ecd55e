"""Reads of the stored segments and projections (for the API, the growth chart and the admin)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.forecast import engine
from apps.forecast.engine import population_and_biomass, projections_total
from apps.forecast.engine.estimates import MortalityEstimate
from apps.forecast.models import GrowthSegment, Projection
from apps.forecast.services.segments import SEGMENT_COLUMNS

SEGMENT_FIELDS = ("id", *SEGMENT_COLUMNS[1:])  # as stored, with the row id instead of the batch
PROJECTION_FIELDS = (
    "assignment_id",
    "as_of_date",
    "first_date",
    "days",
    "performance_ratio",
    "performance_sd",
    "performance_source",
    "temp_bias_c",
    "start_population",
    "mortality_daily_rate",
    "mortality_rel_sd",
    "mortality_source",
    "target_weight_g",
    "harvest_date",
    "harvest_date_p10",
    "harvest_date_p90",
    "sea_transfer_target_g",
    "sea_transfer_date",
    "sea_transfer_date_p10",
    "sea_transfer_date_p90",
    "series",
    "computed_at",
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
    return {"total": _total_body(rows, total) if total else None, "assignments": assignments, "band": band_summary()}


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


BAND_HORIZONS = (30, 60, 90)


def band_summary() -> dict:
    """How the projections' P10-P90 band was made (docs/forecast.md "The calibrated band"): ``calibrated``,
    when (``computed_at``), from how many past forecast errors (``residuals``), the method's version, the
    measured coverage per phase and bucket, and ``note``: one sentence for a page. One query."""
    from apps.forecast.models import BandCalibration

    rows = list(BandCalibration.objects.order_by("phase", "weight_from_g", "first_day"))
    calibrated = any(r.source != "closed-form" for r in rows)
    body = {
        "calibrated": calibrated,
        "computed_at": rows[0].computed_at if rows else None,
        "method_version": rows[0].method_version if rows else None,
        "residuals": rows[0].residuals if rows else 0,
        "buckets": [
            {
                "phase": r.phase,
                "first_day": r.first_day,
                "last_day": r.last_day,
                "n": r.n,
                "source": r.source,
                "coverage": r.coverage,
                "weight_from_g": r.weight_from_g,
                "weight_to_g": r.weight_to_g,
                "like_from_g": r.like_from_g,
                "like_to_g": r.like_to_g,
            }
            for r in rows
            if r.source != "closed-form"
        ],
    }
    body["note"] = _band_note(body)
    return body


def _measured(buckets) -> float | None:
    """The measured coverage of a phase at one horizon: its weight classes' coverages weighted by their
    residuals (one class: its own); None when none was measured."""
    found = [(b["n"], b["coverage"]) for b in buckets if b["coverage"] is not None]
    total = sum(n for n, _ in found)
    return sum(n * c for n, c in found) / total if total else None


def _band_note(body: dict) -> str:
    if not body["calibrated"]:
        why = f" (only {body['residuals']} past forecast errors)" if body["computed_at"] else " (never calibrated)"
        return f"P10–P90 band: not calibrated: closed-form band{why}."
    when = timezone.localtime(body["computed_at"]).strftime("%Y-%m-%d %H:%M")
    parts = []
    for phase, label in (("fresh", "fresh water"), ("sea", "sea")):
        figures = []
        for h in BAND_HORIZONS:
            coverage = _measured(
                b for b in body["buckets"] if b["phase"] == phase and b["first_day"] <= h <= b["last_day"]
            )
            figures.append("–" if coverage is None else f"{100 * coverage:.0f} %")
        parts.append(f"{label} {' / '.join(figures)}")
    return (
        f"P10–P90 band calibrated on this farm's own past forecasts ({body['residuals']:,} later weighings), "
        f"last calibrated {when}; measured coverage at +{' / +'.join(map(str, BAND_HORIZONS))} days: {'; '.join(parts)}."
    )
