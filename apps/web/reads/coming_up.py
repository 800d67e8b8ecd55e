"""The farm overview's "Coming up" (docs/web.md): the forecast summary's next weeks with their batches, what
needs planning, what is overdue, and when the next crossings come after the weeks shown."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F, Min, Q

from apps.access.scope import scoped_for
from apps.forecast.engine.summary import NEEDS_PLANNING, week_index, week_starts, weekly_totals, weeks_end
from apps.forecast.models import Projection
from apps.planning.models import PlannedActivity
from apps.planning.selectors import overdue_q
from apps.planning.summary import ACTIVITY_TYPES, farm_crossings


def farm_coming_up(*, today: dt.date, weeks: int, site_id: int | None = None, user=None) -> dict:
    """The farm overview's "Coming up": the farm summary's first ``weeks`` weeks (and ``overdue``), each kind
    with the batches whose crossings fall in it (``batches``: (batch id, batch number) by number); how many
    crossings need planning (over the whole planning window, not only the weeks shown) and how many open
    activities are overdue; ``later``: the next harvest and sea-transfer dates after the weeks shown. Four
    queries. ``user``: of their sites only (docs/access.md)."""
    # read far enough for every crossing that needs planning (FORECAST_PLANNING_DAYS), even past the weeks shown
    shown_end = weeks_end(today, weeks)
    before = max(shown_end, today + dt.timedelta(days=settings.FORECAST_PLANNING_DAYS + 1))
    rows = farm_crossings(today=today, before=before, site_id=site_id, user=user, batch_number=F("batch__batch_number"))
    body = weekly_totals([(kind, c) for kind, c, _ in rows], today=today, weeks=weeks)
    buckets = [body["overdue"], *body["weeks"]]
    for bucket in buckets:
        for kind in ACTIVITY_TYPES:
            bucket[kind]["batches"] = set()
    starts = week_starts(today, weeks)
    for kind, crossing, row in rows:
        if crossing["date"] is not None and crossing["population"] is not None:
            index = week_index(crossing["date"], starts=starts)
            if index is not None:
                buckets[index + 1][kind]["batches"].add((row["batch_id"], row["batch_number"]))
    for bucket in buckets:
        for kind in ACTIVITY_TYPES:
            bucket[kind]["batches"] = sorted(bucket[kind]["batches"], key=lambda b: b[1])
    overdue = scoped_for(PlannedActivity.objects.filter(overdue_q(today)), user)
    if site_id is not None:
        overdue = overdue.filter(
            Q(assignment__container__site_id=site_id) | Q(assignment=None, container__site_id=site_id)
        )
    return {
        **body,
        "later": _next_crossings(after=shown_end, site_id=site_id, user=user),
        "needs_planning": sum(c["flag"] == NEEDS_PLANNING for _, c, _ in rows),
        "overdue_activities": overdue.count(),
        "planning_days": settings.FORECAST_PLANNING_DAYS,
    }


def _next_crossings(*, after: dt.date, site_id: int | None, user=None) -> dict:
    """The first P50 harvest and sea-transfer dates on or after ``after`` (the end of the weeks shown), so that an
    overview with nothing due in its weeks still says when the next one comes; None where there is none. One
    query."""
    projections = scoped_for(Projection.objects.all(), user)
    if site_id is not None:
        projections = projections.filter(assignment__container__site_id=site_id)
    return projections.aggregate(
        harvest=Min("harvest_date", filter=Q(harvest_date__gte=after)),
        sea_transfer=Min("sea_transfer_date", filter=Q(sea_transfer_date__gte=after)),
    )
