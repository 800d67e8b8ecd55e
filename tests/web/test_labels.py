"""Assignments named by container, site and dates everywhere; container filters on the admin changelists;
the API's root lists its endpoints; a command prints an assignment that holds fish today."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import AssignmentFactory, GrowthSampleFactory, MortalityEventFactory, ScenarioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-long-enough"))
    return client


def test_an_assignment_reads_container_site_and_dates(salmon):
    open_one = AssignmentFactory(
        assignment_date=dt.date(2025, 4, 10), container__name="Pen 02", container__site__name="Viðvík"
    )
    assert str(open_one) == "Pen 02 · Viðvík · 2025-04-10 → now"
    ended = AssignmentFactory(assignment_date=dt.date(2025, 4, 10), departure_date=dt.date(2025, 9, 1))
    assert str(ended).endswith("· 2025-04-10 → 2025-09-01")


def test_the_admin_lists_and_filters_by_container(staff_client, salmon):
    scenario = ScenarioFactory()
    kept = AssignmentFactory(batch=scenario.batch, container__name="Pen 07")
    other = AssignmentFactory(batch=scenario.batch, container__name="Pen 09")
    MortalityEventFactory(assignment=kept)
    MortalityEventFactory(assignment=other)
    url = reverse("admin:batch_mortalityevent_changelist")
    page = staff_client.get(url).content.decode()
    assert f"Pen 07 · {kept.container.site.name}" in page and "By container" in page
    filtered = staff_client.get(url, {"assignment_container_id": kept.container_id}).content.decode()
    assert str(kept) in filtered and str(other) not in filtered


@pytest.mark.parametrize(
    "name", ["batch_growthsample", "batch_transferaction", "batch_batchcontainerassignment", "batch_actualdailyassignmentstate",
             "health_treatment", "inventory_feedingevent", "environmental_environmentalreading"],
)  # fmt: skip
def test_every_event_changelist_has_a_container_filter(staff_client, salmon, name):
    GrowthSampleFactory(assignment=AssignmentFactory(batch=ScenarioFactory().batch))
    assert "By container" in staff_client.get(reverse(f"admin:{name}_changelist")).content.decode()


def test_the_api_root_lists_the_endpoints(client, django_user_model):
    assert client.get("/api/v1/").status_code == 401
    client.force_login(django_user_model.objects.create_user("viewer", password="pw-long-enough"))
    body = client.get("/api/v1/").json()
    assert body["endpoints"]["batch/growth-samples"].endswith("/api/v1/batch/growth-samples/")
    from apps.api.urls import ROUTES

    assert set(body["endpoints"]) == {prefix for prefix, _ in ROUTES} and body["schema"].endswith("/api/schema/")
    for name, url in body["endpoints"].items():  # the day's entries are written only (POST)
        assert client.get(url).status_code == (405 if name == "batch/day-entries" else 200), name


def test_the_command_prints_an_assignment_that_holds_fish_today(salmon):
    today = timezone.localdate()
    ended = AssignmentFactory(
        assignment_date=today - dt.timedelta(days=30), departure_date=today - dt.timedelta(days=1)
    )
    sampled = AssignmentFactory(assignment_date=today - dt.timedelta(days=3))
    GrowthSampleFactory(assignment=sampled, sample_date=today)
    active = AssignmentFactory(assignment_date=today - dt.timedelta(days=10))
    out = StringIO()
    call_command("active_assignment", "--id-only", stdout=out)
    assert out.getvalue().strip() == str(active.pk)
    assert ended.pk != active.pk


def test_the_api_docs_send_a_logged_out_reader_to_the_login_page_and_back(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/api/docs/"


def test_redocs_old_address_opens_swagger_ui(client):
    response = client.get("/api/redoc/")
    assert response.status_code == 302 and response["Location"] == "/api/docs/"


def test_the_api_shows_an_assignments_label_without_a_query_per_row(client, django_user_model, salmon):
    client.force_login(django_user_model.objects.create_user("viewer", password="pw-long-enough"))
    first = AssignmentFactory(
        assignment_date=dt.date(2025, 4, 10), container__name="Pen 02", container__site__name="Viðvík"
    )
    AssignmentFactory(assignment_date=dt.date(2025, 4, 10))
    body = client.get(f"/api/v1/batch/assignments/{first.pk}/").json()
    assert body["label"] == "Pen 02 · Viðvík · 2025-04-10 → now"
    client.get("/api/v1/batch/assignments/")
    AssignmentFactory(assignment_date=dt.date(2025, 4, 10))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        client.get("/api/v1/batch/assignments/")
    AssignmentFactory(assignment_date=dt.date(2025, 4, 10))
    with CaptureQueriesContext(connection) as three:
        rows = client.get("/api/v1/batch/assignments/").json()["results"]
    assert len(three.captured_queries) == len(two.captured_queries) and all("·" in r["label"] for r in rows)


def test_a_bad_weight_reads_the_same_in_the_admin_as_in_the_api(staff_client, salmon):
    assignment = AssignmentFactory(assignment_date=dt.date(2024, 1, 1))
    body = {"assignment": assignment.pk, "sample_date": "2024-01-10", "sample_size": 30, "avg_weight_g": "-5"}
    api = staff_client.post("/api/v1/batch/growth-samples/", body, content_type="application/json")
    assert api.status_code == 400
    (sentence,) = [e["detail"] for e in api.json()["errors"] if e["field"] == "avg_weight_g"]
    inline = {"casts-TOTAL_FORMS": 0, "casts-INITIAL_FORMS": 0}  # the casts inline (issue 21), left empty
    page = staff_client.post(reverse("admin:batch_growthsample_add"), {**body, "notes": "", **inline}).content.decode()
    assert sentence in page and "is violated" not in page
