"""The nightly calibration of the band (docs/forecast.md "The calibrated band"): the farm's own backtest over the
recent past, stored in ``forecast.BandCalibration``; and its read for the projections.

For as-of dates every ``CALIBRATION_STEP_DAYS`` over the last ``CALIBRATION_LOOKBACK_DAYS``, each batch alive
then is computed in memory from its records up to that date only (the backtest's machinery:
apps.forecast.backtest), every active assignment projected, and each projection scored against the growth
samples the farm took of the same assignment later. The calibration of those residuals replaces the stored one.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction

from apps.batch.models import BatchContainerAssignment, GrowthSample
from apps.forecast.engine.calibration import PHASES, BandBucket, Calibration, calibrate, forecast_residuals
from apps.forecast.engine.learned import (
    FEATURES,
    LEARNED_VERSION,
    GrowthModel,
    choice_parse,
    choice_text,
    chosen_residuals,
    option_choose,
    options_choose,
    phase_models,
)
from apps.forecast.history import FarmHistory, treatments_by_assignment
from apps.forecast.models import BandCalibration, LearnedGrowth
from aquamind.db import fetch_sets

CALIBRATION_LOOKBACK_DAYS = 392  # 14 as-of dates: the faroe farm's calibration within a minute (docs/benchmarks.md)
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
    """The farm's own backtest: forecasts as of every ``step_days`` days back from ``today`` (strictly from the
    records up to each date, the learned model from the segments computed as of the dates before) against the
    growth samples dated after each, up to ``today``. Returns the residuals by option (OPTIONS) and the farm's
    history, whose segments include those computed as of ``today``."""
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
    history = FarmHistory(treatments_by_assignment())
    residuals = defaultdict(list)
    for k in range(lookback_days // step_days, -1, -1):  # k = 0: today, for the segments only
        as_of = today - dt.timedelta(days=k * step_days)
        history.fit(as_of)
        alive = [b for b, s in spans.items() if any(start <= as_of and (end is None or end > as_of) for start, end in s)]
        for batch_id in sorted(alive):
            for assignment_id, _, _, phase, _, p50s in as_of_forecasts(
                batch_id, as_of, departures, target, horizon=CALIBRATION_HORIZON_DAYS if k else 0, original=False,
                history=history,
            ):
                for option, p50 in p50s.items():
                    residuals[option] += forecast_residuals(as_of=as_of, phase=phase, p50=p50, samples=samples.get(assignment_id, ()))
    return residuals, history


def calibration_refresh(*, today: dt.date, computed_at: dt.datetime) -> Calibration:
    """The farm's own backtest up to ``today``: per phase the way of growing whose past forecasts erred least,
    the learned model as of ``today``, and the band calibrated on the chosen ways' errors; all replace the
    stored ones."""
    residuals, history = farm_residuals(today=today)
    model = history.fit(today)
    choice = options_choose(residuals)
    calibration = calibrate(chosen_residuals(residuals, choice))
    scores = {f"{phase} {option}": score for phase in PHASES for option, score in option_choose(
        {o: [r for r in rs if r.phase == phase] for o, rs in residuals.items()}
    )[1].items()}
    with transaction.atomic():
        calibration_save(calibration, computed_at=computed_at)
        learned_save(model, choice=choice, scores=scores, computed_at=computed_at)
    return calibration


def learned_save(model: GrowthModel | None, *, choice: dict[str, str], scores: dict, computed_at: dt.datetime) -> None:
    """Store the farm's learned model (fitted whatever was chosen) and the way each phase grows (``choice``:
    "fit" or a learned option)."""
    LearnedGrowth.objects.all().delete()
    LearnedGrowth.objects.create(
        option=choice_text(choice),
        coefficients={**dict(zip(FEATURES, model.coef)), "baseline_exposure": list(model.baseline_exposure)} if model else None,
        tau_days=model.tau_days if model else None,
        half_life_days=model.half_life_days if model else None,
        segments=model.segments if model else 0,
        degree_days=model.degree_days if model else 0.0,
        scores=scores,
        method_version=LEARNED_VERSION,
        computed_at=computed_at,
    )


def learned_load() -> dict[str, GrowthModel]:
    """The learned model each phase's projections grow by (one query): {} where the farm's backtest chose the
    fitted scenario, or nothing was ever stored."""
    row = LearnedGrowth.objects.first()
    if row is None or not row.coefficients:
        return {}
    return phase_models(
        _model(row.coefficients, row.tau_days, row.half_life_days, row.segments, row.degree_days), choice_parse(row.option)
    )


def calibration_save(calibration: Calibration, *, computed_at: dt.datetime) -> None:
    common = {"residuals": calibration.residuals, "method_version": calibration.version, "computed_at": computed_at}
    if calibration.calibrated:
        rows = [
            BandCalibration(
                phase=b.phase, first_day=b.first_day, last_day=b.last_day, q10=b.q10, q50=b.q50, q90=b.q90, n=b.n,
                coverage=b.coverage, source=b.source, corrects=b.corrects, **common,
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
        BandBucket(
            r.phase, r.first_day, r.last_day, r.q10, r.q50, r.q90, n=r.n, source=r.source, coverage=r.coverage,
            corrects=r.corrects,
        )
        for r in rows if r.source != "closed-form"
    )
    return Calibration(buckets=buckets, residuals=rows[0].residuals, version=rows[0].method_version)


_BAND_COLUMNS = (
    "phase", "first_day", "last_day", "q10", "q50", "q90", "n", "source", "coverage", "corrects", "residuals", "method_version",
)
_LEARNED_COLUMNS = ("option", "coefficients", "tau_days", "half_life_days", "segments", "degree_days")


def forecast_settings_load() -> tuple[Calibration | None, dict[str, GrowthModel], dict[str, str]]:
    """``calibration_load()``, ``learned_load()`` and the way each phase grows, in one round trip on PostgreSQL (a
    refresh's fixed cost is mostly statements: docs/benchmarks.md "Forecast refresh")."""
    if connection.vendor != "postgresql":
        row = LearnedGrowth.objects.first()
        return calibration_load(), learned_load(), choice_parse(row.option) if row else {}
    statements = [
        f"SELECT {', '.join(_BAND_COLUMNS)} FROM {BandCalibration._meta.db_table} ORDER BY phase, first_day",
        f"SELECT {', '.join(_LEARNED_COLUMNS)} FROM {LearnedGrowth._meta.db_table} LIMIT 1",
    ]
    with connection.cursor() as cursor:
        band_rows, learned_rows = fetch_sets(cursor, statements, [])
    calibration = None
    if band_rows:
        buckets = tuple(
            BandBucket(phase, first, last, q10, q50, q90, n=n, source=source, coverage=coverage, corrects=corrects)
            for phase, first, last, q10, q50, q90, n, source, coverage, corrects, _, _ in band_rows if source != "closed-form"
        )
        calibration = Calibration(buckets=buckets, residuals=band_rows[0][10], version=band_rows[0][11])
    models, choice = {}, {}
    if learned_rows:
        option, coefficients, tau, half_life, segments, degree_days = learned_rows[0]
        choice = choice_parse(option)
        if coefficients:
            coefficients = json.loads(coefficients) if isinstance(coefficients, str) else coefficients
            models = phase_models(_model(coefficients, tau, half_life, segments, degree_days), choice)
    return calibration, models, choice


def _model(coefficients: dict, tau, half_life, segments, degree_days) -> GrowthModel | None:
    if any(name not in coefficients for name in FEATURES):
        return None  # stored by another version of the model: the fitted scenario until the next night
    return GrowthModel(
        coef=tuple(coefficients[name] for name in FEATURES), tau_days=tau, half_life_days=half_life,
        segments=segments, degree_days=degree_days, baseline_exposure=tuple(coefficients.get("baseline_exposure", (0.0, 0.0))),
    )
