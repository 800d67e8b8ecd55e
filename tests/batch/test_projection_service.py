"""A scenario's projection comes from the same growth functions as the actual states."""

import pytest

from apps.batch.models import LifeCycleStage
from apps.batch.services.projection import scenario_projection
from tests.factories import ScenarioFactory, TemperatureProfileFactory, TGCModelFactory

pytestmark = pytest.mark.django_db


def test_the_projection_follows_the_forward_test_vector(salmon):
    # 100 g, 10 °C every day, TGC 3.0: the cube root rises by 0.03 a day → day 30 = (100^(1/3) + 0.9)^3 = 170.18 g
    tgc = TGCModelFactory(tgc_value=3.0, profile=TemperatureProfileFactory(days={1: 10.0}))
    scenario = ScenarioFactory(
        tgc_model=tgc, duration_days=30, initial_count=10_000, mortality_model__rate_percent=0.05
    )
    days = scenario_projection(scenario_id=scenario.pk)
    assert len(days) == 30
    assert round(days[0].avg_weight_g, 2) == 101.95
    assert round(days[-1].avg_weight_g, 2) == 170.18
    assert days[-1].population == 9_850  # 5 deaths a day at 0.05 %


def test_the_projection_starts_in_the_stage_of_its_initial_weight(salmon):
    scenario = ScenarioFactory(duration_days=3)
    first = scenario_projection(scenario_id=scenario.pk)[0]
    assert LifeCycleStage.objects.get(pk=first.stage_id).name == "Smolt"  # 100 g lies in Smolt's 60–180 g band
