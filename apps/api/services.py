"""Writes behind the API's batch actions. Plain ORM saves elsewhere rely on the model signals to mark the
recompute work; these functions mark explicitly only where they bypass the signals (bulk writes) or where
marking is the whole point (an explicit recompute request)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from rest_framework import serializers
from rest_framework.fields import get_error_detail

from apps.batch.models import Batch, BatchContainerAssignment, MortalityEvent
from apps.batch.services.feeding import feeding_event_record
from apps.batch.services.recording import batches_lock, mortality_event_record
from apps.batch.services.scenario_params import batches_using_scenarios
from apps.inventory.models import FeedingEvent
from apps.recompute.markers import recompute_mark_many
from apps.recompute.signals import batch_mark_all, recompute_signals_muted
from apps.scenario.models import Scenario, TemperatureProfile, TemperatureProfileDay


def recompute_assignments_default(
    *, batch: Batch, start_date: dt.date, end_date: dt.date | None = None
) -> list[BatchContainerAssignment]:
    """The batch's assignments with days in [start_date, end_date] (open-ended without an end date)."""
    assignments = BatchContainerAssignment.objects.filter(batch_id=batch.pk).filter(
        Q(departure_date__isnull=True) | Q(departure_date__gt=start_date)
    )
    if end_date is not None:
        assignments = assignments.filter(assignment_date__lte=end_date)
    return list(assignments.order_by("assignment_date", "id"))


def batch_recompute_request(
    *, batch: Batch, start_date: dt.date, assignments: Sequence[BatchContainerAssignment]
) -> list[tuple[int, dt.date]]:
    """Mark ``assignments`` for recompute from ``start_date`` (or their first day, if later) to the end of
    their days; a task is published after commit. Returns the (assignment id, from date) pairs marked."""
    marks = [(a.pk, max(start_date, a.assignment_date)) for a in assignments]
    recompute_mark_many(marks=marks)
    return marks


def scenario_delete(*, scenario: Scenario) -> None:
    """Delete a scenario, the rows of its batch and of the batches pinning it locked first (its handlers mark
    those batches, then the delete unpins them: the lock order of apps/batch/services/recording.py)."""
    with transaction.atomic():
        pinning = Batch.objects.filter(pinned_scenario_id=scenario.pk).values_list("pk", flat=True)
        batches_lock(batch_ids=[scenario.batch_id, *pinning])
        scenario.delete()


def batch_scenario_pin(*, batch: Batch, scenario: Scenario | None) -> Batch:
    """Pin ``scenario`` (None: back to the batch's newest). The batch's post_save signal marks every
    assignment for a full recompute when the pin changes."""
    batch.pinned_scenario = scenario
    batch.save(update_fields=["pinned_scenario"])
    return batch


def temperature_profile_days_replace(*, profile: TemperatureProfile, days: list[tuple[int, float]]) -> None:
    """Replace a profile's days in two statements, then mark every batch whose scenario uses the profile
    (the per-row signals are muted: a profile has hundreds of days)."""
    with transaction.atomic():
        with recompute_signals_muted():
            TemperatureProfileDay.objects.filter(profile=profile).delete()
            TemperatureProfileDay.objects.bulk_create(
                TemperatureProfileDay(profile=profile, day_number=day, temp_c=temp) for day, temp in days
            )
        for batch_id in sorted(batches_using_scenarios(Scenario.objects.filter(tgc_model__profile=profile))):
            batch_mark_all(batch_id=batch_id)


# --- a day's entries for many containers (the site's record page) ------------------------------------------

#: a row's event field → the row field its error is shown on (the date is the request's; a day outside the
#: assignment's days is the container's problem)
DAY_ENTRY_FIELDS = {"event_date": "assignment", "feeding_date": "assignment", "count": "count", "cause": "cause"}


def day_entries_record(*, day: dt.date, rows: Sequence[dict], feed=None) -> tuple[list, list]:
    """Record each row's deaths and feeding on ``day`` through the recording services (their locks, checks and
    messages), all in one transaction: every row is tried so that every refusal is reported at once, as
    ``rows.<n>.<field>``, and any refusal saves nothing. Returns (mortality events, feeding events)."""
    deaths, feedings, errors = [], [], {}
    with transaction.atomic():
        for index, row in enumerate(rows):
            if row.get("count"):
                death = MortalityEvent(
                    assignment=row["assignment"],
                    event_date=day,
                    count=row["count"],
                    cause=row.get("cause") or MortalityEvent.Cause.UNKNOWN,
                )
                _day_entry_try(
                    lambda e=death: deaths.append(mortality_event_record(event=e)), errors.setdefault(index, {})
                )
            if row.get("amount_kg"):
                eaten = FeedingEvent(
                    assignment=row["assignment"], feeding_date=day, amount_kg=row["amount_kg"], feed=feed
                )
                _day_entry_try(
                    lambda e=eaten: feedings.append(feeding_event_record(event=e)), errors.setdefault(index, {})
                )
        if any(errors.values()):
            raise serializers.ValidationError({"rows": [errors.get(i, {}) for i in range(len(rows))]})
    return deaths, feedings


def _day_entry_try(record, errors: dict) -> None:
    """Record one event of a row in a savepoint; a refusal adds its messages to the row's ``errors``."""
    try:
        with transaction.atomic():
            record()
    except DjangoValidationError as refused:
        detail = get_error_detail(refused)
        for key, messages in detail.items() if isinstance(detail, dict) else [("assignment", detail)]:
            errors.setdefault(DAY_ENTRY_FIELDS.get(key, key), []).extend(messages)
