"""The /alerts/ page: open alerts listed with their place, acknowledged by an operator (not a viewer), filters,
and the user's e-mail subscriptions saved."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.alerts.models import Alert, AlertKind, AlertSubscription
from tests.factories import ContainerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(db):
    pen = ContainerFactory(name="Pen <b>7</b>")
    now = timezone.now()
    spike = Alert.objects.create(
        kind=AlertKind.MORTALITY_SPIKE, key="m", title="300 deaths in <script>x</script>", raised_at=now,
        container=pen, site=pen.site,
    )  # fmt: skip
    parked = Alert.objects.create(kind=AlertKind.PARKED_WORK, key="p", title="parked", raised_at=now)
    old = Alert.objects.create(kind=AlertKind.PARKED_WORK, key="o", title="old one", raised_at=now, cleared_at=now)
    return spike, parked, old


def test_open_alerts_are_listed_escaped_with_the_menus_count(user_client, alerts):
    page = user_client.get("/alerts/").content.decode()
    assert "300 deaths in &lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    assert "Pen &lt;b&gt;7&lt;/b&gt;" in page
    assert "parked" in page and "old one" not in page
    assert '/alerts/">Alerts <span class="badge text-bg-warning">2</span>' in page  # the menu's count
    assert "Acknowledge</button>" not in page  # a viewer cannot
    assert "old one" in user_client.get("/alerts/", {"state": "all"}).content.decode()
    only = user_client.get("/alerts/", {"kind": "parked_work"}).content.decode()
    assert "parked" in only and "300 deaths" not in only


def test_an_operator_acknowledges_and_a_viewer_cannot(client, user_client, alerts, django_user_model):
    spike = alerts[0]
    user_client.post(f"/alerts/{spike.pk}/acknowledge/")
    spike.refresh_from_db()
    assert spike.acknowledged_at is None
    operator = django_user_model.objects.create_user("op", password="pw-long-enough")
    operator.groups.add(Group.objects.get_or_create(name="operator")[0])
    client.force_login(operator)
    response = client.post(f"/alerts/{spike.pk}/acknowledge/")
    assert response.status_code == 302
    spike.refresh_from_db()
    assert spike.acknowledged_by == operator
    assert "300 deaths" not in client.get("/alerts/").content.decode()
    assert client.post("/alerts/999999/acknowledge/").status_code == 404
    assert client.get(f"/alerts/{spike.pk}/acknowledge/").status_code == 405


def test_subscriptions_are_saved_per_kind(user_client):
    user_client.post(
        "/alerts/subscriptions/",
        {
            "delivery-mortality_spike": "digest",
            "delivery-parked_work": "immediate",
            "delivery-needs_planning": "nonsense",
        },
    )
    assert dict(AlertSubscription.objects.values_list("kind", "delivery")) == {
        "mortality_spike": "digest",
        "parked_work": "immediate",
    }
    user_client.post("/alerts/subscriptions/", {"delivery-mortality_spike": ""})
    assert not AlertSubscription.objects.exists()
