"""Issue 16, item 7 on PostgreSQL: a key's first request and its retry running at once, and a retry after the
database died right after committing the first (the client saw a failure, the write was saved)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from apps.api.models import IdempotencyKey
from apps.batch.models import MortalityEvent
from apps.batch.services import recording
from apps.recompute import markers
from tests.api.conftest import day

pytestmark = [
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
URL = "/api/v1/batch/mortality-events/"
WAIT_LIMIT_SECONDS = 60  # only a broken test waits this long


@pytest.fixture(autouse=True)
def no_publish(monkeypatch):
    monkeypatch.setattr(markers, "_publish_on_commit", lambda assignment_ids: None)


def death(farm) -> dict:
    return {"assignment": farm.source.pk, "event_date": day(10).isoformat(), "count": 74}


def another_request_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the view keeps its first reading in a transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def test_a_retry_sent_while_the_first_request_runs_waits_for_it_and_replays_its_outcome(farm, make_user, monkeypatch):
    user = make_user("operator")
    first_is_recording = threading.Event()
    real = recording.mortality_event_record

    def held(**kwargs):
        if threading.current_thread().name == "first":
            first_is_recording.set()  # its key is claimed, uncommitted; hold it until the retry waits for it
            deadline = time.monotonic() + WAIT_LIMIT_SECONDS
            while not another_request_waits_for_a_lock() and time.monotonic() < deadline:
                time.sleep(0.01)
        return real(**kwargs)

    monkeypatch.setattr("apps.api.serializers.events.mortality_event_record", held)
    responses = {}

    def send(name: str) -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            responses[name] = client.post(URL, death(farm), format="json", HTTP_IDEMPOTENCY_KEY="same")
        finally:
            connection.close()

    first = threading.Thread(target=send, args=("first",), name="first")
    first.start()
    assert first_is_recording.wait(WAIT_LIMIT_SECONDS)
    retry = threading.Thread(target=send, args=("retry",), name="retry")
    retry.start()
    first.join(WAIT_LIMIT_SECONDS)
    retry.join(WAIT_LIMIT_SECONDS)

    assert responses["first"].status_code == responses["retry"].status_code == 201
    assert responses["retry"]["Idempotent-Replayed"] == "true"
    assert responses["retry"].json() == responses["first"].json()
    assert MortalityEvent.objects.count() == 1


def test_a_write_whose_commit_survived_a_lost_connection_is_recorded_once_when_retried(farm, make_user, monkeypatch):
    """The server committed, then the connection died before the answer came back (issue 16: the crash hit
    during COMMIT and the commit survived): the client got 503, its retry with the same key a replay."""
    client = APIClient()
    client.force_authenticate(make_user("operator"))
    client.raise_request_exception = False
    real_commit = connection._commit
    lost = []

    def commit_then_lose_the_connection():
        real_commit()
        if not lost:
            lost.append(True)
            connection.close()
            lost_reply = psycopg.OperationalError("server closed the connection unexpectedly")
            raise OperationalError(str(lost_reply)) from lost_reply

    monkeypatch.setattr(connection, "_commit", commit_then_lose_the_connection)
    failed = client.post(URL, death(farm), format="json", HTTP_IDEMPOTENCY_KEY="pen-7-deaths")
    assert failed.status_code == 503 and failed["Retry-After"] == "5"
    assert failed.json()["errors"][0]["code"] == "database_unavailable"
    assert MortalityEvent.objects.count() == 1 and IdempotencyKey.objects.count() == 1  # it was saved

    retry = client.post(URL, death(farm), format="json", HTTP_IDEMPOTENCY_KEY="pen-7-deaths")
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["count"] == 74
    assert MortalityEvent.objects.count() == 1
