"""Hostile names on every page, in a real headless Chromium against the live server, with a real worker: a site, two
containers, a batch, its scenario and a planned activity's notes are markup (an ``<img onerror>`` and a
``<script>``), and every page shows them as literal text — the overview, the site page, the container page, the
growth page drilled down to each container with every chart tooltip and marker hovered, the plan and segment tables,
the quick entry's messages, the admin's change lists and a change form, Swagger UI and the browsable API. No script
of theirs runs, no element of theirs is created, every page carries the Content-Security-Policy (each page's address
fetched again from the page, for its headers), and no page breaks it: the test collects the browser's
``securitypolicyviolation`` events from each document's first moment, and the report endpoint's log.

The last test is the detector's own check: markup forced into a page by the test is stopped by the policy, seen by
the listener and reported to /csp-report/, which logs it."""

import datetime as dt
import json
import logging
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from tests.integration.test_growth_page_browser import (  # noqa: F401 (fixtures)
    PASSWORD,
    browser,
    chart,
    log_in,
    pytestmark,
    screenshot,
    wait_for,
)

HOSTILE = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=2</script>"

# every document's CSP violations, from its first moment (added through DevTools, so the policy does not apply to it)
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(
  {directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample}));
"""
# what a page has let through: the flag the hostile markup would set, the elements it would have created, the violations
PROBE = """
const made = [...document.querySelectorAll('img[src="x"], script')].filter(e => e.tagName === "IMG" || e.textContent.includes("__xss"));
return {xss: window.__xss === undefined ? null : window.__xss, made: made.length, csp: window.__csp || null};
"""


@pytest.fixture
def hostile_farm(drain, django_user_model):
    """A batch numbered HOSTILE placed 59 days ago in container HOSTILE (site HOSTILE), moved on day 30 into container
    SCRIPT (fish there today), with a treatment there, a growth sample, a third container harvested on day 40, a scenario
    and a planned activity whose notes are both kinds of markup. Returns (scenario, source, destination, harvested); the
    user is a superuser in the operator group."""
    from apps.planning.models import PlannedActivity
    from tests.factories import (
        AssignmentFactory,
        ContainerFactory,
        GrowthSampleFactory,
        ScenarioFactory,
        SiteFactory,
        TemperatureProfileFactory,
        TGCModelFactory,
        TransferFactory,
        TreatmentFactory,
        stage,
    )

    today = timezone.localdate()
    start, move = today - dt.timedelta(days=59), today - dt.timedelta(days=29)
    profile = TemperatureProfileFactory(days={1: 8.0, 365: 12.0})
    scenario = ScenarioFactory(
        name=f"{HOSTILE} {SCRIPT}",
        tgc_model=TGCModelFactory(profile=profile),
        batch__batch_number=HOSTILE,
        batch__start_date=start,
    )
    site = SiteFactory(name=HOSTILE)
    smolt = stage("Smolt")
    source = AssignmentFactory(
        batch=scenario.batch,
        container=ContainerFactory(site=site, name=HOSTILE),
        assignment_date=start,
        departure_date=move,
        lifecycle_stage=smolt,
    )
    dest = AssignmentFactory(
        batch=scenario.batch,
        container=ContainerFactory(site=site, name=SCRIPT),
        assignment_date=move,
        placement_count=None,
        placement_avg_weight_g=None,
        lifecycle_stage=smolt,
    )
    harvested = AssignmentFactory(
        batch=scenario.batch,
        container=ContainerFactory(site=site, name=f"{HOSTILE} 2"),
        assignment_date=start,
        departure_date=start + dt.timedelta(days=40),
        placement_count=1_000,
        lifecycle_stage=smolt,
    )
    TransferFactory(source_assignment=source, dest_assignment=dest, actual_execution_date=move, transferred_count=9_000)
    TreatmentFactory(assignment=dest, treatment_date=move + dt.timedelta(days=5))
    GrowthSampleFactory(assignment=source, sample_date=start + dt.timedelta(days=10), avg_weight_g=Decimal("115.00"))
    PlannedActivity.objects.create(
        batch=scenario.batch,
        activity_type="HARVEST",
        assignment=dest,
        due_date=today + dt.timedelta(days=30),
        notes=f"{HOSTILE} {SCRIPT}",
    )
    drain()
    user = django_user_model.objects.create_superuser("farmer", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return scenario, source, dest, harvested


@pytest.fixture
def watched(browser):
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_VIOLATIONS})
    return browser


@pytest.fixture
def csp_log(caplog):
    """The report endpoint's log lines (the live server runs in this process)."""
    caplog.set_level(logging.WARNING, logger="aquamind.csp")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "aquamind.csp"]


class Pages:
    """Visits pages in the watched browser and asserts after each that nothing hostile ran or was created and that
    the page broke no rule of the policy."""

    def __init__(self, browser, live_server):
        self.browser, self.url = browser, live_server.url

    def probe(self) -> dict:
        return self.browser.execute_script(PROBE)

    def assert_clean(self, where: str) -> None:
        found = self.probe()
        assert found == {"xss": None, "made": 0, "csp": []}, f"{where}: {found}"
        # the page's own response carried the policy (read again: WebDriver does not show response headers)
        policy = self.browser.execute_async_script(
            "(window.__realFetch || fetch)(location.href, {credentials: 'same-origin'})"
            ".then(r => arguments[0](r.headers.get('Content-Security-Policy')));"
        )
        assert policy and "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy, (
            f"{where}: {policy}"
        )

    def visit(self, path: str, ready=None) -> str:
        self.browser.get(self.url + path)
        if ready:
            try:
                wait_for(self.browser, ready)
            except Exception:
                pytest.fail(f"{path} did not finish loading: {self.probe()}")
        self.assert_clean(path)
        return self.browser.find_element("tag name", "body").text


CHECK = """
const c = window.aquamindChart.chart, tip = [...c.getDom().children].find(d => d.domBelongToZr);
return {xss: window.__xss === undefined ? null : window.__xss, made: document.querySelectorAll('img[src="x"]').length,
        csp: window.__csp, text: tip && tip.style.display !== "none" ? tip.textContent : null};
"""


def hover_everything(browser) -> list[str]:
    """Shows the chart's axis tooltip on every day of the main series (ECharts' showTip), then moves the mouse onto
    every marker's line; returns each tooltip's text. After each, the page must hold nothing hostile."""
    from selenium.webdriver.common.action_chains import ActionChains

    texts, problems = [], []

    def check(what: str) -> None:
        found = browser.execute_script(CHECK)
        texts.append(found.pop("text") or "")
        if found != {"xss": None, "made": 0, "csp": []}:
            problems.append((what, found))

    days = browser.execute_script(
        "return window.aquamindChart.chart.getOption().series.find(s => s.id === 'actual').data.length;"
    )
    for i in range(days):
        browser.execute_script(
            "window.aquamindChart.chart.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: arguments[0]});", i
        )
        check(f"day {i}")
    markers = browser.execute_script(
        """
        const c = window.aquamindChart.chart, o = c.getOption(), dom = c.getDom();
        const grid = c.getModel().getComponent("grid", 0).coordinateSystem.getRect();
        return o.series.find(s => s.id === "events").markLine.data.map(m => ({name: m.name,
          x: c.convertToPixel({xAxisIndex: 0}, m.xAxis) + dom.clientLeft - dom.offsetWidth / 2,
          y: grid.y + grid.height / 2 + dom.clientTop - dom.offsetHeight / 2}));
        """
    )
    plot = browser.find_element("id", "chart")
    for m in markers:  # offsets from the chart's centre, as WebDriver counts them
        ActionChains(browser).move_to_element_with_offset(plot, round(m["x"]), round(m["y"])).perform()
        check(f"marker {m['name']}")
        ActionChains(browser).move_to_element_with_offset(plot, 0, 0).perform()
    assert not problems, problems
    return texts


def tips_naming(browser, text: str) -> list[str] | None:
    """Every tooltip of the chart (``hover_everything``) once one of them holds ``text``; None before."""
    tips = hover_everything(browser)
    return tips if any(text in t for t in tips) else None


def test_hostile_names_are_text_on_every_page_and_no_page_breaks_the_policy(
    live_server, watched, hostile_farm, csp_log, screenshot
):
    from selenium.webdriver.support.ui import Select

    from apps.planning.models import PlannedActivity

    scenario, source, dest, harvested = hostile_farm
    browser, pages = watched, Pages(watched, live_server)
    log_in(browser, f"{live_server.url}/")
    pages.assert_clean("login → overview")
    text = browser.find_element("tag name", "body").text
    assert HOSTILE in text  # the overview lists sites: the site's name, literal text
    screenshot("overview")

    # the site page (the overview's site link): its containers holding fish and their batch, literal text
    browser.find_element("css selector", f"tr[data-site='{dest.container.site_id}'] a").click()
    wait_for(browser, lambda d: d.current_url.endswith(f"/sites/{dest.container.site_id}/"))
    text = pages.visit(f"/sites/{dest.container.site_id}/")
    assert f"{HOSTILE}\n" in text and SCRIPT in text  # the site's heading, the container, the batch
    row = browser.find_element("css selector", f"tr[data-assignment='{dest.pk}']").text
    assert row.startswith(f"{SCRIPT} {HOSTILE}")  # the container, then its batch
    screenshot("site")

    # the container page: its chart (the held batch, drilled down to this container) with every tooltip and marker
    text = pages.visit(f"/containers/{dest.container_id}/", ready=lambda d: (c := chart(d)) and c["actual"])
    assert f"{SCRIPT} — {HOSTILE}" in text  # "container — site"
    tips = hover_everything(browser)
    assert any(f"{SCRIPT}: " in t for t in tips)  # the container's own line in the drill-down's tooltip
    pages.assert_clean("container page, hovered")

    # the growth page: the whole batch, then each container drilled down
    text = pages.visit(
        f"/batches/{scenario.batch_id}/growth/", ready=lambda d: (c := chart(d)) and c["actual"] and c["markers"] >= 3
    )
    assert f"{HOSTILE} — growth analysis" in text
    tips = hover_everything(browser)
    marker_tips = tips[-3:]  # the mouse on each marker: the day's tooltip names its event
    assert f"Transfer 9,000 fish {HOSTILE} ({HOSTILE}) → {SCRIPT} ({HOSTILE})" in marker_tips[0]
    assert f"Treatment: Vaccination ({SCRIPT})" in marker_tips[1]
    assert f"Harvest / end in {HOSTILE} 2" in marker_tips[2]
    own = browser.execute_script(  # a marker's own item tooltip: text only
        "const s = window.aquamindChart.chart.getOption().series.find(s => s.id === 'events'), m = s.markLine.data[0];"
        "const node = s.markLine.tooltip.formatter({data: m, name: m.name}); return [node.childElementCount, node.textContent];"
    )
    assert own[0] == 0 and own[1].endswith(f"Transfer 9,000 fish {HOSTILE} ({HOSTILE}) → {SCRIPT} ({HOSTILE})")
    for assignment in (source, dest, harvested):
        Select(browser.find_element("id", "assignment")).select_by_value(str(assignment.pk))
        first = assignment.assignment_date.isoformat()
        wait_for(browser, lambda d, first=first: (c := chart(d))["xMin"] == first and c["actual"])
        # the drill-down's series replace the batch's in more than one step: hover until the tooltip is the
        # container's own (a loaded machine can show the batch's series a moment longer)
        own = f"{assignment.container.name}: "
        tips = wait_for(browser, lambda d, own=own: tips_naming(d, own), 60)
        assert any(own in t for t in tips), assignment.container.name
    screenshot("growth-drilled-down")
    options = [o.text for o in Select(browser.find_element("id", "assignment")).options]
    assert any(o.startswith(f"{SCRIPT} · {HOSTILE}") for o in options)  # the chart's select, filled by growth.js

    # the segment table (the whole batch again) and the plan (the activity's notes), filled by segments.js and plan.js
    Select(browser.find_element("id", "assignment")).select_by_value("")
    segments = wait_for(
        browser,
        lambda d: {r[0] for r in d.execute_script("return window.aquamindSegments.rows();")} == {HOSTILE, SCRIPT},
    )
    assert segments
    # read in one script call: plan.js reads the plan again after each new growth data and replaces the rows, so an
    # element found a moment earlier may be gone (stale) on a loaded machine
    notes = wait_for(
        browser,
        lambda d: d.execute_script(
            "return [...document.querySelectorAll('#plan-activities tbody tr')].map(r => r.textContent);"
        ),
    )
    assert f"{HOSTILE} {SCRIPT}" in notes[0]
    summary = wait_for(
        browser, lambda d: d.execute_script("return document.querySelector('#plan-summary tbody').textContent;")
    )
    assert summary.startswith(f"{SCRIPT} · {HOSTILE}")
    pages.assert_clean("segments and plan")

    # the quick entry's messages: the API's sentences (here, hostile ones, answered in place of the API's) are text,
    # each under the field it names (a field name with quotes in it finds none) and in the form's result line
    form = browser.find_element("id", "form-sample")
    browser.execute_script(
        """window.__realFetch = window.fetch; window.fetch = async () => new Response(JSON.stringify({errors: [
             {field: "sample_size", code: "invalid", detail: arguments[0]},
             {field: 'x"] , img[src=x', code: "invalid", detail: arguments[1]}]}), {status: 400});""",
        HOSTILE,
        SCRIPT,
    )
    form.find_element("name", "sample_size").send_keys("30")
    form.find_element("name", "avg_weight_g").send_keys("150")
    form.find_element("css selector", "button[type=submit]").click()
    result = wait_for(browser, lambda d: (t := form.find_element("css selector", ".result").text) and t)
    assert result == f"Not saved. Fish weighed: {HOSTILE} {SCRIPT}"
    assert form.find_element("css selector", '.field-error[data-field="sample_size"]').text == HOSTILE
    pages.assert_clean("quick entry messages")
    screenshot("quick-entry-messages")

    # the admin's change lists and a change form
    for path in (
        "/admin/infrastructure/site/", "/admin/infrastructure/container/", "/admin/batch/batch/", "/admin/scenario/scenario/",
        "/admin/planning/plannedactivity/", "/admin/batch/batchcontainerassignment/",
    ):  # fmt: skip
        assert HOSTILE in pages.visit(path, ready=lambda d: d.find_elements("id", "result_list")), path
    activity = PlannedActivity.objects.get()  # a change form, with its autocomplete widgets
    pages.visit(
        f"/admin/planning/plannedactivity/{activity.pk}/change/",
        ready=lambda d: d.find_elements("css selector", ".select2"),
    )
    assert browser.find_element("name", "notes").get_attribute("value") == f"{HOSTILE} {SCRIPT}"
    # django-celery-beat's periodic task form, its script as a file: the chosen crontab in words under the field
    from django_celery_beat.models import CrontabSchedule

    crontab = CrontabSchedule.objects.create(minute="30", hour="3")
    pages.visit("/admin/django_celery_beat/periodictask/add/", ready=lambda d: d.find_elements("id", "id_crontab"))
    Select(browser.find_element("id", "id_crontab")).select_by_value(str(crontab.pk))
    help_text = wait_for(
        browser,
        lambda d: (t := d.find_element("css selector", ".field-crontab .help").text) and "Translation" in t and t,
    )
    assert help_text.endswith(f"Translation: {crontab.human_readable}")
    pages.assert_clean("periodic task form")
    screenshot("admin")

    # the API's documentation pages, their assets from this server
    text = pages.visit("/api/docs/", ready=lambda d: d.find_elements("css selector", ".swagger-ui .opblock"))
    assert "AquaMind API" in text
    screenshot("swagger")
    # the browsable API: its root, a list with filters, a batch with its extra actions (the JSON escaped)
    pages.visit("/api/v1/", ready=lambda d: d.find_elements("css selector", ".response-info"))
    for path in ("/api/v1/batch/batches/", f"/api/v1/batch/batches/{scenario.batch_id}/"):
        assert HOSTILE.replace('"', '\\"') in pages.visit(
            path, ready=lambda d: d.find_elements("css selector", ".response-info")
        ), path
    assert browser.find_elements("css selector", "#extra-actions-menu")

    assert csp_log() == []  # nor did any report reach the endpoint


def test_a_page_that_breaks_the_policy_is_seen_and_reported(live_server, watched, hostile_farm, csp_log):
    browser = watched
    log_in(browser, f"{live_server.url}/")
    wait_for(browser, lambda d: d.find_elements("css selector", "table.sites"))
    # what a bug in a page script would do: markup with an inline handler into the page
    browser.execute_script("document.querySelector('main').insertAdjacentHTML('beforeend', arguments[0]);", HOSTILE)
    seen = wait_for(browser, lambda d: d.execute_script("return window.__csp.length ? window.__csp : null;"))
    assert [v["directive"] for v in seen] == ["script-src-attr"]
    assert browser.execute_script("return window.__xss === undefined;")  # stopped by the policy
    logged = wait_for(browser, lambda d: csp_log())  # the browser's report, to the policy's report-uri
    violation = json.loads(logged[0].removeprefix("csp violation "))
    assert violation["directive"] == "script-src-attr" and violation["document"].startswith(live_server.url)
