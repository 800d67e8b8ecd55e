"""The rules of a planned activity that the API and the admin both check (docs/planning.md). Each raises
``ValidationError`` naming the field and the reason."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from apps.planning.models import PlannedActivity

Type, Status = PlannedActivity.Type, PlannedActivity.Status
# the activities whose completion records an event on one assignment: they need to know where
ON_AN_ASSIGNMENT = {Type.HARVEST, Type.VACCINATION, Type.TREATMENT, Type.SAMPLING}
# what may still change on a completed or cancelled activity
EDITABLE_WHEN_FINAL = {"notes", "updated_at"}


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def planned_activity_validate(activity: PlannedActivity, *, stored: PlannedActivity | None) -> None:
    """``activity`` as it will be saved; ``stored`` the saved version (None for a new one)."""
    _status_validate(activity, stored)
    if stored is None or stored.status in PlannedActivity.OPEN_STATUSES:  # a final one's place no longer changes
        _place_validate(activity)


def _status_validate(activity: PlannedActivity, stored: PlannedActivity | None) -> None:
    if stored is None:
        if activity.status not in PlannedActivity.OPEN_STATUSES:
            raise _error("status", "A new activity is PLANNED or IN_PROGRESS.", "invalid_transition")
        return
    if stored.status not in PlannedActivity.OPEN_STATUSES:
        changed = [
            f.name
            for f in PlannedActivity._meta.concrete_fields
            if f.name not in EDITABLE_WHEN_FINAL and getattr(activity, f.attname) != getattr(stored, f.attname)
        ]
        if changed:
            raise _error(
                changed[0], f"The activity is {stored.status}, which is final: only its notes may change.", "final"
            )
        return
    if activity.status == Status.COMPLETED:
        raise _error(
            "status",
            "Complete an activity with its complete action, which records the event it stands for.",
            "use_complete_action",
        )
    if activity.completed_date is not None:
        raise _error("completed_date", "Set by the complete action.", "use_complete_action")


def _place_validate(activity: PlannedActivity) -> None:
    assignment, container = activity.assignment, activity.container
    if assignment is not None and assignment.batch_id != activity.batch_id:
        raise _error("assignment", f"Assignment {assignment.pk} belongs to another batch.", "other_batch")
    if activity.activity_type == Type.TRANSFER:
        if assignment is None:
            raise _error("assignment", "A transfer needs the assignment the fish leave (its source).", "required")
        if container is None:
            raise _error("container", "A transfer needs the container the fish go to (its destination).", "required")
        if container.pk == assignment.container_id:
            raise _error("container", "The destination must be another container than the source's.", "same_container")
        return
    if activity.activity_type in ON_AN_ASSIGNMENT and assignment is None and container is None:
        raise _error(
            "assignment", f"A {activity.activity_type.lower()} needs an assignment or a container.", "required"
        )
    if assignment is not None and container is not None and container.pk != assignment.container_id:
        raise _error("container", "The container differs from the assignment's.", "other_container")
