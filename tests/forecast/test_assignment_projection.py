"""The service's projection of one assignment from plain rows (no database)."""

import datetime as dt

import pytest

from apps.batch.engine import ModelParams, Stage
from apps.forecast import services
from apps.forecast.engine.estimates import GrowthFit, Performance
from apps.forecast.services import projections

AS_OF = dt.date(2026, 3, 1)
PARAMS = ModelParams(
    tgc=3.0,
    tgc_by_stage={},
    mortality_daily=0.0005,
    mortality_daily_by_stage={},
    fcr_by_stage={},
    profile=((1, 10.0),),
    stages={1: Stage(1, 1, 0.0, 100_000.0, None)},
)
ROWS = [(AS_OF - dt.timedelta(days=29 - i), 31 + i, 100.0, 1000, 1, 10.0, 0, "profile") for i in range(30)]


def test_a_fit_whose_level_is_not_a_weight_falls_back_to_the_latest_state(monkeypatch):
    # found by the domain property test: wild weighings can fit a line whose level is negative (a complex cube root)
    monkeypatch.setattr(
        projections, "growth_fit", lambda **kw: GrowthFit(level=-1.0, performance=Performance(1.2, 0.03, "fit", 2))
    )
    projection, assumptions = services.assignment_projection(
        rows=ROWS, params=PARAMS, horizon_days=10, target_weight_g=5000.0, own=[], batch=[]
    )
    assert assumptions["performance_source"] == "default"
    assert projection.weight_g["p50"][0] == (100.0 ** (1 / 3) + 0.03) ** 3  # the latest state's 100 g, ratio 1


def test_the_level_way_grows_by_the_scenario_from_the_fitted_level_and_the_scenario_way_from_the_latest_state(
    monkeypatch,
):
    """ "level": today's weight from the growth fit (weighings and feed), then the scenario's own TGC (ratio 1);
    "scenario" (the original method) starts from the latest stored state; "fit" grows at the fitted ratio."""
    monkeypatch.setattr(
        projections, "growth_fit", lambda **kw: GrowthFit(level=6.0, performance=Performance(1.2, 0.03, "fit", 2))
    )

    def p50(way):
        projection, _ = services.assignment_projection(
            rows=ROWS, params=PARAMS, horizon_days=10, target_weight_g=5000.0, own=[], batch=[], ways=(way,) * 7
        )
        return projection.weight_g["p50"]

    assert p50("level")[9] == pytest.approx((6.0 + 10 * 0.03) ** 3)
    assert p50("scenario")[9] == pytest.approx((100.0 ** (1 / 3) + 10 * 0.03) ** 3)
    assert p50("fit")[9] == pytest.approx((6.0 + 10 * 1.2 * 0.03) ** 3)


@pytest.mark.parametrize("ways", [("level",) * 7, ("scenario", "level", "level", "fit", "fit", "scenario", "level")])
def test_under_a_calibrated_band_the_ways_p50_gives_the_same_projection_without_the_band_it_replaces(monkeypatch, ways):
    """Where the farm's calibrated band replaces the closed-form one, the ways' P50 is set without first building the
    band and crossings that get replaced: the projection is the same as banding the full one (docs/benchmarks.md
    "Forecast refresh")."""
    import random

    from apps.forecast.engine.calibration import Residual, band_calibrated, calibrate

    monkeypatch.setattr(
        projections, "growth_fit", lambda **kw: GrowthFit(level=6.0, performance=Performance(1.2, 0.03, "fit", 2))
    )
    rng = random.Random(5)
    calibration = calibrate(
        [Residual(h, "sea", rng.gauss(0.02, 0.05), AS_OF - dt.timedelta(days=400 - i % 300)) for i, h in
         enumerate(rng.randint(1, 300) for _ in range(800))]
    )  # fmt: skip
    assert calibration.calibrated
    args = dict(rows=ROWS, params=PARAMS, horizon_days=300, target_weight_g=5000.0, own=[], batch=[], ways=ways)
    banded, _ = services.assignment_projection(**args, calibration=calibration)
    full, assumptions = services.assignment_projection(**args)
    band_calibrated(full, calibration, phase="sea", start=assumptions["start"], target_weight_g=5000.0)
    assert banded.weight_g == full.weight_g and banded.stage_ids == full.stage_ids
    assert (banded.harvest, banded.harvest_date_early, banded.harvest_date_late) == (
        full.harvest,
        full.harvest_date_early,
        full.harvest_date_late,
    )
    assert banded.weight_g["p90"][-1] > banded.weight_g["p50"][-1] > banded.weight_g["p10"][-1]
