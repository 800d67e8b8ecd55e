"""The farm overview by site, a site's containers and the batch list a page at a time, each with its figures
from the stored states, filters, and a fixed number of queries whatever the farm's size."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.batch.models import ActualDailyAssignmentState, RecomputeMarker
from apps.recompute.run import batch_recompute
from apps.web.reads.overview import batch_page, farm_sites, site_containers
from tests.batch.scenarios import START
from tests.factories import (
    AssignmentFactory,
    BatchFactory,
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


def site_rows(site, today=TODAY, **kwargs):
    """Every container row of ``site``, over all its pages."""
    page, rows = site_containers(site=site, today=today, **kwargs)
    while page.has_next():
        page, more = site_containers(site=site, today=today, page=page.next_page_number(), **kwargs)
        rows += more
    return {r.assignment_id: r for r in rows}


def test_every_container_holding_fish_is_listed_with_its_figures(salmon):
    batch, (first, second) = batch_with(2)
    second.container.site = first.container.site
    second.container.save()
    AssignmentFactory(batch=batch, assignment_date=START, departure_date=START + dt.timedelta(days=10))  # emptied
    batch_recompute(batch_id=batch.pk, today=TODAY)
    site = first.container.site
    pending = RecomputeMarker.objects.filter(batch_id=batch.pk).count()  # a drain clears them, not batch_recompute
    assert {r.recompute for r in site_rows(site).values()} == {f"pending ({pending})"}
    RecomputeMarker.objects.all().delete()
    rows = site_rows(site)
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


def test_each_site_sums_its_containers_holding_fish(salmon):
    batch, (first, second) = batch_with(2)
    other_batch, (third,) = batch_with(1)
    for a in (second, third):
        a.container.site = first.container.site
        a.container.save()
    RecomputeMarker.objects.all().delete()
    overview = farm_sites(today=TODAY)
    (row,) = [s for s in overview.sites if s.site.pk == first.container.site_id]
    states = ActualDailyAssignmentState.objects.filter(assignment__in=[first, second, third], date=TODAY)
    assert row.containers == 3 and row.batches == 2 and row.recompute == "up to date"
    assert row.figures.fish == sum(s.population for s in states)
    assert row.figures.biomass_kg == pytest.approx(sum(float(s.biomass_kg) for s in states))
    assert row.days_since_sample == 5
    assert overview.batches == 2
    empty = [s for s in overview.sites if s.site.pk != first.container.site_id]
    assert empty and all(s.containers == 0 and s.figures.fish == 0 for s in empty)  # the emptied sites stay listed


def test_the_batch_list_sums_its_containers(salmon):
    batch, assignments = batch_with(2)
    _, rows = batch_page(today=TODAY)
    (row,) = [b for b in rows if b.batch.pk == batch.pk]
    states = ActualDailyAssignmentState.objects.filter(batch_id=batch.pk, date=TODAY)
    assert row.containers == 2 and row.figures.fish == sum(s.population for s in states)
    assert row.days_since_sample == 5


def test_the_batch_list_pages_by_batch_number(salmon):
    from apps.web.reads.overview import PAGE_SIZE

    made = sorted(BatchFactory.create_batch(PAGE_SIZE + 3), key=lambda b: b.batch_number)
    first, rows = batch_page(today=TODAY)
    assert [r.batch.pk for r in rows] == [b.pk for b in made[:PAGE_SIZE]] and first.has_next()
    last, rows = batch_page(today=TODAY, page=2)
    assert [r.batch.pk for r in rows] == [b.pk for b in made[PAGE_SIZE:]] and not last.has_next()
    assert batch_page(today=TODAY, page=99)[0].number == 2  # past the end: the last page


def test_search_and_site_filters_keep_the_matching_containers(salmon):
    batch_a, (a,) = batch_with(1)
    batch_b, (b,) = batch_with(1)
    _, by_batch = batch_page(today=TODAY, search=batch_b.batch_number)
    assert [x.batch.pk for x in by_batch] == [batch_b.pk]
    sites = farm_sites(today=TODAY, search=batch_b.batch_number).sites
    assert [(s.site.pk, s.containers) for s in sites] == [(b.container.site_id, 1)]
    assert set(site_rows(b.container.site, search=batch_a.batch_number)) == set()
    _, by_site = batch_page(today=TODAY, site_id=a.container.site_id)
    assert [x.batch.pk for x in by_site] == [batch_a.pk]
    assert [s.site.pk for s in farm_sites(today=TODAY, site_id=a.container.site_id).sites] == [a.container.site_id]


@pytest.mark.parametrize("containers", [1, 4])
def test_the_reads_cost_the_same_queries_whatever_the_farms_size(salmon, containers, django_assert_num_queries):
    batch_with(containers)
    batch, (a, *_) = batch_with(containers)
    with django_assert_num_queries(7):
        overview = farm_sites(today=TODAY)
    assert sum(s.containers for s in overview.sites) == 2 * containers
    with django_assert_num_queries(7):
        batch_page(today=TODAY)
    with django_assert_num_queries(5):
        site_containers(site=a.container.site, today=TODAY)


def test_the_start_page_after_login_is_the_overview(client, django_user_model, salmon):
    batch, (a,) = batch_with(1)
    django_user_model.objects.create_user("farmer", password="pw-long-enough")
    response = client.post("/accounts/login/", {"username": "farmer", "password": "pw-long-enough"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/").content.decode()
    assert f'data-site="{a.container.site_id}"' in page and a.container.site.name in page
    assert a.container.site.name in client.get("/", {"q": a.container.name}).content.decode()
    assert batch.batch_number in client.get("/batches/").content.decode()
    site_page = client.get(f"/sites/{a.container.site_id}/").content.decode()
    assert f'data-assignment="{a.pk}"' in site_page and batch.batch_number in site_page


@pytest.mark.parametrize("path", ["/", "/batches/", "/sites/{site}/"])
def test_the_pages_cost_the_same_queries_for_a_bigger_farm(client, django_user_model, salmon, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(django_user_model.objects.create_user("farmer", password="pw-long-enough"))
    _, (a,) = batch_with(1)
    url = path.format(site=a.container.site_id)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n in (3, 2):
        _, more = batch_with(n)
        for b in more:
            b.container.site = a.container.site
            b.container.save()
    with CaptureQueriesContext(connection) as big:
        client.get(url)
    assert len(big.captured_queries) == len(small.captured_queries)


def test_an_unknown_site_is_404_and_a_bad_page_number_is_the_first_page(user_client, salmon):
    _, (a,) = batch_with(1)
    assert user_client.get("/sites/999999/").status_code == 404
    assert user_client.get(f"/sites/{a.container.site_id}/", {"page": "x%00"}).status_code == 200
    assert user_client.get("/batches/", {"page": "-1", "site": "99999999999999"}).status_code == 200


def test_a_container_without_a_recent_state_still_shows_its_latest(salmon):
    batch, (a,) = batch_with(1)
    later = TODAY + dt.timedelta(days=45)  # the states end 45 days before this "today"
    row = site_rows(a.container.site, today=later)[a.pk]
    last = ActualDailyAssignmentState.objects.get(assignment=a, date=TODAY)
    assert row.figures.state_date == TODAY and row.figures.fish == last.population
    assert row.figures.deaths_30d == 0


def test_the_overview_pages_its_sites_by_name_and_sums_each_pages_sites_alone(salmon, monkeypatch):
    from apps.infrastructure.models import Site
    from apps.web.reads import overview

    monkeypatch.setattr(overview, "PAGE_SIZE", 2)
    made = [batch_with(1) for _ in range(5)]  # five sites, one container each
    names = list(Site.objects.order_by("name").values_list("pk", flat=True))
    seen, fish = [], {}
    for number in (1, 2, 3):
        result = farm_sites(today=TODAY, page=number)
        assert result.page.number == number and result.page.paginator.num_pages == 3
        seen += [s.site.pk for s in result.sites]
        fish.update({s.site.pk: s.figures.fish for s in result.sites})
    assert seen == names  # every site once, by name
    for _, (a,) in made:
        state = ActualDailyAssignmentState.objects.get(assignment=a, date=TODAY)
        assert fish[a.container.site_id] == state.population
    assert farm_sites(today=TODAY, page=99).page.number == 3  # past the end: the last page


def test_the_overview_page_links_its_next_page_of_sites(salmon, client, admin_user, monkeypatch):
    from apps.web.reads import overview

    monkeypatch.setattr(overview, "PAGE_SIZE", 1)
    batch_with(1)
    batch_with(1)
    client.force_login(admin_user)
    first = client.get("/").content.decode()
    assert 'rel="next" href="?page=2"' in first and "page 1 of 2" in first
    assert "page 2 of 2" in client.get("/?page=2").content.decode()
