"""The farm overview: every container holding fish with its figures from the stored states, the batches with
the same figures summed, filters, and a fixed number of queries whatever the farm's size."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.batch.models import ActualDailyAssignmentState, RecomputeMarker
from apps.recompute.run import batch_recompute
from apps.web.reads.overview import farm_overview
from tests.batch.scenarios import START
from tests.factories import (
    AssignmentFactory,
    ContainerFactory,
    GrowthSampleFactory,
    MortalityEventFactory,
    ScenarioFactory,
)

pytestmark = pytest.mark.django_db
TODAY = START + dt.timedelta(days=59)  # the states' last day


def batch_with(containers: int):
    scenario = ScenarioFactory(batch__start_date=START)
    assignments = [
        AssignmentFactory(
            batch=scenario.batch, container=ContainerFactory(volume_m3=Decimal("500")), assignment_date=START
        )
        for _ in range(containers)
    ]
    GrowthSampleFactory(
        assignment=assignments[0], sample_date=TODAY - dt.timedelta(days=5), avg_weight_g=Decimal("180.00")
    )
    MortalityEventFactory(assignment=assignments[0], event_date=TODAY - dt.timedelta(days=3), count=250)
    batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    return scenario.batch, assignments


def test_every_container_holding_fish_is_listed_with_its_figures(salmon):
    batch, (first, second) = batch_with(2)
    AssignmentFactory(batch=batch, assignment_date=START, departure_date=START + dt.timedelta(days=10))  # emptied
    batch_recompute(batch_id=batch.pk, today=TODAY)
    pending = RecomputeMarker.objects.filter(batch_id=batch.pk).count()  # a drain clears them, not batch_recompute
    assert {r.recompute for _, rs in farm_overview(today=TODAY).sites for r in rs} == {f"pending ({pending})"}
    RecomputeMarker.objects.all().delete()
    overview = farm_overview(today=TODAY)
    rows = {r.assignment_id: r for _, rs in overview.sites for r in rs}
    assert set(rows) == {first.pk, second.pk}
    row, last = rows[first.pk], ActualDailyAssignmentState.objects.get(assignment=first, date=TODAY)
    f = row.figures
    assert f.fish == last.population and f.biomass_kg == pytest.approx(float(last.biomass_kg))
    assert f.avg_weight_g == pytest.approx(float(last.biomass_kg) * 1000 / last.population)
    assert f.density_kg_m3 == pytest.approx(float(last.biomass_kg) / 500)
    assert row.days_since_sample == 5 and rows[second.pk].days_since_sample is None
    week = ActualDailyAssignmentState.objects.filter(assignment=first, date__gt=TODAY - dt.timedelta(days=7))
    deaths = week.aggregate(n=Sum("mortality_count"))["n"]
    assert deaths >= 250 and f.deaths_7d == deaths
    assert f.mortality_7d_pct == pytest.approx(100 * deaths / (last.population + deaths))
    assert row.recompute == "up to date" and row.stage == "Smolt"
    assert row.label.startswith(f"{first.container.name} · {first.container.site.name} · {START.isoformat()} → now")


def test_the_batch_list_sums_its_containers(salmon):
    batch, assignments = batch_with(2)
    overview = farm_overview(today=TODAY)
    (row,) = [b for b in overview.batches if b.batch.pk == batch.pk]
    states = ActualDailyAssignmentState.objects.filter(batch_id=batch.pk, date=TODAY)
    assert row.containers == 2 and row.figures.fish == sum(s.population for s in states)
    assert row.days_since_sample == 5


def test_search_and_site_filters_keep_the_matching_containers(salmon):
    batch_a, (a,) = batch_with(1)
    batch_b, (b,) = batch_with(1)
    by_batch = farm_overview(today=TODAY, search=batch_b.batch_number)
    assert [r.assignment_id for _, rs in by_batch.sites for r in rs] == [b.pk]
    assert [x.batch.pk for x in by_batch.batches] == [batch_b.pk]
    by_site = farm_overview(today=TODAY, site_id=a.container.site_id)
    assert [r.assignment_id for _, rs in by_site.sites for r in rs] == [a.pk]


@pytest.mark.parametrize("containers", [1, 4])
def test_the_overview_costs_six_queries_whatever_the_farms_size(salmon, containers, django_assert_num_queries):
    batch_with(containers)
    batch_with(containers)
    with django_assert_num_queries(6):
        overview = farm_overview(today=TODAY)
    assert sum(len(rs) for _, rs in overview.sites) == 2 * containers


def test_the_start_page_after_login_is_the_overview(client, django_user_model, salmon):
    batch, (a,) = batch_with(1)
    django_user_model.objects.create_user("farmer", password="pw-long-enough")
    response = client.post("/accounts/login/", {"username": "farmer", "password": "pw-long-enough"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/").content.decode()
    assert f'data-assignment="{a.pk}"' in page and batch.batch_number in page
    assert a.container.name in client.get("/", {"q": a.container.name}).content.decode()
    assert batch.batch_number in client.get("/batches/").content.decode()


def test_the_overview_page_costs_the_same_queries_for_a_bigger_farm(client, django_user_model, salmon):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(django_user_model.objects.create_user("farmer", password="pw-long-enough"))
    batch_with(1)
    client.get("/")
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    batch_with(3)
    batch_with(2)
    with CaptureQueriesContext(connection) as big:
        client.get("/")
    assert len(big.captured_queries) == len(small.captured_queries)


def test_a_container_without_a_recent_state_still_shows_its_latest(salmon):
    batch, (a,) = batch_with(1)
    later = TODAY + dt.timedelta(days=45)  # the states end 45 days before this "today"
    row = next(r for _, rs in farm_overview(today=later).sites for r in rs if r.assignment_id == a.pk)
    last = ActualDailyAssignmentState.objects.get(assignment=a, date=TODAY)
    assert row.figures.state_date == TODAY and row.figures.fish == last.population
    assert row.figures.deaths_30d == 0
