"""A backtest forecast uses no record dated after its as-of date, readings included (issue 18, defect 1)."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.forecast.backtest import _forecasts
from tests.factories import (
    AssignmentFactory,
    GrowthSampleFactory,
    MortalityEventFactory,
    ScenarioFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
    reading,
)

pytestmark = pytest.mark.django_db
START = dt.date(2024, 1, 1)
AS_OF = START + dt.timedelta(days=59)  # day 60


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def at(n: int) -> dt.datetime:
    return dt.datetime.combine(day(n), dt.time(12), tzinfo=dt.UTC)


def _forecast_figures(batch_id: int) -> list[tuple]:
    return [
        (a, new.weight_g, new.harvest_date, new.harvest_date_early, new.harvest_date_late, original.weight_g)
        for a, new, original, *_ in _forecasts(batch_id, AS_OF, {}, 5000.0)
    ]


@pytest.mark.parametrize("later", ["reading", "sample", "death"])
def test_a_record_dated_after_the_as_of_date_changes_nothing_in_the_backtest_forecast(salmon, later):
    # readings at 10 °C up to day 56: days 57-60 are read from the nearest reading before them, unless a reading
    # after the as-of date were let in to interpolate them (the engine looks 7 days ahead)
    scenario = ScenarioFactory(tgc_model=TGCModelFactory(profile=TemperatureProfileFactory(days={1: 9.0})))
    tank = AssignmentFactory(batch=scenario.batch, assignment_date=START, placement_avg_weight_g=Decimal("100.00"))
    for n in range(1, 57):
        reading(tank.container, at(n), 10.0)
    for n in (20, 40):
        GrowthSampleFactory(assignment=tank, sample_date=day(n), avg_weight_g=Decimal(str(100 + 3 * n)))
    before = _forecast_figures(scenario.batch_id)
    assert before and before[0][0] == tank.pk

    if later == "reading":
        reading(tank.container, at(61), 20.0)
    elif later == "sample":
        GrowthSampleFactory(assignment=tank, sample_date=day(61), avg_weight_g=Decimal("400.00"))
    else:
        MortalityEventFactory(assignment=tank, event_date=day(61), count=5000)
    assert _forecast_figures(scenario.batch_id) == before
