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


def batch_inputs_load(*, batch_id: int, today: dt.date, from_dates: Mapping[int, dt.date] | None) -> BatchInputs:
    """Everything a recompute of ``batch_id`` from ``from_dates`` (None: the whole history) computes from.
    Raises ``RecomputeError`` when the batch cannot be computed (no scenario, an invalid one)."""
    data = batch_data_load(batch_id=batch_id, today=today)
    order = computation_order(data)
    data.stored = stored_rows_load(restart_keys(data, from_dates, order))
    starts = restart_days(data, from_dates, order=order)
    dense_data_load(data, starts=starts)
    return BatchInputs(data=data, order=order, starts=starts)
