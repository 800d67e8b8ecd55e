"""Recompute: the water of each assignment's container decides which stages its fish reach (docs/engine.md §4)."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.batch.models import ActualDailyAssignmentState
from apps.infrastructure.models import Site
from apps.recompute.run import batch_recompute
from apps.scenario.models import TGCStageOverride
from tests.batch.scenarios import drain_all_batches
from tests.factories import (
    AssignmentFactory,
    ContainerFactory,
    ScenarioFactory,
    SiteFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
    TransferFactory,
    stage,
)

pytestmark = pytest.mark.django_db
START = dt.date(2024, 1, 1)
MOVE = START + dt.timedelta(days=20)  # day 21: the fish go to sea
TODAY = START + dt.timedelta(days=29)


def _states(assignment):
    return list(
        ActualDailyAssignmentState.objects.filter(assignment=assignment)
        .order_by("date")
        .values_list("lifecycle_stage__name", "avg_weight_g")
    )


def test_a_200_g_smolt_grows_on_the_smolt_tgc_in_its_tank_and_takes_the_sea_stage_in_the_pen(salmon):
    # 10 °C every day; TGC 1.45 for smolts (fresh water), 2.4 for post-smolts (sea)
    tgc = TGCModelFactory(profile=TemperatureProfileFactory(days={1: 10.0}), tgc_value=2.8)
    TGCStageOverride.objects.create(model=tgc, lifecycle_stage=stage("Smolt"), tgc_value=1.45)
    TGCStageOverride.objects.create(model=tgc, lifecycle_stage=stage("Post-Smolt"), tgc_value=2.4)
    scenario = ScenarioFactory(tgc_model=tgc, batch__start_date=START)
    tank = AssignmentFactory(
        batch=scenario.batch,
        assignment_date=START,
        departure_date=MOVE,
        placement_avg_weight_g=Decimal("200.00"),
        container=ContainerFactory(site=SiteFactory(kind=Site.Kind.FRESHWATER)),
    )
    pen = AssignmentFactory(
        batch=scenario.batch,
        assignment_date=MOVE,
        placement_count=None,
        placement_avg_weight_g=None,
        container=ContainerFactory(site=SiteFactory(kind=Site.Kind.SEA)),
    )
    TransferFactory(source_assignment=tank, dest_assignment=pen, transferred_count=10_000)
    assert batch_recompute(batch_id=scenario.batch_id, today=TODAY).ok

    in_tank, at_sea = _states(tank), _states(pen)
    assert {name for name, _ in in_tank} == {"Smolt"}
    # 20 days in the tank: (200^(1/3) + 0.00145 x 10 x 20)^3 = 231.25 g, not the sea TGC's 253.40 g
    assert in_tank[-1][1] == Decimal("231.25")
    # the pen starts from the tank's last day and takes the sea stage after its first day (on the smolt TGC)
    assert at_sea[0][0] == "Post-Smolt" and {name for name, _ in at_sea} == {"Post-Smolt"}
    x = 231.25 ** (1 / 3) + 0.00145 * 10 + 0.0024 * 10 * 9  # days 21-30
    assert at_sea[-1][1] == Decimal(f"{x**3:.2f}")


@pytest.mark.parametrize("edit", ["site_kind", "container_site"])
def test_a_change_of_water_recomputes_the_fish_to_what_a_full_recompute_writes(salmon, edit):
    # a 150 g smolt growing for years: in fresh water it stays a smolt, at sea it advances
    fresh, sea = SiteFactory(kind=Site.Kind.FRESHWATER), SiteFactory(kind=Site.Kind.SEA)
    scenario = ScenarioFactory(tgc_model=TGCModelFactory(profile=TemperatureProfileFactory(days={1: 10.0})))
    tank = AssignmentFactory(
        batch=scenario.batch, container=ContainerFactory(site=fresh), placement_avg_weight_g=Decimal("150.00")
    )
    assert batch_recompute(batch_id=scenario.batch_id).ok
    assert {name for name, _ in _states(tank)} == {"Smolt"}
    if edit == "site_kind":
        fresh.kind = Site.Kind.SEA
        fresh.save()
    else:
        container = tank.container
        container.site = sea
        container.save()
    drain_all_batches()
    drained = _states(tank)
    assert batch_recompute(batch_id=scenario.batch_id).ok
    assert drained == _states(tank) and {"Post-Smolt", "Adult"} <= {name for name, _ in drained}
