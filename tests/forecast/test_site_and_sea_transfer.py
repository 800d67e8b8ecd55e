"""The refresh's sea-transfer date (fish in a freshwater site) and the site level of the performance fallback."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.forecast.models import GrowthSegment, Projection
from apps.infrastructure.models import Site
from apps.recompute.run import batch_recompute
from tests.factories import (
    AssignmentFactory,
    ContainerFactory,
    GrowthSampleFactory,
    ScenarioFactory,
    SiteFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
)

pytestmark = pytest.mark.django_db
START = dt.date(2024, 1, 1)
TODAY = START + dt.timedelta(days=40)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def tank(*, site, weight_g="100.00", sample_g=None):
    """A batch of 10,000 fish at ``weight_g`` on day 1 in a tank of ``site``, 10 °C every day, TGC 2.5; a sample
    of ``sample_g`` on day 21."""
    tgc = TGCModelFactory(profile=TemperatureProfileFactory(days={1: 10.0}), tgc_value=2.5)
    scenario = ScenarioFactory(tgc_model=tgc, batch__start_date=START)
    assignment = AssignmentFactory(
        batch=scenario.batch,
        assignment_date=START,
        container=ContainerFactory(site=site),
        placement_avg_weight_g=Decimal(weight_g),
    )
    if sample_g:
        GrowthSampleFactory(assignment=assignment, sample_date=day(21), avg_weight_g=Decimal(sample_g))
    return assignment


def test_fish_in_fresh_water_get_the_first_day_the_p50_weight_reaches_the_sea_transfer_weight(salmon, settings):
    settings.FORECAST_SEA_TRANSFER_WEIGHT_G, settings.FORECAST_HARVEST_WEIGHT_G = 150.0, 1000.0
    fresh = tank(site=SiteFactory(kind=Site.Kind.FRESHWATER), weight_g="20.00")
    assert batch_recompute(batch_id=fresh.batch_id, today=TODAY).ok
    p = Projection.objects.get(assignment=fresh)
    p50 = p.series["weight_g"]["p50"]
    first = next(i for i, w in enumerate(p50) if w >= 150.0)
    assert p.sea_transfer_target_g == 150.0 and p.sea_transfer_date == p.first_date + dt.timedelta(days=first)
    assert p50[first - 1] < 150.0 <= p.sea_transfer_weight_p50_g == p50[first]
    assert p.sea_transfer_weight_p10_g == p.series["weight_g"]["p10"][first]
    assert p.sea_transfer_date_p10 < p.sea_transfer_date < p.sea_transfer_date_p90
    # the harvest's weights are stored the same way
    harvest = (p.harvest_date - p.first_date).days
    assert p.harvest_weight_p50_g == p50[harvest] >= 1000.0 > p50[harvest - 1]


def test_fish_at_sea_get_no_sea_transfer_date(salmon):
    pen = tank(site=SiteFactory(kind=Site.Kind.SEA), weight_g="20.00")
    batch_recompute(batch_id=pen.batch_id, today=TODAY)
    p = Projection.objects.get(assignment=pen)
    assert (p.sea_transfer_target_g, p.sea_transfer_date, p.sea_transfer_weight_p50_g) == (None, None, None)
    assert p.days > 0


def test_a_batch_without_segments_takes_the_ratio_of_its_sites_other_batches(salmon):
    site = SiteFactory()
    neighbour = tank(site=site, sample_g="150.00")
    other_site = tank(site=SiteFactory(), sample_g="120.00")
    for a in (neighbour, other_site):
        batch_recompute(batch_id=a.batch_id, today=TODAY)
    [segment] = GrowthSegment.objects.filter(assignment=neighbour)
    new = tank(site=site)  # no weighing: no segment of its own or of its batch
    assert batch_recompute(batch_id=new.batch_id, today=TODAY).ok
    p = Projection.objects.get(assignment=new)
    # one segment: the degree-day weighted ratio is its ratio (1.2794: 100 g to 150 g over 200 degree-days)
    assert p.performance_source == "site" and p.performance_ratio == round(segment.performance_ratio, 4)
    alone = tank(site=SiteFactory())
    batch_recompute(batch_id=alone.batch_id, today=TODAY)
    assert Projection.objects.get(assignment=alone).performance_source == "default"


def test_the_site_is_read_in_one_query_and_only_when_the_batch_gives_no_ratio(salmon):
    site = SiteFactory()
    batch_recompute(batch_id=tank(site=site, sample_g="150.00").batch_id, today=TODAY)
    sampled, unsampled = tank(site=site, sample_g="140.00"), tank(site=site)

    def segment_reads(assignment):
        with CaptureQueriesContext(connection) as queries:
            assert batch_recompute(batch_id=assignment.batch_id, today=TODAY).ok
        return [
            q["sql"]
            for q in queries
            if 'FROM "forecast_growthsegment"' in q["sql"] and "infrastructure_container" in q["sql"]
        ]

    assert segment_reads(sampled) == []  # its own batch gives the ratio
    assert len(segment_reads(unsampled)) == 1
