"""Completing a planned activity: the event it stands for is recorded and the activity closed, in one
transaction (docs/planning.md "Completing"). The event goes through the recording services like any other, so
its signals mark the recompute; the plan itself never touches the daily states."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.audit.context import history_channel
from apps.batch.models import GrowthSample, TransferAction
from apps.health.models import Treatment
from apps.planning.models import PlannedActivity


@dataclass(frozen=True)
class Recorded:
    """What the completion recorded (all None for a grading, an other, or a harvest, which is a departure)."""

    transfer: TransferAction | None = None
    growth_sample: GrowthSample | None = None
    treatment: Treatment | None = None


def planned_activity_complete(
    *,
    activity: PlannedActivity,
    completed_date: dt.date,
    record: Callable[[PlannedActivity], Recorded],
    user=None,
    notes: str | None = None,
) -> PlannedActivity:
    """Lock the activity, check it is still open, ``record`` its event, then mark it COMPLETED on
    ``completed_date``; any error (``ValidationError`` from the event's checks included) leaves nothing saved.
    The lock makes a second, concurrent completion wait and then be refused, so an activity records one event.
    The history records the event and the activity as written through ``completion`` by the request's user."""
    with transaction.atomic(), history_channel("completion", activity=activity.pk):
        activity = (
            PlannedActivity.objects.select_for_update(of=("self",))
            .select_related("assignment__container__site", "container")
            .get(pk=activity.pk)
        )
        if activity.status not in PlannedActivity.OPEN_STATUSES:
            raise ValidationError(
                {"status": ValidationError(f"The activity is already {activity.status}.", code="final")}
            )
        recorded = record(activity)
        activity.status = PlannedActivity.Status.COMPLETED
        activity.completed_date = completed_date
        activity.completed_by = user
        activity.transfer, activity.growth_sample, activity.treatment = (
            recorded.transfer,
            recorded.growth_sample,
            recorded.treatment,
        )
        if recorded.transfer is not None:  # where the fish went, whatever the plan said
            activity.container_id = recorded.transfer.dest_assignment.container_id
        if notes:
            activity.notes = f"{activity.notes}\n{notes}" if activity.notes else notes
        activity.save()
    return activity
