"""Reads of the forecast summary (docs/forecast.md "Summary"): per assignment its harvest and sea transfer with
their planning flags, and the farm's crossings by ISO week (the overview's "Coming up" is built from them in
apps/web/reads/coming_up.py). Computed on read from the stored projections' crossing
columns (never their series) and the open planned activities: two queries, whatever the farm's size."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from apps.access.scope import scoped_for
from apps.forecast.engine.estimates import MortalityEstimate
from apps.forecast.engine.summary import (
    StoredCrossing,
    assignment_flag,
    crossing_body,
    crossing_flag,
    weekly_totals,
    weeks_end,
)
from apps.forecast.models import Projection
from apps.planning.models import PlannedActivity

CROSSING_FIELDS = (
    "assignment_id",
    "as_of_date",
    "start_population",
    "mortality_daily_rate",
    "mortality_rel_sd",
    "mortality_source",
    "target_weight_g",
    "harvest_date",
    "harvest_date_p10",
    "harvest_date_p90",
    "harvest_weight_p10_g",
    "harvest_weight_p50_g",
    "harvest_weight_p90_g",
    "sea_transfer_target_g",
    "sea_transfer_date",
    "sea_transfer_date_p10",
    "sea_transfer_date_p90",
    "sea_transfer_weight_p10_g",
    "sea_transfer_weight_p50_g",
    "sea_transfer_weight_p90_g",
)
PLACE_FIELDS = {
    "container_id": "assignment__container_id",
    "container_name": "assignment__container__name",
    "site_id": "assignment__container__site_id",
    "site_name": "assignment__container__site__name",
}
#: the planned activity that covers each kind of crossing
ACTIVITY_TYPES = {"harvest": PlannedActivity.Type.HARVEST, "sea_transfer": PlannedActivity.Type.TRANSFER}
TARGET_FIELDS = {"harvest": "target_weight_g", "sea_transfer": "sea_transfer_target_g"}


def forecast_summary_for_batch(*, batch_id: int, today: dt.date) -> dict:
    """Each active assignment's harvest and sea transfer (null outside fresh water) with their flags, and the
    assignment's flag (the most urgent of the two), by assignment."""
    rows = list(
        Projection.objects.filter(batch_id=batch_id).order_by("assignment_id")
        .values(*CROSSING_FIELDS, **{key: F(path) for key, path in PLACE_FIELDS.items()})
    )  # fmt: skip
    planned = _planned({r["assignment_id"] for r in rows})
    assignments = []
    for row in rows:
        crossings = _crossings(row, planned, today)
        place = {key: row[key] for key in PLACE_FIELDS}
        flag = assignment_flag(c["flag"] for c in crossings.values() if c is not None)
        assignments.append(
            {"assignment_id": row["assignment_id"], **place, "as_of_date": row["as_of_date"], "flag": flag, **crossings}
        )
    return {
        "batch_id": batch_id,
        "today": today,
        "planning_days": settings.FORECAST_PLANNING_DAYS,
        "assignments": assignments,
    }


def forecast_summary_for_farm(*, today: dt.date, site_id: int | None = None, user=None) -> dict:
    """Harvests and sea transfers by ISO week for FORECAST_SUMMARY_WEEKS weeks from this one (and ``overdue``),
    every active assignment of the farm, or of ``site_id``'s containers; of ``user``'s sites only (docs/access.md)."""
    weeks = settings.FORECAST_SUMMARY_WEEKS
    crossings = [
        (kind, c)
        for kind, c, _ in farm_crossings(today=today, before=weeks_end(today, weeks), site_id=site_id, user=user)
    ]
    return {
        "today": today,
        "site_id": site_id,
        "planning_days": settings.FORECAST_PLANNING_DAYS,
        **weekly_totals(crossings, today=today, weeks=weeks),
    }


def farm_crossings(
    *, today: dt.date, before: dt.date, site_id: int | None, user=None, **extra
) -> list[tuple[str, dict, dict]]:
    """(kind, crossing body, projection row) of the crossings of every projection with a P50 date before
    ``before``, farm-wide or in ``site_id``'s containers (``extra``: more annotated fields): two queries."""
    projections = scoped_for(
        Projection.objects.filter(Q(harvest_date__lt=before) | Q(sea_transfer_date__lt=before)), user
    )
    if site_id is not None:
        projections = projections.filter(assignment__container__site_id=site_id)
    rows = list(projections.values(*CROSSING_FIELDS, "batch_id", **extra))
    planned = _planned({r["assignment_id"] for r in rows})
    return [(kind, c, r) for r in rows for kind, c in _crossings(r, planned, today).items() if c is not None]


def covering_activities(kinds=tuple(ACTIVITY_TYPES)):
    """The open planned activities that cover crossings of ``kinds`` (harvest: HARVEST, sea transfer: TRANSFER)."""
    return PlannedActivity.objects.filter(
        activity_type__in=[ACTIVITY_TYPES[k] for k in kinds], status__in=PlannedActivity.OPEN_STATUSES
    )


def crossing_flag_today(date: dt.date | None, *, planned: bool) -> str:
    """``crossing_flag`` against today's date and FORECAST_PLANNING_DAYS."""
    return crossing_flag(
        date, planned=planned, today=timezone.localdate(), planning_days=settings.FORECAST_PLANNING_DAYS
    )


def _planned(assignment_ids: set[int]) -> set[tuple[int, str]]:
    """(assignment id, activity type) of the open harvest and transfer activities of ``assignment_ids``."""
    if not assignment_ids:
        return set()
    covering = covering_activities().filter(assignment_id__in=assignment_ids)
    return set(covering.values_list("assignment_id", "activity_type").distinct())


def _crossings(row: dict, planned: set[tuple[int, str]], today: dt.date) -> dict[str, dict | None]:
    """The harvest and sea-transfer bodies of a projection row (sea transfer None outside fresh water)."""
    mortality = MortalityEstimate(row["mortality_daily_rate"], row["mortality_rel_sd"], row["mortality_source"])
    out: dict[str, dict | None] = {}
    for kind in ACTIVITY_TYPES:
        if row[TARGET_FIELDS[kind]] is None:  # no sea transfer outside fresh water
            out[kind] = None
            continue
        stored = _stored(row, kind)
        flag = crossing_flag(
            stored.date,
            planned=(row["assignment_id"], ACTIVITY_TYPES[kind]) in planned,
            today=today,
            planning_days=settings.FORECAST_PLANNING_DAYS,
        )
        body = crossing_body(
            stored, as_of=row["as_of_date"], start_population=row["start_population"], mortality=mortality, flag=flag
        )
        out[kind] = {"target_weight_g": row[TARGET_FIELDS[kind]], **body}
    return out


def _stored(row: dict, kind: str) -> StoredCrossing:
    weights = tuple(row[f"{kind}_weight_{q}_g"] for q in ("p10", "p50", "p90"))
    return StoredCrossing(
        date=row[f"{kind}_date"],
        date_p10=row[f"{kind}_date_p10"],
        date_p90=row[f"{kind}_date_p90"],
        weight_g=None if weights[1] is None else weights,
    )
