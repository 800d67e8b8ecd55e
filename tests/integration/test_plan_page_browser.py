"""The batch page's segment table and plan in a real headless Chromium, against the live server, with a real worker:
the table shows one row per stored segment with its figures (the realised TGC checked against the stored states)
and is not read again while the polls answer 304,
a crossing that needs planning is planned from its own row ("plan it" fills the form) and its badge turns to
PLANNED after the save, and a bad due date shows the API's sentence and saves nothing. Screenshots go to the test
run's temporary output, as for the growth page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.batch.models import ActualDailyAssignmentState
from apps.forecast.models import GrowthSegment
from apps.planning.models import PlannedActivity
from tests.integration.test_growth_page_browser import (  # noqa: F401 (fixtures)
    PASSWORD,
    browser,
    log_in,
    pytestmark,
    screenshot,
    wait_for,
)
from tests.planning.farms import open_tank


@pytest.fixture
def tank(drain, django_user_model):
    """A smolt tank placed 30 days ago at 100 g, weighed on days 10 and 20: two segments, and a sea transfer (150 g)
    a few weeks ahead with nothing planned (NEEDS_PLANNING)."""
    from tests.factories import ContainerFactory, GrowthSampleFactory

    scenario, tank = open_tank(days_ago=30)
    for days, weight in ((10, "112.00"), (20, "121.00")):
        GrowthSampleFactory(
            assignment=tank, sample_date=tank.assignment_date + dt.timedelta(days=days), avg_weight_g=Decimal(weight)
        )
    destination = ContainerFactory(site=tank.container.site)
    drain()
    user = django_user_model.objects.create_user("farmer", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="operator")[0])  # may plan activities
    return scenario, tank, destination


def segment_rows(driver) -> list[list[str]]:
    return driver.execute_script("return window.aquamindSegments ? window.aquamindSegments.rows() : null;")


def plan_flags(driver) -> list[dict]:
    return driver.execute_script("return window.aquamindPlan ? window.aquamindPlan.flags() : null;")


def requests_to(driver, path: str) -> int:
    """How many requests the page has made to URLs containing ``path`` (the browser's resource timing)."""
    return driver.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes(arguments[0])).length;", path
    )


def open_batch_page(browser, live_server, batch_id):
    log_in(browser, f"{live_server.url}/batches/{batch_id}/growth/")
    wait_for(browser, lambda d: segment_rows(d) and plan_flags(d))


def test_the_segment_table_shows_each_segment_with_its_figures(live_server, browser, tank, screenshot):
    scenario, assignment, _ = tank
    open_batch_page(browser, live_server, scenario.batch_id)
    browser.execute_script("document.getElementById('performance').scrollIntoView()")
    screenshot("segments")

    rows = segment_rows(browser)
    segments = list(GrowthSegment.objects.filter(assignment=assignment).order_by("end_date"))
    assert len(rows) == len(segments) == 2
    states = {s.date: s for s in ActualDailyAssignmentState.objects.filter(assignment=assignment)}
    for row, segment in zip(rows, segments):
        start, end = states[segment.start_date], states[segment.end_date]
        # realised TGC from the stored states, independently: 1000 × (∛W_end − ∛W_start) / Σ °C of the days after the start
        degree_days = sum(
            float(s.temp_c) for d, s in states.items() if segment.start_date < d <= segment.end_date and s.temp_c > 0
        )
        tgc = 1000 * (float(end.avg_weight_g) ** (1 / 3) - float(start.avg_weight_g) ** (1 / 3)) / degree_days
        assert row[0] == assignment.container.name
        assert row[1] == f"{segment.start_date:%-d %b %Y} → {segment.end_date:%-d %b %Y}"
        assert row[2] == str((segment.end_date - segment.start_date).days)
        assert row[3] == f"{degree_days:,.0f}"
        assert row[4] == f"{float(start.avg_weight_g):,.0f} → {float(end.avg_weight_g):,.0f}"
        assert row[5] == f"{tgc:.2f}" and row[6] == f"{segment.scenario_tgc:.2f}"
        assert row[7] == f"{segment.performance_ratio:.2f}"
        assert row[8] == f"{segment.sgr_pct:.2f}" and row[9] == row[10] == "–"  # no feed recorded: no FCR
        assert row[11] == f"{segment.deaths:,}" and row[12] == f"{segment.mortality_pct:.2f}"
    marked = browser.find_elements("css selector", "#segments td.ratio-low, #segments td.ratio-high")
    assert len(marked) == sum(abs(s.performance_ratio - 1) > 0.1 for s in segments)

    # the table is read with the chart's first data, and not again while the polls answer 304
    assert wait_for(browser, lambda d: requests_to(d, "combined-growth-data") >= 3, timeout=15)
    assert requests_to(browser, "growth-segments") == 1 and requests_to(browser, "forecast-summary") == 1


def test_planning_a_crossing_from_its_row_turns_its_badge_to_planned_and_a_bad_date_saves_nothing(
    live_server, browser, tank, screenshot
):
    from selenium.webdriver.support.ui import Select

    scenario, assignment, destination = tank
    open_batch_page(browser, live_server, scenario.batch_id)
    [row] = plan_flags(browser)
    assert row == {
        "assignment": assignment.pk,
        "flag": "NEEDS_PLANNING",
        "badges": ["NEEDS PLANNING", "NEEDS PLANNING"],  # the row's flag, and the sea transfer's (the harvest: later)
    }
    browser.find_element("css selector", f'#plan-summary tr[data-assignment="{assignment.pk}"] button.plan-it').click()
    form = browser.find_element("id", "form-activity")
    assert Select(form.find_element("name", "activity_type")).first_selected_option.get_attribute("value") == "TRANSFER"
    assert Select(form.find_element("name", "assignment")).first_selected_option.get_attribute("value") == str(
        assignment.pk
    )
    sea_transfer = browser.execute_script("return window.aquamindPlan.summary.assignments[0].sea_transfer.date;")
    assert form.find_element("name", "due_date").get_attribute("value") == max(
        sea_transfer, timezone.localdate().isoformat()
    )

    Select(form.find_element("name", "container")).select_by_value(str(destination.pk))
    too_late = timezone.localdate() + dt.timedelta(days=10 * 366)
    browser.execute_script(
        "arguments[0].value = arguments[1]", form.find_element("name", "due_date"), too_late.isoformat()
    )
    form.find_element("css selector", "button[type=submit]").click()
    refused = wait_for(browser, lambda d: (t := form.find_element("css selector", ".result").text) and t)
    latest = timezone.localdate() + dt.timedelta(days=5 * 366)
    sentence = f"{too_late} is more than {5 * 366} days ahead (the latest allowed is {latest})."
    assert refused == f"Not saved. Due date: {sentence}"
    assert form.find_element("css selector", '.field-error[data-field="due_date"]').text == sentence
    assert "invalid" in form.find_element("name", "due_date").get_attribute("class")
    assert not PlannedActivity.objects.exists()
    screenshot("bad-due-date")

    browser.execute_script("arguments[0].value = arguments[1]", form.find_element("name", "due_date"), sea_transfer)
    form.find_element("css selector", "button[type=submit]").click()
    planned = wait_for(browser, lambda d: (f := plan_flags(d)) and f[0]["flag"] == "PLANNED" and f)
    assert planned[0]["badges"] == ["PLANNED", "PLANNED"]
    assert not browser.find_elements("css selector", "#form-activity .field-error")
    activity = PlannedActivity.objects.get()
    assert (activity.activity_type, activity.assignment_id, activity.container_id) == (
        "TRANSFER",
        assignment.pk,
        destination.pk,
    )
    assert activity.due_date.isoformat() == sea_transfer and activity.status == "PLANNED"
    listed = wait_for(
        browser, lambda d: d.find_elements("css selector", f'#plan-activities tr[data-activity="{activity.pk}"]')
    )
    assert "transfer" in listed[0].text
    browser.execute_script("document.getElementById('plan').scrollIntoView()")
    screenshot("planned")

    browser.get(f"{live_server.url}/")  # the overview's Coming up: the week of the transfer, nothing left to plan
    counts = browser.find_element("id", "planning-counts")
    assert counts.find_element("css selector", ".badge").get_attribute("data-count") == "0"
    week = dt.date.fromisoformat(sea_transfer).isocalendar()
    row = browser.find_element("css selector", f'#coming-weeks tr[data-week="{week.year}-W{week.week:02d}"]')
    assert (
        row.find_element("link text", scenario.batch.batch_number)
        .get_attribute("href")
        .endswith(f"/batches/{scenario.batch_id}/growth/#plan")
    )
    screenshot("overview")
