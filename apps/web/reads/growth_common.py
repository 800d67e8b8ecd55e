"""What both shapes of the growth chart's data read: the batch's records within the dates, its scenario's
projection and its recompute status."""

from __future__ import annotations

from django.db.models import Count, Min, Q

from apps.batch.models import ActualDailyAssignmentState, Batch, GrowthSample, RecomputeMarker
from apps.batch.services.projection import scenario_projection
from apps.batch.services.scenario_params import scenario_for_batch
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


def scenario_series(*, batch: Batch, start_date=None, end_date=None) -> dict | None:
    """The batch's scenario (pinned, else newest) and its projection within the dates, as rows; None without one."""
    try:
        scenario = scenario_for_batch(batch)
        days = scenario_projection(scenario_id=scenario.pk)
    except RecomputeError:
        return None
    return {
        "id": scenario.pk,
        "name": scenario.name,
        "projection": [
            {
                "date": d.date,
                "day_number": d.day_number,
                "avg_weight_g": round(d.avg_weight_g, 2),
                "population": d.population,
                "biomass_kg": round(d.biomass_kg, 2),
            }
            for d in days
            if (not start_date or d.date >= start_date) and (not end_date or d.date <= end_date)
        ],
    }
