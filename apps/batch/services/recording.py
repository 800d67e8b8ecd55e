"""Record the events whose rules reach across rows, the one way the API and the admin save them.

Each function locks the assignment the event draws from, runs its domain check and saves, all in one
transaction: two concurrent transfers cannot both take the same fish, two deaths cannot both take the last
ones, and two identical samples cannot both be stored (the later request waits for the lock, then sees the
earlier row and is refused with the field named). The model signals mark the recompute as usual.

Deletes that reach a batch lock its row first (``batches_lock``): the project's lock order is batch rows,
then marker rows (docs/architecture.md §Lock order). A delete's handlers write markers before Django deletes
or updates the batch row, so without the lock first a delete and a pin (batch row, then markers) deadlocked.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from apps.batch.models import (
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    MortalityEvent,
    TransferAction,
)
from apps.batch.services.casts import growth_sample_casts_sync, sample_figures_changed, sample_figures_validate
from apps.batch.services.validation import (
    growth_sample_validate,
    mortality_event_validate,
    transfer_delete_validate,
    transfer_record_validate,
)


def growth_sample_record(*, sample: GrowthSample, casts_follow: bool = True) -> GrowthSample:
    """Save a new or changed sample; ``ValidationError`` on ``sample_date`` if the day already has one (a
    further weighing of the day is a cast: ``casts.growth_sample_cast_record``). Its casts follow: a new
    sample is its own first cast, a changed sample of one cast changes that cast, and the figures of a day of
    several casts are refused (they are the casts' aggregate). ``casts_follow=False``: the caller saves the
    casts itself (the admin's inline) and calls ``growth_sample_casts_sync`` after them."""
    with transaction.atomic():
        growth_sample_record_validate(sample)
        changed = sample_figures_changed(sample)
        sample.save()
        if casts_follow:
            growth_sample_casts_sync(sample=sample, figures_changed=changed)
    return sample


def growth_sample_record_validate(sample: GrowthSample) -> None:
    """Everything the admin and the API check on a sample across rows: one a day, and its figures changed
    directly only while it has at most one cast."""
    growth_sample_validate(sample)
    sample_figures_validate(sample)


def mortality_event_record(*, event: MortalityEvent) -> MortalityEvent:
    """Save a new or changed mortality event; ``ValidationError`` on ``count`` if it exceeds the fish held."""
    with transaction.atomic():
        mortality_event_validate(event)
        event.save()
    return event


def transfer_record(*, transfer: TransferAction) -> TransferAction:
    """Save a new or changed transfer; ``ValidationError`` on ``transferred_count`` if a completed transfer
    moves more fish than the source holds that day."""
    with transaction.atomic():
        transfer_record_validate(transfer)
        transfer.save()
    return transfer


def transfer_delete(*, transfer: TransferAction) -> None:
    """Delete a transfer; ``ValidationError`` if it is completed and its destination's later deaths and
    transfers out need the fish it brought."""
    with transaction.atomic():
        transfer_delete_validate(transfer)
        transfer.delete()


def batches_lock(*, batch_ids: Iterable[int | None], delete: bool = False) -> list[int]:
    """Lock the rows of ``batch_ids`` in id order and wait for them, in the caller's transaction, before it
    writes any marker: ``FOR UPDATE`` when the batch itself is deleted, else ``FOR NO KEY UPDATE`` (which
    also waits for a running recompute of the batch). Returns the ids still there."""
    ids = sorted({pk for pk in batch_ids if pk is not None})
    rows = Batch.objects.select_for_update(no_key=not delete).filter(pk__in=ids).order_by("pk")
    return list(rows.values_list("pk", flat=True))


def batch_delete(*, batch: Batch) -> None:
    """Delete a batch and everything of it, its row locked before its handlers mark anything."""
    with transaction.atomic():
        if batches_lock(batch_ids=[batch.pk], delete=True):
            batch.delete()


def assignment_delete(*, assignment: BatchContainerAssignment) -> None:
    """Delete an assignment (its states, events and markers go with it), its batch's row locked first: a
    recompute of the batch finishes before the cascade deletes the rows it writes."""
    with transaction.atomic():
        batches_lock(batch_ids=[assignment.batch_id])
        assignment.delete()
