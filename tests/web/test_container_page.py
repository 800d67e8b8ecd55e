"""A container's page: what it holds now with the overview's figures and its recent days, every assignment it
has held, the chart of its assignments and the quick-entry forms; the overview links to it."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.batch.models import ActualDailyAssignmentState
from apps.recompute.run import batch_recompute
from apps.web.reads.container_detail import RECENT_DAYS, container_detail
from tests.batch.scenarios import START
from tests.factories import AssignmentFactory, ContainerFactory, GrowthSampleFactory, ScenarioFactory

pytestmark = pytest.mark.django_db
TODAY = START + dt.timedelta(days=159)


@pytest.fixture
def pen(salmon):
    """A pen that held one batch for 60 days, stood empty, and holds another since day 100."""
    container = ContainerFactory(volume_m3=Decimal("400"))
    first = ScenarioFactory(batch__start_date=START)
    past = AssignmentFactory(
        batch=first.batch, container=container, assignment_date=START, departure_date=START + dt.timedelta(days=60)
    )
    second = ScenarioFactory(batch__start_date=START + dt.timedelta(days=100))
    held = AssignmentFactory(batch=second.batch, container=container, assignment_date=second.batch.start_date)
    GrowthSampleFactory(assignment=held, sample_date=TODAY - dt.timedelta(days=4), avg_weight_g=Decimal("150.00"))
    for scenario in (first, second):
        batch_recompute(batch_id=scenario.batch_id, today=TODAY)
    return container, held, past


def test_the_detail_holds_the_current_assignment_its_recent_days_and_the_history(pen, django_assert_num_queries):
    container, held, past = pen
    with django_assert_num_queries(6):  # the latest states of every assignment, old or not, in one query
        detail = container_detail(container=container, today=TODAY)
    (now,) = detail.current
    last = ActualDailyAssignmentState.objects.get(assignment=held, date=TODAY)
    assert now.assignment == held and now.figures.fish == last.population
    assert now.figures.biomass_kg == pytest.approx(float(last.biomass_kg))
    assert now.figures.density_kg_m3 == pytest.approx(float(last.biomass_kg) / 400)
    assert now.days_since_sample == 4 and now.recompute.startswith("pending")  # no drain ran: markers remain
    assert [s.date for s in detail.recent_states] == [TODAY - dt.timedelta(days=i) for i in range(RECENT_DAYS)]
    assert [h.assignment for h in detail.history] == [held, past]
    ended = detail.history[1]
    assert ended.figures.state_date == past.departure_date - dt.timedelta(days=1)  # its last day in the pen
    assert (
        ended.label
        == f"{container.name} · {container.site.name} · {START.isoformat()} → {past.departure_date.isoformat()}"
    )


def test_an_empty_container_has_no_current_assignment(salmon):
    detail = container_detail(container=ContainerFactory(), today=TODAY)
    assert detail.current == [] and detail.history == [] and detail.recent_states == []


def test_the_page_shows_the_container_the_chart_of_its_assignments_and_the_forms(user_client, pen):
    container, held, past = pen
    page = user_client.get(f"/containers/{container.pk}/").content.decode()
    assert f"{container.name} — {container.site.name}" in page
    assert 'id="chart"' in page and f'data-batch="{held.batch_id}"' in page and "/static/web/growth.js" in page
    # the chart's select and each form's list this container's assignments, the current one first
    current_option = f'<option value="{held.pk}" data-batch="{held.batch_id}" data-container="{container.pk}">'
    assert page.count(current_option) == 5 and page.index(current_option) < page.index(f'<option value="{past.pk}"')
    assert 'data-filled="server"' in page and "Whole batch" not in page
    for form in ("form-sample", "form-mortality", "form-feeding", "form-temperature"):
        assert f'id="{form}"' in page
    assert page.count('<tr data-assignment="') == 3  # now (1) and the history (2)


def test_an_empty_container_page_says_so_without_a_chart(user_client, salmon):
    page = user_client.get(f"/containers/{ContainerFactory().pk}/").content.decode()
    assert "Empty: no batch is assigned to this container now." in page and 'id="chart"' not in page


def test_the_site_page_links_each_container_to_its_page(user_client, pen):
    container, _, _ = pen
    assert f'href="/sites/{container.site_id}/"' in user_client.get("/").content.decode()
    assert f'href="/containers/{container.pk}/"' in user_client.get(f"/sites/{container.site_id}/").content.decode()


def test_an_unknown_container_is_404_and_the_page_needs_a_login(client, user_client, salmon):
    assert user_client.get("/containers/999999/").status_code == 404
    container = ContainerFactory()
    client.logout()
    response = client.get(f"/containers/{container.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
