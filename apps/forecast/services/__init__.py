"""``forecast_refresh``: the growth segments and projections of a batch, written in its recompute's transaction.

Called by ``apps.recompute.run.batch_recompute`` right after the daily states are saved, with the recompute's loaded data and writes,
so segments and projections are never older than the states they are derived from (docs/forecast.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from apps.forecast.engine.estimates import SegmentEvidence
from apps.forecast.services.calibration import archive_forget_statement
from apps.forecast.services.projections import (
    EVIDENCE_COLUMNS,
    RECENT_DAYS,
    assignment_projection,
    projections_refresh,
    rows_since,
    segment_evidence,
)
from apps.forecast.services.segments import SEGMENT_COLUMNS, segments_refresh

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from apps.batch.services.loading import BatchData
    from apps.batch.services.saving import AssignmentWrite

__all__ = [
    "RECENT_DAYS",
    "SEGMENT_COLUMNS",
    "assignment_projection",
    "forecast_refresh",
    "projections_refresh",
    "rows_since",
    "segment_evidence",
]


def forecast_refresh(
    *,
    data: BatchData,
    writes: list[AssignmentWrite],
    computed_at: dt.datetime,
    planned: QuerySet | None = None,
) -> None:
    """Rewrite the segments of the assignments in ``writes`` and every projection of ``data``'s batch.
    ``planned``: a lazy query of the batch's open planned handlings, (assignment id, due date) rows (the planning
    app's, handed over by the recompute), which the learned growth model bends the projections for; read in the
    round trip of the refresh's other reads.

    When every computed assignment was rewritten from its first day (a full recompute), the projections read the
    new segments and rows from memory, as stored (rounded), instead of reading them back.

    The nightly calibration's archived parts of this batch that the recompute's window reaches are forgotten
    (``archive_forget``, sent with the segments' read): their forecasts' records or the weighings that scored
    them may have changed."""
    forget = archive_forget_statement(data.batch.pk, min(w.from_day for w in writes)) if writes else None
    written = segments_refresh(data, writes, computed_at, also=forget)
    projections_refresh(data=data, computed_at=computed_at, memory=_in_memory(data, writes, written), planned=planned)


#: positions in SEGMENT_COLUMNS of the assignment, the ratio, and ``segment_evidence``'s arguments in its order
_ASSIGNMENT, _RATIO = SEGMENT_COLUMNS.index("assignment_id"), SEGMENT_COLUMNS.index("performance_ratio")
_EVIDENCE_FIELDS = tuple(SEGMENT_COLUMNS.index(name) for name in EVIDENCE_COLUMNS)


def _in_memory(data: BatchData, writes: list[AssignmentWrite], written: list[tuple]):
    """(segment evidence, rows) by assignment when ``writes`` hold every computed assignment whole, else None."""
    computed = {a.id for a in data.assignments if a.first_day <= a.last_day}
    whole = {w.assignment_id: w for w in writes if w.from_day == w.first_day and w.rows}
    if not computed or set(whole) != computed:
        return None
    evidence: dict[int, list[SegmentEvidence]] = defaultdict(list)
    fields = _EVIDENCE_FIELDS
    for values in written:  # SEGMENT_COLUMNS order, rounded as stored
        if values[_RATIO] is not None:
            evidence[values[_ASSIGNMENT]].append(segment_evidence(*[values[i] for i in fields]))
    return evidence, {a: w.rows for a, w in whole.items()}
