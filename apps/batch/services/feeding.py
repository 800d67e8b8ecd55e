"""Record feeding events: under a lock on the assignment, one assignment's feed of a day stays within
``MAX_FEED_KG_PER_DAY`` however many events it is split into (so the day's total fits the daily state)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from apps.batch.services.validation import assignment_lock, event_date_validate
from apps.inventory.models import FeedingEvent
from aquamind.domain import MAX_FEED_KG_PER_DAY


def feeding_event_validate(event: FeedingEvent) -> None:
    """Within its assignment's days, and the day's feed of the assignment at most 100 t in all."""
    if not (event.assignment_id and event.feeding_date and event.amount_kg):
        return
    event_date_validate(assignment=event.assignment, day=event.feeding_date, field="feeding_date")
    assignment_lock(event.assignment_id)
    others = (
        FeedingEvent.objects.filter(assignment_id=event.assignment_id, feeding_date=event.feeding_date)
        .exclude(pk=event.pk)
        .aggregate(kg=Sum("amount_kg"))["kg"]
        or 0
    )
    if others + event.amount_kg > MAX_FEED_KG_PER_DAY:
        raise ValidationError(
            {
                "amount_kg": ValidationError(
                    f"The assignment's feed on {event.feeding_date} would be {others + event.amount_kg} kg; "
                    f"a day's feed is at most {MAX_FEED_KG_PER_DAY:,} kg.",
                    code="exceeds_daily_feed",
                )
            }
        )


def feeding_event_record(*, event: FeedingEvent) -> FeedingEvent:
    """Check and save a new or changed feeding event in one transaction under the assignment's lock."""
    with transaction.atomic():
        feeding_event_validate(event)
        event.save()
    return event
