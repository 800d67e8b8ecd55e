"""The planned activities' admin: the assignment label, overdue, and the same rules as the API."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.planning.models import PlannedActivity
from tests.planning.farms import open_tank

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:planning_plannedactivity_changelist")


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-long-enough"))
    return client


@pytest.fixture
def tank(salmon):
    return open_tank()[1]


def test_the_changelist_shows_the_assignment_label_and_filters_the_overdue(staff_client, tank):
    today = timezone.localdate()
    late = PlannedActivity.objects.create(
        activity_type="SAMPLING", batch=tank.batch, assignment=tank, due_date=today - dt.timedelta(days=2)
    )
    PlannedActivity.objects.create(
        activity_type="HARVEST", batch=tank.batch, assignment=tank, due_date=today + dt.timedelta(days=2)
    )
    page = staff_client.get(CHANGELIST).content.decode()
    assert str(tank) in page
    overdue = staff_client.get(CHANGELIST, {"overdue": "yes"})
    assert [a.pk for a in overdue.context["cl"].result_list] == [late.pk]


def test_the_admin_refuses_to_set_an_activity_completed(staff_client, tank):
    activity = PlannedActivity.objects.create(
        activity_type="SAMPLING", batch=tank.batch, assignment=tank, due_date=timezone.localdate()
    )
    url = reverse("admin:planning_plannedactivity_change", args=[activity.pk])
    form = {
        "activity_type": "SAMPLING",
        "batch": tank.batch_id,
        "assignment": tank.pk,
        "container": "",
        "due_date": str(activity.due_date),
        "status": "COMPLETED",
        "notes": "",
    }
    response = staff_client.post(url, form)
    assert response.status_code == 200 and "status" in response.context["adminform"].form.errors
    activity.refresh_from_db()
    assert activity.status == "PLANNED"
    response = staff_client.post(
        url, {**form, "status": "IN_PROGRESS", "due_date": str(activity.due_date + dt.timedelta(days=1))}
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.status, activity.follows_projection) == ("IN_PROGRESS", False)


def test_the_admin_refuses_a_weight_template_without_its_weight(staff_client, salmon):
    form = {
        "name": "sample",
        "activity_type": "SAMPLING",
        "trigger": "WEIGHT_THRESHOLD",
        "weight_g": "",
        "lead_days": 0,
        "is_active": "on",
        "notes": "",
    }
    response = staff_client.post(reverse("admin:planning_activitytemplate_add"), form)
    assert response.status_code == 200 and response.context["adminform"].form.errors
    response = staff_client.post(reverse("admin:planning_activitytemplate_add"), {**form, "weight_g": "500"})
    assert response.status_code == 302
