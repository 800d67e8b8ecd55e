"""The nightly catch-up and backfill: which batches to recompute from which day (docs/architecture.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from apps.batch.models import Batch, BatchContainerAssignment
from apps.scenario.models import Scenario


@dataclass
class CatchUpPlan:
    """Batches to compute, each with the assignments and the day to compute from (None = full history)."""

    work: list[tuple[Batch, dict[int, dt.date] | None]] = field(default_factory=list)
    skipped: list[tuple[Batch, str]] = field(default_factory=list)


def catch_up_plan(
    *, today: dt.date, days: int | None, statuses: list[str] | None, batch_id: int | None = None
) -> CatchUpPlan:
    """Plan a catch-up of the last ``days`` days (``None`` = the whole history) for batches of ``statuses``
    (``None`` = every status), or the one ``batch_id``. Batches with no scenario or no assignment in the window
    are skipped."""
    batches = Batch.objects.order_by("batch_number").annotate(
        has_scenario=Q(pinned_scenario__isnull=False) | Exists(Scenario.objects.filter(batch=OuterRef("pk")))
    )
    if batch_id is not None:
        batches = batches.filter(pk=batch_id)
    elif statuses:
        batches = batches.filter(status__in=statuses)
    since = None if days is None else today - dt.timedelta(days=days)
    assignments = BatchContainerAssignment.objects.filter(batch__in=batches, assignment_date__lte=today)
    if since is not None:
        assignments = assignments.filter(Q(departure_date__isnull=True) | Q(departure_date__gt=since))
    by_batch: dict[int, list[int]] = {}
    for assignment_id, owner in assignments.values_list("id", "batch_id"):
        by_batch.setdefault(owner, []).append(assignment_id)
    plan = CatchUpPlan()
    for batch in batches:
        ids = by_batch.get(batch.pk)
        if not batch.has_scenario:
            plan.skipped.append((batch, "no scenario"))
        elif not ids:
            plan.skipped.append((batch, "no assignments in the window"))
        else:
            plan.work.append((batch, None if since is None else {i: since for i in ids}))
    return plan
