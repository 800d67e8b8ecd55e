"""Thin signal handlers: mark the recompute work in the event's transaction (recompute.md §2).

``track_event`` wires create/update/delete of any "event on an assignment on a date" model: it remembers
the loaded assignment and date (post_init, no query), and on save or delete marks the old and the new
assignment from the earlier of the two dates. Other apps call it from their ``AppConfig.ready()``.
Bulk loads may mute the handlers with ``recompute_signals_muted()`` and mark what they loaded themselves,
or wrap many ``.save()`` calls in ``recompute_marks_deferred()`` to write the marks once, at the end.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import threading
from typing import Callable

from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save

from apps.batch.services.markers import recompute_mark_many

_state = threading.local()
ONE_DAY = dt.timedelta(days=1)


@contextlib.contextmanager
def recompute_signals_muted():
    """Turn the handlers off in this thread (bulk loads); the caller marks the loaded work afterwards."""
    previous = getattr(_state, "muted", False)
    _state.muted = True
    try:
        yield
    finally:
        _state.muted = previous


def recompute_signals_are_muted() -> bool:
    return getattr(_state, "muted", False)


@contextlib.contextmanager
def recompute_marks_deferred():
    """Collect the handlers' marks in this thread and write them once, in the same transaction, at the end
    (one marker upsert per assignment instead of one per saved row)."""
    if getattr(_state, "deferred", None) is not None:  # nested: the outer block writes
        yield
        return
    with transaction.atomic():
        _state.deferred = []
        try:
            yield
            marks = _state.deferred
        finally:
            _state.deferred = None
        recompute_mark_many(marks=marks)


def mark_from_signal(marks: list[tuple[int, dt.date]]) -> None:
    """What every handler calls: mark now, or buffer while ``recompute_marks_deferred()`` is active."""
    buffer = getattr(_state, "deferred", None)
    if buffer is not None:
        buffer.extend(marks)
    else:
        recompute_mark_many(marks=marks)


def _snapshot(instance, fields: tuple[str, ...]) -> tuple:
    return tuple(instance.__dict__.get(f) for f in fields)  # never triggers a query for deferred fields


def track_event(
    model,
    *,
    assignment_fields: tuple[str, ...],
    date_field: str,
    relevant: Callable[[dict], bool] | None = None,
    relevant_fields: tuple[str, ...] = (),
) -> None:
    """Mark every assignment in ``assignment_fields`` from ``date_field`` on whenever a ``model`` row is created,
    changed or deleted; ``relevant(values)`` (a dict of the tracked fields and ``relevant_fields``) filters
    out rows that cannot change a daily state (checked on the old and on the new values)."""
    fields = (*assignment_fields, date_field, *relevant_fields)
    count = len(assignment_fields)
    uid = f"recompute:{model._meta.label}"

    def remember(sender, instance, **kwargs):
        instance._recompute_original = _snapshot(instance, fields) if instance.pk else None

    def marks_for(values: tuple | None):
        if values is None or (relevant and not relevant(dict(zip(fields, values)))):
            return []
        day = values[count]
        return [(a, day) for a in values[:count] if a is not None]

    def on_save(sender, instance, raw=False, **kwargs):
        if raw or recompute_signals_are_muted():
            return
        mark_from_signal(marks_for(getattr(instance, "_recompute_original", None)) + marks_for(_snapshot(instance, fields)))
        instance._recompute_original = _snapshot(instance, fields)

    def on_delete(sender, instance, **kwargs):
        if not recompute_signals_are_muted():
            mark_from_signal(marks_for(_snapshot(instance, fields)))

    post_init.connect(remember, sender=model, weak=False, dispatch_uid=f"{uid}:init")
    post_save.connect(on_save, sender=model, weak=False, dispatch_uid=f"{uid}:save")
    post_delete.connect(on_delete, sender=model, weak=False, dispatch_uid=f"{uid}:delete")


ASSIGNMENT_FIELDS = (
    "assignment_date",
    "departure_date",
    "placement_count",
    "placement_avg_weight_g",
    "lifecycle_stage_id",
    "container_id",
    "batch_id",
)


def _assignment_remember(sender, instance, **kwargs):
    instance._recompute_original = _snapshot(instance, ASSIGNMENT_FIELDS) if instance.pk else None


def _assignment_saved(sender, instance, created, raw=False, **kwargs):
    """New assignment: from its first day. Changed start, placement, stage or container: from the earlier
    start. Only the departure moved: from the day before the earlier of the two departures."""
    if raw or recompute_signals_are_muted():
        return
    old = getattr(instance, "_recompute_original", None)
    new = _snapshot(instance, ASSIGNMENT_FIELDS)
    instance._recompute_original = new
    if created or old is None:
        day = instance.assignment_date
    elif old == new:
        return
    elif old[0] != new[0] or old[2:] != new[2:]:
        day = min(old[0], new[0])
    else:
        departures = [d for d in (old[1], new[1]) if d is not None]
        day = max(min(departures) - ONE_DAY, instance.assignment_date)
    mark_from_signal([(instance.pk, day)])


def _assignment_deleted(sender, instance, **kwargs):
    """Its rows go with it (cascade); a marker written by a cascaded transfer's handler must go too."""
    from apps.batch.models import RecomputeMarker

    RecomputeMarker.objects.filter(assignment_id=instance.pk).delete()


def _batch_remember(sender, instance, **kwargs):
    instance._recompute_original = _snapshot(instance, ("pinned_scenario_id", "start_date")) if instance.pk else None


def _batch_saved(sender, instance, created, raw=False, **kwargs):
    """A new pinned scenario or start date changes every day of the batch."""
    if raw or recompute_signals_are_muted() or created:
        return
    new = _snapshot(instance, ("pinned_scenario_id", "start_date"))
    old, instance._recompute_original = getattr(instance, "_recompute_original", None), new
    if old is not None and old != new:
        batch_mark_all(batch_id=instance.pk)


def batch_mark_all(*, batch_id: int) -> int:
    from apps.batch.models import BatchContainerAssignment

    rows = list(BatchContainerAssignment.objects.filter(batch_id=batch_id).values_list("pk", "assignment_date"))
    mark_from_signal(rows)
    return len(rows)


def connect() -> None:
    from apps.batch.models import Batch, BatchContainerAssignment, GrowthSample, MortalityEvent, TransferAction

    track_event(GrowthSample, assignment_fields=("assignment_id",), date_field="sample_date")
    track_event(MortalityEvent, assignment_fields=("assignment_id",), date_field="event_date")
    track_event(
        TransferAction,
        assignment_fields=("source_assignment_id", "dest_assignment_id"),
        date_field="actual_execution_date",
        relevant_fields=("status",),
        relevant=lambda v: v["status"] == TransferAction.Status.COMPLETED,
    )
    post_init.connect(_assignment_remember, sender=BatchContainerAssignment, dispatch_uid="recompute:assignment:init")
    post_save.connect(_assignment_saved, sender=BatchContainerAssignment, dispatch_uid="recompute:assignment:save")
    post_delete.connect(_assignment_deleted, sender=BatchContainerAssignment, dispatch_uid="recompute:assignment:delete")
    post_init.connect(_batch_remember, sender=Batch, dispatch_uid="recompute:batch:init")
    post_save.connect(_batch_saved, sender=Batch, dispatch_uid="recompute:batch:save")
