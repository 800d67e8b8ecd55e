"""A staff user's role means the same in the admin as in the API."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.batch.models import GrowthSample
from tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def staff(django_user_model, role: str | None):
    user = django_user_model.objects.create_user(f"staff-{role}", password="a-long-password", is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def sample_form(assignment) -> dict:
    day = assignment.assignment_date + dt.timedelta(days=3)
    return {
        "assignment": assignment.pk,
        "sample_date": day.isoformat(),
        "sample_size": 30,
        "avg_weight_g": "120.00",
        "notes": "",
        "casts-TOTAL_FORMS": 0,  # the casts inline (issue 21), left empty: the sample is its own cast
        "casts-INITIAL_FORMS": 0,
    }


def test_an_operator_records_a_sample_in_the_admin_but_may_not_add_a_batch(client, django_user_model, salmon):
    assignment = AssignmentFactory()
    client.force_login(staff(django_user_model, "operator"))
    assert client.get(reverse("admin:batch_batch_changelist")).status_code == 200  # may read
    assert client.post(reverse("admin:batch_growthsample_add"), sample_form(assignment)).status_code == 302
    assert GrowthSample.objects.filter(assignment=assignment).count() == 1
    assert client.get(reverse("admin:batch_batch_add")).status_code == 403
    assert client.get(reverse("admin:batch_actualdailyassignmentstate_changelist")).status_code == 200


def test_a_viewer_reads_but_records_nothing_in_the_admin(client, django_user_model, salmon):
    assignment = AssignmentFactory()
    client.force_login(staff(django_user_model, "viewer"))
    assert client.get(reverse("admin:batch_growthsample_changelist")).status_code == 200
    assert client.post(reverse("admin:batch_growthsample_add"), sample_form(assignment)).status_code == 403
    assert not GrowthSample.objects.exists()


def test_a_manager_adds_a_batch_and_a_staff_user_without_a_role_sees_nothing(client, django_user_model, salmon):
    client.force_login(staff(django_user_model, "manager"))
    assert client.get(reverse("admin:batch_batch_add")).status_code == 200
    assert client.get(reverse("admin:batch_species_add")).status_code == 403  # reference data: admin role
    client.force_login(staff(django_user_model, None))
    assert client.get(reverse("admin:batch_batch_changelist")).status_code == 403


def test_the_admin_role_writes_reference_data_but_no_computed_rows():
    codenames = set(Group.objects.get(name="admin").permissions.values_list("codename", flat=True))
    assert {
        "add_species",
        "change_environmentalparameter",
        "delete_growthsample",
        "change_failedrecompute",
    } <= codenames
    assert not codenames & {"change_actualdailyassignmentstate", "delete_recomputemarker", "add_recomputerun"}
    assert "view_actualdailyassignmentstate" in codenames
