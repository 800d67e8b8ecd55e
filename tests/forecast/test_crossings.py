"""Crossings (no database): the harvest and sea-transfer dates found by bisection equal the first day each
quantile reaches the weight, and the sea transfer is found in the same projection only when asked for."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.batch.engine import ModelParams, Stage
from apps.forecast.engine import MortalityEstimate, Performance, ProjectionStart, TemperatureBias, project
from apps.forecast.engine.projection import crossing

AS_OF = dt.date(2026, 3, 1)
PARAMS = ModelParams(
    tgc=3.0,
    tgc_by_stage={},
    mortality_daily=0.0005,
    mortality_daily_by_stage={},
    fcr_by_stage={},
    profile=((1, 6.0), (120, 14.0), (240, 2.0), (365, 9.0)),
    stages={1: Stage(1, 1, 0.0, 100_000.0, None)},
)


def start(weight: float) -> ProjectionStart:
    return ProjectionStart(date=AS_OF, day_number=60, weight_g=weight, population=10_000, stage_id=1)


def projection(*, weight=60.0, ratio=1.0, sd=0.05, level_var=0.0, days=200, sea_transfer=None):
    return project(
        start=start(weight),
        horizon_days=days,
        params=PARAMS,
        performance=Performance(ratio, sd, "fit", 3, level_var=level_var, level_ratio_cov=0.0),
        bias=TemperatureBias(0.0, 0.3, 14),
        mortality=MortalityEstimate(0.0005, 0.5, "recent"),
        target_weight_g=5000.0,
        sea_transfer_weight_g=sea_transfer,
    )


def first_day(weights, target):
    return next((AS_OF + dt.timedelta(days=d) for d, w in enumerate(weights, start=1) if w >= target), None)


@settings(max_examples=150, deadline=None)
@given(
    weight=st.floats(1.0, 400.0),
    ratio=st.floats(0.5, 1.5),
    sd=st.floats(0.0, 0.3),
    level_var=st.floats(0.0, 0.05),
    days=st.integers(1, 400),
    target=st.floats(1.0, 1000.0),
)
def test_the_crossing_is_the_first_day_each_quantile_reaches_the_weight(weight, ratio, sd, level_var, days, target):
    p = projection(weight=weight, ratio=ratio, sd=sd, level_var=level_var, days=days)
    found = crossing(start(weight), p.weight_g, target)
    if weight >= target:
        assert (found.date, found.early, found.late) == (AS_OF, AS_OF, AS_OF)
        return
    assert found.date == first_day(p.weight_g["p50"], target)
    assert found.early == first_day(p.weight_g["p90"], target)
    assert found.late == first_day(p.weight_g["p10"], target)
    if found.date is not None:
        i = (found.date - AS_OF).days - 1
        assert found.weight_g == (p.weight_g["p10"][i], p.weight_g["p50"][i], p.weight_g["p90"][i])
        assert found.early <= found.date <= (found.late or dt.date.max)
    else:
        assert found.weight_g is None


def test_the_sea_transfer_is_found_in_the_same_projection_only_when_asked_for():
    assert projection().sea_transfer is None
    p = projection(sea_transfer=150.0)
    # 60 g at 6 °C rising towards 14 °C, ratio 1.0, TGC 3.0: 150 g some weeks later, inside the horizon
    assert p.sea_transfer.date == first_day(p.weight_g["p50"], 150.0) is not None
    assert p.sea_transfer.early < p.sea_transfer.date < p.sea_transfer.late
    assert p.sea_transfer.weight_g[1] >= 150.0
    assert p.weight_g == projection().weight_g  # asking for it changes nothing else
    assert (p.harvest_date, p.harvest_date_early, p.harvest_date_late) == (
        p.harvest.date,
        p.harvest.early,
        p.harvest.late,
    )


def test_fish_already_at_the_weight_cross_on_the_as_of_date_with_the_first_days_weights():
    p = projection(weight=200.0, sea_transfer=150.0)
    assert (p.sea_transfer.date, p.sea_transfer.early, p.sea_transfer.late) == (AS_OF, AS_OF, AS_OF)
    assert p.sea_transfer.weight_g == (p.weight_g["p10"][0], p.weight_g["p50"][0], p.weight_g["p90"][0])
