"""Issue 16, item 4: a pin and a delete of the same batch at once deadlocked in PostgreSQL and answered 500.

The pin updates the batch row, then its handler writes the markers; the delete's handlers wrote the markers,
then Django deleted the batch row: opposite orders. Now every delete that reaches a batch locks its row
first. Each test runs both requests in their own threads and connections and holds the first one at a known
point (just after the delete's first marker write, or just before the pin's) until the other one has either
reached its own marker write or is waiting for a lock: the interleaving that deadlocked, every time.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from apps.batch.models import (
    ActualDailyAssignmentState,
    Batch,
    BatchContainerAssignment,
    RecomputeMarker,
)
from apps.recompute import markers, signals
from tests.batch.scenarios import farm_with_transfer
from tests.factories import ScenarioFactory

pytestmark = [
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks and deadlocks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
V1 = "/api/v1/batch/batches"
HOLD_LIMIT_SECONDS = 60  # only a broken test waits this long: the hold ends when the other request has moved


@pytest.fixture(autouse=True)
def no_publish(monkeypatch):
    """The committed marks would publish recompute tasks to the broker; no worker runs here."""
    monkeypatch.setattr(markers, "_publish_on_commit", lambda assignment_ids: None)


def another_request_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the view keeps its first reading in a transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


class Interleaving:
    """Holds the ``first`` request at its first marker write until the other one reached its own or waits."""

    def __init__(self, monkeypatch, first: str):
        self.first = first
        self.held_too_long = False
        self.reached = {"pin": threading.Event(), "delete": threading.Event()}
        real = signals.recompute_mark_many

        def marking(**kwargs):
            me = threading.current_thread().name
            if me == "pin" and not self.reached["pin"].is_set():
                self.reached["pin"].set()  # its update holds the batch row; the markers come next
                self.hold_if_first(me)
                return real(**kwargs)
            result = real(**kwargs)
            if me == "delete" and not self.reached["delete"].is_set():
                self.reached["delete"].set()  # it holds marker rows of the batch now
                self.hold_if_first(me)
            return result

        monkeypatch.setattr(signals, "recompute_mark_many", marking)

    def hold_if_first(self, me: str) -> None:
        if me != self.first:
            return
        other = self.reached["delete" if me == "pin" else "pin"]
        deadline = time.monotonic() + HOLD_LIMIT_SECONDS
        while not (other.is_set() or another_request_waits_for_a_lock()):
            if time.monotonic() > deadline:
                self.held_too_long = True  # the interleaving was not the one this test is about
                return
            time.sleep(0.01)


def run(name: str, user, method: str, url: str, body: dict | None, responses: dict) -> threading.Thread:
    def request() -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            responses[name] = getattr(client, method)(url, body, format="json")
        finally:
            connection.close()

    thread = threading.Thread(target=request, name=name)
    thread.start()
    return thread


@pytest.mark.parametrize(
    "first, statuses", [("delete", {"delete": 204, "pin": 404}), ("pin", {"pin": 200, "delete": 204})]
)
def test_a_pin_and_a_delete_of_the_same_batch_at_once_never_deadlock(salmon, make_user, monkeypatch, first, statuses):
    scenario, source, dest, _ = farm_with_transfer(days=40, transfer_day=20)
    batch = scenario.batch
    calls = {
        "pin": (make_user("manager"), "post", f"{V1}/{batch.pk}/pin-scenario/", {"scenario_id": scenario.pk}),
        "delete": (make_user("admin"), "delete", f"{V1}/{batch.pk}/", None),
    }
    responses = run_interleaved(monkeypatch, first, calls)

    assert {name: r.status_code for name, r in responses.items()} == statuses, {
        n: r.content for n, r in responses.items()
    }
    # the batch is gone with everything of it, and no marker of it is left behind
    assert not Batch.objects.filter(pk=batch.pk).exists()
    assert not BatchContainerAssignment.objects.filter(pk__in=[source.pk, dest.pk]).exists()
    assert not ActualDailyAssignmentState.objects.filter(batch_id=batch.pk).exists()
    assert not RecomputeMarker.objects.filter(batch_id=batch.pk).exists()


@pytest.mark.parametrize("first", ["delete", "pin"])
def test_deleting_the_pinned_scenario_while_another_is_pinned_never_deadlocks(salmon, make_user, monkeypatch, first):
    """The scenario's delete marks its batch, then unpins it (an update of the batch row): the same order."""
    pinned, source, dest, _ = farm_with_transfer(days=40, transfer_day=20)
    batch = pinned.batch
    other = ScenarioFactory(batch=batch, tgc_model=pinned.tgc_model)
    Batch.objects.filter(pk=batch.pk).update(pinned_scenario=pinned)
    calls = {
        "pin": (make_user("manager"), "post", f"{V1}/{batch.pk}/pin-scenario/", {"scenario_id": other.pk}),
        "delete": (make_user("manager"), "delete", f"/api/v1/scenario/scenarios/{pinned.pk}/", None),
    }
    responses = run_interleaved(monkeypatch, first, calls)

    assert {name: r.status_code for name, r in responses.items()} == {"pin": 200, "delete": 204}, {
        n: r.content for n, r in responses.items()
    }
    batch.refresh_from_db()
    assert batch.pinned_scenario_id == other.pk
    # every assignment waits for its full recompute
    assert dict(RecomputeMarker.objects.values_list("assignment_id", "dirty_from")) == {
        source.pk: source.assignment_date,
        dest.pk: dest.assignment_date,
    }


def run_interleaved(monkeypatch, first: str, calls: dict) -> dict:
    RecomputeMarker.objects.all().delete()
    interleaving = Interleaving(monkeypatch, first)
    second = "pin" if first == "delete" else "delete"
    responses: dict = {}
    threads = [run(first, *calls[first], responses)]
    assert interleaving.reached[first].wait(timeout=HOLD_LIMIT_SECONDS)
    threads.append(run(second, *calls[second], responses))
    for thread in threads:
        thread.join(timeout=2 * HOLD_LIMIT_SECONDS)
    assert not interleaving.held_too_long
    return responses
