"""The stored calibration: written by the nightly refresh, applied by the projections, stated by the API."""

import datetime as dt
import math
from dataclasses import replace
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.forecast.calibrate import calibration_refresh
from apps.forecast.engine.calibration import BandBucket, Calibration
from apps.forecast.models import BandCalibration, Projection
from apps.forecast.selectors import band_summary
from apps.forecast.services.calibration import calibration_load, calibration_save
from apps.recompute.run import batch_recompute
from tests.factories import (
    AssignmentFactory,
    GrowthSampleFactory,
    ScenarioFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
    TreatmentFactory,
)

pytestmark = pytest.mark.django_db
START = dt.date(2024, 1, 1)
TODAY = START + dt.timedelta(days=40)
NOW = timezone.make_aware(dt.datetime(2024, 2, 10, 2, 0))


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


@pytest.fixture
def tank(salmon):
    """10,000 fish placed at 100 g on day 1, 10 °C every day by the profile, TGC 2.5, samples on days 11 and 21."""
    tgc = TGCModelFactory(profile=TemperatureProfileFactory(days={1: 10.0}), tgc_value=2.5)
    scenario = ScenarioFactory(tgc_model=tgc, batch__start_date=START)
    assignment = AssignmentFactory(batch=scenario.batch, assignment_date=START)
    GrowthSampleFactory(assignment=assignment, sample_date=day(11), avg_weight_g=Decimal("120.00"))
    GrowthSampleFactory(assignment=assignment, sample_date=day(21), avg_weight_g=Decimal("150.00"))
    return assignment


SEA_BAND = Calibration(
    buckets=tuple(
        BandBucket(phase, first, last, -0.05 * k, 0.01, 0.04 * k, n=100, source="bucket", coverage=0.8)
        for phase in ("fresh", "sea")
        for k, (first, last) in enumerate([(1, 15), (16, 45), (46, 75), (76, 105)], start=1)
    ),
    residuals=800,
)


def test_a_recompute_applies_the_stored_calibration_to_the_band_and_the_crossings(tank):
    calibration_save(SEA_BAND, computed_at=NOW)
    assert batch_recompute(batch_id=tank.batch_id, today=TODAY).ok
    series = Projection.objects.get(assignment=tank).series["weight_g"]
    # day 60 ahead lies between the middles of 16-45 (30.5) and 46-75 (60.5): q90 = 0.08 + 0.04 x 29.5 / 30
    # the P50 is the model's corrected by q50 = 0.01: the band is relative to the model's
    q90 = 0.08 + 0.04 * 29.5 / 30
    model_p50 = series["p50"][59] / math.exp(0.01)
    assert series["p90"][59] == pytest.approx(model_p50 * math.exp(q90), abs=0.1)
    assert series["p10"][59] == pytest.approx(model_p50 * math.exp(-0.10 - 0.05 * 29.5 / 30), abs=0.1)


def test_the_stored_calibration_reads_back_as_it_was_saved(tank):
    calibration_save(SEA_BAND, computed_at=NOW)
    assert calibration_load() == SEA_BAND
    ranged = Calibration(
        buckets=tuple(
            replace(b, like_from_g=120.0 * k, like_to_g=None if k % 2 else 900.0)
            for k, b in enumerate(SEA_BAND.buckets, start=1)
        ),
        residuals=800,
    )
    calibration_save(ranged, computed_at=NOW)
    assert calibration_load() == ranged


def test_a_forecast_unlike_those_the_median_was_read_from_keeps_the_models_p50_in_the_stored_band(tank):
    calibration_save(SEA_BAND, computed_at=NOW)
    assert batch_recompute(batch_id=tank.batch_id, today=TODAY).ok
    corrected = Projection.objects.get(assignment=tank).series["weight_g"]
    elsewhere = Calibration(
        buckets=tuple(replace(b, like_from_g=1e6, like_to_g=2e6) for b in SEA_BAND.buckets), residuals=800
    )
    calibration_save(elsewhere, computed_at=NOW)
    assert batch_recompute(batch_id=tank.batch_id, today=TODAY).ok
    series = Projection.objects.get(assignment=tank).series["weight_g"]
    assert series["p50"][59] == pytest.approx(corrected["p50"][59] / math.exp(0.01), abs=0.1)
    assert series["p90"][59] == pytest.approx(corrected["p90"][59], abs=0.1)  # q90 is measured from the model's
    assert BandCalibration.objects.filter(like_from_g=1e6).count() == len(SEA_BAND.buckets)


def test_a_farm_with_too_little_history_stores_a_closed_form_calibration_and_says_so(tank):
    assert batch_recompute(batch_id=tank.batch_id, today=TODAY).ok
    calibration = calibration_refresh(today=TODAY, computed_at=NOW)
    assert not calibration.calibrated
    [row] = BandCalibration.objects.all()
    assert (row.source, row.n, row.computed_at) == ("closed-form", calibration.residuals, NOW)
    summary = band_summary()
    assert summary["calibrated"] is False
    assert "not calibrated: closed-form band" in summary["note"]


def test_the_band_summary_states_the_measured_coverage_per_horizon_and_when(tank):
    calibration_save(SEA_BAND, computed_at=NOW)
    summary = band_summary()
    assert summary["calibrated"] and summary["residuals"] == 800 and summary["computed_at"] == NOW
    assert "fresh water 80 % / 80 % / 80 %" in summary["note"] and "last calibrated 2024-02-10" in summary["note"]


def test_the_projection_api_and_the_growth_page_state_the_band(tank, client, django_user_model):
    calibration_save(SEA_BAND, computed_at=NOW)
    assert batch_recompute(batch_id=tank.batch_id, today=TODAY).ok
    user = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    client.force_login(user)
    body = client.get(f"/api/v1/batch/batches/{tank.batch_id}/projection/").json()
    assert body["band"]["calibrated"] is True and len(body["band"]["buckets"]) == 8
    page = client.get(f"/batches/{tank.batch_id}/growth/").content.decode()
    assert "measured coverage at +30 / +60 / +90 days" in page


def test_the_refresh_reads_the_calibration_and_the_learned_model_as_they_were_stored(tank):
    from apps.forecast.engine.calibration import HORIZON_EDGES
    from apps.forecast.engine.learned import GrowthModel
    from apps.forecast.services.calibration import forecast_settings_load, learned_save

    model = GrowthModel(
        coef=(0.01, -0.1, 0.05, 0.02, 0.03, -0.04, -0.2, 0.0, -0.05, -0.3, -0.2),
        tau_days=14.0,
        half_life_days=90.0,
        segments=40,
        degree_days=9000.0,
        baseline_exposure=(0.1, 0.2),
    )
    calibration_save(SEA_BAND, computed_at=NOW)
    learned_save(model, choice={"fresh": "fit", "sea": "learned-90"}, scores={"sea fit": 0.03}, computed_at=NOW)
    every = len(HORIZON_EDGES)
    assert forecast_settings_load() == (SEA_BAND, model, {"fresh": ("fit",) * every, "sea": ("learned-90",) * every})
    learned_save(model, choice={"fresh": "scenario", "sea": "fit"}, scores={}, computed_at=NOW)
    assert forecast_settings_load() == (SEA_BAND, model, {"fresh": ("scenario",) * every, "sea": ("fit",) * every})
    ways = ("fit", "fit", "learned-90", "scenario", "scenario", "scenario", "scenario")
    learned_save(model, choice={"fresh": "fit", "sea": ways}, scores={}, computed_at=NOW)
    assert forecast_settings_load()[2] == {"fresh": ("fit",) * every, "sea": ways}
    # the longest choice (a different way in every bucket of both phases: 234 characters) is stored whole
    longest = ("learned-persist", "learned-365") * 3 + ("learned-persist",)
    learned_save(model, choice={"fresh": longest, "sea": longest}, scores={}, computed_at=NOW)
    assert forecast_settings_load()[2] == {"fresh": longest, "sea": longest}


def test_a_planned_transfer_inside_the_horizon_bends_the_projection_as_past_handling_did(tank):
    from apps.forecast.engine.learned import FEATURES, GrowthModel
    from apps.forecast.services.calibration import learned_save
    from apps.planning.models import PlannedActivity

    coef = tuple(-0.4 if name == "handling" else 0.0 for name in FEATURES)  # appetite falls by a third after handling
    model = GrowthModel(coef=coef, tau_days=14.0, half_life_days=90.0, segments=40, degree_days=9000.0)
    learned_save(model, choice={"fresh": "learned-90", "sea": "learned-90"}, scores={}, computed_at=NOW)
    assert batch_recompute(batch_id=tank.batch_id, today=TODAY).ok
    before = Projection.objects.get(assignment=tank).series["weight_g"]["p50"]
    PlannedActivity.objects.create(
        activity_type="TRANSFER", batch=tank.batch, assignment=tank, due_date=TODAY + dt.timedelta(days=20)
    )
    assert batch_recompute(batch_id=tank.batch_id, today=TODAY).ok
    after = Projection.objects.get(assignment=tank).series["weight_g"]["p50"]
    assert after[18] == before[18] and after[59] < before[59]


def test_a_phase_whose_backtest_chose_the_scenario_grows_by_it_from_the_latest_state(tank):
    from apps.forecast.services.calibration import learned_save

    learned_save(None, choice={"fresh": "scenario", "sea": "scenario"}, scores={}, computed_at=NOW)
    assert batch_recompute(batch_id=tank.batch_id, today=TODAY).ok
    projection = Projection.objects.get(assignment=tank)
    assert (projection.performance_source, projection.performance_ratio) == ("scenario", 1.0)


def test_the_refresh_keeps_one_calibration_while_its_stored_rows_stay_the_same_and_reads_a_new_one_after(tank):
    """The per-day factors are worked out once per calibration, not once per batch (docs/benchmarks.md
    "Forecast refresh"); a new night's rows are a new calibration at once."""
    from apps.forecast.services.calibration import forecast_settings_load

    calibration_save(SEA_BAND, computed_at=NOW)
    first = forecast_settings_load()[0]
    factors = first.factors("sea", 90)
    again = forecast_settings_load()[0]
    assert again is first and again.factors("sea", 90) == factors
    wider = Calibration(
        buckets=tuple(replace(b, q90=b.q90 + 0.02) for b in SEA_BAND.buckets), residuals=SEA_BAND.residuals
    )
    calibration_save(wider, computed_at=NOW)
    renewed = forecast_settings_load()[0]
    assert renewed == wider and renewed is not first
    assert renewed.factors("sea", 90)[59][2] == pytest.approx(factors[59][2] * math.exp(0.02))


def test_the_refresh_reads_the_settings_and_the_batchs_treatments_together_as_the_separate_reads_give_them(tank):
    from apps.forecast.history import treatments_by_assignment
    from apps.forecast.services.calibration import forecast_settings_load, refresh_reads

    other = AssignmentFactory(assignment_date=START)  # another batch's treatment is not read
    for assignment, n in ((tank, 5), (tank, 15), (other, 7)):
        TreatmentFactory(assignment=assignment, treatment_date=day(n))
    calibration_save(SEA_BAND, computed_at=NOW)
    *settings, treatments, due = refresh_reads(tank.batch_id)
    assert tuple(settings) == forecast_settings_load()
    assert treatments == treatments_by_assignment([tank.batch_id]) == {tank.pk: [day(5), day(15)]}
    assert due == {}


def test_the_refresh_reads_the_batchs_open_planned_handlings_with_its_other_reads(tank):
    """The planned handlings' query (the planning app's, lazy) runs in the same round trip: only the batch's open
    handlings with an assignment, by assignment in the query's order."""
    from apps.forecast.services.calibration import refresh_reads
    from apps.planning.models import PlannedActivity
    from apps.planning.selectors import planned_handling_rows

    other = AssignmentFactory(assignment_date=START)
    for assignment, kind, due, status in (
        (tank, "TRANSFER", 40, "PLANNED"),
        (tank, "VACCINATION", 20, "PLANNED"),
        (tank, "TREATMENT", 30, "CANCELLED"),  # not open
        (tank, "HARVEST", 50, "PLANNED"),  # not a handling the fish grow through
        (other, "TRANSFER", 25, "PLANNED"),  # another batch's
    ):
        PlannedActivity.objects.create(
            activity_type=kind, batch=assignment.batch, assignment=assignment, due_date=day(due), status=status
        )
    due = refresh_reads(tank.batch_id, planned_handling_rows(batch_id=tank.batch_id))[-1]
    assert {a: sorted(days) for a, days in due.items()} == {tank.pk: [day(20), day(40)]}
    assert refresh_reads(tank.batch_id)[-1] == {}
