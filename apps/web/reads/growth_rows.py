"""The growth chart's data as rows (docs/api.md): the daily states, the batch's totals per day or ISO week."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Min, Q
from django.utils import timezone

from apps.batch.models import (
    ActualDailyAssignmentState,
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    RecomputeMarker,
)
from apps.batch.services.projection import scenario_projection
from apps.batch.services.scenario_params import scenario_for_batch
from apps.forecast.selectors import growth_segments_for_batch, projection_for_batch
from aquamind.errors import RecomputeError


def recompute_status(*, batch: Batch) -> dict:
    pending = RecomputeMarker.objects.filter(batch_id=batch.pk).aggregate(
        n=Count("id"), parked=Count("id", filter=Q(parked_at__isnull=False)), oldest=Min("created_at")
    )
    return {
        "pending_markers": pending["n"],
        "parked_markers": pending["parked"],
        "oldest_pending_at": pending["oldest"],
        "last_success_at": batch.last_recompute_success_at,
        "last_error_code": batch.last_recompute_error_code or None,
        "last_error": batch.last_recompute_error or None,
        "last_error_at": batch.last_recompute_error_at,
    }


def _batch_totals(rows: list[dict]) -> list[dict]:
    """Per day: summed population and biomass, population-weighted average weight, and the anchor of any
    assignment measured that day (the chart marks the day)."""
    by_day: dict[dt.date, dict] = defaultdict(
        lambda: {"population": 0, "biomass_kg": 0.0, "weight_x_pop": 0.0, "feed_kg": 0.0, "mortality_count": 0, "anchor_type": None}
    )
    for r in rows:
        t = by_day[r["date"]]
        t["population"] += r["population"]
        t["biomass_kg"] += float(r["biomass_kg"])
        t["weight_x_pop"] += float(r["avg_weight_g"]) * r["population"]
        t["feed_kg"] += float(r["feed_kg"])
        t["mortality_count"] += r["mortality_count"]
        t["anchor_type"] = t["anchor_type"] or r["anchor_type"]
    return [
        {
            "date": day,
            "population": t["population"],
            "biomass_kg": round(t["biomass_kg"], 2),
            "avg_weight_g": round(t["weight_x_pop"] / t["population"], 2) if t["population"] else None,
            "feed_kg": round(t["feed_kg"], 3),
            "mortality_count": t["mortality_count"],
            "anchor_type": t["anchor_type"],
        }
        for day, t in sorted(by_day.items())
    ]


def weekly(series: list[dict]) -> list[dict]:
    """A true ISO-week aggregate: population-weighted weight, end-of-week population and biomass, summed feed and deaths."""
    weeks: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for row in series:
        weeks[row["date"].isocalendar()[:2]].append(row)
    result = []
    for (year, week), rows in sorted(weeks.items()):
        pop = sum(r["population"] for r in rows)
        last = rows[-1]
        result.append(
            {
                "date": last["date"],
                "iso_week": f"{year}-W{week:02d}",
                "avg_weight_g": round(sum(float(r["avg_weight_g"] or 0) * r["population"] for r in rows) / pop, 2) if pop else None,
                "population": last["population"],
                "biomass_kg": last["biomass_kg"],
                "feed_kg": round(sum(float(r["feed_kg"]) for r in rows), 3),
                "mortality_count": sum(r["mortality_count"] for r in rows),
                "anchor_type": next((r["anchor_type"] for r in rows if r["anchor_type"]), None),
            }
        )
    return result


def growth_records(*, batch: Batch, start_date=None, end_date=None, assignment_id=None):
    """The daily states and growth samples a growth read shows: the batch's, or one assignment's, within the dates."""
    states = ActualDailyAssignmentState.objects.filter(batch_id=batch.pk)
    samples = GrowthSample.objects.filter(assignment__batch_id=batch.pk)
    if assignment_id:
        states, samples = states.filter(assignment_id=assignment_id), samples.filter(assignment_id=assignment_id)
    if start_date:
        states, samples = states.filter(date__gte=start_date), samples.filter(sample_date__gte=start_date)
    if end_date:
        states, samples = states.filter(date__lte=end_date), samples.filter(sample_date__lte=end_date)
    return states, samples


def combined_growth_data(
    *, batch: Batch, start_date=None, end_date=None, assignment_id=None, granularity: str = "daily"
) -> dict:
    """Everything the growth chart needs in one read (docs/api.md)."""
    states, samples = growth_records(batch=batch, start_date=start_date, end_date=end_date, assignment_id=assignment_id)
    rows = list(
        states.order_by("date", "assignment_id").values(
            "assignment_id", "date", "day_number", "avg_weight_g", "population", "biomass_kg", "temp_c", "feed_kg",
            "mortality_count", "observed_fcr", "anchor_type", "sources", "confidence_scores", "lifecycle_stage__name",
        )
    )
    totals = _batch_totals(rows)
    return {
        "batch": {"id": batch.pk, "batch_number": batch.batch_number, "status": batch.status, "start_date": batch.start_date},
        "scenario": _scenario_series(batch, start_date, end_date),
        "growth_samples": list(samples.order_by("sample_date").values("id", "assignment_id", "sample_date", "avg_weight_g", "sample_size")),
        "actual_daily_states": rows if granularity == "daily" else [],
        "batch_totals": totals if granularity == "daily" else weekly(totals),
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


def _scenario_series(batch: Batch, start_date, end_date) -> dict | None:
    try:
        scenario = scenario_for_batch(batch)
        days = scenario_projection(scenario_id=scenario.pk)
    except RecomputeError:
        return None
    return {
        "id": scenario.pk,
        "name": scenario.name,
        "projection": [
            {"date": d.date, "day_number": d.day_number, "avg_weight_g": round(d.avg_weight_g, 2), "population": d.population, "biomass_kg": round(d.biomass_kg, 2)}
            for d in days
            if (not start_date or d.date >= start_date) and (not end_date or d.date <= end_date)
        ],
    }
