"""The alerts API: the list with its states, acknowledge by operators, each user's own subscriptions."""

import pytest
from django.utils import timezone

from apps.alerts.models import Alert, AlertKind, AlertSubscription

pytestmark = pytest.mark.django_db


def alert(key: str, **extra) -> Alert:
    return Alert.objects.create(
        kind=AlertKind.PARKED_WORK, key=key, title=f"alert {key}", raised_at=timezone.now(), **extra
    )


def test_the_list_by_state_and_acknowledge_by_an_operator(operator, viewer):
    standing, cleared = alert("a"), alert("b", cleared_at=timezone.now())
    listed = viewer.get("/api/v1/alerts/alerts/", {"state": "open"}).json()["results"]
    assert [a["id"] for a in listed] == [standing.pk]
    assert listed[0]["needs_attention"] is True
    every = viewer.get("/api/v1/alerts/alerts/").json()["results"]
    assert {a["id"] for a in every} == {standing.pk, cleared.pk}

    refused = viewer.post(f"/api/v1/alerts/alerts/{standing.pk}/acknowledge/")
    assert refused.status_code == 403
    done = operator.post(f"/api/v1/alerts/alerts/{standing.pk}/acknowledge/")
    assert done.status_code == 200
    assert done.json()["needs_attention"] is False and done.json()["acknowledged_by"].startswith("operator-")
    assert viewer.get("/api/v1/alerts/alerts/", {"state": "open"}).json()["results"] == []
    assert viewer.get("/api/v1/alerts/alerts/", {"state": "soon"}).status_code == 400


def test_subscriptions_are_each_users_own(client_as):
    anna, bo = client_as("viewer"), client_as("viewer")
    made = anna.post("/api/v1/alerts/subscriptions/", {"kind": "mortality_spike", "delivery": "digest"}, format="json")
    assert made.status_code == 201, made.json()
    again = anna.post("/api/v1/alerts/subscriptions/", {"kind": "mortality_spike"}, format="json")
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "kind"
    assert bo.get("/api/v1/alerts/subscriptions/").json()["results"] == []
    assert bo.get(f"/api/v1/alerts/subscriptions/{made.json()['id']}/").status_code == 404
    assert (
        anna.patch(
            f"/api/v1/alerts/subscriptions/{made.json()['id']}/", {"delivery": "immediate"}, format="json"
        ).status_code
        == 200
    )
    assert AlertSubscription.objects.get().delivery == "immediate"
