"""Domain rules that span rows (a database check cannot see them). Admin forms, API serializers and the
recording services all call these; each raises ``ValidationError`` naming the field and the reason."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from apps.batch.models import BatchContainerAssignment, GrowthSample, TransferAction


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


def growth_sample_validate(sample: GrowthSample) -> None:
    if sample.assignment_id:
        event_date_validate(assignment=sample.assignment, day=sample.sample_date, field="sample_date")
