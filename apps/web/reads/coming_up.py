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

#: what the overview's search matches in a crossing or a planned activity, as in its tables (a site, container,
#: batch or stage name), reached from a projection's or an activity's assignment
SEARCHED = ("container__site__name", "container__name", "batch__batch_number", "lifecycle_stage__name")


def search_q(search: str, prefix: str) -> Q:
    """Every word of ``search`` in one of the SEARCHED names (case-insensitive) of the assignment at ``prefix``:
    the overview's own matching (apps.web.reads.overview), as a filter."""
    q = Q()
    for word in search.split():
        either = Q()
        for name in SEARCHED:
            either |= Q(**{f"{prefix}{name}__icontains": word})
        q &= either
    return q


def farm_coming_up(*, today: dt.date, weeks: int, site_id: int | None = None, search: str = "", user=None) -> dict:
    """The farm overview's "Coming up": the farm summary's first ``weeks`` weeks (and ``overdue``), each kind
    with the batches whose crossings fall in it (``batches``: (batch id, batch number) by number); how many
    crossings need planning (over the whole planning window, not only the weeks shown) and how many open
    activities are overdue; ``later``: the next harvest and sea-transfer dates after the weeks shown; ``search``
    narrows all of it as it narrows the overview's tables. Four queries. ``user``: of their sites only
    (docs/access.md)."""
    # read far enough for every crossing that needs planning (FORECAST_PLANNING_DAYS), even past the weeks shown
    shown_end = weeks_end(today, weeks)
    before = max(shown_end, today + dt.timedelta(days=settings.FORECAST_PLANNING_DAYS + 1))
    rows = farm_crossings(
        today=today,
        before=before,
        site_id=site_id,
        user=user,
        batch_number=F("batch__batch_number"),
        **SEARCHED_NAMES,
    )
    rows = [r for r in rows if _matches(r[2], search)]
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
    if search.strip():  # an activity without an assignment matches by its place and its batch
        overdue = overdue.filter(search_q(search, "assignment__") | Q(assignment=None) & _place_q(search))
    return {
        **body,
        "later": _next_crossings(after=shown_end, site_id=site_id, search=search, user=user),
        "needs_planning": sum(c["flag"] == NEEDS_PLANNING for _, c, _ in rows),
        "overdue_activities": overdue.count(),
        "planning_days": settings.FORECAST_PLANNING_DAYS,
    }


#: a crossing's names that the search reads (annotated on the projection rows)
SEARCHED_NAMES = {
    "site_name": F("assignment__container__site__name"),
    "container_name": F("assignment__container__name"),
    "stage_name": F("assignment__lifecycle_stage__name"),
}


def _matches(row: dict, search: str) -> bool:
    """The overview's matching (apps.web.reads.overview): every word of ``search`` in the row's site, container,
    batch or stage name."""
    names = ("site_name", "container_name", "batch_number", "stage_name")
    text = " ".join(row[name] or "" for name in names).lower()
    return all(word in text for word in search.lower().split())


def _place_q(search: str) -> Q:
    """An activity without an assignment: every word in its container's or site's name or its batch's number."""
    q = Q()
    for word in search.split():
        q &= (
            Q(container__name__icontains=word)
            | Q(container__site__name__icontains=word)
            | Q(batch__batch_number__icontains=word)
        )
    return q


def _next_crossings(*, after: dt.date, site_id: int | None, search: str = "", user=None) -> dict:
    """The first P50 harvest and sea-transfer dates on or after ``after`` (the end of the weeks shown), so that an
    overview with nothing due in its weeks still says when the next one comes; None where there is none. One
    query."""
    projections = scoped_for(Projection.objects.all(), user)
    if site_id is not None:
        projections = projections.filter(assignment__container__site_id=site_id)
    if search.strip():
        projections = projections.filter(search_q(search, "assignment__"))
    return projections.aggregate(
        harvest=Min("harvest_date", filter=Q(harvest_date__gte=after)),
        sea_transfer=Min("sea_transfer_date", filter=Q(sea_transfer_date__gte=after)),
    )
