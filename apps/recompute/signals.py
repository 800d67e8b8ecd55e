"""Thin signal handlers: mark the recompute work in the change's own transaction (docs/architecture.md).

Every model of ``apps.recompute.reach.rules()`` is wired the same way: the row's tracked values are
remembered when it is loaded (post_init, no query); a save marks what the old and the new values reach; a
delete marks what the row reached, read in ``pre_delete`` while its relations still stand (a deleted pinned
scenario is still pinned then). Bulk loads may mute the handlers with ``recompute_signals_muted()`` and mark
what they loaded themselves (``reach.reach_of_rows``), or wrap many ``.save()`` calls in
``recompute_marks_deferred()`` to write the marks once, at the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save, pre_delete

from apps.environmental.signals import readings_bulk_created
from apps.recompute import reach
from apps.recompute.markers import batch_marks, recompute_mark_many

_state = threading.local()


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
    elif marks:
        recompute_mark_many(marks=marks)


def batch_mark_all(*, batch_id: int) -> int:
    """Mark every assignment of the batch from its first day (a change that reaches its whole history)."""
    rows = batch_marks(batch_id=batch_id)
    mark_from_signal(rows)
    return len(rows)


def _track(label: str) -> None:
    rule = reach.rules()[label]
    model = apps.get_model(label)
    uid = f"recompute:{label}"

    def remember(sender, instance, **kwargs):
        instance._recompute_original = reach.snapshot(instance, rule) if instance.pk else None

    def saved(sender, instance, raw=False, **kwargs):
        new = reach.snapshot(instance, rule)
        old, instance._recompute_original = getattr(instance, "_recompute_original", None), new
        if not (raw or recompute_signals_are_muted()):
            mark_from_signal(reach.reach_marks(label, old=old, new=new, pk=instance.pk))

    def deleting(sender, instance, **kwargs):
        if recompute_signals_are_muted():
            return
        loaded = getattr(instance, "_recompute_original", None)
        current = reach.snapshot(instance, rule)
        marks = reach.reach_marks(label, old=current, new=None, pk=instance.pk)
        if loaded is not None and loaded != current:  # changed in memory since it was loaded
            marks += reach.reach_marks(label, old=loaded, new=None, pk=instance.pk)
        mark_from_signal(marks)

    post_init.connect(remember, sender=model, weak=False, dispatch_uid=f"{uid}:init")
    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{uid}:save")
    pre_delete.connect(deleting, sender=model, weak=False, dispatch_uid=f"{uid}:delete")


def _readings_bulk_created(sender, readings, **kwargs):
    """A bulk import of readings (no per-row signals): mark what its temperatures reach, in its transaction."""
    from apps.environmental.models import EnvironmentalParameter

    temperature_ids = set(
        EnvironmentalParameter.objects.filter(code__iexact=reach.TEMPERATURE_CODE).values_list("pk", flat=True)
    )
    days = {(r.container_id, reach.local_day(r.reading_time)) for r in readings if r.parameter_id in temperature_ids}
    recompute_mark_many(marks=reach.temperature_marks(days))


def _assignment_deleted(sender, instance, **kwargs):
    """Its rows go with it (cascade); a marker written for it by a cascaded transfer's handler must go too."""
    from apps.batch.models import RecomputeMarker

    RecomputeMarker.objects.filter(assignment_id=instance.pk).delete()


def connect() -> None:
    """Wire every model the recompute reads (called from ``RecomputeConfig.ready()``, once the apps are loaded)."""
    from apps.batch.models import BatchContainerAssignment

    for label in reach.rules():
        _track(label)
    post_delete.connect(_assignment_deleted, sender=BatchContainerAssignment, dispatch_uid="recompute:assignment:gone")
    readings_bulk_created.connect(_readings_bulk_created, dispatch_uid="recompute:readings:bulk", weak=False)
