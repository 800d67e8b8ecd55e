"""The growth analysis page in a real headless Chromium, against the live server, with a real worker: the
three series are drawn with the expected number of points, and a growth sample added through the API moves
the actual line after the worker's recompute (the page polls every 3 s)."""
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

pytestmark = [
    *INTEGRATION,
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_BROWSER and not REQUIRED, reason="Debian's chromium and chromium-driver are not installed"),
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
        "--window-size=1200,900",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def wait_for(driver, condition, timeout=20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d))


def chart(driver) -> dict:
    """What the page has drawn: points per line, sample dots, anchor marks, the actual line's path."""
    return driver.execute_script(
        """const q = s => document.querySelector(s), n = s => document.querySelectorAll(s).length;
        const actual = q("#chart path.series-actual"), scenario = q("#chart path.series-scenario");
        return {actual: actual && +actual.dataset.points, actual_d: actual && actual.getAttribute("d"),
                scenario: scenario && +scenario.dataset.points, samples: n("#chart circle.series-sample"),
                anchors: n("#chart path.anchor"), status: q("#status").textContent};"""
    )


def test_the_page_draws_the_three_series_and_follows_a_sample_added_through_the_api(
    live_server, browser, drain, django_user_model
):
    scenario, source, _, _ = farm_with_transfer(days=60, transfer_day=30)
    drain()
    user = django_user_model.objects.create_user("farmer", password="a-long-password")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])  # may record samples
    batch_id = scenario.batch_id
    days = ActualDailyAssignmentState.objects.filter(batch_id=batch_id).values("date").distinct().count()

    browser.get(f"{live_server.url}/batches/{batch_id}/growth/")  # not logged in: the login page, then back
    browser.find_element("name", "username").send_keys("farmer")
    browser.find_element("name", "password").send_keys("a-long-password")
    browser.find_element("css selector", "[type=submit]").click()
    before = wait_for(browser, lambda d: (c := chart(d))["actual"] and c)

    api = requests.Session()
    projection = api.get(  # the scenario's projection as the API serves it, for the expected point count
        f"{live_server.url}/api/v1/batch/batches/{batch_id}/combined-growth-data/",
        headers={"Authorization": f"Token {token(live_server, api)}"},
        timeout=30,
    ).json()["scenario"]["projection"]
    assert before["actual"] == days == 60
    assert before["scenario"] == len(projection) > 0
    assert before["samples"] == GrowthSample.objects.filter(assignment__batch_id=batch_id).count()
    assert "Up to date" in before["status"]

    sample_day = START + dt.timedelta(days=20)
    response = api.post(
        f"{live_server.url}/api/v1/batch/growth-samples/",
        json={"assignment": source.pk, "sample_date": sample_day.isoformat(), "sample_size": 40, "avg_weight_g": "155.00"},
        headers={"Authorization": f"Token {token(live_server, api)}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    # the page polls every 3 s: the new sample's dot, and its day marked as an anchor on a moved actual line
    after = wait_for(browser, lambda d: (c := chart(d))["samples"] == before["samples"] + 1 and c["anchors"] > before["anchors"] and c)
    assert after["anchors"] == before["anchors"] + 1
    assert after["actual_d"] != before["actual_d"] and after["actual"] == before["actual"]
    assert ActualDailyAssignmentState.objects.get(assignment=source, date=sample_day).avg_weight_g == 155


def token(live_server, session) -> str:
    response = session.post(
        f"{live_server.url}/api/v1/auth/token/", json={"username": "farmer", "password": "a-long-password"}, timeout=30
    )
    return response.json()["token"]
