"""Record the events whose rules reach across rows, the one way the API and the admin save them.

Each function locks the assignment the event draws from, runs its domain check and saves, all in one
transaction: two concurrent transfers cannot both take the same fish, two deaths cannot both take the last
ones, and two identical samples cannot both be stored (the later request waits for the lock, then sees the
earlier row and is refused with the field named). The model signals mark the recompute as usual.
"""
from __future__ import annotations

from django.db import transaction

from apps.batch.models import GrowthSample, MortalityEvent, TransferAction
from apps.batch.services.validation import (
    growth_sample_validate,
    mortality_event_validate,
    transfer_delete_validate,
    transfer_record_validate,
)


def growth_sample_record(*, sample: GrowthSample) -> GrowthSample:
    """Save a new or changed sample; ``ValidationError`` on ``sample_date`` if the day already has one."""
    with transaction.atomic():
        growth_sample_validate(sample)
        sample.save()
    return sample


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
