"""Issue 9, item 2: two real concurrent requests (two threads, each with its own PostgreSQL connection and
its own transaction) cannot both take the same fish or both store the same day's sample. Exactly one wins;
the other waits for the row lock on the assignment, then sees the winner's row and gets 400 naming the field.

The population check is slowed down so that, without the lock, both requests would certainly read the
population before either inserted (the window the attack of issue 9 hit 8 times in 20).
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from apps.batch.models import GrowthSample, MortalityEvent, TransferAction
from apps.batch.services import validation
from apps.recompute import markers
from tests.api.conftest import errors_by_field
from tests.factories import AssignmentFactory, ContainerFactory, ScenarioFactory, stage

pytestmark = [
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks and concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
V1 = "/api/v1"
START = dt.date(2024, 1, 1)
MOVE = dt.date(2024, 2, 1)


@pytest.fixture(autouse=True)
def no_publish(monkeypatch):
    """The committed events would publish recompute tasks to the broker; no worker runs here."""
    monkeypatch.setattr(markers, "_publish_on_commit", lambda assignment_ids: None)


@pytest.fixture
def slow_population_check(monkeypatch):
    real = validation.assignment_population_available

    def slow(**kwargs):
        available = real(**kwargs)
        time.sleep(0.3)  # both requests are inside the check at the same time
        return available

    monkeypatch.setattr(validation, "assignment_population_available", slow)


@pytest.fixture
def pen(salmon):
    """A pen holding 11,852 fish (issue 9's numbers) and two empty destinations opened on MOVE."""
    scenario = ScenarioFactory(batch__start_date=START)
    source = AssignmentFactory(
        batch=scenario.batch, assignment_date=START, placement_count=11_852, lifecycle_stage=stage("Smolt")
    )
    dests = [
        AssignmentFactory(
            batch=scenario.batch,
            container=ContainerFactory(),
            assignment_date=MOVE,
            placement_count=None,
            placement_avg_weight_g=None,
            lifecycle_stage=stage("Smolt"),
        )
        for _ in range(2)
    ]
    return source, dests


def concurrently(*bodies: tuple[str, dict], user) -> list:
    """POST each (url, body) from its own thread and connection, released at the same moment."""
    barrier = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)

    def run(index: int, url: str, body: dict) -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait(timeout=10)
            responses[index] = client.post(url, body, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, url, body)) for i, (url, body) in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def one_wins(responses, field: str, code: str) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 400], [r.content for r in responses]
    [loser] = [r for r in responses if r.status_code == 400]
    assert errors_by_field(loser) == {field: code}


def transfer(source, dest) -> tuple[str, dict]:
    return f"{V1}/batch/transfers/", {
        "source_assignment": source.pk,
        "dest_assignment": dest.pk,
        "status": "COMPLETED",
        "actual_execution_date": MOVE.isoformat(),
        "transferred_count": 7_111,
    }


def test_two_concurrent_transfers_of_7111_from_11852_fish_cannot_both_succeed(pen, make_user, slow_population_check):
    source, (first, second) = pen
    responses = concurrently(transfer(source, first), transfer(source, second), user=make_user("operator"))
    one_wins(responses, "transferred_count", "exceeds_population")
    [stored] = TransferAction.objects.all()
    assert stored.transferred_count == 7_111
    assert (
        "holds 4741 fish on 2024-02-01"
        in [r for r in responses if r.status_code == 400][0].json()["errors"][0]["detail"]
    )


def test_repeated_transfer_races_never_overdraw(salmon, make_user):
    operator = make_user("operator")
    for _ in range(5):
        scenario = ScenarioFactory(batch__start_date=START)
        source = AssignmentFactory(batch=scenario.batch, assignment_date=START, placement_count=11_852)
        first, second = (
            AssignmentFactory(
                batch=scenario.batch, assignment_date=MOVE, placement_count=None, placement_avg_weight_g=None
            )
            for _ in range(2)
        )
        one_wins(
            concurrently(transfer(source, first), transfer(source, second), user=operator),
            "transferred_count",
            "exceeds_population",
        )
    assert TransferAction.objects.count() == 5


def test_two_concurrent_deaths_cannot_take_more_fish_than_the_pen_holds(pen, make_user, slow_population_check):
    source, _ = pen
    death = (f"{V1}/batch/mortality-events/", {"assignment": source.pk, "event_date": "2024-01-10", "count": 7_000})
    one_wins(concurrently(death, death, user=make_user("operator")), "count", "exceeds_population")
    assert list(MortalityEvent.objects.values_list("count", flat=True)) == [7_000]


def test_two_identical_concurrent_samples_store_one(pen, make_user):
    source, _ = pen
    sample = (
        f"{V1}/batch/growth-samples/",
        {"assignment": source.pk, "sample_date": "2024-01-14", "sample_size": 30, "avg_weight_g": "125.00"},
    )
    one_wins(concurrently(sample, sample, user=make_user("operator")), "sample_date", "duplicate")
    assert GrowthSample.objects.count() == 1
