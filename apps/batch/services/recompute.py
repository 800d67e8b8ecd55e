"""Compute a batch's actual daily states from its loaded inputs, from the first changed day on: no query, no write.

``batch_compute`` is the batch's step of ``apps.recompute.run.batch_recompute`` (which loads with
``batch_inputs_load`` and saves with ``daily_states_save``) and of the verifier. It restarts each assignment at its last anchor strictly before the
first changed day (docs/engine.md §8), so a windowed recompute writes exactly the rows a full recompute would,
and cascades into transfer destinations whose starting weight comes from a changed source row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from apps.batch.engine import AssignmentInputs, StartState, compute_assignment, transfer_anchor_weight
from apps.batch.services.inputs import BatchInputs
from apps.batch.services.loading import ONE_DAY, BatchData
from apps.batch.services.plan import ComputationOrder, assignments_by_id, first_transfer_in
from apps.batch.services.saving import AssignmentWrite
from aquamind.errors import RecomputeError


def batch_compute(inputs: BatchInputs) -> tuple[list[AssignmentWrite], list[RecomputeError]]:
    """The rows a recompute writes, computed from what ``batch_inputs_load`` read (no query, no write): each
    assignment of the plan from its restart day, in the plan's order. Returns (writes, errors)."""
    return _compute(inputs.data, inputs.starts, inputs.order)


def _compute(data: BatchData, starts: dict[int, dt.date], order: ComputationOrder):
    transfers_in, transfers_out = _transfer_counts(data)
    first_in = first_transfer_in(data)
    # the only computed weights a later assignment starts from: each first transfer's source, the day before
    read_later: dict[int, set[dt.date]] = defaultdict(set)
    for transfer in first_in.values():
        read_later[transfer.source_id].add(transfer.date - ONE_DAY)
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
            wanted = read_later.get(assignment.id)
            if wanted:
                for row in rows:
                    if row.date in wanted:
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


def _start_state(
    data, assignment, start_day, first_in, computed_weights, *, reads_source: bool
) -> tuple[dt.date, StartState]:
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
    source = assignments_by_id(data).get(source_id)
    return source is not None and source.first_day <= day <= source.last_day


def _transfer_counts(data: BatchData):
    transfers_in: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    transfers_out: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for t in data.transfers:
        transfers_in[t.dest_id][t.date] += t.transferred_count
        transfers_out[t.source_id][t.date] += t.transferred_count + t.mortality
    return transfers_in, transfers_out
