"""Every page fits a phone, a tablet, a laptop and a wide screen (issue 21): in a real headless Chromium against the live
server, with a real worker's data, each page at 390, 768, 1,280 and 1,920 CSS pixels (the phone and the tablet emulated
as mobile devices, which lay a page out 980 px wide unless it has the viewport tag) has no horizontal page scroll —
``document.documentElement.scrollWidth <= window.innerWidth``; wide tables scroll inside their card instead — and breaks
no rule of the Content-Security-Policy. On the phone the menu is collapsed behind its button, which opens it
(Bootstrap's script, from this server). With ``AQUAMIND_ARTIFACTS`` set, a full-page screenshot of each page at each
width goes to that folder (never committed): 64 full-page PNGs cost about 8 s of CPU, which the default run leaves out.
The open phone menu's screenshot is always taken (the test run's temporary folder unless that variable is set)."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from tests.integration.test_growth_page_browser import (  # noqa: F401 (fixtures)
    PASSWORD,
    browser,
    chart,
    log_in,
    pytestmark,
    wait_for,
)
from tests.integration.test_page_security_browser import WATCH_VIOLATIONS

WIDTHS = (390, 768, 1280, 1920)
PHONE_LIKE = 768  # up to this width, emulated as a mobile device (the viewport tag matters there)
# what is wider than the window, when something is: the deepest such elements, for the failure's message
OVERFLOWING = """
const w = window.innerWidth, out = [];
for (const e of document.querySelectorAll("body *")) {
  const r = e.getBoundingClientRect();
  if (r.right > w + 0.5 && !e.closest(".table-responsive") && ![...e.children].some(c => c.getBoundingClientRect().right > w + 0.5))
    out.push(`${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}.${[...e.classList].join(".")} right=${Math.round(r.right)}`);
}
return out.slice(0, 10);
"""


@pytest.fixture
def young_farm(drain, django_user_model):
    """A young batch (placed 40 days ago, fish in its pen today, so a live forecast runs far past its actual days) and an
    older one in another pen; computed by a real worker. Returns (the young assignment, the older one)."""
    from tests.factories import AssignmentFactory, ScenarioFactory, temperature_parameter

    today = timezone.localdate()
    young_start, old_start = today - dt.timedelta(days=39), today - dt.timedelta(days=150)
    young = AssignmentFactory(batch=ScenarioFactory(batch__start_date=young_start).batch, assignment_date=young_start)
    old = AssignmentFactory(batch=ScenarioFactory(batch__start_date=old_start).batch, assignment_date=old_start)
    temperature_parameter()
    drain()
    user = django_user_model.objects.create_superuser("farmer", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return young, old


@pytest.fixture
def farm_records(young_farm, django_user_model):
    """What the pages added beside the design need to show something (issue 21): an alert with a long title, changes
    of a container through a page (the history triggers, PostgreSQL), a checked import job with its counts and one
    refused with a problem whose value is a long unbroken string, and this month's report of the older pen's site (its
    states computed by the worker). Returns the extra pages, name → path."""
    import pghistory

    from apps.alerts.models import Alert, AlertKind
    from apps.audit.history import kind_of
    from apps.farmio.importing import ImportResult
    from apps.farmio.models import ImportJob
    from apps.farmio.reading import Problem
    from apps.infrastructure.models import Container

    young, old = young_farm
    pen, site = old.container, old.container.site
    Alert.objects.create(
        kind=AlertKind.MORTALITY_SPIKE, key="widths", site=site, batch=old.batch, container=pen,
        title="312 deaths on " + "a very long day of a very long pen name " * 4, raised_at=timezone.now(),
        day=timezone.localdate(),
    )  # fmt: skip
    with pghistory.context(username="farmer", channel="page"):
        Container.objects.filter(pk=pen.pk).update(name=pen.name + " (renamed)")
        Container.objects.filter(pk=pen.pk).update(name=pen.name)
    farmer = django_user_model.objects.get(username="farmer")
    files = [{"name": f"{kind}.csv", "bytes": 12_345} for kind in ("sites", "containers", "batches", "mortality")]
    checked = ImportResult(dry_run=True, rows=4, counts={"sites": {"created": 1, "updated": 0, "unchanged": 3}})
    problem = Problem("mortality.csv", 3, "count", "9" * 120, "not a whole number of fish: " + "x" * 80)
    refused = ImportResult(dry_run=True, rows=2, problem_count=1, problems=[problem])
    jobs = [
        ImportJob.objects.create(created_by=farmer, status=status, folder="widths", files=files, report=r.as_dict())
        for status, r in ((ImportJob.Status.CHECKED, checked), (ImportJob.Status.INVALID, refused))
    ]
    month = timezone.localdate().strftime("%Y-%m")
    return {
        "site": f"/sites/{site.pk}/",
        "alerts": "/alerts/",
        "history-feed": f"/history/?since={timezone.localdate() - dt.timedelta(days=7):%Y-%m-%d}",
        "history-record": f"/history/{kind_of(Container)}/{pen.pk}/",
        "imports": "/imports/",
        "import-checked": f"/imports/{jobs[0].pk}/",
        "import-refused": f"/imports/{jobs[1].pk}/",
        "report-picker": "/reports/",
        "report-site-month": f"/reports/sites/{site.pk}/{month}/",
        "report-farm-month": f"/reports/{month}/",
    }


# what each of farm_records' pages shows once it is ready: its data, not an empty state
RECORD_READY = {
    "site": "table.containers tr[data-assignment]",
    "alerts": "table.alerts tr[data-alert]",
    "history-feed": "table.history tr[data-kind], span.day-words:not(:empty)",  # the From day in words (day_words.js)
    "history-record": "table.history tr[data-kind]",
    "imports": "table.imports a[href^='/imports/']",
    "import-checked": "table.counts tbody tr",
    "import-refused": "table.problems tbody tr",
    "report-picker": "#report-picker select[name=site]",
    "report-site-month": "table.report tr[data-line]",
    "report-farm-month": ".site-report table.report",
}


@pytest.fixture
def artifacts(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("AQUAMIND_ARTIFACTS") or tmp_path_factory.getbasetemp() / "screenshots") / "widths"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def set_width(browser, width: int) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width <= PHONE_LIKE},
    )


def full_page_screenshot(browser, path: Path) -> None:
    import base64

    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    path.write_bytes(base64.b64decode(shot["data"]))


def plan_loaded(d) -> bool:
    return all(
        c.text != "Loading…" for c in d.find_elements("css selector", "#plan-summary caption, #segments caption")
    )


def ready_when_shown(selectors: str):
    """Ready once something matches each of the comma-separated selectors."""
    return lambda d: all(d.find_elements("css selector", one.strip()) for one in selectors.split(","))


def test_every_page_fits_every_width_without_a_horizontal_scroll(
    live_server, browser, young_farm, farm_records, artifacts
):
    young, old = young_farm
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_VIOLATIONS})
    log_in(browser, f"{live_server.url}/")
    pages = {
        "overview": ("/", lambda d: d.find_elements("css selector", "#coming-weeks")),
        "batches": ("/batches/", lambda d: d.find_elements("css selector", "#batches tr[data-batch]")),
        "batch-growth-plan": (
            f"/batches/{young.batch_id}/growth/",
            lambda d: (c := chart(d)) and c["actual"] and c["forecast"] and plan_loaded(d),
        ),
        "container": (f"/containers/{old.container_id}/", lambda d: (c := chart(d)) and c["actual"] and plan_loaded(d)),
        "status": ("/status/", lambda d: d.find_elements("id", "parts")),
        "not-found": ("/batches/9999/growth/", lambda d: d.find_elements("css selector", ".error-page")),
    } | {name: (path, ready_when_shown(RECORD_READY[name])) for name, path in farm_records.items()}
    problems, shots, shooting = [], [], bool(os.environ.get("AQUAMIND_ARTIFACTS"))
    for width in WIDTHS:
        set_width(browser, width)
        for name, (path, ready) in pages.items():
            browser.get(live_server.url + path)
            wait_for(browser, ready, timeout=30)
            if name in ("batch-growth-plan", "container"):  # the chart follows the window's width (growth.js)
                wait_for(browser, lambda d: d.execute_script("return window.aquamindChart.chart.getWidth();") > 0)
            fit = browser.execute_script(
                "const root = document.documentElement;"
                "return {scroll: root.scrollWidth, inner: window.innerWidth, client: root.clientWidth, csp: window.__csp};"
            )
            if fit["inner"] != width:  # a page without the viewport tag is laid out 980 px wide on a phone
                problems.append(f"{name} at {width}: laid out {fit['inner']} px wide")
            # the window less its vertical scroll bar (on a laptop): a page 10 px too wide would still be under innerWidth
            if fit["scroll"] > min(fit["inner"], fit["client"]):
                wide = browser.execute_script(OVERFLOWING)
                problems.append(f"{name} at {width}: {fit['scroll']} px > {fit['client']} px; {wide}")
            if fit["csp"]:
                problems.append(f"{name} at {width}: CSP violations {fit['csp']}")
            if shooting:
                shot = artifacts / f"{name}-{width}.png"
                full_page_screenshot(browser, shot)
                shots.append(shot)
    assert problems == [], "\n".join(problems)
    if shooting:
        print(f"screenshots: {artifacts} ({len(shots)} files)")
        assert all(s.stat().st_size > 0 for s in shots) and len(shots) == len(WIDTHS) * len(pages)


def test_the_phones_menu_is_collapsed_and_its_button_opens_it(live_server, browser, young_farm, artifacts):
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_VIOLATIONS})
    set_width(browser, 390)
    log_in(browser, f"{live_server.url}/batches/")
    wait_for(browser, lambda d: d.find_elements("css selector", "#batches"))
    menu = browser.find_element("id", "main-nav")
    batches_link = menu.find_element("css selector", 'a[href="/batches/"]')
    assert not batches_link.is_displayed()
    browser.find_element("css selector", ".navbar-toggler").click()
    wait_for(browser, lambda d: batches_link.is_displayed() and "show" in menu.get_attribute("class"))
    full_page_screenshot(browser, artifacts / "menu-open-390.png")
    assert menu.find_element("css selector", 'a[href="/status/"]').is_displayed()
    assert browser.execute_script("return window.__csp;") == []  # the collapse animates through the CSSOM only
    set_width(browser, 1280)
    browser.get(f"{live_server.url}/batches/")
    assert browser.find_element("css selector", '#main-nav a[href="/batches/"]').is_displayed()  # no button needed
    assert not browser.find_element("css selector", ".navbar-toggler").is_displayed()
