"""The stored calibration of the band and the learned growth model (docs/forecast.md "The calibrated band"):
their writes and their read for the projections. The nightly job that computes them from the farm's own
backtest is ``apps.forecast.calibrate`` (above the services, since it runs the backtest's machinery)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from apps.batch.models import Batch, BatchContainerAssignment, GrowthSample, RecomputeRun
from apps.forecast.engine.calibration import HORIZON_EDGES, METHOD_VERSION, BandBucket, Calibration, Residual
from apps.forecast.engine.learned import (
    FEATURES,
    LEARNED_VERSION,
    GrowthModel,
    SegmentObs,
    choice_parse,
    choice_text,
)
from apps.forecast.history import treatments_by_assignment
from apps.forecast.models import BandCalibration, CalibrationArchive, LearnedGrowth
from apps.health.models import Treatment
from aquamind.db import fetch_sets


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


#: the archive's rows are read only by the same projection and learned model that wrote them
ARCHIVE_VERSION = f"{METHOD_VERSION}/{LEARNED_VERSION}"


@dataclass
class Archived:
    """One batch's part of the nightly calibration as of one past date (``CalibrationArchive``): its residuals by
    way of growing, and the completed segments first seen on that date."""

    residuals: dict[str, list[Residual]]
    segments: list[SegmentObs]


def archive_load(*, before: dt.date) -> dict[tuple[dt.date, int], Archived]:
    """The archived parts of the calibration dated before ``before``, by (as-of date, batch id); rows of another
    method version are deleted, not read. Two queries."""
    CalibrationArchive.objects.exclude(method_version=ARCHIVE_VERSION).delete()
    out = {}
    rows = CalibrationArchive.objects.filter(as_of__lt=before).values_list("as_of", "batch_id", "residuals", "segments")
    for as_of, batch_id, residuals, segments in rows.iterator(chunk_size=500):
        out[as_of, batch_id] = Archived(
            residuals={
                option: [
                    Residual(
                        h,
                        phase,
                        error,
                        dt.date.fromisoformat(day),
                        noise,
                        start,
                        (as_of, start, batch_id),
                    )
                    for h, phase, error, day, noise, start in values
                ]
                for option, values in residuals.items()
            },
            segments=[
                SegmentObs(
                    key=(a, dt.date.fromisoformat(end)),
                    end_date=dt.date.fromisoformat(end),
                    days=days,
                    degree_days=degree_days,
                    start_weight_g=start,
                    end_weight_g=end_g,
                    fresh=fresh,
                    log_ratio=ratio,
                    handled=tuple(handled),
                )
                for a, end, days, degree_days, start, end_g, fresh, ratio, handled in segments
            ],
        )
    return out


def recompute_counts(batch_ids=None) -> dict[int, int]:
    """How many recomputes each batch (of ``batch_ids``, else every one) has had (``RecomputeRun``): taken before
    the nightly job reads the records, compared again when it keeps what it computed from them (``archive_save``).
    One query."""
    runs = RecomputeRun.objects.all() if batch_ids is None else RecomputeRun.objects.filter(batch_id__in=batch_ids)
    return dict(runs.values("batch_id").annotate(n=Count("id")).values_list("batch_id", "n"))


def archive_save(
    parts: dict[tuple[dt.date, int], Archived], *, computed_at: dt.datetime, counts: dict[int, int] | None = None
) -> int:
    """Store the parts computed tonight for dates that left the nightly window (a part already stored is kept).
    ``counts``: ``recompute_counts()`` as taken before the records were read; a batch recomputed since (a record
    entered or corrected while the job ran) is not kept, since its part may rest on the records as they were: the
    next night computes it again. The check and the write hold the batches' row locks, which a recompute holds
    while it runs, so a recompute either committed before the check (and its batch is left out) or starts after
    the write (and forgets what its window reaches). Returns the parts stored."""
    with transaction.atomic():
        batch_ids = sorted({b for _, b in parts})
        present = set(
            Batch.objects.select_for_update(no_key=True).filter(pk__in=batch_ids).values_list("pk", flat=True)
        )
        parts = {k: v for k, v in parts.items() if k[1] in present}  # a batch deleted meanwhile keeps nothing
        if counts is not None:
            now = recompute_counts(present)
            parts = {k: v for k, v in parts.items() if now.get(k[1], 0) == counts.get(k[1], 0)}
        _archive_write(parts, computed_at)
    return len(parts)


def _archive_write(parts: dict[tuple[dt.date, int], Archived], computed_at: dt.datetime) -> None:
    rows = [
        CalibrationArchive(
            as_of=as_of,
            batch_id=batch_id,
            residuals={
                option: [
                    [r.horizon_days, r.phase, r.log_error, r.truth_date.isoformat(), r.noise_var, r.start_weight_g]
                    for r in rs
                ]
                for option, rs in part.residuals.items()
            },
            segments=[
                [
                    s.key[0],
                    s.end_date.isoformat(),
                    s.days,
                    s.degree_days,
                    s.start_weight_g,
                    s.end_weight_g,
                    s.fresh,
                    s.log_ratio,
                    list(s.handled),
                ]
                for s in part.segments
            ],
            method_version=ARCHIVE_VERSION,
            computed_at=computed_at,
        )
        for (as_of, batch_id), part in parts.items()
    ]
    CalibrationArchive.objects.bulk_create(rows, batch_size=200, ignore_conflicts=True)


#: the nightly calibration's window: the dates of the last this many days are computed every night, older ones
#: kept (``archive_save``); more than a forecast's horizon, so that a recompute of the last days never reaches a
#: kept date and costs no statement (``archive_forget``)
ARCHIVE_AFTER_DAYS = 420
#: days of slack between the clocks of the nightly job and of a recompute (``archive_forget``)
CLOCK_SLACK_DAYS = 2


def archive_window(today: dt.date, lookback_days: int = ARCHIVE_AFTER_DAYS) -> dt.date:
    """The first day of the nightly window: dates before it are kept. Never later than the real date's window,
    so that ``archive_forget`` can tell from the clock alone that a recent recompute reaches nothing kept."""
    return min(today, timezone.localdate()) - dt.timedelta(days=lookback_days)


def archive_forget(batch_id: int, since: dt.date) -> None:
    """A recompute of the batch from ``since`` on: its archived parts as of dates whose forecasts' horizon reaches
    ``since`` are deleted (the records they were made from, or the weighings that scored them, may have changed),
    and every batch's parts as of ``since`` or later (their forecasts grew by the farm's learned model of that
    date, fitted from this batch's segments too); the next nightly calibration computes them again. One
    statement (``archive_forget_statement``), and none when ``since`` is too recent to reach a kept date (the
    nightly catch-up, a record entered within the last 20 days)."""
    statement = archive_forget_statement(batch_id, since)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def archive_forget_statement(batch_id: int, since: dt.date) -> tuple[str, list] | None:
    """``archive_forget``'s DELETE and its parameters, for a caller that sends it with its own statements (the
    refresh: with the segments' read); None when there is nothing it could reach."""
    first = since - dt.timedelta(days=HORIZON_EDGES[-1])
    if first >= archive_window(timezone.localdate()) + dt.timedelta(days=CLOCK_SLACK_DAYS):
        return None
    return (
        f"DELETE FROM {CalibrationArchive._meta.db_table} WHERE (batch_id = %s AND as_of >= %s) OR as_of >= %s",
        [batch_id, connection.ops.adapt_datefield_value(first), connection.ops.adapt_datefield_value(since)],
    )


def learned_save(
    model: GrowthModel | None, *, choice: dict[str, tuple], scores: dict, computed_at: dt.datetime
) -> None:
    """Store the farm's learned model (fitted whatever was chosen) and the way each phase grows per horizon
    bucket (``choice``: "fit", "scenario" or a learned option, apps.forecast.engine.learned.OPTIONS)."""
    LearnedGrowth.objects.all().delete()
    LearnedGrowth.objects.create(
        option=choice_text(choice),
        coefficients={**dict(zip(FEATURES, model.coef)), "baseline_exposure": list(model.baseline_exposure)}
        if model
        else None,
        tau_days=model.tau_days if model else None,
        half_life_days=model.half_life_days if model else None,
        segments=model.segments if model else 0,
        degree_days=model.degree_days if model else 0.0,
        scores=scores,
        method_version=LEARNED_VERSION,
        computed_at=computed_at,
    )


def learned_load() -> tuple[GrowthModel | None, dict[str, tuple]]:
    """The farm's learned model (None without one, or stored by another version) and the way each phase grows
    per horizon bucket (``choice_parse``; {} when nothing was ever stored). One query."""
    row = LearnedGrowth.objects.first()
    if row is None:
        return None, {}
    model = _model(row.coefficients, row.tau_days, row.half_life_days, row.segments, row.degree_days)
    return model if row.coefficients else None, choice_parse(row.option)


def calibration_save(calibration: Calibration, *, computed_at: dt.datetime) -> None:
    common = {"residuals": calibration.residuals, "method_version": calibration.version, "computed_at": computed_at}
    if calibration.calibrated:
        rows = [
            BandCalibration(
                phase=b.phase,
                first_day=b.first_day,
                last_day=b.last_day,
                q10=b.q10,
                q50=b.q50,
                q90=b.q90,
                n=b.n,
                coverage=b.coverage,
                source=b.source,
                corrects=b.corrects,
                weight_from_g=b.weight_from_g,
                weight_to_g=b.weight_to_g,
                like_from_g=b.like_from_g,
                like_to_g=b.like_to_g,
                **common,
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
    rows = list(BandCalibration.objects.order_by(*_BAND_ORDER).values_list(*_BAND_COLUMNS))
    return _calibration_of(rows) if rows else None


_BAND_COLUMNS = (
    "phase",
    "first_day",
    "last_day",
    "q10",
    "q50",
    "q90",
    "n",
    "source",
    "coverage",
    "corrects",
    "weight_from_g",
    "weight_to_g",
    "like_from_g",
    "like_to_g",
    "residuals",
    "method_version",
)
_BAND_ORDER = ("phase", "weight_from_g", "first_day")
_NOT_BUCKET = ("residuals", "method_version")  # the calibration's, repeated on each row
_LEARNED_COLUMNS = ("option", "coefficients", "tau_days", "half_life_days", "segments", "degree_days")
_SETTINGS_SQL = [
    f"SELECT {', '.join(_BAND_COLUMNS)} FROM {BandCalibration._meta.db_table} ORDER BY {', '.join(_BAND_ORDER)}",
    f"SELECT {', '.join(_LEARNED_COLUMNS)} FROM {LearnedGrowth._meta.db_table} LIMIT 1",
]


def forecast_settings_load() -> tuple[Calibration | None, GrowthModel | None, dict[str, tuple]]:
    """``calibration_load()``, ``learned_load()`` and the way each phase grows, in one round trip on PostgreSQL (a
    refresh's fixed cost is mostly statements: docs/benchmarks.md "Forecast refresh")."""
    if connection.vendor != "postgresql":
        return calibration_load(), *learned_load()
    with connection.cursor() as cursor:
        band_rows, learned_rows = fetch_sets(cursor, _SETTINGS_SQL, [])
    return _settings_of(band_rows, learned_rows)


def refresh_reads(
    batch_id: int, planned: QuerySet | None = None
) -> tuple[Calibration | None, GrowthModel | None, dict[str, tuple], dict, dict]:
    """``forecast_settings_load()``, the batch's treatment dates by assignment (what the learned model reads as
    handling: ``apps.forecast.history.treatments_by_assignment``) and the due dates by assignment of ``planned``
    (a lazy query of (assignment id, due date) rows: the batch's open planned handlings), in one round trip on
    PostgreSQL."""
    if connection.vendor != "postgresql":
        return *forecast_settings_load(), treatments_by_assignment([batch_id]), _by_assignment(planned or ())
    treatments_sql = (
        f"SELECT t.assignment_id, t.treatment_date FROM {Treatment._meta.db_table} t "
        f"JOIN {BatchContainerAssignment._meta.db_table} a ON a.id = t.assignment_id WHERE a.batch_id = %s "
        "ORDER BY t.treatment_date, t.id"
    )
    statements, params = [*_SETTINGS_SQL, treatments_sql], [batch_id]
    if planned is not None:
        planned_sql, planned_params = planned.query.sql_with_params()
        statements.append(planned_sql)
        params += planned_params
    with connection.cursor() as cursor:
        band_rows, learned_rows, treatment_rows, *planned_rows = fetch_sets(cursor, statements, params)
    return (
        *_settings_of(band_rows, learned_rows),
        _by_assignment(treatment_rows),
        _by_assignment(planned_rows[0] if planned_rows else ()),
    )


def _by_assignment(rows) -> dict[int, list[dt.date]]:
    """(assignment id, date) rows as {assignment id: its dates, in the rows' order}."""
    out: dict[int, list[dt.date]] = defaultdict(list)
    for assignment_id, day in rows:
        out[assignment_id].append(day)
    return dict(out)


def _settings_of(band_rows, learned_rows) -> tuple[Calibration | None, GrowthModel | None, dict[str, tuple]]:
    calibration = _calibration_of(band_rows) if band_rows else None
    model, choice = None, {}
    if learned_rows:
        option, coefficients, tau, half_life, segments, degree_days = learned_rows[0]
        choice = choice_parse(option)
        if coefficients:
            coefficients = json.loads(coefficients) if isinstance(coefficients, str) else coefficients
            model = _model(coefficients, tau, half_life, segments, degree_days)
    return calibration, model, choice


#: the last calibration built from the stored rows, and those rows: while they stay the same (every refresh
#: between two nightly calibrations) the same object is handed out, with the per-day factors it has already
#: worked out (docs/benchmarks.md "Forecast refresh")
_LAST_CALIBRATION: list = [None, None]


def _calibration_of(band_rows: list[tuple]) -> Calibration:
    """The calibration of the stored rows (``_BAND_COLUMNS``, in ``_BAND_ORDER``)."""
    rows = tuple(band_rows)
    if _LAST_CALIBRATION[0] == rows:
        return _LAST_CALIBRATION[1]
    named = [dict(zip(_BAND_COLUMNS, row)) for row in band_rows]
    buckets = tuple(
        BandBucket(**{k: v for k, v in row.items() if k not in _NOT_BUCKET})
        for row in named
        if row["source"] != "closed-form"
    )
    calibration = Calibration(buckets=buckets, residuals=named[0]["residuals"], version=named[0]["method_version"])
    _LAST_CALIBRATION[:] = [rows, calibration]
    return calibration


def _model(coefficients: dict | None, tau, half_life, segments, degree_days) -> GrowthModel | None:
    if not coefficients or any(name not in coefficients for name in FEATURES):
        return None  # stored by another version of the model: the fitted scenario until the next night
    return GrowthModel(
        coef=tuple(coefficients[name] for name in FEATURES),
        tau_days=tau,
        half_life_days=half_life,
        segments=segments,
        degree_days=degree_days,
        baseline_exposure=tuple(coefficients.get("baseline_exposure", (0.0, 0.0))),
    )
