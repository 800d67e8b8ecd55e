"""Planned activities from the active templates and the stored projections (docs/planning.md "Templates").

Run by ``apps.recompute.run.batch_recompute`` right after ``forecast_refresh`` writes a batch's projections, in
the recompute's transaction. One query for the active templates, and nothing more when there are none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from apps.batch.models import ActualDailyAssignmentState
from apps.forecast.models import Projection
from apps.planning.models import ActivityTemplate, PlannedActivity


def planned_activities_from_templates(*, batch_id: int) -> int:
    """Create the missing activity of every (active template, projected assignment) whose projection crosses the
    template's trigger, and move the due date of each open one that follows the projection to the new crossing.
    Completed, cancelled and hand-dated activities are left alone; so are activities whose crossing left the
    projection. At most one activity per template and assignment (a unique constraint). Returns the number of
    activities created or moved."""
    templates = list(ActivityTemplate.objects.filter(is_active=True))
    if not templates:
        return 0
    projections = _projections(batch_id)
    if not projections:
        return 0
    existing = {
        (a.template_id, a.assignment_id): a
        for a in PlannedActivity.objects.filter(
            template__in=templates, assignment_id__in=[p["assignment_id"] for p in projections]
        )
    }
    new, moved = [], []
    for projection in projections:
        for template in templates:
            due = template_due_date(template, projection)
            if due is None:
                continue
            activity = existing.get((template.pk, projection["assignment_id"]))
            if activity is None:
                new.append(_activity(template, projection, batch_id, due))
            elif (
                activity.follows_projection
                and activity.status in PlannedActivity.OPEN_STATUSES
                and activity.due_date != due
            ):
                activity.due_date, activity.updated_at = due, timezone.now()
                moved.append(activity)
    PlannedActivity.objects.bulk_create(new, ignore_conflicts=True)  # a concurrent refresh may have created it
    PlannedActivity.objects.bulk_update(moved, ["due_date", "updated_at"])
    return len(new) + len(moved)


def _projections(batch_id: int) -> list[dict]:
    """The batch's projections (first date, daily P50 weights, stage changes) with the weight and stage of the state
    each starts from, and where they are."""
    start = ActualDailyAssignmentState.objects.filter(
        assignment_id=OuterRef("assignment_id"), date=OuterRef("as_of_date")
    )
    return list(
        Projection.objects.filter(batch_id=batch_id)
        .annotate(
            as_of_weight_g=Subquery(start.values("avg_weight_g")[:1]),
            as_of_stage_id=Subquery(start.values("lifecycle_stage_id")[:1]),
        )
        .values(  # only the P50 and the stages of the series: decoding the P10 and P90 too would triple the cost
            "assignment_id",
            "first_date",
            "as_of_weight_g",
            "as_of_stage_id",
            "batch__species_id",
            "assignment__container_id",
            p50=F("series__weight_g__p50"),
            stage_changes=F("series__stage_changes"),
        )
    )


def template_due_date(template: ActivityTemplate, projection: dict) -> dt.date | None:
    """The crossing's day minus the lead days, or None when the template does not apply or nothing crosses."""
    if template.species_id is not None and template.species_id != projection["batch__species_id"]:
        return None
    if template.stage_id is not None and template.stage_id != projection["as_of_stage_id"]:
        return None
    index = _crossing(template, projection)
    if index is None:
        return None
    return projection["first_date"] + dt.timedelta(days=index - template.lead_days)


def _crossing(template: ActivityTemplate, projection: dict) -> int | None:
    """The index of the first projected day past the trigger, if the fish have not passed it as of the latest
    state (an activity is planned for a crossing ahead, never for one already behind)."""
    if template.trigger == ActivityTemplate.Trigger.WEIGHT_THRESHOLD:
        threshold = float(template.weight_g)
        if projection["as_of_weight_g"] is None or projection["as_of_weight_g"] >= Decimal(template.weight_g):
            return None
        return next((i for i, w in enumerate(projection["p50"] or []) if w >= threshold), None)
    if projection["as_of_stage_id"] == template.to_stage_id:
        return None
    return next((i for i, stage in projection["stage_changes"] or [] if stage == template.to_stage_id), None)


def _activity(template: ActivityTemplate, projection: dict, batch_id: int, due: dt.date) -> PlannedActivity:
    return PlannedActivity(
        activity_type=template.activity_type,
        batch_id=batch_id,
        assignment_id=projection["assignment_id"],
        container_id=None
        if template.activity_type == PlannedActivity.Type.TRANSFER
        else projection["assignment__container_id"],
        due_date=due,
        notes=template.notes,
        template=template,
        follows_projection=True,
    )
