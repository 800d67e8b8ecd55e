"""Load once: everything a batch recompute computes from, in one call with a fixed number of queries.

``batch_inputs_load`` reads the batch, its scenario's parameters and its sparse records (``batch_data_load``),
plans the computation (``plan``: the order and the restart days, pure), reads the stored rows it restarts from
(one query) and the dense records from the earliest restart day (three queries), and returns them together.
``recompute.batch_compute`` then computes from them without a query. The query count does not depend on the
batch's size (``tests/batch/test_inputs_load.py`` pins it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from apps.batch.services.loading import BatchData, batch_data_load, dense_data_load, stored_rows_load
from apps.batch.services.plan import ComputationOrder, computation_order, restart_days, restart_keys


@dataclass(frozen=True)
class BatchInputs:
    """The loaded data (with its stored restart rows and dense records), the computation order and each
    computed assignment's restart day."""

    data: BatchData
    order: ComputationOrder
    starts: dict[int, dt.date]


def batch_inputs_load(
    *, batch_id: int, today: dt.date, from_dates: Mapping[int, dt.date] | None, until: dt.date | None = None
) -> BatchInputs:
    """Everything a recompute of ``batch_id`` from ``from_dates`` (None: the whole history) computes from.
    Raises ``RecomputeError`` when the batch cannot be computed (no scenario, an invalid one).

    ``until``: keep no record dated after it (a backtest's strict as-of). Without it the engine reads
    temperatures up to 7 days after the last computed day to interpolate (docs/engine.md §2), as a recompute
    of records entered late should."""
    data = batch_data_load(batch_id=batch_id, today=today)
    if until is not None:
        _records_until(data, until)
    order = computation_order(data)
    data.stored = stored_rows_load(restart_keys(data, from_dates, order))
    starts = restart_days(data, from_dates, order=order)
    dense_data_load(data, starts=starts)
    if until is not None:
        _records_until(data, until)
    return BatchInputs(data=data, order=order, starts=starts)


def _records_until(data: BatchData, until: dt.date) -> None:
    """Drop every dated record after ``until`` from ``data``: transfers, anchors, deaths, feed, temperatures."""

    def kept(by_key):
        return {key: {d: v for d, v in days.items() if d <= until} for key, days in by_key.items()}

    data.transfers = [t for t in data.transfers if t.date <= until]
    data.anchors = kept(data.anchors)
    data.mortality, data.feed_kg, data.temps_c = kept(data.mortality), kept(data.feed_kg), kept(data.temps_c)
