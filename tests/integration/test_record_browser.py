"""The record pages on a phone (issue 21): a real headless Chromium emulating a 390 px wide phone, against the live
server with a real worker. At the pen: two casts make the day's sample (shown under the form, and anchoring the
day's state after the recompute), a cast is deleted, a refused date shows the API's sentence under its field
until it is corrected and saves nothing. For the site: the day's deaths and feed of two tanks typed with the
keyboard (Enter moves on), one refused row saves nothing and names its field, corrected, all saved. No page
scrolls sideways. Screenshots go to the test run's temporary output."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.batch.models import ActualDailyAssignmentState, GrowthSample, GrowthSampleCast, MortalityEvent
from apps.inventory.models import Feed, FeedingEvent
from tests.integration.test_growth_page_browser import (  # noqa: F401 (fixtures)
    PASSWORD,
    browser,
    log_in,
    pytestmark,
    screenshot,
    wait_for,
)
from tests.planning.farms import open_tank

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}


@pytest.fixture
def tanks(drain, django_user_model):
    """A tank placed 30 days ago with 10,000 fish and a second one of the same batch and site with 500."""
    from tests.factories import AssignmentFactory, ContainerFactory, stage

    scenario, tank = open_tank(days_ago=30)
    small = AssignmentFactory(
        batch=scenario.batch,
        container=ContainerFactory(site=tank.container.site, name="Tank Z"),
        assignment_date=tank.assignment_date,
        placement_count=500,
        lifecycle_stage=stage("Smolt"),
    )
    Feed.objects.create(name="Starter 1 mm")
    drain()
    user = django_user_model.objects.create_user("farmer", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return tank, small


@pytest.fixture
def phone(browser):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    return browser


def no_sideways_scroll(driver) -> tuple[int, int]:
    """(the page's width, the window's), and the elements that stick out (named in a failure)."""
    width, inner, wide = driver.execute_script(
        "const w = 390; return [document.documentElement.scrollWidth, w, [...document.querySelectorAll"
        "('body *')].filter(e => e.getBoundingClientRect().right > w + 0.5).map(e => e.tagName + '.' + e.className)"
        ".slice(0, 5)];"
    )
    assert (width, inner) == (390, 390), wide
    return width, inner


def field_error(form, name: str) -> str:
    """The message under a field, read in the page in one step (the script may replace it meanwhile)."""
    return form.parent.execute_script(
        "const n = arguments[0].querySelector(`.field-error[data-field='${CSS.escape(arguments[1])}']`);"
        "return n ? n.textContent : '';",
        form,
        name,
    )


def result(form) -> str:
    return form.parent.execute_script("return arguments[0].querySelector('.result').textContent;", form)


def test_at_the_pen_casts_make_the_days_sample_and_a_refusal_shows_under_its_field(
    live_server, phone, tanks, drain, screenshot
):
    tank, _ = tanks
    log_in(phone, f"{live_server.url}/containers/{tank.container_id}/record/")
    wait_for(phone, lambda d: d.execute_script("return window.aquamindRecord && window.aquamindRecord.total();"))
    width, inner = no_sideways_scroll(phone)
    assert inner == 390 and width <= inner
    form = phone.find_element("id", "form-cast")
    assert form.find_element("css selector", "select[name=assignment] option:checked").get_attribute("value") == str(
        tank.pk
    )
    assert form.find_element("name", "sample_date").get_attribute("value") == timezone.localdate().isoformat()
    screenshot("pen")

    def add_cast(fish: str, mean: str, sd: str, casts: int) -> None:
        for name, value in (("fish_weighed", fish), ("avg_weight_g", mean), ("std_dev_weight_g", sd)):
            form.find_element("name", name).send_keys(value)
        form.find_element("css selector", "button[type=submit]").click()
        wait_for(phone, lambda d: len(d.execute_script("return window.aquamindRecord.casts();")) == casts)

    add_cast("40", "120", "10", 1)
    assert form.find_element("name", "fish_weighed").get_attribute("value") == ""  # cleared for the next cast
    add_cast("60", "130", "12", 2)
    spread = math.sqrt((39 * 10**2 + 59 * 12**2 + 40 * 6**2 + 60 * 4**2) / 99)  # pooled, independently
    total = f"The day's sample: 100 fish · 126.00 g · SD {spread:.2f} g (2 casts)"
    assert phone.execute_script("return window.aquamindRecord.total();") == total
    sample = GrowthSample.objects.get(assignment=tank, sample_date=timezone.localdate())
    assert (sample.sample_size, sample.avg_weight_g) == (100, Decimal("126.00"))
    screenshot("two-casts")

    drain()  # the worker recomputes: the day's state is anchored at the casts' aggregate
    state = ActualDailyAssignmentState.objects.get(assignment=tank, date=timezone.localdate())
    assert (state.avg_weight_g, state.anchor_type) == (Decimal("126.00"), "growth_sample")

    # a day in the future: the API's sentence under the date, nothing saved; corrected, the sentence goes
    future = timezone.localdate() + dt.timedelta(days=3)
    phone.execute_script(
        "arguments[0].value = arguments[1]", form.find_element("name", "sample_date"), future.isoformat()
    )
    add_fields = (("fish_weighed", "30"), ("avg_weight_g", "99"))
    for name, value in add_fields:
        form.find_element("name", name).send_keys(value)
    form.find_element("css selector", "button[type=submit]").click()
    sentence = f"{future} is in the future."
    assert wait_for(phone, lambda d: field_error(form, "sample_date") == sentence)
    assert result(form) == f"Not saved. Date: {sentence}"
    assert GrowthSampleCast.objects.count() == 2
    screenshot("refused")
    date = form.find_element("name", "sample_date")
    phone.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        date,
        timezone.localdate().isoformat(),
    )
    assert field_error(form, "sample_date") == "" and "invalid" not in date.get_attribute("class")

    # the second cast deleted: the day is the first one's
    # clicked in the page (the list is redrawn by each read of the casts: a held element could go stale)
    phone.execute_script("document.querySelectorAll('.cast-delete')[1].click();")
    wait_for(phone, lambda d: len(d.execute_script("return window.aquamindRecord.casts();")) == 1)
    assert phone.execute_script("return window.aquamindRecord.total();") == (
        "The day's sample: 40 fish · 120.00 g · SD 10.00 g (1 cast)"
    )
    assert GrowthSample.objects.get(assignment=tank).sample_size == 40


def test_the_sites_day_is_typed_with_the_keyboard_and_saved_all_or_nothing(live_server, phone, tanks, screenshot):
    from selenium.webdriver.common.keys import Keys

    tank, small = tanks
    log_in(phone, f"{live_server.url}/sites/{tank.container.site_id}/record/")
    form = wait_for(phone, lambda d: d.find_element("id", "form-day"))
    width, inner = no_sideways_scroll(phone)
    assert inner == 390 and width <= inner

    order = [f.get_attribute("value") for f in form.find_elements("css selector", "input[name$='.assignment']")]
    rows = {int(pk): i for i, pk in enumerate(order)}  # the tanks in name order
    big, little = rows[tank.pk], rows[small.pk]
    assert sorted(rows.values()) == [0, 1]
    typed = {big: ("7", "41.5"), little: ("501", "3.25")}  # 501 deaths: more than the small tank's 500 fish
    form.find_element("name", "rows.0.count").click()
    # Enter moves on: dead fish → cause → feed (kg) → the next tank's dead fish
    for index in (0, 1):
        count, feed = typed[index]
        assert phone.switch_to.active_element.get_attribute("name") == f"rows.{index}.count"
        phone.switch_to.active_element.send_keys(count, Keys.ENTER)
        assert phone.switch_to.active_element.get_attribute("name") == f"rows.{index}.cause"
        phone.switch_to.active_element.send_keys(Keys.ENTER)
        assert phone.switch_to.active_element.get_attribute("name") == f"rows.{index}.amount_kg"
        phone.switch_to.active_element.send_keys(feed, *([Keys.ENTER] if index == 0 else []))
    form.find_element("css selector", "button[type=submit]").click()
    refused = wait_for(phone, lambda d: field_error(form, f"rows.{little}.count"))
    assert refused.startswith("501 deaths, but")
    assert not MortalityEvent.objects.exists() and not FeedingEvent.objects.exists()
    screenshot("site-refused")

    count = form.find_element("name", f"rows.{little}.count")
    count.clear()
    count.send_keys("3")
    assert field_error(form, f"rows.{little}.count") == ""
    form.find_element("css selector", "button[type=submit]").click()
    wait_for(phone, lambda d: result(form).startswith("The day's records saved."))
    assert sorted(MortalityEvent.objects.values_list("assignment_id", "count")) == sorted([(tank.pk, 7), (small.pk, 3)])
    assert sorted(FeedingEvent.objects.values_list("assignment_id", "amount_kg")) == sorted(
        [(tank.pk, Decimal("41.500")), (small.pk, Decimal("3.250"))]
    )
    assert form.find_element("name", f"rows.{little}.count").get_attribute("value") == ""  # cleared after the save
    screenshot("site-saved")
