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
