"""The body of ``POST planning/activities/{id}/complete/`` and the event it records (docs/planning.md
"Completing"). Each event is validated and saved by its own endpoint's serializer (and so its recording service),
so it obeys exactly the rules it would obey recorded directly, the site scopes included (a transfer into a
container of a site the user does not hold is refused, docs/access.md); its errors name the fields of this body."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework import serializers

from apps.api.scoping import scope_checked
from apps.planning.models import PlannedActivity
from apps.planning.services.completion import Recorded
from aquamind.domain import event_date

from . import fields
from .batch import AssignmentSerializer
from .common import MAX_ID, fail
from .events import GrowthSampleSerializer, TransferSerializer, TreatmentSerializer

Type = PlannedActivity.Type
TRANSFER_FIELDS = ["transferred_count", "mortality_during_transfer", "measured_avg_weight_g", "selection_method"]
SAMPLE_FIELDS = ["sample_size", "avg_weight_g", "std_dev_weight_g", "avg_length_cm"]
TREATMENT_FIELDS = ["treatment_type", "description", "includes_weighing", "weighed_count", "weighed_avg_weight_g"]
FIELDS_BY_TYPE = {
    Type.TRANSFER: {"container", "dest_assignment", "lifecycle_stage", "source_departs", *TRANSFER_FIELDS},
    Type.SAMPLING: set(SAMPLE_FIELDS),
    Type.VACCINATION: set(TREATMENT_FIELDS),
    Type.TREATMENT: set(TREATMENT_FIELDS),
}
REQUIRED_BY_TYPE = {
    Type.TRANSFER: ["transferred_count"],
    Type.SAMPLING: ["sample_size", "avg_weight_g"],
    Type.TREATMENT: ["treatment_type"],
}
EVENT_FIELDS = {name for names in FIELDS_BY_TYPE.values() for name in names}


def _optional(serializer_class, names: list[str], *, help_text: str) -> dict:
    """The event serializer's own fields (types, bounds), optional here: which ones apply depends on the type."""
    declared = serializer_class().get_fields()
    out = {}
    for name in names:
        field = declared[name]  # rebuilt from its arguments: a declared field is copied that way on every use
        kwargs = {k: v for k, v in field._kwargs.items() if k not in ("required", "default")}
        kwargs["help_text"] = f"{help_text} {field.help_text or ''}".strip()
        out[name] = type(field)(*field._args, **kwargs, required=False)
    return out


class _CompleteBody(serializers.Serializer):
    # its own rules, the closed activity's (final) and those of the event it records with its serializer
    rule_codes = (
        "not_applicable",
        "required",
        "no_assignment",
        "departed",
        "final",
        "does_not_exist",
        *GrowthSampleSerializer.rule_codes,
        *TransferSerializer.rule_codes,
        *TreatmentSerializer.rule_codes,
        *AssignmentSerializer.rule_codes,
        "invalid",
    )
    completed_date = fields.DateField(validators=[event_date], help_text="The day it was done (not in the future).")
    notes = fields.TextField(required=False, allow_blank=True, help_text="Added to the activity's notes.")
    container = fields.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="TRANSFER: the destination container (default: the activity's); a new "
        "assignment of the batch starts there on the completed date.",
    )
    dest_assignment = fields.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="TRANSFER: an existing assignment of the batch to move the fish into instead.",
    )
    lifecycle_stage = fields.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="TRANSFER: the new assignment's stage (default: the source's).",
    )
    source_departs = fields.BooleanField(
        required=False, help_text="TRANSFER: the source assignment ends on the completed date (its fish all moved)."
    )

    def validate(self, attrs):
        activity: PlannedActivity = self.context["activity"]
        allowed = FIELDS_BY_TYPE.get(activity.activity_type, set())
        for name in sorted(EVENT_FIELDS & set(attrs) - allowed):
            fail(name, f"Does not apply to completing a {activity.activity_type}.", "not_applicable")
        for name in REQUIRED_BY_TYPE.get(activity.activity_type, []):
            if name not in attrs:
                fail(name, f"Completing a {activity.activity_type} records it: {name} is needed.", "required")
        if "container" in attrs and "dest_assignment" in attrs:
            fail(
                "dest_assignment",
                "Give the destination container or an existing assignment, not both.",
                "not_applicable",
            )
        return attrs

    def record(self, activity: PlannedActivity) -> Recorded:
        """Record the activity's event (called by ``planned_activity_complete`` under the activity's lock)."""
        raw = {
            k: v for k, v in self.initial_data.items() if k in self.validated_data
        }  # as sent: the event serializers parse it
        day = self.validated_data["completed_date"]
        kind = activity.activity_type
        if kind == Type.TRANSFER:
            return _transfer(activity, raw, day, self.context)
        if kind in (Type.GRADING, Type.OTHER):
            return Recorded()
        assignment = _assignment_on(activity, day)
        if kind == Type.SAMPLING:
            data = {**_pick(raw, SAMPLE_FIELDS), "assignment": assignment.pk, "sample_date": day.isoformat()}
            sample = event_save(
                scope_checked(GrowthSampleSerializer)(data=data, context=self.context),
                {"sample_date": "completed_date"},
            )
            return Recorded(growth_sample=sample)
        if kind in (Type.TREATMENT, Type.VACCINATION):
            data = {**_pick(raw, TREATMENT_FIELDS), "assignment": assignment.pk, "treatment_date": day.isoformat()}
            if kind == Type.VACCINATION:
                data.setdefault("treatment_type", "VACCINATION")
            treatment = event_save(
                scope_checked(TreatmentSerializer)(data=data, context=self.context),
                {"treatment_date": "completed_date"},
            )
            return Recorded(treatment=treatment)
        _departure(assignment, day, self.context)  # HARVEST: the fish leave the farm
        return Recorded()


ActivityCompleteSerializer = serializers.SerializerMetaclass(
    "ActivityCompleteSerializer",
    (_CompleteBody,),
    {
        "__module__": __name__,
        "__doc__": "The completed date, and the fields of the event the activity's type records.",
        **_optional(TransferSerializer, TRANSFER_FIELDS, help_text="TRANSFER:"),
        **_optional(GrowthSampleSerializer, SAMPLE_FIELDS, help_text="SAMPLING:"),
        **_optional(TreatmentSerializer, TREATMENT_FIELDS, help_text="TREATMENT, VACCINATION:"),
    },
)


def event_errors(error, renames: dict[str, str]) -> serializers.ValidationError:
    """An event serializer's (or recording service's) error with its fields named as the complete body names them."""
    detail = error.detail if isinstance(error, serializers.ValidationError) else serializers.as_serializer_error(error)
    if not isinstance(detail, dict):
        detail = {"non_field_errors": detail}
    return serializers.ValidationError({renames.get(k, k): v for k, v in detail.items()})


def event_save(serializer: serializers.Serializer, renames: dict[str, str]):
    """Validate and save one event through its endpoint's serializer, its errors renamed."""
    try:
        serializer.is_valid(raise_exception=True)
        return serializer.save()
    except (serializers.ValidationError, DjangoValidationError) as error:
        raise event_errors(error, renames) from error


def _pick(raw: dict, names: list[str]) -> dict:
    return {k: raw[k] for k in names if k in raw}


def _assignment_on(activity: PlannedActivity, day):
    """The activity's assignment, or the batch's assignment in its container on ``day``."""
    if activity.assignment is not None:
        return activity.assignment
    found = (
        activity.batch.assignments.filter(container_id=activity.container_id, assignment_date__lte=day)
        .filter(Q(departure_date__isnull=True) | Q(departure_date__gt=day))
        .first()
    )
    if found is None:
        fail("completed_date", f"The batch has no assignment in {activity.container} on {day}.", "no_assignment")
    return found


def _departure(assignment, day, context) -> None:
    if assignment.departure_date is not None and assignment.departure_date <= day:
        fail("completed_date", f"The assignment already ended on {assignment.departure_date}.", "departed")
    serializer = scope_checked(AssignmentSerializer)(
        assignment, data={"departure_date": day.isoformat()}, partial=True, context=context
    )
    event_save(serializer, {"departure_date": "completed_date"})


def _transfer(activity: PlannedActivity, raw: dict, day, context) -> Recorded:
    source = activity.assignment
    if source is None:
        fail("assignment", "A transfer needs the assignment the fish leave (its source).", "required")
    dest_id = raw.get("dest_assignment")
    if dest_id is None:
        container = raw.get("container", activity.container_id)
        if container is None:
            fail("container", "The transfer needs its destination container.", "required")
        placed = {
            "batch": activity.batch_id,
            "container": container,
            "assignment_date": day.isoformat(),
            "lifecycle_stage": raw.get("lifecycle_stage", source.lifecycle_stage_id),
        }
        dest = event_save(
            scope_checked(AssignmentSerializer)(data=placed, context=context),
            {"assignment_date": "completed_date", "batch": "assignment"},
        )
        dest_id = dest.pk
    data = {
        **_pick(raw, TRANSFER_FIELDS),
        "source_assignment": source.pk,
        "dest_assignment": dest_id,
        "status": "COMPLETED",
        "planned_date": activity.due_date.isoformat(),
        "actual_execution_date": day.isoformat(),
    }
    renames = {
        "actual_execution_date": "completed_date",
        "source_assignment": "assignment",
        "planned_date": "completed_date",
    }
    transfer = event_save(scope_checked(TransferSerializer)(data=data, context=context), renames)
    if raw.get("source_departs"):
        _departure(source, day, context)
    return Recorded(transfer=transfer)
