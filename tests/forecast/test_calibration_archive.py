"""The nightly calibration keeps each batch's part of its past dates (``forecast.CalibrationArchive``): read back
as computed, forgotten when a recompute reaches back to it, computed again the next night."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.forecast.calibrate import calibration_dates, farm_residuals
from apps.forecast.models import CalibrationArchive
from apps.recompute.run import batch_recompute
from tests.factories import (
    AssignmentFactory,
    GrowthSampleFactory,
    ScenarioFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
)

START = dt.date(2024, 1, 1)
TODAY = START + dt.timedelta(days=119)
STEP, WINDOW = 7, 28  # a small farm's calibration grid: weekly as-of dates, the last four weeks recomputed


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def _batch(tgc, growth: float):
    """A tank of 10,000 fish from day 1, weighed every 10 days, growing ``growth`` per cent a weighing."""
    scenario = ScenarioFactory(tgc_model=tgc, batch__start_date=START)
    assignment = AssignmentFactory(batch=scenario.batch, assignment_date=START)
    weight = 100.0
    for n in range(11, 120, 10):
        weight *= 1 + growth / 100
        GrowthSampleFactory(assignment=assignment, sample_date=day(n), avg_weight_g=Decimal(f"{weight:.2f}"))
    assert batch_recompute(batch_id=scenario.batch_id, today=TODAY).ok
    return assignment


@pytest.fixture
def farm(salmon):
    tgc = TGCModelFactory(profile=TemperatureProfileFactory(days={1: 10.0}), tgc_value=2.5)
    return _batch(tgc, 9.0), _batch(tgc, 13.0)


def _residuals(**kwargs):
    residuals, history = farm_residuals(today=TODAY, **{"lookback_days": WINDOW, "step_days": STEP, **kwargs})
    return {option: sorted(_key(r) for r in rs) for option, rs in residuals.items()}, history.pool


def _key(r) -> tuple:
    return (r.forecast, r.horizon_days, r.phase, r.log_error, r.truth_date, r.noise_var, r.start_weight_g)


@pytest.mark.django_db
def test_a_past_dates_part_is_kept_read_back_as_computed_forgotten_by_a_recompute_reaching_it_and_computed_again(farm):
    first, slow = farm
    computed, pool = _residuals()
    every_date = _residuals(archive=False, lookback_days=10_000)
    assert computed == every_date[0] and pool == every_date[1]  # the first night computes every date
    window = TODAY - dt.timedelta(days=WINDOW)
    kept = CalibrationArchive.objects.order_by("as_of", "batch_id")
    past = [d for d in calibration_dates(START, TODAY, STEP) if d < window]
    assert [(r.as_of, r.batch_id) for r in kept] == [(d, a.batch_id) for d in past for a in (first, slow)]
    assert sum(len(r.residuals["fit"]) for r in kept) > 0 and any(r.segments for r in kept)

    assert _residuals() == (computed, pool)  # the second night reads the kept parts back exactly
    # ... and reads them instead of computing them: a kept residual changed in the database comes back changed
    row = next(r for r in kept if r.batch_id == first.batch_id and r.residuals["fit"])
    row.residuals["fit"][0][2] = 9.0
    row.save(update_fields=["residuals"])
    read = _residuals()[0]
    assert any(k[3] == 9.0 for k in read["fit"]) and read["scenario"] == computed["scenario"]

    # a weighing entered late: the recompute from its date forgets the parts of the batch whose horizon reaches it
    GrowthSampleFactory(assignment=first, sample_date=day(56), avg_weight_g=Decimal("160.00"))
    assert batch_recompute(batch_id=first.batch_id, today=TODAY, from_dates={first.pk: day(56)}).ok
    assert set(CalibrationArchive.objects.values_list("batch_id", flat=True)) == {slow.batch_id}
    again = _residuals()
    assert again == _residuals(archive=False, lookback_days=10_000)  # computed again, with the new weighing
    assert again[0] != computed  # which scores the forecasts made before it
    assert CalibrationArchive.objects.filter(batch_id=first.batch_id).count() == len(past)


@pytest.mark.django_db
def test_parts_kept_by_another_version_of_the_method_are_not_read_but_computed_again(farm):
    computed = _residuals()
    CalibrationArchive.objects.update(method_version="conformal-0/learned-0")
    changed = CalibrationArchive.objects.first()
    changed.residuals = {"fit": [[1, "fresh", 9.0, "2024-01-02", 0.0, 100.0]]}
    changed.save(update_fields=["residuals"])
    assert _residuals() == computed
    assert not CalibrationArchive.objects.filter(method_version="conformal-0/learned-0").exists()


@given(
    first=st.dates(dt.date(2015, 1, 1), dt.date(2030, 1, 1)),
    span=st.integers(0, 2000),
    later=st.integers(0, 400),
    step=st.integers(1, 60),
)
def test_the_calibration_dates_are_the_same_every_night_and_cover_the_farms_past(first, span, later, step):
    today = first + dt.timedelta(days=span)
    dates = calibration_dates(first, today, step)
    assert all(first <= d < today and d.toordinal() % step == 0 for d in dates)
    assert all((b - a).days == step for a, b in zip(dates, dates[1:], strict=False))
    if dates:
        assert (dates[0] - first).days < step and (today - dates[-1]).days <= step
    else:
        assert span < step  # no date on the grid between the first placement and today
    # a later night's dates start with the same ones
    assert calibration_dates(first, today + dt.timedelta(days=later), step)[: len(dates)] == dates


@pytest.mark.django_db
def test_a_batch_recomputed_while_the_nightly_job_runs_keeps_no_part_computed_from_its_old_records(farm, monkeypatch):
    """A weighing of the slow batch is entered, and its recompute commits, while the job computes the other batch:
    the slow batch's parts may rest on the records before it, so none is kept; the other batch's are."""
    import apps.forecast.calibrate as nightly

    first, slow = farm
    real = nightly._batch_part
    entered = []

    def part_with_a_late_entry(batch_id, *args):
        if not entered:
            entered.append(batch_id)
            other = slow if batch_id == first.batch_id else first
            GrowthSampleFactory(assignment=other, sample_date=day(30), avg_weight_g=Decimal("130.00"))
            assert batch_recompute(batch_id=other.batch_id, today=TODAY, from_dates={other.pk: day(30)}).ok
        return real(batch_id, *args)

    monkeypatch.setattr(nightly, "_batch_part", part_with_a_late_entry)
    _residuals()
    recomputed = slow.batch_id if entered[0] == first.batch_id else first.batch_id
    kept = set(CalibrationArchive.objects.values_list("batch_id", flat=True))
    assert kept == {entered[0]} and recomputed not in kept
    monkeypatch.setattr(nightly, "_batch_part", real)
    assert _residuals() == _residuals(archive=False, lookback_days=10_000)  # the next night computes it
    assert set(CalibrationArchive.objects.values_list("batch_id", flat=True)) == {first.batch_id, slow.batch_id}


@pytest.mark.django_db
def test_a_job_stopped_halfway_keeps_the_dates_it_finished(farm, monkeypatch):
    import apps.forecast.calibrate as nightly

    real = nightly._batch_part
    dates = [d for d in calibration_dates(START, TODAY, STEP) if d < TODAY - dt.timedelta(days=WINDOW)]
    stop = dates[len(dates) // 2]

    def stopped(batch_id, as_of, *args):
        if as_of == stop:
            raise SystemExit("time limit")  # what a worker's hard limit or a restart does to the job
        return real(batch_id, as_of, *args)

    monkeypatch.setattr(nightly, "_batch_part", stopped)
    with pytest.raises(SystemExit):
        _residuals()
    assert sorted(set(CalibrationArchive.objects.values_list("as_of", flat=True))) == dates[: len(dates) // 2]
    monkeypatch.setattr(nightly, "_batch_part", real)
    assert _residuals() == _residuals(archive=False, lookback_days=10_000)


@pytest.mark.django_db
def test_a_recompute_of_the_last_days_costs_no_statement_and_one_reaching_a_kept_date_forgets_it(farm):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from apps.forecast.services.calibration import archive_forget, archive_window

    first, _ = farm
    today = timezone.localdate()
    kept = archive_window(today) - dt.timedelta(days=1)  # the newest date a night can keep
    CalibrationArchive.objects.create(
        as_of=kept, batch_id=first.batch_id, method_version="x", computed_at=timezone.now()
    )
    with CaptureQueriesContext(connection) as queries:
        archive_forget(first.batch_id, today - dt.timedelta(days=14))  # the nightly catch-up's window
    assert len(queries) == 0 and CalibrationArchive.objects.exists()
    horizon_reaches = kept + dt.timedelta(days=400)  # a record on the last day the kept forecasts were scored on
    archive_forget(first.batch_id, horizon_reaches + dt.timedelta(days=1))  # a day later: beyond its horizon
    assert CalibrationArchive.objects.exists()
    archive_forget(first.batch_id, horizon_reaches)
    assert not CalibrationArchive.objects.exists()


@pytest.mark.django_db
def test_a_recompute_forgets_its_batchs_parts_its_horizon_reaches_and_every_batchs_from_its_first_day(farm):
    """The recomputed batch's parts as of dates whose 400-day horizon reaches its first day, and every batch's
    parts as of that day or later: their forecasts grew by the farm's learned model of their date, which the
    recomputed batch's segments from that day on may have changed. Random kept dates and first days."""
    import random

    from django.utils import timezone

    from apps.forecast.services.calibration import archive_forget

    first, slow = farm
    origin = dt.date(2018, 1, 1)  # long before any date a night keeps: every statement is issued
    rng = random.Random(18)
    for _ in range(30):
        CalibrationArchive.objects.all().delete()
        dates = {(rng.randint(0, 1200), rng.random() < 0.5) for _ in range(rng.randint(1, 12))}
        for offset, mine in dates:
            CalibrationArchive.objects.get_or_create(
                as_of=origin + dt.timedelta(days=offset),
                batch_id=(first if mine else slow).batch_id,
                defaults={"method_version": "x", "computed_at": timezone.now()},
            )
        since = rng.randint(0, 1200)
        archive_forget(first.batch_id, origin + dt.timedelta(days=since))
        expected = {
            (origin + dt.timedelta(days=offset), (first if mine else slow).batch_id)
            for offset, mine in dates
            if offset < since and not (mine and offset >= since - 400)
        }
        assert set(CalibrationArchive.objects.values_list("as_of", "batch_id")) == expected


@pytest.mark.django_db
def test_a_batch_deleted_while_the_nightly_job_runs_or_one_without_a_scenario_keeps_nothing_and_stops_nothing(
    farm, monkeypatch
):
    import apps.forecast.calibrate as nightly
    from apps.batch.models import Batch, RecomputeRun

    first, slow = farm
    real = nightly._batch_part

    def part_then_delete(batch_id, *args):
        part = real(batch_id, *args)
        if batch_id == slow.batch_id and Batch.objects.filter(pk=batch_id).exists():
            RecomputeRun.objects.filter(batch_id=batch_id).delete()  # not even its recompute count tells
            Batch.objects.filter(pk=batch_id).delete()
        return part

    AssignmentFactory(assignment_date=START)  # and a batch with no scenario, which no recompute can compute
    monkeypatch.setattr(nightly, "_batch_part", part_then_delete)
    _residuals()  # regression: the job stopped at the first batch it could not compute
    assert set(CalibrationArchive.objects.values_list("batch_id", flat=True)) == {first.batch_id}
