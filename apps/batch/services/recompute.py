"""Recompute a batch's actual daily states: load → engine → save, from the first changed day on.

``batch_recompute`` is the one entry point used by tasks, commands, views and tests. It restarts each
assignment at its last anchor strictly before the first changed day (docs/engine.md §8), so a windowed
recompute writes exactly the rows a full recompute would, and cascades into transfer destinations whose
starting weight comes from a changed source row.
"""
from __future__ import annotations

import datetime as dt
import heapq
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Mapping

from django.db import transaction
from django.utils import timezone

from apps.batch.engine import AssignmentInputs, StartState, compute_assignment, transfer_anchor_weight
from apps.batch.models import Batch, BatchContainerAssignment, RecomputeRun
from apps.batch.services.loading import (
    ONE_DAY,
    AssignmentRecord,
    BatchData,
    batch_data_load,
    dense_data_load,
    stored_rows_load,
)
from apps.batch.services.saving import AssignmentWrite, daily_states_save
from apps.forecast.services import forecast_refresh
from aquamind.errors import RecomputeError

logger = logging.getLogger(__name__)


@dataclass
class RecomputeSummary:
    batch_id: int
    assignments: int = 0
    rows: int = 0
    duration_ms: float = 0.0
    error_code: str = ""
    error: str = ""
    assignment_errors: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error_code


def batch_recompute(
    *,
    batch_id: int,
    from_dates: Mapping[int, dt.date] | None = None,
    today: dt.date | None = None,
    trigger: str = "manual",
    nowait: bool = False,
) -> RecomputeSummary:
    """Recompute ``batch_id``: every assignment fully when ``from_dates`` is None, else each named assignment
    from its date on (and the destinations that depend on it). Domain errors are stored on the batch or
    assignment and returned in the summary, not raised. Holds the batch's row lock while it works;
    with ``nowait`` a busy lock raises ``django.db.OperationalError`` at once (the caller retries later).
    """
    started = time.perf_counter()
    started_at = timezone.now()
    today = today or timezone.localdate()
    summary = RecomputeSummary(batch_id=batch_id)
    with transaction.atomic():
        Batch.objects.select_for_update(nowait=nowait, no_key=True).filter(pk=batch_id).values_list("pk").first()
        try:
            data = batch_data_load(batch_id=batch_id, today=today)
        except RecomputeError as error:
            _store_batch_error(batch_id, error, started_at)
            summary.error_code, summary.error = error.code, error.message
        else:
            _compute_and_save(data, from_dates, summary, started_at)
        summary.duration_ms = (time.perf_counter() - started) * 1000
        RecomputeRun.objects.create(
            batch_id=batch_id,
            started_at=started_at,
            duration_ms=summary.duration_ms,
            assignments=summary.assignments,
            rows_written=summary.rows,
            trigger=trigger[:40],
            ok=summary.ok,
            error_code=summary.error_code,
        )
    return summary


def _compute_and_save(data: BatchData, from_dates, summary: RecomputeSummary, now: dt.datetime) -> None:
    writes, errors = batch_compute(data, from_dates)
    summary.assignments = len(writes)
    summary.rows = daily_states_save(batch_id=data.batch.pk, writes=writes, computed_at=now)
    forecast_refresh(data=data, writes=writes, computed_at=now)  # segments and projections, same transaction
    summary.assignment_errors = {e.assignment_id: e.message for e in errors}
    _store_outcome(data.batch.pk, [w.assignment_id for w in writes], errors, now)
    if errors:
        summary.error_code = errors[0].code
        summary.error = errors[0].message


def batch_compute(data: BatchData, from_dates: Mapping[int, dt.date] | None, *, until: dt.date | None = None):
    """The rows a recompute of ``data``'s batch writes (``from_dates`` None: all of them), in memory: loads the
    dense records and the stored rows it restarts from, computes, saves nothing. Returns (writes, errors).

    ``until``: use no record dated after it (a backtest's strict as-of). Without it the engine reads
    temperatures up to 7 days after the last computed day to interpolate (docs/engine.md §2), as a recompute
    of records entered late should."""
    if until is not None:
        _records_until(data, until)
    order = computation_order(data)
    starts = restart_days(data, from_dates, order=order)
    dense_data_load(data, starts=starts)
    if until is not None:
        _records_until(data, until)
    return _compute(data, starts, order)


def _records_until(data: BatchData, until: dt.date) -> None:
    """Drop every dated record after ``until`` from ``data``: transfers, anchors, deaths, feed, temperatures."""
    def kept(by_key):
        return {key: {d: v for d, v in days.items() if d <= until} for key, days in by_key.items()}

    data.transfers = [t for t in data.transfers if t.date <= until]
    data.anchors = kept(data.anchors)
    data.mortality, data.feed_kg, data.temps_c = kept(data.mortality), kept(data.feed_kg), kept(data.temps_c)


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
        for dest, t in _first_transfer_in(data).items()
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


def restart_days(
    data: BatchData, from_dates: Mapping[int, dt.date] | None, *, order: ComputationOrder | None = None
) -> dict[int, dt.date]:
    """The day each assignment's computation starts, after cascading along the transfer graph; loads the stored
    rows the computation restarts from (``data.stored``).

    Full recompute: every assignment from its first day. Otherwise the last anchor strictly before the
    first changed day (or the first day, also when the stored row of the day before is missing); a source that
    restarts on or before the day before its transfer recomputes the destination that reads it from its first day.
    """
    order = order or computation_order(data)
    if from_dates is None:
        data.stored = stored_rows_load(_source_rows_needed(data, order))
        return {a.id: a.first_day for a in order.assignments}
    by_id = _by_id(data)
    dirty = {a: d for a, d in from_dates.items() if a in by_id}
    starts = {a: _restart_day(by_id[a], day, data.anchors.get(a, {})) for a, day in dirty.items()}
    restart_keys = {(a, day - ONE_DAY) for a, day in starts.items() if day > by_id[a].first_day}
    data.stored = stored_rows_load(restart_keys | _source_rows_needed(data, order))
    for assignment_id, _ in restart_keys - data.stored.keys():  # never computed before: from the first day
        starts[assignment_id] = by_id[assignment_id].first_day
    first_in = _first_transfer_in(data)
    for assignment in order.assignments:
        start = starts.get(assignment.id)
        if start is None:
            continue
        for dest_id in order.children.get(assignment.id, ()):
            if first_in[dest_id].date - ONE_DAY >= start:
                starts[dest_id] = by_id[dest_id].first_day
    return starts


def _restart_day(assignment: AssignmentRecord, changed: dt.date, anchors) -> dt.date:
    if changed <= assignment.first_day:
        return assignment.first_day
    before = [day for day in anchors if assignment.first_day < day < changed and day <= assignment.last_day]
    return max(before) if before else assignment.first_day


def _compute(data: BatchData, starts: dict[int, dt.date], order: ComputationOrder):
    transfers_in, transfers_out = _transfer_counts(data)
    first_in = _first_transfer_in(data)
    computed_weights: dict[tuple[int, dt.date], float] = {}
    writes: list[AssignmentWrite] = []
    errors: list[RecomputeError] = []
    for assignment in order.assignments:
        start_day = starts.get(assignment.id)
        if start_day is None:
            continue
        rows = []
        if assignment.first_day <= assignment.last_day:
            try:
                start_day, start = _start_state(
                    data, assignment, start_day, first_in, computed_weights, reads_source=assignment.id not in order.cut
                )
            except RecomputeError as error:
                errors.append(error)
                continue
            inputs = AssignmentInputs(
                assignment_id=assignment.id,
                batch_start_date=data.batch.start_date,
                first_day=start_day,
                last_day=assignment.last_day,
                start=start,
                anchors=data.anchors.get(assignment.id, {}),
                mortality=data.mortality.get(assignment.id, {}),
                feed_kg=data.feed_kg.get(assignment.id, {}),
                transfers_in=transfers_in.get(assignment.id, {}),
                transfers_out=transfers_out.get(assignment.id, {}),
                daily_temps_c=data.temps_c.get(assignment.container_id, {}),
                freshwater=assignment.freshwater,
            )
            rows = compute_assignment(inputs, data.params)
            for row in rows:
                computed_weights[(assignment.id, row.date)] = round(row.avg_weight_g, 2)
        writes.append(
            AssignmentWrite(
                assignment_id=assignment.id,
                container_id=assignment.container_id,
                from_day=start_day,
                first_day=assignment.first_day,
                last_day=assignment.last_day,
                rows=rows,
            )
        )
    return writes, errors


def _start_state(data, assignment, start_day, first_in, computed_weights, *, reads_source: bool) -> tuple[dt.date, StartState]:
    """The state at the start of ``start_day``: a stored row to restart from, else the first placement."""
    if start_day > assignment.first_day:
        row = data.stored.get((assignment.id, start_day - ONE_DAY))
        if row is not None:
            return start_day, StartState(
                weight_g=row.avg_weight_g, population=row.population, biomass_kg=row.biomass_kg, stage_id=row.stage_id
            )
    transfer = first_in.get(assignment.id)
    population = 0 if transfer is not None else (assignment.placement_count or 0)
    weight = _start_weight(data, assignment, transfer, computed_weights, reads_source=reads_source)
    return assignment.first_day, StartState(
        weight_g=weight,
        population=population,
        biomass_kg=round(population * weight / 1000, 2),
        stage_id=assignment.stage_id,
    )


def _start_weight(data, assignment, transfer, computed_weights, *, reads_source: bool) -> float:
    """docs/engine.md §1 (starting state): transfer's measured weight (bias-corrected); source's weight the day
    before (unless a transfer cycle was cut here); placement; scenario."""
    if transfer is not None:
        if transfer.measured_weight_g is not None:
            # the weighed fish were selected (largest/smallest); the fish moved are the population
            return transfer_anchor_weight(transfer.measured_weight_g, transfer.selection_method)
    if transfer is not None and reads_source and _source_has_day(data, transfer.source_id, transfer.date - ONE_DAY):
        key = (transfer.source_id, transfer.date - ONE_DAY)
        if key in computed_weights:
            return computed_weights[key]
        if key in data.stored:
            return data.stored[key].avg_weight_g
    if assignment.placement_weight_g is not None:
        return assignment.placement_weight_g
    if data.initial_weight_g:
        return data.initial_weight_g
    raise RecomputeError(
        f"Assignment {assignment.id} has no starting weight: record the placement weight or a measured transfer.",
        code="no_start_weight",
        assignment_id=assignment.id,
    )


def _source_has_day(data: BatchData, source_id: int, day: dt.date) -> bool:
    """The source's range holds ``day``: a stored row outside it is stale (about to be deleted), never read."""
    source = _by_id(data).get(source_id)
    return source is not None and source.first_day <= day <= source.last_day


def _source_rows_needed(data: BatchData, order: ComputationOrder) -> set[tuple[int, dt.date]]:
    """The source rows a destination may start from (a source not recomputed in this pass is read as stored)."""
    return {
        (source, _first_transfer_in(data)[dest].date - ONE_DAY)
        for source, dests in order.children.items()
        for dest in dests
    }


def _first_transfer_in(data: BatchData):
    first = {}
    for transfer in data.transfers:  # ordered by date, id
        first.setdefault(transfer.dest_id, transfer)
    return first


def _transfer_counts(data: BatchData):
    transfers_in: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    transfers_out: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for t in data.transfers:
        transfers_in[t.dest_id][t.date] += t.transferred_count
        transfers_out[t.source_id][t.date] += t.transferred_count + t.mortality
    return transfers_in, transfers_out


def _by_id(data: BatchData) -> dict[int, AssignmentRecord]:
    return {a.id: a for a in data.assignments}


def _store_batch_error(batch_id: int, error: RecomputeError, now: dt.datetime) -> None:
    logger.warning("recompute of batch %s failed: %s (%s)", batch_id, error.message, error.code)
    Batch.objects.filter(pk=batch_id).update(
        last_recompute_error_code=error.code, last_recompute_error=error.message, last_recompute_error_at=now
    )


def _store_outcome(batch_id: int, computed_ids: list[int], errors: list[RecomputeError], now: dt.datetime) -> None:
    BatchContainerAssignment.objects.filter(pk__in=computed_ids).update(
        last_recompute_error_code="", last_recompute_error="", last_recompute_error_at=None, last_recompute_success_at=now
    )
    for error in errors:
        BatchContainerAssignment.objects.filter(pk=error.assignment_id).update(
            last_recompute_error_code=error.code, last_recompute_error=error.message, last_recompute_error_at=now
        )
    if errors:
        _store_batch_error(batch_id, errors[0], now)
    else:
        Batch.objects.filter(pk=batch_id).update(
            last_recompute_error_code="", last_recompute_error="", last_recompute_error_at=None, last_recompute_success_at=now
        )
