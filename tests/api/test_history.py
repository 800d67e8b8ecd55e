"""Every write path leaves a history row with its author (or "system"), old and new values, and a delete's last
values; the lists name who entered and who last changed each event at no extra query per row; the history's
API (why, feed, record, CSV) answers in the documented shapes (docs/history.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.audit.context import history_context
from apps.audit.models import GrowthSampleEvent, PlannedActivityEvent, UserGroupEvent
from apps.batch.models import GrowthSample
from apps.planning.models import PlannedActivity
from apps.recompute import markers
from aquamind.celery import app
from tests.batch.scenarios import drain_all_batches
from tests.factories import GrowthSampleFactory
from tests.planning.farms import open_tank

pytestmark = [
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="history is recorded by PostgreSQL triggers"),
    pytest.mark.django_db(transaction=True),
]
URL = "/api/v1/batch/growth-samples/"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def no_publish(monkeypatch):
    """The committed events would publish recompute tasks to the broker; no worker runs here."""
    monkeypatch.setattr(markers, "_publish_on_commit", lambda assignment_ids: None)


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


@pytest.fixture
def tank(salmon):
    return open_tank(days_ago=60)[1]


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def events(pk: int) -> list[GrowthSampleEvent]:
    return list(GrowthSampleEvent.objects.filter(pgh_obj_id=pk).order_by("pgh_id"))


def test_api_create_update_delete_record_author_old_new_and_last_values(tank, make_user):
    anna, bob = make_user("operator"), make_user("operator")
    created = token_client(anna).post(
        URL, {"assignment": tank.pk, "sample_date": str(ago(30)), "sample_size": 30, "avg_weight_g": "250.00"}
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["entered_by"] == anna.username == created.json()["last_changed_by"]
    changed = token_client(bob).patch(f"{URL}{pk}/", {"avg_weight_g": "240.00"})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["entered_by"], changed.json()["last_changed_by"]) == (anna.username, bob.username)
    assert token_client(bob).delete(f"{URL}{pk}/").status_code == 204

    insert, update, delete = events(pk)
    assert [e.pgh_label for e in (insert, update, delete)] == ["insert", "update", "delete"]
    assert insert.pgh_context == {"user": anna.pk, "username": anna.username, "channel": "api", "path": URL}
    assert update.pgh_context["username"] == delete.pgh_context["username"] == bob.username
    assert (insert.avg_weight_g, update.avg_weight_g, delete.avg_weight_g) == (
        Decimal("250"),
        Decimal("240"),
        Decimal("240"),
    )
    assert delete.sample_size == 30 and delete.sample_date == ago(30)  # the last values survive the delete

    history = token_client(anna).get(f"/api/v1/history/batch.growthsample/{pk}/").json()
    assert [h["action"] for h in history] == ["delete", "update", "insert"]
    assert [c for c in history[1]["changes"] if c["field"] == "avg_weight_g"] == [
        {"field": "avg_weight_g", "old": "250.00", "new": "240.00"}
    ]
    assert {c["field"] for c in history[1]["changes"]} == {"avg_weight_g"}  # only what changed
    assert history[0]["who"] == bob.username and history[2]["channel"] == "api"


def test_a_quick_entry_form_on_the_pages_is_recorded_as_the_page(tank, make_user):
    user = make_user("operator")
    client = Client()
    client.force_login(user)
    body = {"assignment": tank.pk, "sample_date": str(ago(20)), "sample_size": 10, "avg_weight_g": "300"}
    response = client.post(URL, body, content_type="application/json", HTTP_X_AQUAMIND_CHANNEL="page")
    assert response.status_code == 201, response.json()
    [event] = events(response.json()["id"])
    assert (event.pgh_context["channel"], event.pgh_context["username"]) == ("page", user.username)


def test_the_admin_records_its_user(tank, make_user):
    sample = GrowthSampleFactory(assignment=tank, sample_date=ago(25))
    staff = make_user("admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    response = client.post(f"/admin/batch/growthsample/{sample.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    delete = events(sample.pk)[-1]
    assert delete.pgh_label == "delete"
    assert delete.pgh_context["channel"] == "admin" and delete.pgh_context["username"] == staff.username
    assert delete.pgh_context["path"] == f"/admin/batch/growthsample/{sample.pk}/delete/"


def test_completing_a_planned_activity_records_the_completion_and_its_user(tank, make_user):
    activity = PlannedActivity.objects.create(
        activity_type="SAMPLING", batch=tank.batch, assignment=tank, due_date=ago(5)
    )
    user = make_user("operator")
    response = token_client(user).post(
        f"/api/v1/planning/activities/{activity.pk}/complete/",
        {"completed_date": str(ago(4)), "sample_size": 20, "avg_weight_g": 180},
        format="json",
    )
    assert response.status_code == 200, response.json()
    [sample_event] = events(GrowthSample.objects.get().pk)
    closed = PlannedActivityEvent.objects.filter(pgh_obj_id=activity.pk, pgh_label="update").get()
    for event in (sample_event, closed):
        assert event.pgh_context["channel"] == "completion"
        assert event.pgh_context["username"] == user.username and event.pgh_context["activity"] == activity.pk


@app.task(name="tests.api.test_history.touch_notes")
def touch_notes(pk: int) -> None:
    """A worker's write that bypasses the signals."""
    GrowthSample.objects.filter(pk=pk).update(notes="touched by a task")


def test_a_task_is_system_and_raw_sql_outside_aquamind_is_still_recorded(tank):
    sample = GrowthSampleFactory(assignment=tank, sample_date=ago(25))
    touch_notes.apply(args=[sample.pk])
    with connection.cursor() as cursor:  # raw SQL, no context at all
        cursor.execute("UPDATE batch_growthsample SET sample_size = 77 WHERE id = %s", [sample.pk])
    *_, task_update, raw_update = events(sample.pk)
    assert task_update.notes == "touched by a task"
    assert task_update.pgh_context == {"channel": "system", "task": "tests.api.test_history.touch_notes"}
    assert raw_update.sample_size == 77 and raw_update.pgh_context is None


def test_a_management_command_is_recorded_as_the_command(tank, make_user):
    """The import stand-in: ``manage.py shell -c`` writes through the ORM's bulk path (no signal)."""
    sample = GrowthSampleFactory(assignment=tank, sample_date=ago(25))
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    code = f"from apps.batch.models import GrowthSample; GrowthSample.objects.filter(pk={sample.pk}).update(notes='imported')"
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, timeout=300)
    last = events(sample.pk)[-1]
    assert last.notes == "imported" and last.pgh_context == {"channel": "command", "command": "shell"}


def test_group_membership_is_history_too(make_user):
    user = make_user("operator")
    assert UserGroupEvent.objects.filter(user_id=user.pk, pgh_label="insert").exists()


def test_the_lists_name_the_authors_without_a_query_per_row(tank, make_user):
    anna = make_user("operator")
    client = token_client(anna)

    def list_queries() -> tuple[int, list]:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(URL, {"assignment": tank.pk}).json()
        return len(queries), body["results"]

    for n in range(2):
        assert (
            client.post(
                URL, {"assignment": tank.pk, "sample_date": str(ago(40 - n)), "sample_size": 5, "avg_weight_g": "200"}
            ).status_code
            == 201
        )
    two, rows = list_queries()
    assert {(r["entered_by"], r["last_changed_by"]) for r in rows} == {(anna.username, anna.username)}
    for n in range(4):
        GrowthSampleFactory(assignment=tank, sample_date=ago(30 - n))  # outside any context: "database"
    six, rows = list_queries()
    assert two == six
    assert sorted(r["entered_by"] for r in rows) == ["database"] * 4 + [anna.username] * 2


def test_the_why_answer_and_its_400(tank, make_user):
    client = token_client(make_user("viewer"))
    sample = GrowthSampleFactory(assignment=tank, sample_date=ago(30), avg_weight_g=Decimal("250"))
    drain_all_batches()
    token_client(make_user("operator")).patch(f"{URL}{sample.pk}/", {"avg_weight_g": "240.00"})
    drain_all_batches()
    answer = client.get(f"/api/v1/batch/assignments/{tank.pk}/why/", {"date": str(ago(10))})
    assert answer.status_code == 200
    body = answer.json()
    assert body["value"]["sources"] and body["history"] is True
    [change] = body["changes"]
    assert "corrected the growth sample of" in change["text"] and "from 250 g to 240 g" in change["text"]
    assert change["event"]["record_id"] == sample.pk
    missing = client.get(f"/api/v1/batch/assignments/{tank.pk}/why/")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "date"
    bad = client.get(f"/api/v1/batch/assignments/{tank.pk}/why/", {"date": "10 March"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "date"


def test_a_cast_added_to_a_day_is_one_change_of_the_why_the_days_sample(tank, make_user):
    """The cast and the day's sample it moves are saved in one transaction: one edit, named as the sample's."""
    operator = token_client(make_user("operator"))
    casts = "/api/v1/batch/growth-sample-casts/"
    day = {"assignment": tank.pk, "sample_date": str(ago(30))}
    assert operator.post(casts, {**day, "fish_weighed": 40, "avg_weight_g": 250}, format="json").status_code == 201
    drain_all_batches()
    assert operator.post(casts, {**day, "fish_weighed": 40, "avg_weight_g": 230}, format="json").status_code == 201
    drain_all_batches()
    body = token_client(make_user("viewer")).get(f"/api/v1/batch/assignments/{tank.pk}/why/", {"date": str(ago(10))})
    [change] = body.json()["changes"]
    sample = GrowthSample.objects.get(assignment=tank, sample_date=ago(30))
    assert change["event"]["kind"] == "batch.growthsample" and change["event"]["record_id"] == sample.pk
    assert "corrected the growth sample of" in change["text"]


def test_the_feed_filters_and_the_csv_export(tank, make_user):
    anna, bob = make_user("operator"), make_user("operator")
    token_client(anna).post(
        URL, {"assignment": tank.pk, "sample_date": str(ago(30)), "sample_size": 5, "avg_weight_g": "200"}
    )
    token_client(bob).post(
        URL, {"assignment": tank.pk, "sample_date": str(ago(29)), "sample_size": 5, "avg_weight_g": "210"}
    )
    viewer = token_client(make_user("viewer"))
    mine = viewer.get("/api/v1/history/", {"user": anna.pk}).json()["results"]
    # a recorded sample writes the day's sample and its cast: two true changes of one moment (kind breaks the tie)
    assert [(e["username"], e["kind"], e["action"]) for e in mine] == [
        (anna.username, "batch.growthsample", "insert"),
        (anna.username, "batch.growthsamplecast", "insert"),
    ]
    samples = viewer.get("/api/v1/history/", {"kind": "batch.growthsample"}).json()["results"]
    assert [e["username"] for e in samples] == [bob.username, anna.username]  # newest first
    site = tank.container.site_id
    at_site = viewer.get("/api/v1/history/", {"site": site}).json()["results"]
    assert {e["kind"] for e in at_site} >= {
        "batch.growthsample",
        "batch.batchcontainerassignment",
        "infrastructure.container",
    }
    assert "scenario.scenario" not in {e["kind"] for e in at_site}  # farm-wide configuration has no site
    today = viewer.get("/api/v1/history/", {"since": str(timezone.localdate()), "until": str(timezone.localdate())})
    assert len(today.json()["results"]) >= 2
    refused = viewer.get("/api/v1/history/", {"since": str(ago(1)), "until": str(ago(2))})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "until"
    assert viewer.get("/api/v1/history/", {"kind": "nothing"}).status_code == 400

    exported = viewer.get("/api/v1/history/export/", {"kind": "batch.growthsample"})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["at", "kind", "record_id", "action"]
    assert [r[4] for r in rows[1:]] == [bob.username, anna.username]
    assert viewer.get("/api/v1/history/nothing.here/1/").status_code == 404


@pytest.mark.parametrize(
    "query, field",
    [
        ({"after": str(2**62)}, "after"),
        ({"after": f"{2**62}.batch.batch.1"}, "after"),
        ({"after": "1.batch.batch.-1"}, "after"),
        ({"since": "9999-12-31"}, "since"),
        ({"user": "0"}, "user"),
        ({"site": "999999"}, "site"),
        ({"since": ""}, "since"),
    ],
)
def test_the_feed_refuses_out_of_range_filters_by_name(make_user, query, field):
    response = token_client(make_user("viewer")).get("/api/v1/history/", query)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == field


def test_a_record_id_beyond_the_ids_is_a_404(make_user):
    assert token_client(make_user("viewer")).get(f"/api/v1/history/batch.batch/{2**64}/").status_code == 404


def test_the_feed_pages_through_one_transactions_many_changes_without_a_gap(salmon, make_user):
    """An import writes its rows in one transaction: they share one time; the cursor still visits each once."""
    from django.db import transaction

    from apps.infrastructure.models import Site

    with transaction.atomic(), history_context(username="importer", channel="import"):
        Site.objects.bulk_create(Site(name=f"site {n:03}", kind="SEA") for n in range(120))
    client = token_client(make_user("viewer"))
    seen, after = [], None
    while True:
        query = {"kind": "infrastructure.site", **({"after": after} if after else {})}
        body = client.get("/api/v1/history/", query).json()
        seen += [e["record_id"] for e in body["results"]]
        after = body["next"]
        if after is None:
            break
    assert sorted(seen) == sorted(Site.objects.values_list("pk", flat=True)) and len(seen) == len(set(seen)) == 120
    exported = client.get("/api/v1/history/export/", {"kind": "infrastructure.site"})
    lines = b"".join(exported.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 121
