"""The farm's growth history as known on successive as-of dates, for the learned growth model
(docs/forecast.md "The learned growth model"): the completed segments of every batch computed so far, with their
handling days, and the model fitted from those ending on or before a date. Used by the backtest and by the
nightly calibration, which compute batches as of past dates from their records up to each date only."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from apps.batch.engine.types import ANCHOR_TRANSFER, ANCHOR_VACCINATION
from apps.forecast.engine.learned import GrowthModel, SegmentObs, growth_model_fit
from apps.health.models import Treatment

HANDLING_ANCHORS = (ANCHOR_TRANSFER, ANCHOR_VACCINATION)
HANDLING_LOOKBACK_DAYS = 200  # a handling older than this before a segment's start no longer shows


def treatments_by_assignment(batch_ids=None) -> dict[int, list[dt.date]]:
    """Every treatment's date by assignment (one query); callers keep only those on or before their date."""
    rows = Treatment.objects.all()
    if batch_ids is not None:
        rows = rows.filter(assignment__batch_id__in=batch_ids)
    out: dict[int, list[dt.date]] = defaultdict(list)
    for assignment_id, day in rows.order_by("treatment_date", "id").values_list("assignment_id", "treatment_date"):
        out[assignment_id].append(day)
    return out


def handling_dates(data, as_of: dt.date, treatments: dict[int, list[dt.date]]) -> dict[int, list[dt.date]]:
    """Each assignment's handling days up to ``as_of``: its placement (fish moved in), transfers in or out,
    vaccination weighings and treatments."""
    out: dict[int, set[dt.date]] = defaultdict(set)
    for a in data.assignments:
        if a.first_day <= as_of:
            out[a.id].add(a.first_day)
        out[a.id].update(d for d in treatments.get(a.id, ()) if d <= as_of)
        out[a.id].update(
            d for d, anchor in data.anchors.get(a.id, {}).items() if d <= as_of and anchor.kind in HANDLING_ANCHORS
        )
    for t in data.transfers:
        if t.date <= as_of:
            out[t.source_id].add(t.date)
            out[t.dest_id].add(t.date)
    return {a: sorted(days) for a, days in out.items()}


class FarmHistory:
    """Segments by (assignment, end date), the latest computation of each winning; ``fit(as_of)`` the model
    of those ending on or before ``as_of`` (refitted only when segments were added since the last fit)."""

    def __init__(self, treatments: dict[int, list[dt.date]]):
        self.treatments = treatments
        self.pool: dict[tuple, SegmentObs] = {}
        self.model: GrowthModel | None = None
        self._fitted_at: tuple | None = None
        self._added = 0

    def add(self, assignment_id: int, segments, *, fresh: bool, handled: list[dt.date]) -> None:
        for s in segments:
            if s.performance_ratio is None or s.performance_ratio <= 0 or s.days <= 0:
                continue
            start = s.end_date - dt.timedelta(days=s.days)
            key = (assignment_id, s.end_date)
            if key in self.pool:
                continue  # the segment as first computed: the weighings that bound it do not change
            self.pool[key] = SegmentObs(
                key=key,
                end_date=s.end_date,
                days=s.days,
                degree_days=s.degree_days,
                start_weight_g=s.start_weight_g,
                end_weight_g=s.end_weight_g,
                fresh=fresh,
                log_ratio=math.log(s.performance_ratio),
                handled=tuple(
                    (d - start).days for d in handled if d <= s.end_date and (start - d).days < HANDLING_LOOKBACK_DAYS
                ),
            )
            self._added += 1

    def extend(self, observations) -> None:
        """Add segments as they were first computed (``SegmentObs``, e.g. kept by the nightly calibration)."""
        for obs in observations:
            if obs.key not in self.pool:
                self.pool[obs.key] = obs
                self._added += 1

    def fit(self, as_of: dt.date) -> GrowthModel | None:
        state = (self._added,)
        if state != self._fitted_at:
            self.model = growth_model_fit(list(self.pool.values()), until=as_of)
            self._fitted_at = state
        return self.model
