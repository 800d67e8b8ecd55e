"""The plan of a recompute, pure over the loaded data: the order the assignments are computed in (along the transfer
graph) and the day each one restarts from (docs/architecture.md, "Recompute: load, compute, save", steps 3-4).
The loader (``inputs.batch_inputs_load``) uses it to know which stored rows and dense records to read."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from apps.batch.services.loading import ONE_DAY, AssignmentRecord, BatchData


@dataclass(frozen=True)
class ComputationOrder:
    """Assignments in the order they are computed, and the destinations that never read their source.

    A destination's first completed transfer in without a measured weight gives it its source's weight of the
    day before: the source is computed first, whatever the dates (the transfer graph, not the calendar). Each
    destination has at most one such source, so the graph is a forest unless transfers form a cycle; a cycle is
    cut at its earliest assignment, which then starts from its placement or scenario weight (``cut``) in every
    recompute alike, so a windowed recompute still writes what a full one does.
    """

    assignments: list[AssignmentRecord]
    cut: frozenset[int]
    children: dict[int, list[int]]


def computation_order(data: BatchData) -> ComputationOrder:
    position = {a.id: i for i, a in enumerate(data.assignments)}  # loaded by (first day, id)
    parent = {
        dest: t.source_id
        for dest, t in first_transfer_in(data).items()
        if t.measured_weight_g is None and dest in position and t.source_id in position
    }
    children: dict[int, list[int]] = defaultdict(list)
    for dest, source in parent.items():
        children[source].append(dest)
    ready = [position[a] for a in position if a not in parent]
    heapq.heapify(ready)
    order: list[AssignmentRecord] = []
    cut: set[int] = set()
    done: set[int] = set()
    while len(order) < len(data.assignments):
        if not ready:  # only cycles are left: cut the earliest waiting assignment loose from its source
            first = min(position[a] for a in position if a not in done)
            cut.add(data.assignments[first].id)
            ready.append(first)
        assignment = data.assignments[heapq.heappop(ready)]
        if assignment.id in done:
            continue
        done.add(assignment.id)
        order.append(assignment)
        for child in children.get(assignment.id, ()):
            if child not in done and child not in cut:
                heapq.heappush(ready, position[child])
    return ComputationOrder(
        assignments=order,
        cut=frozenset(cut),
        children={source: [d for d in dests if d not in cut] for source, dests in children.items()},
    )


def restart_keys(
    data: BatchData, from_dates: Mapping[int, dt.date] | None, order: ComputationOrder
) -> set[tuple[int, dt.date]]:
    """The stored rows the computation may restart from: the day before each dirty assignment's restart day, and
    the source rows a destination may start from (a source not recomputed in this pass is read as stored)."""
    keys = _source_rows_needed(data, order)
    if from_dates is None:
        return keys
    by_id = assignments_by_id(data)
    for assignment_id, day in _first_restarts(data, from_dates).items():
        if day > by_id[assignment_id].first_day:
            keys.add((assignment_id, day - ONE_DAY))
    return keys


def restart_days(
    data: BatchData, from_dates: Mapping[int, dt.date] | None, *, order: ComputationOrder
) -> dict[int, dt.date]:
    """The day each assignment's computation starts, after cascading along the transfer graph, given the stored
    rows loaded for ``restart_keys`` (``data.stored``).

    Full recompute: every assignment from its first day. Otherwise the last anchor strictly before the
    first changed day (or the first day, also when the stored row of the day before is missing); a source that
    restarts (or changes: a start moved later) on or before the day before its transfer recomputes the destination
    that reads it from its first day.
    """
    if from_dates is None:
        return {a.id: a.first_day for a in order.assignments}
    by_id = assignments_by_id(data)
    starts = _first_restarts(data, from_dates)
    for assignment_id, day in list(starts.items()):
        if day > by_id[assignment_id].first_day and (assignment_id, day - ONE_DAY) not in data.stored:
            starts[assignment_id] = by_id[assignment_id].first_day  # never computed before: from the first day
    first_in = first_transfer_in(data)
    for assignment in order.assignments:
        start = starts.get(assignment.id)
        if start is None:
            continue
        # the source's rows may change from its marked day on, which is before its restart day where its start
        # moved later: the days dropped before the new start may include the one a destination read
        changed = min(start, from_dates.get(assignment.id, start))
        for dest_id in order.children.get(assignment.id, ()):
            if first_in[dest_id].date - ONE_DAY >= changed:
                starts[dest_id] = by_id[dest_id].first_day
    return starts


def _first_restarts(data: BatchData, from_dates: Mapping[int, dt.date]) -> dict[int, dt.date]:
    """Each dirty assignment's restart day: its last anchor strictly before the first changed day."""
    by_id = assignments_by_id(data)
    return {a: _restart_day(by_id[a], day, data.anchors.get(a, {})) for a, day in from_dates.items() if a in by_id}


def _restart_day(assignment: AssignmentRecord, changed: dt.date, anchors) -> dt.date:
    if changed <= assignment.first_day:
        return assignment.first_day
    before = [day for day in anchors if assignment.first_day < day < changed and day <= assignment.last_day]
    return max(before) if before else assignment.first_day


def _source_rows_needed(data: BatchData, order: ComputationOrder) -> set[tuple[int, dt.date]]:
    """The source rows a destination may start from (a source not recomputed in this pass is read as stored)."""
    return {
        (source, first_transfer_in(data)[dest].date - ONE_DAY)
        for source, dests in order.children.items()
        for dest in dests
    }


def first_transfer_in(data: BatchData) -> dict:
    """Each destination's first completed transfer in (the transfers are ordered by date, id)."""
    first = {}
    for transfer in data.transfers:  # ordered by date, id
        first.setdefault(transfer.dest_id, transfer)
    return first


def assignments_by_id(data: BatchData) -> dict[int, AssignmentRecord]:
    """The batch's assignments by id."""
    return {a.id: a for a in data.assignments}
