"""Planned activities in the API: CRUD by role, validation naming the field, overdue and variance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.api.permissions import Role
from apps.api.roles import role_permissions
from apps.planning.models import PlannedActivity
from tests.api.conftest import errors_by_field
from tests.factories import AssignmentFactory, ContainerFactory
from tests.planning.farms import open_tank

URL = "/api/v1/planning/activities/"
pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def tank(salmon):
    return open_tank()[1]


def sampling(tank, **extra) -> dict:
    return {
        "activity_type": "SAMPLING",
        "batch": tank.batch_id,
        "assignment": tank.pk,
        "due_date": str(today() + dt.timedelta(days=7)),
        **extra,
    }


def test_an_operator_plans_a_sampling_and_reads_it_with_its_display_fields(operator, tank):
    response = operator.post(URL, sampling(tank, notes="weigh 100 fish"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "PLANNED" and body["completed_date"] is None
    assert body["batch_number"] == tank.batch.batch_number
    assert (
        body["assignment_label"] == f"{tank.container.name} · {tank.container.site.name} · {tank.assignment_date} → now"
    )
    assert body["is_overdue"] is False and body["variance_days"] is None
    assert body["created_by"] is not None and body["template"] is None
    assert operator.get(f"{URL}{body['id']}/").json()["assignment_label"] == body["assignment_label"]


def test_viewers_only_read_operators_write_and_only_managers_delete(client_as, tank):
    viewer, operator, manager = client_as("viewer"), client_as("operator"), client_as("manager")
    assert viewer.post(URL, sampling(tank), format="json").status_code == 403
    pk = operator.post(URL, sampling(tank), format="json").json()["id"]
    assert viewer.get(URL).json()["count"] == 1
    assert operator.patch(f"{URL}{pk}/", {"notes": "moved"}, format="json").status_code == 200
    response = operator.delete(f"{URL}{pk}/")
    assert response.status_code == 403 and response.json()["errors"][0]["detail"] == "This needs the manager role."
    assert manager.delete(f"{URL}{pk}/").status_code == 204
    assert not PlannedActivity.objects.exists()


def test_the_admin_permissions_follow_the_api_roles():
    permissions = role_permissions()
    assert {("planning", "add_plannedactivity"), ("planning", "change_plannedactivity")} <= permissions[Role.OPERATOR]
    assert ("planning", "delete_plannedactivity") not in permissions[Role.OPERATOR]
    assert ("planning", "delete_plannedactivity") in permissions[Role.MANAGER]
    assert ("planning", "add_activitytemplate") not in permissions[Role.OPERATOR]
    assert ("planning", "add_activitytemplate") in permissions[Role.MANAGER]
    assert ("planning", "view_activitytemplate") in permissions[Role.VIEWER]


@pytest.mark.parametrize(
    "change, field, code",
    [
        ({"status": "COMPLETED"}, "status", "invalid_transition"),
        ({"status": "CANCELLED"}, "status", "invalid_transition"),
        ({"activity_type": "TRANSFER"}, "container", "required"),
        ({"activity_type": "HARVEST", "assignment": None}, "assignment", "required"),
        ({"due_date": "2024-13-01"}, "due_date", "invalid"),
        ({"activity_type": "WEIGHING"}, "activity_type", "invalid_choice"),
    ],
)
def test_a_bad_activity_is_refused_naming_the_field_and_nothing_is_saved(operator, tank, change, field, code):
    response = operator.post(URL, sampling(tank, **change), format="json")
    assert response.status_code == 400
    assert errors_by_field(response) == {field: code}
    assert not PlannedActivity.objects.exists()


def test_the_assignment_must_belong_to_the_batch(operator, tank, salmon):
    other = AssignmentFactory()
    response = operator.post(URL, sampling(tank, assignment=other.pk), format="json")
    assert errors_by_field(response) == {"assignment": "other_batch"}


def test_a_transfer_needs_a_destination_other_than_its_source(operator, tank):
    response = operator.post(URL, sampling(tank, activity_type="TRANSFER", container=tank.container_id), format="json")
    assert errors_by_field(response) == {"container": "same_container"}
    destination = ContainerFactory()
    response = operator.post(URL, sampling(tank, activity_type="TRANSFER", container=destination.pk), format="json")
    assert (
        response.status_code == 201
        and response.json()["container_label"] == f"{destination.name} · {destination.site.name}"
    )


def test_a_container_without_an_assignment_is_enough_for_a_sampling(operator, tank):
    response = operator.post(URL, sampling(tank, assignment=None, container=tank.container_id), format="json")
    assert response.status_code == 201 and response.json()["assignment_label"] is None


def test_an_activity_may_not_be_set_completed_except_by_completing_it(operator, tank):
    pk = operator.post(URL, sampling(tank), format="json").json()["id"]
    response = operator.patch(f"{URL}{pk}/", {"status": "COMPLETED"}, format="json")
    assert errors_by_field(response) == {"status": "use_complete_action"}
    assert operator.patch(f"{URL}{pk}/", {"status": "IN_PROGRESS"}, format="json").json()["status"] == "IN_PROGRESS"
    assert PlannedActivity.objects.get().completed_date is None


def test_a_cancelled_activity_is_final_except_for_its_notes(operator, tank):
    pk = operator.post(URL, sampling(tank), format="json").json()["id"]
    assert operator.patch(f"{URL}{pk}/", {"status": "CANCELLED"}, format="json").status_code == 200
    assert errors_by_field(operator.patch(f"{URL}{pk}/", {"status": "PLANNED"}, format="json")) == {"status": "final"}
    assert errors_by_field(operator.patch(f"{URL}{pk}/", {"due_date": str(today())}, format="json")) == {
        "due_date": "final"
    }
    assert operator.patch(f"{URL}{pk}/", {"notes": "weather"}, format="json").json()["notes"] == "weather"
    assert PlannedActivity.objects.get().status == "CANCELLED"


def test_an_open_activity_due_before_today_is_overdue(operator, tank):
    late = operator.post(URL, sampling(tank, due_date=str(today() - dt.timedelta(days=1))), format="json").json()
    due_today = operator.post(URL, sampling(tank, due_date=str(today())), format="json").json()
    cancelled = operator.post(URL, sampling(tank, due_date=str(today() - dt.timedelta(days=3))), format="json").json()
    operator.patch(f"{URL}{cancelled['id']}/", {"status": "CANCELLED"}, format="json")
    assert late["is_overdue"] is True and due_today["is_overdue"] is False
    assert [a["id"] for a in operator.get(URL, {"overdue": "true"}).json()["results"]] == [late["id"]]
    assert {a["id"] for a in operator.get(URL, {"overdue": "false"}).json()["results"]} == {
        due_today["id"],
        cancelled["id"],
    }


def test_overdue_is_judged_by_the_farms_day(settings, operator, tank):
    # at the same instant, UTC+14 is always a day or two ahead of UTC-11: what is due "today" in the west is
    # already overdue in the east
    settings.TIME_ZONE = "Pacific/Pago_Pago"
    west_today = timezone.localdate()
    pk = operator.post(URL, sampling(tank, due_date=str(west_today)), format="json").json()["id"]
    assert operator.get(f"{URL}{pk}/").json()["is_overdue"] is False
    settings.TIME_ZONE = "Pacific/Kiritimati"
    assert timezone.localdate() > west_today
    assert operator.get(f"{URL}{pk}/").json()["is_overdue"] is True


def test_the_filters_select_by_batch_type_status_container_and_due_date(operator, tank, salmon):
    _, other = open_tank()
    a = operator.post(URL, sampling(tank, due_date=str(today() + dt.timedelta(days=2))), format="json").json()["id"]
    b = operator.post(
        URL, sampling(other, activity_type="HARVEST", due_date=str(today() + dt.timedelta(days=9))), format="json"
    ).json()["id"]

    def ids(**query):
        response = operator.get(URL, query)
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert ids(batch=tank.batch_id) == [a] and ids(assignment=other.pk) == [b]
    assert ids(container=other.container_id) == [b] and ids(activity_type="HARVEST") == [b]
    assert ids(status="PLANNED") == [a, b] and ids(status="COMPLETED") == []
    assert ids(date_from=str(today() + dt.timedelta(days=3))) == [b]
    assert ids(date_to=str(today() + dt.timedelta(days=3))) == [a]
    assert errors_by_field(operator.get(URL, {"overdue": "yes"})) == {"overdue": "invalid"}


TEMPLATES = "/api/v1/planning/templates/"


def test_managers_write_templates_and_operators_read_them(client_as, salmon):
    body = {
        "name": "sea transfer",
        "activity_type": "TRANSFER",
        "trigger": "WEIGHT_THRESHOLD",
        "weight_g": 90,
        "lead_days": 14,
    }
    assert client_as("operator").post(TEMPLATES, body, format="json").status_code == 403
    response = client_as("manager").post(TEMPLATES, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["weight_g"] == 90 and response.json()["is_active"] is True
    assert client_as("operator").get(TEMPLATES, {"trigger": "WEIGHT_THRESHOLD"}).json()["count"] == 1


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"trigger": "WEIGHT_THRESHOLD"}, "weight_g", "required"),
        ({"trigger": "STAGE_TRANSITION"}, "to_stage", "required"),
        ({"trigger": "STAGE_TRANSITION", "weight_g": 90}, "to_stage", "required"),
        ({"trigger": "WEIGHT_THRESHOLD", "weight_g": 90, "lead_days": 400}, "lead_days", "max_value"),
        ({"trigger": "WEIGHT_THRESHOLD", "weight_g": 0}, "weight_g", "min_value"),
    ],
)
def test_a_template_without_its_triggers_value_is_refused(manager, salmon, body, field, code):
    response = manager.post(TEMPLATES, {"name": "t", "activity_type": "SAMPLING", **body}, format="json")
    assert errors_by_field(response) == {field: code}


def test_a_templates_stage_belongs_to_its_species(manager, salmon):
    from tests.factories import SpeciesFactory, stage

    trout = SpeciesFactory(name="Rainbow trout")
    body = {
        "name": "t",
        "activity_type": "SAMPLING",
        "trigger": "STAGE_TRANSITION",
        "to_stage": stage("Adult").pk,
        "species": trout.pk,
    }
    assert errors_by_field(manager.post(TEMPLATES, body, format="json")) == {"to_stage": "other_species"}
