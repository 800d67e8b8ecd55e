"""The nightly calibration of the band (docs/forecast.md "The calibrated band"): the farm's own backtest over the
recent past, stored in ``forecast.BandCalibration`` with the learned growth model.

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

from apps.batch.models import BatchContainerAssignment
from apps.forecast.backtest import as_of_forecasts
from apps.forecast.engine.calibration import PHASES, Calibration, calibrate, forecast_residuals
from apps.forecast.engine.learned import chosen_residuals, option_choose, options_choose
from apps.forecast.history import FarmHistory, treatments_by_assignment
from apps.forecast.services.calibration import calibration_save, learned_save, weighings_by_assignment

CALIBRATION_LOOKBACK_DAYS = 392  # 14 as-of dates: the faroe farm's calibration within a minute (docs/benchmarks.md)
CALIBRATION_STEP_DAYS = 28
CALIBRATION_HORIZON_DAYS = 400


def farm_residuals(
    *, today: dt.date, lookback_days: int = CALIBRATION_LOOKBACK_DAYS, step_days: int = CALIBRATION_STEP_DAYS
):
    """The farm's own backtest: forecasts as of every ``step_days`` days back from ``today`` (strictly from the
    records up to each date, the learned model from the segments computed as of the dates before) against the
    growth samples dated after each, up to ``today``. Returns the residuals by option (OPTIONS) and the farm's
    history, whose segments include those computed as of ``today``."""
    target = settings.FORECAST_HARVEST_WEIGHT_G
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
    for k in range(lookback_days // step_days, -1, -1):  # k = 0: today, for the segments only
        as_of = today - dt.timedelta(days=k * step_days)
        history.fit(as_of)
        alive = [
            b for b, s in spans.items() if any(start <= as_of and (end is None or end > as_of) for start, end in s)
        ]
        for batch_id in sorted(alive):
            for assignment_id, _, _, phase, start, p50s in as_of_forecasts(
                batch_id,
                as_of,
                departures,
                target,
                horizon=CALIBRATION_HORIZON_DAYS if k else 0,
                original=False,
                history=history,
            ):
                for option, p50 in p50s.items():
                    residuals[option] += forecast_residuals(
                        as_of=as_of,
                        phase=phase,
                        p50=p50,
                        samples=samples.get(assignment_id, ()),
                        start_weight_g=start.weight_g,
                        batch_id=batch_id,
                    )
    return residuals, history


def calibration_refresh(*, today: dt.date, computed_at: dt.datetime) -> Calibration:
    """The farm's own backtest up to ``today``: per phase the way of growing whose past forecasts erred least,
    the learned model as of ``today``, and the band calibrated on the chosen ways' errors; all replace the
    stored ones."""
    residuals, history = farm_residuals(today=today)
    model = history.fit(today)
    choice = options_choose(residuals)
    calibration = calibrate(chosen_residuals(residuals, choice))
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
