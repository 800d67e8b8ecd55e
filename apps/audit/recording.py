"""What the recompute hands the history: the days a run moved, and the marks (causes) it drained.

Called by ``apps/recompute`` inside the recompute's own transaction: a run that rolls back leaves neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from apps.audit.context import history_recorded
from apps.audit.models import MarkCause, StateMove


def state_moves(writes: Iterable, previous: dict) -> list[tuple[int, dict[str, list]]]:
    """Per assignment, the days whose stored weight, population or biomass the new rows change, with the old
    and the new values (rounded as the saver stores them). A day that had no row is not a move."""
    if not previous:
        return []
    moves = []
    for w in writes:
        days: dict[str, list] = {}
        for r in w.rows:
            old = previous.get((w.assignment_id, r.date))
            if old is None:
                continue
            weight, biomass = Decimal(f"{r.avg_weight_g:.2f}"), Decimal(f"{r.biomass_kg:.2f}")
            if (weight, r.population, biomass) != old:
                days[r.date.isoformat()] = [str(old[0]), str(weight), old[1], r.population, str(old[2]), str(biomass)]
        if days:
            moves.append((w.assignment_id, days))
    return moves


def state_moves_record(*, run_id: int, moves: list[tuple[int, dict[str, list]]]) -> int:
    """One ``StateMove`` per assignment the run moved."""
    StateMove.objects.bulk_create(
        StateMove(
            run_id=run_id,
            assignment_id=assignment_id,
            first_day=dt.date.fromisoformat(min(days)),
            last_day=dt.date.fromisoformat(max(days)),
            days=days,
        )
        for assignment_id, days in moves
    )
    return len(moves)


def waiting_causes(*, batch_id: int) -> list[tuple[int, int]]:
    """(id, assignment) of the batch's marks not yet drained; read *before* the markers, so that every cause
    read was committed before the markers were read and is covered by this run (a later one waits)."""
    if not history_recorded():
        return []
    return list(MarkCause.objects.filter(batch_id=batch_id, run__isnull=True).values_list("pk", "assignment_id"))


def causes_attach(*, causes: list[tuple[int, int]], assignment_ids: Iterable[int], run_id: int | None) -> int:
    """Hand the drained marks of ``assignment_ids`` (the markers the run covered; a parked one waits) to the
    run that recomputed them."""
    covered = set(assignment_ids)
    cause_ids = [pk for pk, assignment_id in causes if assignment_id in covered]
    if not cause_ids or run_id is None:
        return 0
    return MarkCause.objects.filter(pk__in=cause_ids).update(run_id=run_id)


def causes_forget(*, batch_id: int) -> int:
    """The batch is gone: its waiting marks go with its markers."""
    if not history_recorded():
        return 0
    deleted, _ = MarkCause.objects.filter(batch_id=batch_id, run__isnull=True).delete()
    return deleted
