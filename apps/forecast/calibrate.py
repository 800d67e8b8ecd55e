"""The nightly calibration of the band (docs/forecast.md "The calibrated band"): the farm's own backtest over its
whole past, stored in ``forecast.BandCalibration`` with the learned growth model.

For as-of dates every ``CALIBRATION_STEP_DAYS`` since the farm's first placement, each batch alive then is
computed in memory from its records up to that date only (the backtest's machinery: apps.forecast.backtest),
every active assignment projected, and each projection scored against the growth samples the farm took of the
same assignment later. The dates of the last ``CALIBRATION_LOOKBACK_DAYS`` are computed every night; an older
date's part of each batch is computed once and kept (``forecast.CalibrationArchive``) until a recompute of the
batch reaches back to it. The calibration of all those residuals replaces the stored one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.batch.models import Batch, BatchContainerAssignment
from apps.forecast.backtest import as_of_forecasts, options_residuals
from apps.forecast.engine.calibration import PHASES, Calibration, calibrate
from apps.forecast.engine.learned import chosen_residuals, option_choose, options_choose
from apps.forecast.history import FarmHistory, treatments_by_assignment
from apps.forecast.services.calibration import (
    ARCHIVE_AFTER_DAYS,
    Archived,
    archive_load,
    archive_save,
    archive_window,
    calibration_save,
    learned_save,
    recompute_counts,
    weighings_by_assignment,
)
from aquamind.errors import RecomputeError

#: the window of past dates recomputed every night (records entered late, weighings that score them): 15 as-of dates,
#: more than a forecast's horizon, so that the nightly catch-up's recomputes (the last 14 days) never reach an
#: archived date; older dates are read from ``forecast.CalibrationArchive``
CALIBRATION_LOOKBACK_DAYS = ARCHIVE_AFTER_DAYS
CALIBRATION_STEP_DAYS = 28
CALIBRATION_HORIZON_DAYS = 400


def calibration_dates(first: dt.date, today: dt.date, step_days: int = CALIBRATION_STEP_DAYS) -> list[dt.date]:
    """The as-of dates of the farm's own backtest from ``first`` on: every ``step_days``-th day counted from day 1
    of the proleptic calendar (the same dates every night, so that a date's part can be kept), before ``today``."""
    start = first + dt.timedelta(days=-first.toordinal() % step_days)
    return [
        start + dt.timedelta(days=k * step_days)
        for k in range(max(0, (today - start).days + step_days - 1) // step_days)
    ]


def farm_residuals(
    *,
    today: dt.date,
    lookback_days: int = CALIBRATION_LOOKBACK_DAYS,
    step_days: int = CALIBRATION_STEP_DAYS,
    archive: bool = True,
    computed_at: dt.datetime | None = None,
):
    """The farm's own backtest: forecasts as of every ``step_days`` days (``calibration_dates``; strictly from the
    records up to each date, the learned model from the segments computed as of the dates before) against the
    growth samples dated after each, up to ``today``. The dates of the last ``lookback_days`` are computed; with
    ``archive``, so are the older ones, each batch's part read from ``forecast.CalibrationArchive`` where it is
    kept and computed and kept where not (the first night, or after a recompute reached back to it); without, the
    older dates are left out. A ``lookback_days`` under ARCHIVE_AFTER_DAYS keeps dates that a recompute of the last
    days would not forget (``archive_forget``): for tests of farms dated in the past. Returns the residuals by
    option (OPTIONS) and the farm's history, whose segments include those computed as of ``today``."""
    target = settings.FORECAST_HARVEST_WEIGHT_G
    counts = recompute_counts() if archive else None  # before any record is read (``archive_save``)
    spans = defaultdict(list)
    departures = {}
    for a, batch_id, start, departure in BatchContainerAssignment.objects.values_list(
        "id", "batch_id", "assignment_date", "departure_date"
    ):
        spans[batch_id].append((start, departure))
        departures[a] = departure
    samples = weighings_by_assignment(until=today)
    history = FarmHistory(treatments_by_assignment())
    residuals = defaultdict(list)
    window = archive_window(today, lookback_days)
    first = min((start for s in spans.values() for start, _ in s), default=today)
    dates = [d for d in calibration_dates(first, today, step_days) if archive or d >= window]
    kept = archive_load(before=window) if archive else {}
    computed_at = computed_at or timezone.now()
    for as_of in [*dates, today]:  # today: for the segments only
        history.fit(as_of)
        alive = [
            b for b, s in spans.items() if any(start <= as_of and (end is None or end > as_of) for start, end in s)
        ]
        new = {}
        for batch_id in sorted(alive):
            part = kept.get((as_of, batch_id))
            if part is not None:
                history.extend(part.segments)
            else:
                try:
                    part = _batch_part(batch_id, as_of, today, departures, target, samples, history)
                except (RecomputeError, Batch.DoesNotExist):
                    continue  # a batch that cannot be computed (no scenario; deleted meanwhile): nothing to learn
                if as_of < window:
                    new[as_of, batch_id] = part
            for option, rs in part.residuals.items():
                residuals[option] += rs
        if new:  # kept date by date: a job stopped halfway (a time limit, a restart) keeps what it finished
            archive_save(new, computed_at=computed_at, counts=counts)
    return residuals, history


def _batch_part(batch_id, as_of, today, departures, target, samples, history: FarmHistory) -> Archived:
    """One batch's forecasts as of ``as_of`` scored against its later weighings, and the segments it added to
    ``history``."""
    seen = len(history.pool)  # the pool only grows, in insertion order: what this batch adds comes last
    residuals = defaultdict(list)
    for assignment_id, _, _, phase, start, p50s in as_of_forecasts(
        batch_id,
        as_of,
        departures,
        target,
        horizon=CALIBRATION_HORIZON_DAYS if as_of < today else 0,
        original=False,
        history=history,
    ):
        options_residuals(residuals, as_of, batch_id, phase, start, p50s, samples.get(assignment_id, ()))
    return Archived(dict(residuals), list(islice(history.pool.values(), seen, None)))


def calibration_refresh(*, today: dt.date, computed_at: dt.datetime) -> Calibration:
    """The farm's own backtest up to ``today``: per phase the way of growing whose past forecasts erred least,
    the learned model as of ``today``, and the band calibrated on the chosen ways' errors; all replace the
    stored ones."""
    residuals, history = farm_residuals(today=today, computed_at=computed_at)
    model = history.fit(today)
    choice = options_choose(residuals)
    calibration = calibrate(chosen_residuals(residuals, choice), until=today)
    scores = {
        f"{phase} {option}": score
        for phase in PHASES
        for option, score in option_choose({o: [r for r in rs if r.phase == phase] for o, rs in residuals.items()})[
            1
        ].items()
    }
    with transaction.atomic():
        calibration_save(calibration, computed_at=computed_at)
        learned_save(model, choice=choice, scores=scores, computed_at=computed_at)
    return calibration
