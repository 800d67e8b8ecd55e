"""What the pages render for planning: the overview's "Coming up" (from the stored projections, linking to the
batches), the batch page's plan section with its form, and the segment table on the batch and container pages;
each page in the same number of queries whatever the farm's size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.planning.models import PlannedActivity
from tests.factories import AssignmentFactory, BatchFactory, ContainerFactory
from tests.forecast.test_summary import projection

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def harvested_in(days: int, *, fish: int = 1000):
    """An assignment of a new batch whose harvest (P50 5,000 g, P10 4,000, P90 6,250) falls ``days`` from today."""
    a = AssignmentFactory()
    projection(a, harvest=timezone.localdate() + dt.timedelta(days=days), population=fish)
    return a


def test_the_overview_shows_the_coming_weeks_with_their_batches_and_what_needs_planning(user_client, salmon):
    a, b = harvested_in(0, fish=1000), harvested_in(0, fish=2000)
    late = AssignmentFactory()
    PlannedActivity.objects.create(
        activity_type="SAMPLING",
        batch_id=late.batch_id,
        assignment=late,
        due_date=timezone.localdate() - dt.timedelta(days=2),
    )  # overdue
    page = user_client.get("/").content.decode()
    this_week = timezone.localdate().isocalendar()
    row = page[page.index(f'<tr data-week="{this_week.year}-W{this_week.week:02d}" data-kind="harvest">') :]
    row = row[: row.index("</tr>")]
    # 3,000 fish at 5,000 g: 15,000 kg (P10 4,000 g: 12,000; P90 6,250 g: 18,750), both needing planning
    assert '<td class="num">2 <span class="badge NEEDS_PLANNING" title="need planning">2 to plan</span></td>' in row
    assert "3,000 (3,000–3,000)" in row and "15,000 (12,000–18,750)" in row
    for x in (a, b):
        assert f'<a href="/batches/{x.batch_id}/growth/#plan">{x.batch.batch_number}</a>' in row
    assert 'data-count="2">2 crossings need planning</span>' in page
    assert 'data-count="1">1 planned activity overdue</span>' in page
    assert page.count("<tr data-week=") == 8  # the next eight ISO weeks, and no "already due" row
    assert page.count("nothing due") == 7


def test_the_overview_says_when_the_next_crossings_come_after_its_weeks(user_client, salmon):
    harvested_in(100)
    page = user_client.get("/").content.decode()
    later = page[page.index('<p id="coming-later"') :]
    day = timezone.localdate() + dt.timedelta(days=100)
    assert later[: later.index("</p>")].endswith(
        f"After these weeks: no sea transfer projected, the next harvest on {day.day} {day:%b %Y}."
    )


def test_a_crossing_already_past_is_shown_as_already_due(user_client, salmon):
    a = harvested_in(-14)
    page = user_client.get("/").content.decode()
    assert '<tr class="overdue" data-week="overdue" data-kind="harvest"><td>Already due</td><td>Harvest</td>' in page
    assert f"/batches/{a.batch_id}/growth/#plan" in page


def test_the_batch_page_has_the_segment_table_the_plan_and_its_form(user_client, salmon):
    batch = BatchFactory()
    active = AssignmentFactory(batch=batch)
    gone = AssignmentFactory(batch=batch, departure_date=active.assignment_date + dt.timedelta(days=5))
    elsewhere = ContainerFactory()
    page = user_client.get(f"/batches/{batch.pk}/growth/").content.decode()
    for part in (
        '<table id="segments" class="table table-sm table-hover align-middle">',
        '<table id="plan-summary" class="table table-sm table-hover align-middle">',
        '<table id="plan-activities" class="table table-sm table-hover align-middle">',
        '<form class="quick card card-body" id="form-activity" data-endpoint="/api/v1/planning/activities/"',
        f'<input type="hidden" name="batch" value="{batch.pk}">',
        "/static/web/segments.js",
        "/static/web/plan.js",
    ):
        assert part in page, part
    form = page[page.index('id="form-activity"') : page.index("</form>", page.index('id="form-activity"'))]
    label = f"{active.container.name} · {active.container.site.name} · {active.assignment_date.isoformat()} → now"
    picks = form[form.index('name="assignment"') : form.index('name="container"')]
    assert f'<option value="{active.pk}">{label}</option>' in picks and f'<option value="{gone.pk}">' not in picks
    assert f'<optgroup label="{elsewhere.site.name}"><option value="{elsewhere.pk}">{elsewhere.name}</option>' in form
    for value, _ in PlannedActivity.Type.choices:
        assert f'<option value="{value}">' in form


def test_the_container_page_has_the_segment_table_but_no_plan(user_client, salmon):
    a = AssignmentFactory()
    page = user_client.get(f"/containers/{a.container_id}/").content.decode()
    assert (
        '<table id="segments" class="table table-sm table-hover align-middle">' in page
        and "/static/web/segments.js" in page
    )
    assert 'id="plan"' not in page and "plan.js" not in page


def test_the_overview_costs_the_same_queries_for_more_crossings(user_client, salmon):
    harvested_in(3)
    user_client.get("/")
    small = queries(user_client, "/")
    for days in (-10, 3, 10, 40):
        harvested_in(days)
    assert queries(user_client, "/") == small


def test_the_batch_page_costs_the_same_queries_for_more_containers(user_client, salmon):
    batch = BatchFactory()
    AssignmentFactory(batch=batch)
    small = queries(user_client, f"/batches/{batch.pk}/growth/")
    for _ in range(4):
        AssignmentFactory(batch=batch)
    assert queries(user_client, f"/batches/{batch.pk}/growth/") == small
