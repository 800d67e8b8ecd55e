"""The growth analysis and container pages in a real headless Chromium, against the live server, with a real worker: the
series are drawn with the expected number of points, the chart zooms, switches to a log scale and drills down
to a container's own days, a growth sample added through the API or the page's form moves the actual line
after the worker's recompute (the page polls every 3 s), and a bad weight in the form shows the API's
sentence and saves nothing. A screenshot of each page goes to the test run's temporary output."""

import datetime as dt
import os
import shutil

import pytest
import requests
from django.contrib.auth.models import Group

from apps.batch.models import ActualDailyAssignmentState, GrowthSample
from tests.batch.scenarios import START, farm_with_transfer
from tests.integration.support import INTEGRATION

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
HAVE_BROWSER = bool(shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER))
REQUIRED = os.environ.get("AQUAMIND_BROWSER_TESTS") == "require"  # scripts/test.sh installs Chromium and sets it
PASSWORD = "a-long-password"

pytestmark = [
    *INTEGRATION,
    pytest.mark.browser,
    pytest.mark.skipif(
        not HAVE_BROWSER and not REQUIRED, reason="Debian's chromium and chromium-driver are not installed"
    ),
]


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1200,1400",
        # Bootstrap scrolls smoothly unless the user asks for reduced motion: WebDriver scrolls an element into view
        # and clicks at once, which would land on whatever is under the pointer mid-scroll
        "--force-prefers-reduced-motion",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    # leave the page first: its polling stops, so no request (one transaction each) is still running when the
    # test database is flushed (which could deadlock with it)
    driver.get("about:blank")
    driver.quit()


@pytest.fixture
def screenshot(browser, tmp_path_factory, request):
    """``screenshot(name)`` saves the page as <basetemp>/screenshots/<test>-<name>.png (pytest keeps the last
    three runs' basetemp; --basetemp chooses it)."""
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)

    def save(name: str):
        path = folder / f"{request.node.name}-{name}.png"
        browser.save_screenshot(str(path))
        print(f"screenshot: {path}")
        return path

    return save


@pytest.fixture
def farm(drain, django_user_model):
    scenario, source, dest, _ = farm_with_transfer(days=60, transfer_day=30)
    drain()
    user = django_user_model.objects.create_user("farmer", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="operator")[0])  # may record samples
    return scenario, source, dest


def wait_for(driver, condition, timeout=20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d))


def chart(driver) -> dict | None:
    """What the chart has drawn (growth.js's summary): points per series, markers, axis scale, zoom, x range."""
    return driver.execute_script("return window.aquamindChart && window.aquamindChart.summary();")


def log_in(browser, url):
    browser.get(url)  # not logged in: the login page, then back
    browser.find_element("name", "username").send_keys("farmer")
    browser.find_element("name", "password").send_keys(PASSWORD)
    browser.find_element("css selector", "[type=submit]").click()


def open_growth_page(browser, live_server, batch_id) -> dict:
    log_in(browser, f"{live_server.url}/batches/{batch_id}/growth/")
    return wait_for(browser, lambda d: (c := chart(d)) and c["actual"] and c)


def api_session(live_server) -> requests.Session:
    api = requests.Session()
    token = api.post(
        f"{live_server.url}/api/v1/auth/token/", json={"username": "farmer", "password": PASSWORD}, timeout=30
    )
    api.headers["Authorization"] = f"Token {token.json()['token']}"
    return api


def fill_sample(browser, form, *, assignment_id: int, day: dt.date, weight: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(form.find_element("name", "assignment")).select_by_value(str(assignment_id))
    browser.execute_script(
        "arguments[0].value = arguments[1]", form.find_element("name", "sample_date"), day.isoformat()
    )
    for name, value in (("sample_size", "30"), ("avg_weight_g", weight)):
        field = form.find_element("name", name)
        field.clear()
        field.send_keys(value)
    form.find_element("css selector", "button[type=submit]").click()


def assert_refused_as_the_api_refuses(
    browser, live_server, form, *, assignment_id: int, day: dt.date, weight: str
) -> None:
    """The sample form shows, for a bad weight, the API's own sentences for the same sample."""
    fill_sample(browser, form, assignment_id=assignment_id, day=day, weight=weight)
    refused = wait_for(browser, lambda d: (t := form.find_element("css selector", ".result").text) and t)
    api_says = api_session(live_server).post(
        f"{live_server.url}/api/v1/batch/growth-samples/",
        json={"assignment": assignment_id, "sample_date": day.isoformat(), "sample_size": 30, "avg_weight_g": weight},
        timeout=30,
    )
    assert api_says.status_code == 400
    details = [e["detail"] for e in api_says.json()["errors"]]
    assert details and refused == "Not saved. " + " ".join(f"Average weight (g): {d}" for d in details)


def test_the_page_draws_the_series_and_follows_a_sample_added_through_the_api(live_server, browser, farm, screenshot):
    scenario, source, _ = farm
    batch_id = scenario.batch_id
    days = ActualDailyAssignmentState.objects.filter(batch_id=batch_id).values("date").distinct().count()
    before = open_growth_page(browser, live_server, batch_id)
    screenshot("growth")

    api = api_session(live_server)
    body = api.get(f"{live_server.url}/api/v1/batch/batches/{batch_id}/combined-growth-data/", timeout=30).json()
    assert before["actual"] == days == 60
    span = body["date_range"]  # the projection is drawn over the chart's days
    projected = [d for d in body["scenario"]["projection"] if span["start"] <= d["date"] <= span["end"]]
    assert before["scenario"] == len(projected) == 60
    assert before["samples"] == GrowthSample.objects.filter(assignment__batch_id=batch_id).count()
    assert before["temp"] == before["mortality"] == before["feed"] == 60  # the panels share the actual days
    assert before["markers"] >= 1  # the transfer (and the destination's end)
    assert before["yTitle"] == "Average weight (g)" and "Up to date" in before["status"]

    sample_day = START + dt.timedelta(days=20)
    response = api.post(
        f"{live_server.url}/api/v1/batch/growth-samples/",
        json={
            "assignment": source.pk,
            "sample_date": sample_day.isoformat(),
            "sample_size": 40,
            "avg_weight_g": "155.00",
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    # the page polls every 3 s: the new sample's dot, and its day marked as an anchor on a moved actual line
    after = wait_for(
        browser,
        lambda d: (c := chart(d))["samples"] == before["samples"] + 1 and c["anchors"] > before["anchors"] and c,
    )
    assert after["anchors"] == before["anchors"] + 1
    assert after["weights"] != before["weights"] and after["actual"] == before["actual"]
    assert ActualDailyAssignmentState.objects.get(assignment=source, date=sample_day).avg_weight_g == 155


def test_the_chart_zooms_switches_to_a_log_scale_and_drills_down_to_a_container(live_server, browser, farm, screenshot):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.support.ui import Select

    scenario, source, _ = farm
    before = open_growth_page(browser, live_server, scenario.batch_id)
    assert (before["zoomStart"], before["zoomEnd"]) == (0, 100)

    plot = browser.find_element("id", "chart")
    ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(plot, 0, -250), 0, -400).perform()
    zoomed = wait_for(browser, lambda d: (c := chart(d))["zoomEnd"] - c["zoomStart"] < 100 and c)
    assert 0 <= zoomed["zoomStart"] < zoomed["zoomEnd"] <= 100
    screenshot("zoomed")
    browser.find_element("id", "reset-zoom").click()
    wait_for(browser, lambda d: (c := chart(d))["zoomStart"] == 0 and c["zoomEnd"] == 100)

    browser.find_element("id", "log").click()
    assert wait_for(browser, lambda d: chart(d)["yScale"] == "log")
    screenshot("log-scale")

    Select(browser.find_element("id", "assignment")).select_by_value(str(source.pk))
    # the source's days: from its placement to the day before its departure (the transfer day is the destination's)
    last_day = (source.departure_date - dt.timedelta(days=1)).isoformat()
    drilled = wait_for(browser, lambda d: (c := chart(d))["xMax"] == last_day and c)
    assert drilled["xMin"] == source.assignment_date.isoformat()
    assert drilled["actual"] == ActualDailyAssignmentState.objects.filter(assignment=source).count() == 29
    screenshot("drill-down")

    Select(browser.find_element("id", "granularity")).select_by_value("weekly")  # the container's ISO weeks
    days = ActualDailyAssignmentState.objects.filter(assignment=source).values_list("date", flat=True)
    weeks = wait_for(browser, lambda d: (c := chart(d))["actual"] < drilled["actual"] and c)
    assert (
        weeks["actual"] == len({day.isocalendar()[:2] for day in days})
        and weeks["xMin"] == source.assignment_date.isoformat()
    )
    tip = browser.execute_script(  # the axis tooltip of the second week, as ECharts would ask for it (a DOM node)
        "const d = window.aquamindChart.data.batch_totals.date[1];"
        "const tip = window.aquamindChart.chart.getOption().tooltip[0].formatter("
        "[{axisValue: d, seriesId: 'actual', seriesName: 'Actual', value: [d, 100], color: '#0b6e99'}]);"
        "return [...tip.children].map(line => line.innerHTML);"
    )
    assert tip[0] == "<b>Week 2024-W02 (8 Jan 2024 – 14 Jan 2024)</b>", tip
    assert tip[1] == '<span class="tip-marker" style="background-color: rgb(11, 110, 153);"></span>Actual: 100 g', tip


def test_a_sample_entered_in_the_form_appears_after_the_recompute_and_a_bad_weight_shows_the_apis_sentence(
    live_server, browser, farm, screenshot
):
    from selenium.webdriver.common.keys import Keys

    scenario, source, _ = farm
    before = open_growth_page(browser, live_server, scenario.batch_id)
    form = browser.find_element("id", "form-sample")
    sample_day = START + dt.timedelta(days=22)

    assert_refused_as_the_api_refuses(browser, live_server, form, assignment_id=source.pk, day=sample_day, weight="-5")
    assert "invalid" in form.find_element("name", "avg_weight_g").get_attribute("class")
    assert not GrowthSample.objects.filter(assignment=source, sample_date=sample_day).exists()
    screenshot("bad-weight")
    # corrected: the sentence under the field, its mark and the "Not saved" line go as the farmer types (issue 21:
    # they stayed until the next save)
    weight = form.find_element("name", "avg_weight_g")
    weight.send_keys(Keys.BACKSPACE * 3, "160")
    wait_for(browser, lambda d: not form.find_elements("css selector", ".field-error"))
    assert "invalid" not in weight.get_attribute("class") and form.find_element("css selector", ".result").text == ""

    fill_sample(browser, form, assignment_id=source.pk, day=sample_day, weight="160.00")
    wait_for(browser, lambda d: "saved" in form.find_element("css selector", ".result").text)
    after = wait_for(
        browser,
        lambda d: (c := chart(d))["samples"] == before["samples"] + 1 and c["anchors"] > before["anchors"] and c,
    )
    assert after["weights"] != before["weights"]
    assert ActualDailyAssignmentState.objects.get(assignment=source, date=sample_day).avg_weight_g == 160
    screenshot("sample-saved")


def test_a_form_sends_one_idempotency_key_per_submission_and_the_same_one_with_each_retry(live_server, browser, farm):
    import re

    scenario, source, _ = farm
    open_growth_page(browser, live_server, scenario.batch_id)
    # the network between the page and the server: down for the first three posts (the first submission and both of
    # the script's retries never arrive), then up; the page's writes are recorded with their Idempotency-Key
    browser.execute_script(
        """
        const real = window.fetch; window.__keys = [];
        window.fetch = (url, init) => {
          if (!init || init.method !== "POST") return real(url, init);
          window.__keys.push(init.headers["Idempotency-Key"]);
          return window.__keys.length <= 3 ? Promise.reject(new TypeError("Failed to fetch")) : real(url, init);
        };
        """
    )
    form = browser.find_element("id", "form-sample")
    result = lambda d: form.find_element("css selector", ".result").text  # noqa: E731
    first_day, second_day = START + dt.timedelta(days=22), START + dt.timedelta(days=24)
    fill_sample(browser, form, assignment_id=source.pk, day=first_day, weight="160.00")
    assert wait_for(browser, lambda d: result(d).startswith("Not saved:") and result(d)) == "Not saved: Failed to fetch"
    fill_sample(browser, form, assignment_id=source.pk, day=first_day, weight="160.00")  # the farmer presses Save again
    wait_for(browser, lambda d: "saved" in result(d) and not result(d).startswith("Not"))
    browser.execute_script("arguments[0].querySelector('.result').textContent = '';", form)
    fill_sample(browser, form, assignment_id=source.pk, day=second_day, weight="161.00")  # the next sample
    assert wait_for(browser, lambda d: result(d)).startswith("Growth sample saved.")

    keys = browser.execute_script("return window.__keys;")
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", k) for k in keys), (
        keys
    )
    assert keys[0] == keys[1] == keys[2] == keys[3] != keys[4]  # one submission, however often it is sent
    assert set(
        GrowthSample.objects.filter(assignment=source, sample_date__in=[first_day, second_day]).values_list(
            "sample_date", flat=True
        )
    ) == {first_day, second_day}


def test_the_overview_lists_the_sites_and_a_site_its_containers_holding_fish(live_server, browser, farm, screenshot):
    from apps.batch.models import BatchContainerAssignment
    from tests.factories import AssignmentFactory

    scenario, source, dest = farm
    held = AssignmentFactory(batch=scenario.batch, assignment_date=START)  # no departure: holds fish
    other = AssignmentFactory(assignment_date=START)  # another batch, another site
    log_in(browser, f"{live_server.url}/")
    rows = wait_for(browser, lambda d: d.find_elements("css selector", "table.sites tr[data-site]"))
    assert {held.container.site_id, other.container.site_id} <= {int(r.get_attribute("data-site")) for r in rows}
    screenshot("overview")
    browser.find_element("css selector", f'table.sites tr[data-site="{held.container.site_id}"] a').click()
    table = wait_for(browser, lambda d: d.find_elements("css selector", "table.containers tr[data-assignment]"))
    shown = {int(r.get_attribute("data-assignment")): r.text for r in table}
    here = BatchContainerAssignment.objects.filter(departure_date__isnull=True, container__site=held.container.site)
    assert set(shown) == set(here.values_list("pk", flat=True)) == {held.pk}
    assert held.container.name in shown[held.pk] and scenario.batch.batch_number in shown[held.pk]
    screenshot("site")
    browser.get(f"{live_server.url}/batches/")
    batches = wait_for(browser, lambda d: d.find_elements("css selector", "#batches tr[data-batch]"))
    assert {int(r.get_attribute("data-batch")) for r in batches} == {scenario.batch_id, other.batch_id}
    browser.get(f"{live_server.url}/")
    search = wait_for(browser, lambda d: d.find_elements("name", "q"))[0]
    search.send_keys(other.batch.batch_number)
    browser.find_element("css selector", "#filters button").click()
    wait_for(browser, lambda d: "q=" in d.current_url)
    kept = [
        int(r.get_attribute("data-site")) for r in browser.find_elements("css selector", "table.sites tr[data-site]")
    ]
    assert kept == [other.container.site_id]


def test_without_the_chart_library_the_page_says_so(live_server, browser, farm, screenshot):
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*echarts.min.js"]})
    log_in(browser, f"{live_server.url}/batches/{farm[0].batch_id}/growth/")
    status = wait_for(browser, lambda d: "missing" in (t := d.find_element("id", "status").text) and t)
    assert "The chart library is missing" in status and "scripts/assets.sh" in status
    screenshot("no-chart-library")


def test_a_batch_holding_fish_today_shows_its_forecast_with_the_band(
    live_server, browser, drain, django_user_model, screenshot
):
    from django.utils import timezone

    from tests.factories import AssignmentFactory, ScenarioFactory

    start = timezone.localdate() - dt.timedelta(days=89)
    scenario = ScenarioFactory(batch__start_date=start)
    AssignmentFactory(batch=scenario.batch, assignment_date=start)  # no departure: holds fish today
    drain()  # a real worker computes the states and, in the same recompute, the projection
    user = django_user_model.objects.create_user("farmer", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    drawn = open_growth_page(browser, live_server, scenario.batch_id)
    forecast = wait_for(browser, lambda d: (c := chart(d))["forecast"] and c)["forecast"]
    assert drawn["actual"] == 90 and forecast > 30
    assert drawn["xMax"] > timezone.localdate().isoformat()  # the x axis runs on past today
    assert "Forecast from the state of" in browser.find_element("id", "forecast-note").text
    screenshot("forecast")

    # the band is one shaded area between P10 and P90 (its width stacked on an invisible P10 line), not two lines
    body = (
        api_session(live_server)
        .get(
            f"{live_server.url}/api/v1/batch/batches/{scenario.batch_id}/combined-growth-data/?shape=columnar",
            timeout=30,
        )
        .json()
    )
    fc, drawn = body["forecast"], chart(browser)
    band = drawn["band"]
    assert band["type"] == "line" and band["area"] and band["stack"] == band["under"] == "forecast-band"
    assert band["points"] == len(fc["date"]) == drawn["forecast"]
    assert band["p10"] == [float(v) for v in fc["avg_weight_g"]["p10"]]
    assert band["p90"] == [float(v) for v in fc["avg_weight_g"]["p90"]]
    assert_first_window(browser, body, drawn, actual_days=90)


def day_ms(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).replace(tzinfo=dt.UTC).timestamp() * 1000)


def assert_first_window(browser, body, drawn, *, actual_days: int) -> None:
    """The chart opens on the actual days and half as many days of forecast (14 to 90), the rest of the forecast
    one click ("Whole forecast") away; "Reset zoom" comes back to it."""
    horizon = min(90, max(14, round(actual_days / 2)))
    start, end = day_ms(body["date_range"]["start"]), day_ms(body["date_range"]["end"]) + horizon * 86_400_000
    assert drawn["zoomStartValue"] == start and drawn["zoomEndValue"] == min(end, day_ms(drawn["xMax"]))
    assert drawn["xMax"] > body["date_range"]["end"] and drawn["zoomEndValue"] < day_ms(drawn["xMax"])
    browser.find_element("id", "show-all").click()
    wait_for(browser, lambda d: (c := chart(d))["zoomStart"] == 0 and c["zoomEnd"] == 100)
    browser.find_element("id", "reset-zoom").click()
    wait_for(browser, lambda d: (c := chart(d))["zoomEnd"] < 100 and c["zoomEndValue"] == drawn["zoomEndValue"])


def test_the_harvest_window_is_drawn_from_the_forecasts_p10_to_its_p90_date(
    live_server, browser, drain, django_user_model, screenshot
):
    """A batch close to harvest weight: the chart shades its harvest window (markArea) from the P10 to the P90 date of
    reaching the target, as the API gives them, and the tooltips read "g" weights in the pages' digits."""
    from decimal import Decimal

    from django.utils import timezone

    from tests.factories import AssignmentFactory, ScenarioFactory

    start = timezone.localdate() - dt.timedelta(days=29)
    scenario = ScenarioFactory(batch__start_date=start, initial_weight_g=Decimal("4200.00"))
    AssignmentFactory(batch=scenario.batch, assignment_date=start, placement_avg_weight_g=Decimal("4200.00"))
    drain()
    user = django_user_model.objects.create_user("farmer", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    open_growth_page(browser, live_server, scenario.batch_id)
    drawn = wait_for(browser, lambda d: (c := chart(d))["forecast"] and c)
    fc = (
        api_session(live_server)
        .get(
            f"{live_server.url}/api/v1/batch/batches/{scenario.batch_id}/combined-growth-data/?shape=columnar",
            timeout=30,
        )
        .json()["forecast"]
    )
    assert fc["harvest_date_p10"], fc  # the fixture's point: the target is reached within the horizon
    assert drawn["harvestWindow"] == [fc["harvest_date_p10"], fc["harvest_date_p90"] or fc["date"][-1]]
    browser.find_element("id", "show-all").click()
    screenshot("harvest-window")
    tip = browser.execute_script(
        "const d = window.aquamindChart.data.forecast.date[0];"
        "const tip = window.aquamindChart.chart.getOption().tooltip[0].formatter(["
        "{axisValue: d, seriesId: 'forecast_band', seriesName: 'Forecast P10–P90', value: [d, 100],"
        " data: {value: [d, 100], p10: 4321.4, p90: 4421.6}, color: '#2a8c82'},"
        "{axisValue: d, seriesId: 'forecast_p10', seriesName: 'Forecast P10–P90', value: [d, 4321.4], color: '#2a8c82'},"
        "{axisValue: d, seriesId: 'forecast', seriesName: 'Forecast (P50)', value: [d, 9.876], color: '#2a8c82'}]);"
        "return [...tip.children].map(line => line.textContent);"
    )
    assert tip[1:] == ["Forecast P10–P90: 4,321 g – 4,422 g", "Forecast (P50): 9.88 g"], tip


@pytest.fixture
def pen(drain, django_user_model):
    """A pen holding a batch placed 60 days ago, after another batch that left it 100 days ago; both computed
    by a real worker. Returns (the current assignment, the past one)."""
    from django.utils import timezone

    from tests.factories import AssignmentFactory, ScenarioFactory, temperature_parameter

    start = timezone.localdate() - dt.timedelta(days=59)
    earlier = ScenarioFactory(batch__start_date=start - dt.timedelta(days=200))
    past = AssignmentFactory(
        batch=earlier.batch, assignment_date=earlier.batch.start_date, departure_date=start - dt.timedelta(days=100)
    )
    held = AssignmentFactory(
        batch=ScenarioFactory(batch__start_date=start).batch, container=past.container, assignment_date=start
    )
    temperature_parameter()
    drain()
    user = django_user_model.objects.create_user("farmer", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return held, past


def test_the_container_page_shows_its_batch_and_history_and_its_forms_save_through_the_api(
    live_server, browser, pen, screenshot
):
    from django.utils import timezone

    from apps.environmental.models import EnvironmentalReading

    held, past = pen
    log_in(browser, f"{live_server.url}/")  # the overview links the site to its page, which links the container
    site = held.container.site_id
    site_link = f"tr[data-site='{site}'] a[href='/sites/{site}/']"
    wait_for(browser, lambda d: d.find_elements("css selector", site_link))[0].click()
    wait_for(browser, lambda d: d.find_elements("link text", held.container.name))[0].click()
    assert browser.current_url == f"{live_server.url}/containers/{held.container_id}/"
    before = wait_for(browser, lambda d: (c := chart(d)) and c["actual"] and c)
    assert before["actual"] == 60 and before["xMin"] == held.assignment_date.isoformat()  # the held batch's own days
    assert held.batch.batch_number in browser.find_element("id", "current").text
    history = [
        int(r.get_attribute("data-assignment"))
        for r in browser.find_elements("css selector", "#history tr[data-assignment]")
    ]
    assert history == [held.pk, past.pk]
    assert len(browser.find_elements("css selector", "#recent tbody tr")) == 7
    screenshot("container")

    form = browser.find_element("id", "form-sample")
    day = held.assignment_date + dt.timedelta(days=20)
    assert_refused_as_the_api_refuses(browser, live_server, form, assignment_id=held.pk, day=day, weight="0")
    assert not GrowthSample.objects.filter(assignment=held).exists()
    screenshot("container-bad-weight")

    fill_sample(browser, form, assignment_id=held.pk, day=day, weight="170.00")
    wait_for(browser, lambda d: "saved" in form.find_element("css selector", ".result").text)
    # the chart reloads at once (the sample's dot), then follows the worker's recompute (the line moves)
    after = wait_for(
        browser,
        lambda d: (c := chart(d))["samples"] == before["samples"] + 1 and c["weights"] != before["weights"] and c,
    )
    assert after["weights"][20] == 170 and after["actual"] == before["actual"]
    assert ActualDailyAssignmentState.objects.get(assignment=held, date=day).avg_weight_g == 170
    screenshot("container-sample-saved")

    reading = browser.find_element("id", "form-temperature")  # a reading belongs to the chosen assignment's container
    # the time starts at the minute the page was opened, on the browser's clock (the page may have been open a while:
    # compared with the page's start, generously); each date field says its day in the pages' format
    minutes_off = browser.execute_script(
        "return Math.abs(new Date(arguments[0].value) - performance.timeOrigin) / 60000;",
        reading.find_element("name", "reading_time"),
    )
    assert minutes_off < 5, minutes_off
    sample_day = browser.find_element("css selector", "#form-mortality .day-words").text
    today = timezone.localdate()
    assert sample_day == f"{today:%a} {today.day} {today:%b %Y}"  # "Sun 6 Dec 2026", the server's day
    browser.execute_script(
        "arguments[0].value = arguments[1]", reading.find_element("name", "reading_time"), f"{day.isoformat()}T08:00"
    )
    reading.find_element("name", "value").send_keys("9.25")
    reading.find_element("css selector", "button[type=submit]").click()
    wait_for(browser, lambda d: "saved" in reading.find_element("css selector", ".result").text)
    assert EnvironmentalReading.objects.get(value=9.25).container_id == held.container_id
