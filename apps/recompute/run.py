"""``batch_recompute``: the pipeline of one batch's recompute, in one transaction (docs/architecture.md).

Lock the batch, load everything the computation needs in one call (``batch_inputs_load``), then in order: the batch's daily states (``batch_compute`` and
``daily_states_save``), the forecast's segments and projections from them (``forecast_refresh``), and the
planned activities of the templates from the new projections (``planned_activities_from_templates``); then the
outcome on the batch and its assignments, and a ``RecomputeRun``. It is the one entry point used by tasks,
commands, views and tests; the batch app computes and saves, and knows nothing of what follows.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.audit.context import history_recorded
from apps.audit.recording import state_moves, state_moves_record
from apps.batch.models import Batch, BatchContainerAssignment, RecomputeRun
from apps.batch.services.inputs import BatchInputs, batch_inputs_load
from apps.batch.services.recompute import batch_compute
from apps.batch.services.saving import daily_states_save
from apps.forecast.services import forecast_refresh
from apps.planning.selectors import planned_handling_rows
from apps.planning.services.templates import planned_activities_from_templates
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
    run_id: int | None = None
    #: per assignment, the days whose stored values this run changed (old, new): the history's "moves"
    moves: list = field(default_factory=list)

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
    keep_unchanged: bool = False,
) -> RecomputeSummary:
    """Recompute ``batch_id``: every assignment fully when ``from_dates`` is None, else each named assignment
    from its date on (and the destinations that depend on it). Domain errors are stored on the batch or
    assignment and returned in the summary, not raised. Holds the batch's row lock while it works;
    with ``nowait`` a busy lock raises ``django.db.OperationalError`` at once (the caller retries later).
    ``keep_unchanged`` (a backfill's choice): an assignment whose stored rows already equal the computed ones
    is not rewritten (``daily_states_save``); the stored rows are the same, only their ``last_computed_at``
    stays that of the run that last changed them, and ``rows`` counts the rows written.
    """
    started = time.perf_counter()
    started_at = timezone.now()
    today = today or timezone.localdate()
    summary = RecomputeSummary(batch_id=batch_id)
    with transaction.atomic():
        Batch.objects.select_for_update(nowait=nowait, no_key=True).filter(pk=batch_id).values_list("pk").first()
        try:
            inputs = batch_inputs_load(batch_id=batch_id, today=today, from_dates=from_dates)
        except RecomputeError as error:
            _store_batch_error(batch_id, error, started_at)
            summary.error_code, summary.error = error.code, error.message
        else:
            _compute_and_save(inputs, summary, started_at, keep_unchanged=keep_unchanged)
        summary.duration_ms = (time.perf_counter() - started) * 1000
        run = RecomputeRun.objects.create(
            batch_id=batch_id,
            started_at=started_at,
            duration_ms=summary.duration_ms,
            assignments=summary.assignments,
            rows_written=summary.rows,
            trigger=trigger[:40],
            ok=summary.ok,
            error_code=summary.error_code,
        )
        summary.run_id = run.pk
        state_moves_record(run_id=run.pk, moves=summary.moves)
    return summary


def _compute_and_save(
    inputs: BatchInputs, summary: RecomputeSummary, now: dt.datetime, *, keep_unchanged: bool = False
) -> None:
    """Compute (pure), save the states, refresh the forecast, then the planned activities: in this order."""
    data = inputs.data
    writes, errors = batch_compute(inputs)
    summary.assignments = len(writes)
    previous = {} if history_recorded() else None  # the replaced rows' values: which days this run moves (history)
    summary.rows = daily_states_save(
        batch_id=data.batch.pk, writes=writes, computed_at=now, previous=previous, keep_unchanged=keep_unchanged
    )
    summary.moves = state_moves(writes, previous or {})
    _held_by_a_test()
    # segments and projections, which a learned growth model bends for the open planned handlings
    forecast_refresh(data=data, writes=writes, computed_at=now, planned=planned_handling_rows(batch_id=data.batch.pk))
    planned_activities_from_templates(batch_id=data.batch.pk)  # the templates' activities follow the new projections
    summary.assignment_errors = {e.assignment_id: e.message for e in errors}
    _store_outcome(data.batch.pk, [w.assignment_id for w in writes], errors, now)
    if errors:
        summary.error_code = errors[0].code
        summary.error = errors[0].message


def _held_by_a_test() -> None:
    """Tests only (RECOMPUTE_TEST_HOLD_KEY, off by default): wait here, the rows written and not committed, while
    a test holds that advisory lock. A session whose client died while it waited ends within 50 ms of it (the
    check interval), rolling back, rather than when the lock is released."""
    key = settings.RECOMPUTE_TEST_HOLD_KEY
    if key and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL client_connection_check_interval = 50")
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [key])


def _store_batch_error(batch_id: int, error: RecomputeError, now: dt.datetime) -> None:
    logger.warning("recompute of batch %s failed: %s (%s)", batch_id, error.message, error.code)
    Batch.objects.filter(pk=batch_id).update(
        last_recompute_error_code=error.code, last_recompute_error=error.message, last_recompute_error_at=now
    )


def _store_outcome(batch_id: int, computed_ids: list[int], errors: list[RecomputeError], now: dt.datetime) -> None:
    BatchContainerAssignment.objects.filter(pk__in=computed_ids).update(
        last_recompute_error_code="",
        last_recompute_error="",
        last_recompute_error_at=None,
        last_recompute_success_at=now,
    )
    for error in errors:
        BatchContainerAssignment.objects.filter(pk=error.assignment_id).update(
            last_recompute_error_code=error.code, last_recompute_error=error.message, last_recompute_error_at=now
        )
    if errors:
        _store_batch_error(batch_id, errors[0], now)
    else:
        Batch.objects.filter(pk=batch_id).update(
            last_recompute_error_code="",
            last_recompute_error="",
            last_recompute_error_at=None,
            last_recompute_success_at=now,
        )
