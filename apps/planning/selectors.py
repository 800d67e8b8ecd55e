"""Reads of planned activities: what "overdue" and the planned-vs-actual variance mean (docs/planning.md)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from apps.planning.models import PlannedActivity
from aquamind import domain as d


def overdue_q(today: dt.date | None = None) -> Q:
    """Open and due before today (the farm's day: ``TIME_ZONE``)."""
    return Q(status__in=PlannedActivity.OPEN_STATUSES, due_date__lt=today or d.today())


def is_overdue(activity: PlannedActivity, today: dt.date | None = None) -> bool:
    return activity.status in PlannedActivity.OPEN_STATUSES and activity.due_date < (today or d.today())


def variance_days(activity: PlannedActivity) -> int | None:
    """Completed date minus due date in days (positive: done late); None unless completed."""
    if activity.completed_date is None:
        return None
    return (activity.completed_date - activity.due_date).days


def planned_activities():
    """Every activity with what its display fields read (batch, assignment label, container label, template)."""
    return PlannedActivity.objects.select_related(
        "batch", "assignment__container__site", "container__site", "template"
    ).order_by("due_date", "id")


PLANNED_HANDLING = (
    PlannedActivity.Type.TRANSFER,
    PlannedActivity.Type.VACCINATION,
    PlannedActivity.Type.TREATMENT,
    PlannedActivity.Type.GRADING,
)


def planned_handling_rows(*, batch_id: int):
    """(assignment id, due date) of the batch's open planned handlings (transfers, vaccinations, treatments,
    gradings): what the forecast's learned growth model bends its projection for. A lazy query: the forecast's
    refresh reads it in the round trip of its other reads."""
    return PlannedActivity.objects.filter(
        batch_id=batch_id,
        status__in=PlannedActivity.OPEN_STATUSES,
        activity_type__in=PLANNED_HANDLING,
        assignment_id__isnull=False,
    ).values_list("assignment_id", "due_date")
