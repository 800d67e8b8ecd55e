"""The nightly calibration of the band (docs/forecast.md "The calibrated band"): the farm's own backtest over the
recent past, stored in ``forecast.BandCalibration``; and its read for the projections.

For as-of dates every ``CALIBRATION_STEP_DAYS`` over the last ``CALIBRATION_LOOKBACK_DAYS``, each batch alive
then is computed in memory from its records up to that date only (the backtest's machinery:
apps.forecast.backtest), every active assignment projected, and each projection scored against the growth
samples the farm took of the same assignment later. The calibration of those residuals replaces the stored one.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction

from apps.batch.models import BatchContainerAssignment, GrowthSample
from apps.forecast.engine.calibration import BandBucket, Calibration, calibrate, forecast_residuals
from apps.forecast.models import BandCalibration

CALIBRATION_LOOKBACK_DAYS = 728
CALIBRATION_STEP_DAYS = 28
CALIBRATION_HORIZON_DAYS = 400


def weighings_by_assignment(batch_ids=None, *, until: dt.date | None = None) -> dict[int, list[tuple]]:
    """The growth samples by assignment (of ``batch_ids``, else every batch; dated on or before ``until`` when
    given): (date, mean g, sd g or None, fish weighed). One query."""
    rows = GrowthSample.objects.all()
    if batch_ids is not None:
        rows = rows.filter(assignment__batch_id__in=batch_ids)
    if until is not None:
        rows = rows.filter(sample_date__lte=until)
    out: dict[int, list[tuple]] = defaultdict(list)
    for assignment_id, day, mean, sd, n in rows.values_list(
        "assignment_id", "sample_date", "avg_weight_g", "std_dev_weight_g", "sample_size"
    ):
        out[assignment_id].append((day, float(mean), float(sd) if sd is not None else None, n))
    return out


def farm_residuals(*, today: dt.date, lookback_days: int = CALIBRATION_LOOKBACK_DAYS, step_days: int = CALIBRATION_STEP_DAYS):
    """The residuals of the farm's own backtest: forecasts as of every ``step_days`` days back from ``today``
    (strictly from the records up to each date) against the growth samples dated after it, up to ``today``."""
    from apps.forecast.backtest import as_of_forecasts  # the backtest's in-memory computation, up to a date

    target = settings.FORECAST_HARVEST_WEIGHT_G
    spans = defaultdict(list)
    departures = {}
    for a, batch_id, start, departure in BatchContainerAssignment.objects.values_list(
        "id", "batch_id", "assignment_date", "departure_date"
    ):
        spans[batch_id].append((start, departure))
        departures[a] = departure
    samples = weighings_by_assignment(until=today)
    residuals = []
    for k in range(lookback_days // step_days, 0, -1):
        as_of = today - dt.timedelta(days=k * step_days)
        alive = [b for b, s in spans.items() if any(start <= as_of and (end is None or end > as_of) for start, end in s)]
        for batch_id in sorted(alive):
            for assignment_id, new, _, phase, _ in as_of_forecasts(
                batch_id, as_of, departures, target, horizon=CALIBRATION_HORIZON_DAYS, original=False
            ):
                residuals += forecast_residuals(as_of=as_of, phase=phase, p50=new.weight_g["p50"], samples=samples.get(assignment_id, ()))
    return residuals


def calibration_refresh(*, today: dt.date, computed_at: dt.datetime) -> Calibration:
    """Calibrate the band from the farm's own backtest up to ``today`` and replace the stored calibration."""
    calibration = calibrate(farm_residuals(today=today))
    calibration_save(calibration, computed_at=computed_at)
    return calibration


def calibration_save(calibration: Calibration, *, computed_at: dt.datetime) -> None:
    common = {"residuals": calibration.residuals, "method_version": calibration.version, "computed_at": computed_at}
    if calibration.calibrated:
        rows = [
            BandCalibration(
                phase=b.phase, first_day=b.first_day, last_day=b.last_day, q10=b.q10, q50=b.q50, q90=b.q90, n=b.n,
                coverage=b.coverage, source=b.source, **common,
            )
            for b in calibration.buckets
        ]
    else:
        rows = [BandCalibration(n=calibration.residuals, source="closed-form", **common)]
    with transaction.atomic():
        BandCalibration.objects.all().delete()
        BandCalibration.objects.bulk_create(rows)


def calibration_load() -> Calibration | None:
    """The stored calibration (one query); None when none was ever computed."""
    rows = list(BandCalibration.objects.all())
    if not rows:
        return None
    buckets = tuple(
        BandBucket(r.phase, r.first_day, r.last_day, r.q10, r.q50, r.q90, n=r.n, source=r.source, coverage=r.coverage)
        for r in rows if r.source != "closed-form"
    )
    return Calibration(buckets=buckets, residuals=rows[0].residuals, version=rows[0].method_version)
