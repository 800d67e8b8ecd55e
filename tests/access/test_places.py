"""Writes that name a record of another site (issue 20): a move INTO a site the user does not hold is refused,
404 when they cannot see it, 403 when they see it but hold too low a role there, the field named, nothing saved;
the same write into their own site is accepted."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from apps.planning.models import PlannedActivity

pytestmark = pytest.mark.django_db


def _superuser_client(django_user_model) -> APIClient:
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_superuser("root", "r@example.com", "pw-long-enough"))
    return client


#: (route, a row of site A to copy, the field that names a place, that place at site B, at site A)
CASES = {
    "containers into a site": ("infrastructure/containers", lambda f: f.a.tanks[0], "site", lambda f: f.b.site, None),
    "an assignment's container": (
        "batch/assignments", lambda f: f.a.dest, "container", lambda f: f.b.tanks[0], lambda f: f.a.tanks[0]
    ),
    "a sample's assignment": (
        "batch/growth-samples", lambda f: f.a.source.growth_samples.get(), "assignment", lambda f: f.b.source, None
    ),
    "a transfer's destination": (
        "batch/transfers", lambda f: f.a.transfer, "dest_assignment", lambda f: f.b.dest, None
    ),
    "a reading's container": (
        "environmental/readings", lambda f: f.a.tanks[0].readings.get(), "container", lambda f: f.b.tanks[1],
        lambda f: f.a.tanks[1],
    ),
    "a planned activity's container": (
        "planning/activities", lambda f: f.a.activity, "container", lambda f: f.b.tanks[1], lambda f: f.a.tanks[1]
    ),
    "a scenario's batch": ("scenario/scenarios", lambda f: f.a.scenario, "batch", lambda f: f.b.batch, None),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_a_write_naming_another_sites_record_is_refused_and_saves_nothing(farms, api, django_user_model, case):
    prefix, row_of, field, other_place, own_place = CASES[case]
    row = row_of(farms)
    body = _superuser_client(django_user_model).get(f"/api/v1/{prefix}/{row.pk}/").json()
    body[field] = other_place(farms).pk
    model = type(row)
    count = model.objects.count()
    for name, status in (("alice", 404), ("carol", 403)):
        answer = api(name).post(f"/api/v1/{prefix}/", body, format="json")
        assert answer.status_code == status, (name, answer.content[:300])
        assert [e["field"] for e in answer.json()["errors"]] == [field]
        assert answer.json()["errors"][0]["code"] == "out_of_scope"
        # moving one's own row there is refused alike, and the row keeps its place
        moved = api(name).patch(f"/api/v1/{prefix}/{row.pk}/", {field: body[field]}, format="json")
        assert moved.status_code == status, (name, moved.content[:300])
    assert model.objects.count() == count
    row.refresh_from_db()
    assert getattr(row, f"{field}_id") != other_place(farms).pk
    if own_place is not None:  # the same move within the user's own site is accepted
        moved = api("carol").patch(f"/api/v1/{prefix}/{row.pk}/", {field: own_place(farms).pk}, format="json")
        assert moved.status_code == 200, moved.content[:300]


def test_completing_a_transfer_into_another_sites_container_is_refused(farms, api):
    activity = PlannedActivity.objects.create(
        activity_type=PlannedActivity.Type.TRANSFER,
        batch=farms.a.batch,
        assignment=farms.a.dest,
        due_date=dt.date.today(),
    )
    body = {"completed_date": dt.date.today().isoformat(), "container": farms.b.tanks[0].pk, "transferred_count": 100}
    for name, status in (("alice", 404), ("carol", 403)):
        answer = api(name).post(f"/api/v1/planning/activities/{activity.pk}/complete/", body, format="json")
        assert answer.status_code == status, (name, answer.content[:300])
        assert [e["field"] for e in answer.json()["errors"]] == ["container"]
    activity.refresh_from_db()
    assert activity.status == PlannedActivity.Status.PLANNED
    assert farms.b.tanks[0].assignments.count() == 1  # no assignment was opened there


def test_only_a_user_holding_all_sites_creates_a_site(farms, api, users):
    from apps.access.models import SiteGrant

    assert api("alice").post("/api/v1/infrastructure/sites/", {"name": "New", "kind": "SEA"}).status_code == 403
    SiteGrant.objects.create(user=users["alice"], all_sites=True, role="manager")
    assert api("alice").post("/api/v1/infrastructure/sites/", {"name": "New", "kind": "SEA"}).status_code == 201
