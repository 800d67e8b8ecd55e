"""An alert's whole life with a real worker and a real browser (issue 21, "Done when"): a mortality recorded on
a pen is drained by the worker, whose recompute raises the spike alert; it is e-mailed once to the subscriber
(the worker's file mail backend: one file per message); it appears on /alerts/ with the menu's count; an operator
acknowledges it there and it leaves the list; a later recompute of the batch raises nothing again."""

from django.contrib.auth.models import Group
from django.utils import timezone

from apps.access.models import SiteGrant
from apps.alerts.models import Alert, AlertKind, AlertSubscription
from tests.factories import MortalityEventFactory
from tests.integration.test_growth_page_browser import (  # noqa: F401 (fixtures)
    PASSWORD,
    browser,
    log_in,
    pytestmark,
    screenshot,
    wait_for,
)
from tests.planning.farms import open_tank


def mails(workers) -> list[str]:
    folder = workers.log_dir / "mail"
    return [p.read_text() for p in sorted(folder.glob("*.log"))] if folder.exists() else []


def test_a_spike_is_raised_by_the_worker_mailed_once_listed_and_acknowledged(
    live_server, browser, drain, workers, django_user_model, screenshot
):
    before = len(mails(workers))
    scenario, tank = open_tank(days_ago=30)
    drain()
    farmer = django_user_model.objects.create_user("farmer", password=PASSWORD, email="farmer@farm.example")
    farmer.groups.add(Group.objects.get_or_create(name="operator")[0])
    # The worker is its own process without the test settings (no ungranted-sees-all): the farmer is granted the
    # sites as a real subscriber is, or the worker rightly mails nobody.
    SiteGrant.objects.create(user=farmer, all_sites=True, role=SiteGrant.RoleName.OPERATOR)
    AlertSubscription.objects.create(user=farmer, kind=AlertKind.MORTALITY_SPIKE)

    MortalityEventFactory(assignment=tank, event_date=timezone.localdate(), count=300)  # 3 % of the pen
    drain()
    spike = Alert.objects.get(kind=AlertKind.MORTALITY_SPIKE)
    assert spike.day == timezone.localdate() and spike.container_id == tank.container_id
    sent = mails(workers)[before:]
    assert len(sent) == 1, workers.logs()
    assert "farmer@farm.example" in sent[0] and "300 deaths in" in sent[0]

    log_in(browser, f"{live_server.url}/alerts/")
    row = wait_for(browser, lambda d: d.find_elements("css selector", f"tr[data-alert='{spike.pk}']"))[0]
    assert "300 deaths in" in row.text
    assert int(browser.find_element("css selector", "nav a[href='/alerts/'] .badge").get_attribute("textContent")) >= 1
    screenshot("listed")
    row.find_element("css selector", "button[type=submit]").click()
    wait_for(browser, lambda d: not d.find_elements("css selector", f"tr[data-alert='{spike.pk}']"))
    screenshot("acknowledged")
    spike.refresh_from_db()
    assert spike.acknowledged_by_id == farmer.pk

    MortalityEventFactory(assignment=tank, event_date=timezone.localdate(), count=1)  # the batch recomputed again
    drain()
    assert Alert.objects.filter(kind=AlertKind.MORTALITY_SPIKE).count() == 1
    assert len(mails(workers)) - before == 1
