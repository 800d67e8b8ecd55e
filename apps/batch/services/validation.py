"""Domain rules that span rows (a database check cannot see them). Admin forms, API serializers and the
recording services all call these; each raises ``ValidationError`` naming the field and the reason.

The population and duplicate checks read other rows, so they are only safe under ``assignment_lock`` in the
transaction that saves the row: save through ``apps.batch.services.recording``, which does both.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.batch.models import BatchContainerAssignment, GrowthSample, MortalityEvent, TransferAction
from apps.batch.selectors import assignment_population_available


def assignment_validate(assignment: BatchContainerAssignment) -> None:
    """A container holds one batch at a time: no overlapping assignment of another batch."""
    if not (assignment.container_id and assignment.batch_id and assignment.assignment_date):
        return
    end = assignment.departure_date
    clash = (
        BatchContainerAssignment.objects.filter(container_id=assignment.container_id)
        .exclude(batch_id=assignment.batch_id)
        .exclude(pk=assignment.pk)
        .filter(Q(departure_date__isnull=True) | Q(departure_date__gt=assignment.assignment_date))
    )
    if end is not None:
        clash = clash.filter(assignment_date__lt=end)
    other = clash.select_related("batch").first()
    if other is not None:
        raise ValidationError(
            {
                "container": f"This container holds batch {other.batch.batch_number} from {other.assignment_date}"
                f"{' to ' + str(other.departure_date) if other.departure_date else ''}; "
                "a container holds one batch at a time."
            }
        )


def transfer_validate(transfer: TransferAction) -> None:
    """Source and destination belong to the same batch."""
    if not (transfer.source_assignment_id and transfer.dest_assignment_id):
        return
    batches = dict(
        BatchContainerAssignment.objects.filter(
            pk__in=[transfer.source_assignment_id, transfer.dest_assignment_id]
        ).values_list("pk", "batch_id")
    )
    if batches.get(transfer.source_assignment_id) != batches.get(transfer.dest_assignment_id):
        raise ValidationError(
            {"dest_assignment": "The destination belongs to another batch: a transfer stays within one batch."}
        )


def event_date_validate(*, assignment: BatchContainerAssignment, day, field: str) -> None:
    """An event lies within its assignment's days and not in the future."""
    if day is None or assignment is None:
        return
    if day > timezone.localdate():
        raise ValidationError({field: f"{day} is in the future."})
    if day < assignment.assignment_date or (assignment.departure_date and day >= assignment.departure_date):
        end = f"before {assignment.departure_date}" if assignment.departure_date else "onwards"
        raise ValidationError({field: f"{day} is outside the assignment's days ({assignment.assignment_date} {end})."})


def assignment_lock(*assignment_ids: int | None) -> None:
    """Lock the assignments' rows until the end of the caller's transaction, so that checks of their
    population or their samples and the write that follows cannot interleave with another request's.
    Several rows are locked in id order, so two requests locking the same two never deadlock.

    ``FOR NO KEY UPDATE``: concurrent recorders wait for each other, while a recompute inserting daily
    states (which only takes a key-share lock on the assignment) does not wait. A no-op on SQLite, whose
    writers are serialised by the database anyway.
    """
    ids = sorted({pk for pk in assignment_ids if pk is not None})
    if ids:
        rows = BatchContainerAssignment.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
        with transaction.atomic():
            list(rows.values_list("pk"))


def growth_sample_validate(sample: GrowthSample) -> None:
    """Within its assignment's days, and the first sample of that assignment on that day."""
    if not sample.assignment_id:
        return
    event_date_validate(assignment=sample.assignment, day=sample.sample_date, field="sample_date")
    assignment_lock(sample.assignment_id)
    twin = GrowthSample.objects.filter(assignment_id=sample.assignment_id, sample_date=sample.sample_date)
    if sample.sample_date and twin.exclude(pk=sample.pk).exists():
        raise ValidationError(
            {
                "sample_date": ValidationError(
                    f"The assignment already has a growth sample on {sample.sample_date}; add this weighing to "
                    "it as a cast (POST /api/v1/batch/growth-sample-casts/ with the assignment and the day) "
                    "instead of a second sample.",
                    code="duplicate",
                )
            }
        )


def mortality_event_validate(event: MortalityEvent) -> None:
    """Within its assignment's days, and no more deaths than the fish the assignment holds that day."""
    if not (event.assignment_id and event.event_date and event.count):
        return
    event_date_validate(assignment=event.assignment, day=event.event_date, field="event_date")
    assignment_lock(event.assignment_id)
    available = assignment_population_available(
        assignment=event.assignment, day=event.event_date, exclude_mortality_id=event.pk
    )
    if event.count > available.limit:
        message = f"{event.count} deaths, but {available.refusal(event.event_date)}"
        raise ValidationError({"count": ValidationError(message, code="exceeds_population")})


def transfer_population_validate(transfer: TransferAction) -> None:
    """A completed transfer moves no more fish (alive plus dead in handling) than the source holds that day,
    and a change that brings its old destination fewer fish leaves that one what its later records took."""
    stored = _stored_completed(transfer.pk)
    assignment_lock(transfer.source_assignment_id, stored and stored["dest_assignment_id"])
    _source_validate(transfer)
    if stored is not None:
        _destination_validate(transfer, stored)


def transfer_delete_validate(transfer: TransferAction) -> None:
    """Deleting a completed transfer leaves its destination the fish its later records took."""
    stored = _stored_completed(transfer.pk)
    if stored is not None:
        assignment_lock(stored["dest_assignment_id"])
        _destination_validate(None, stored)


def _stored_completed(pk: int | None) -> dict | None:
    """The stored version of a transfer, if it is completed (what its destination has counted on)."""
    if pk is None:
        return None
    completed = TransferAction.objects.filter(pk=pk, status=TransferAction.Status.COMPLETED)
    return completed.values("pk", "dest_assignment_id", "actual_execution_date", "transferred_count").first()


def _source_validate(transfer: TransferAction) -> None:
    day = transfer.actual_execution_date
    if transfer.status != TransferAction.Status.COMPLETED or day is None or not transfer.source_assignment_id:
        return
    moved = (transfer.transferred_count or 0) + (transfer.mortality_during_transfer or 0)
    available = assignment_population_available(
        assignment=transfer.source_assignment, day=day, exclude_transfer_id=transfer.pk
    )
    if moved > available.limit:
        message = f"The transfer moves {moved} fish (alive and dead in handling), but {available.refusal(day)}"
        raise ValidationError({"transferred_count": ValidationError(message, code="exceeds_population")})


def _destination_validate(transfer: TransferAction | None, stored: dict) -> None:
    """``transfer`` (None: deleted) replaces the completed ``stored`` version: if it brings the stored
    destination fewer fish, or later, that destination must still cover its later deaths and transfers out."""
    dest_id, day, count = stored["dest_assignment_id"], stored["actual_execution_date"], stored["transferred_count"]
    still = (
        transfer is not None
        and transfer.status == TransferAction.Status.COMPLETED
        and transfer.dest_assignment_id == dest_id
        and transfer.actual_execution_date is not None
    )
    if still and transfer.actual_execution_date <= day and transfer.transferred_count >= count:
        return
    gives = {transfer.actual_execution_date: transfer.transferred_count} if still else {}
    dest = BatchContainerAssignment.objects.get(pk=dest_id)
    available = assignment_population_available(
        assignment=dest, day=day, exclude_transfer_id=stored["pk"], extra_changes=gives
    )
    if available.for_later < 0:
        field = _changed_field(transfer, still, count)
        message = (
            f"The destination's deaths and transfers out recorded from {day} on need the fish this transfer "
            f"brought: {-available.for_later} would be missing."
        )
        raise ValidationError({field: ValidationError(message, code="exceeds_population")})


def _changed_field(transfer: TransferAction | None, still: bool, stored_count: int) -> str:
    if transfer is None:
        return NON_FIELD_ERRORS  # a deleted transfer: the request as a whole
    if not still:
        return "status" if transfer.status != TransferAction.Status.COMPLETED else "dest_assignment"
    return "transferred_count" if transfer.transferred_count < stored_count else "actual_execution_date"


def assignment_placement_validate(assignment: BatchContainerAssignment) -> None:
    """A lowered placement count still covers the deaths and transfers out already recorded (other changes
    are not checked: they cannot take fish, and old inconsistent records must not block them)."""
    if assignment.pk is None or not assignment.assignment_date:
        return
    assignment_lock(assignment.pk)
    stored = BatchContainerAssignment.objects.filter(pk=assignment.pk).values_list("placement_count", flat=True).first()
    if (assignment.placement_count or 0) >= (stored or 0):
        return
    available = assignment_population_available(assignment=assignment, day=assignment.assignment_date)
    if available.for_later < 0:
        needed = (assignment.placement_count or 0) - available.for_later
        raise ValidationError(
            {
                "placement_count": ValidationError(
                    f"The deaths and transfers out already recorded take {needed} fish; the placement count "
                    "cannot be lower.",
                    code="exceeds_population",
                )
            }
        )


def assignment_record_validate(assignment: BatchContainerAssignment) -> None:
    """Everything the admin and the API check on an assignment across rows."""
    assignment_validate(assignment)
    assignment_placement_validate(assignment)


def transfer_record_validate(transfer: TransferAction) -> None:
    """Everything the admin and the recording service check on a transfer (the API checks the rest itself)."""
    transfer_validate(transfer)
    transfer_population_validate(transfer)
