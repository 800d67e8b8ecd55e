"""``forecast_refresh``: the growth segments and projections of a batch, written in its recompute's transaction.

Called by ``batch_recompute`` right after the daily states are saved, with the recompute's loaded data and writes,
so segments and projections are never older than the states they are derived from (docs/forecast.md).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from apps.forecast.engine.estimates import SegmentEvidence
from apps.forecast.services.projections import (
    RECENT_DAYS,
    assignment_projection,
    projections_refresh,
    rows_since,
    segment_evidence,
)
from apps.forecast.services.segments import SEGMENT_COLUMNS, segments_refresh
from apps.planning.services.templates import planned_activities_from_templates

if TYPE_CHECKING:
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


def forecast_refresh(*, data: BatchData, writes: list[AssignmentWrite], computed_at: dt.datetime) -> None:
    """Rewrite the segments of the assignments in ``writes`` and every projection of ``data``'s batch.

    When every computed assignment was rewritten from its first day (a full recompute), the projections read the
    new segments and rows from memory, as stored (rounded), instead of reading them back."""
    written = segments_refresh(data, writes, computed_at)
    projections_refresh(data=data, computed_at=computed_at, memory=_in_memory(data, writes, written))
    planned_activities_from_templates(batch_id=data.batch.pk)  # the templates' activities follow the new projections


def _in_memory(data: BatchData, writes: list[AssignmentWrite], written: list[tuple]):
    """(segment evidence, rows) by assignment when ``writes`` hold every computed assignment whole, else None."""
    computed = {a.id for a in data.assignments if a.first_day <= a.last_day}
    whole = {w.assignment_id: w for w in writes if w.from_day == w.first_day and w.rows}
    if not computed or set(whole) != computed:
        return None
    evidence: dict[int, list[SegmentEvidence]] = defaultdict(list)
    for v in written:  # SEGMENT_COLUMNS order, rounded as stored
        if v[22] is not None:
            evidence[v[1]].append(segment_evidence(v[3], v[7], v[22], v[9], v[21], v[8], v[6]))
    return evidence, {a: w.rows for a, w in whole.items()}
