"""Domain rules that span rows (a database check cannot see them). Admin forms, API serializers and the
recording services all call these; each raises ``ValidationError`` naming the field and the reason.

The population and duplicate checks read other rows, so they are only safe under ``assignment_lock`` in the
transaction that saves the row: save through ``apps.batch.services.recording``, which does both.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
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
        raise ValidationError(
            {field: f"{day} is outside the assignment's days ({assignment.assignment_date} {end})."}
        )


def assignment_lock(assignment_id: int | None) -> None:
    """Lock the assignment's row until the end of the caller's transaction, so that checks of its
    population or its samples and the insert that follows cannot interleave with another request's.

    ``FOR NO KEY UPDATE``: concurrent recorders wait for each other, while a recompute inserting daily
    states (which only takes a key-share lock on the assignment) does not wait. A no-op on SQLite, whose
    writers are serialised by the database anyway.
    """
    if assignment_id is not None:
        with transaction.atomic():
            list(BatchContainerAssignment.objects.select_for_update(no_key=True).filter(pk=assignment_id).values_list("pk"))


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
                    f"The assignment already has a growth sample on {sample.sample_date}; change that sample "
                    "(merging the fish weighed) instead of adding a second one.",
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
    """A completed transfer moves no more fish (alive plus dead in handling) than the source holds that day."""
    day = transfer.actual_execution_date
    if transfer.status != TransferAction.Status.COMPLETED or day is None or not transfer.source_assignment_id:
        return
    assignment_lock(transfer.source_assignment_id)
    moved = (transfer.transferred_count or 0) + (transfer.mortality_during_transfer or 0)
    available = assignment_population_available(
        assignment=transfer.source_assignment, day=day, exclude_transfer_id=transfer.pk
    )
    if moved > available.limit:
        message = f"The transfer moves {moved} fish (alive and dead in handling), but {available.refusal(day)}"
        raise ValidationError({"transferred_count": ValidationError(message, code="exceeds_population")})


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
