"""Reads of the batch domain: how many fish an assignment can still lose on a day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Sum

from apps.batch.models import ActualDailyAssignmentState, BatchContainerAssignment, MortalityEvent, TransferAction


@dataclass(frozen=True)
class FishAvailable:
    """How many fish an assignment can still lose on a day (docs/engine.md §5, "How many fish an
    assignment holds"): ``on_day`` by its stored state and the records since, ``for_later`` by its records
    alone so that every later transfer and death stays covered. A new loss may take ``limit``."""

    on_day: int
    for_later: int

    @property
    def limit(self) -> int:
        return min(self.on_day, self.for_later)

    def refusal(self, day: dt.date) -> str:
        if self.on_day <= self.for_later:
            return f"the assignment holds {self.on_day} fish on {day}."
        return (
            f"only {self.for_later} can go on {day} without the transfers and deaths recorded later taking more "
            "fish than the assignment received."
        )


def assignment_population_available(
    *,
    assignment: BatchContainerAssignment,
    day: dt.date,
    exclude_transfer_id: int | None = None,
    exclude_mortality_id: int | None = None,
    extra_changes: dict[dt.date, int] | None = None,
) -> FishAvailable:
    """The fish the assignment can still lose on ``day``, leaving out the row being checked (and adding
    ``extra_changes``, fish in (+) or out (-) by day, for the row's new version).

    ``on_day``: the end-of-day population of the latest stored daily state before ``day`` (with none, the
    placement count, 0 for an assignment filled by transfers), plus the completed transfers in, minus the
    completed transfers out (alive and dead in handling) and the recorded deaths dated after that state up
    to and including ``day``. ``for_later``: from the placement count and every record, the fewest fish
    held on ``day`` or any later day (model deaths are estimates and never refuse a recorded count here).
    """
    state = (
        ActualDailyAssignmentState.objects.filter(assignment_id=assignment.pk, date__lt=day)
        .order_by("-date")
        .values_list("date", "population")
        .first()
    )
    placed = assignment.placement_count or 0
    since, population = state if state is not None else (None, placed)
    changes = _recorded_changes(assignment.pk, exclude_transfer_id, exclude_mortality_id)
    for extra_day, n in (extra_changes or {}).items():
        changes[extra_day] += n
    on_day = population + sum(n for d, n in changes.items() if (since is None or d > since) and d <= day)
    held = placed + sum(n for d, n in changes.items() if d <= day)
    lowest = held
    for later in sorted(d for d in changes if d > day):
        held += changes[later]
        lowest = min(lowest, held)
    return FishAvailable(on_day=on_day, for_later=lowest)


def _recorded_changes(
    assignment_id: int, exclude_transfer_id: int | None, exclude_mortality_id: int | None
) -> dict[dt.date, int]:
    """Net recorded change of the assignment's fish per day: completed transfers in and out, deaths."""
    completed = TransferAction.objects.filter(
        status=TransferAction.Status.COMPLETED, actual_execution_date__isnull=False
    )
    completed = completed.exclude(pk=exclude_transfer_id).order_by()
    moved_in = (
        completed.filter(dest_assignment_id=assignment_id)
        .values_list("actual_execution_date")
        .annotate(n=Sum("transferred_count"))
    )
    moved_out = (
        completed.filter(source_assignment_id=assignment_id)
        .values_list("actual_execution_date")
        .annotate(n=Sum(F("transferred_count") + F("mortality_during_transfer")))
    )
    deaths = (
        MortalityEvent.objects.filter(assignment_id=assignment_id)
        .exclude(pk=exclude_mortality_id)
        .order_by()
        .values_list("event_date")
        .annotate(n=Sum("count"))
    )
    changes: dict[dt.date, int] = defaultdict(int)
    for rows, sign in ((moved_in, 1), (moved_out, -1), (deaths, -1)):
        for day, n in rows:
            changes[day] += sign * n
    return changes
