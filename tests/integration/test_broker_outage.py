"""Writes stay fast when the broker is down (docs/architecture.md): an API write that marks 30 assignments makes
one publish attempt, answers at once and keeps its markers; within the pause that follows, further writes
make no attempt at all; once Redis is back the sweeper publishes and the worker's drain equals a full
recompute.

Attempts are counted on the real publish path: ``send_task`` of the Celery app (what ``apply_async`` calls)
and the commands of the de-duplication Redis client, both wrapped, both still doing their real work.
"""

import datetime as dt
import time

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.batch.models import ActualDailyAssignmentState, Batch, RecomputeMarker
from apps.recompute import publish
from apps.recompute.run import batch_recompute
from apps.recompute.signals import recompute_signals_muted
from apps.recompute.tasks import recompute_sweeper
from tests.batch.scenarios import START
from tests.factories import AssignmentFactory, ScenarioFactory
from tests.integration.support import INTEGRATION, assert_equals_full_recompute, pending_work, redis_stopped

pytestmark = INTEGRATION
ASSIGNMENTS = 30
DAYS = 60
DEPARTURE = START + dt.timedelta(days=DAYS)
LAST_DAY = DEPARTURE - dt.timedelta(days=1)


def computed_batch_of_30() -> Batch:
    """One batch of 30 assignments × 60 days, its states computed, no marker left."""
    with recompute_signals_muted():
        scenario = ScenarioFactory(batch__start_date=START)
        for _ in range(ASSIGNMENTS):
            AssignmentFactory(batch=scenario.batch, assignment_date=START, departure_date=DEPARTURE)
    assert batch_recompute(batch_id=scenario.batch_id, trigger="test_setup").ok
    assert not RecomputeMarker.objects.exists()
    return scenario.batch


def last_day_weights(batch: Batch) -> set:
    rows = ActualDailyAssignmentState.objects.filter(batch=batch, date=LAST_DAY)
    return set(rows.values_list("avg_weight_g", flat=True))


@pytest.fixture
def manager_api(django_user_model) -> APIClient:
    """An API client with a manager's token (the role that may edit scenario models)."""
    user = django_user_model.objects.create_user("manager-outage")
    user.groups.add(Group.objects.get_or_create(name="manager")[0])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def publish_attempts(monkeypatch) -> list[str]:
    """The task names this process hands to the broker, one per attempt, successful or not."""
    from aquamind.celery import app

    attempts: list[str] = []
    send_task = app.send_task

    def counted(name, *args, **kwargs):
        attempts.append(name)
        return send_task(name, *args, **kwargs)

    monkeypatch.setattr(app, "send_task", counted)
    return attempts


@pytest.fixture
def dedup_commands(monkeypatch) -> list[tuple]:
    """The commands this process sends to the de-duplication Redis, one per attempt."""
    client = publish._redis()
    commands: list[tuple] = []
    execute = client.execute_command

    def counted(*args, **kwargs):
        commands.append(args)
        return execute(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", counted)
    return commands


def edit_tgc(client: APIClient, batch: Batch, value: float) -> float:
    """PATCH the batch's TGC model (marks every assignment of the batch); returns the seconds it took."""
    url = f"/api/v1/scenario/tgc-models/{batch.scenarios.get().tgc_model_id}/"
    started = time.perf_counter()
    response = client.patch(url, {"tgc_value": value}, format="json")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content
    return elapsed


@pytest.mark.parametrize("pause", [5.0, 0.0], ids=["with the pause", "pause off"])
def test_a_write_marking_30_assignments_with_redis_down_makes_one_publish_attempt_and_the_sweeper_finishes_it(
    salmon, drain, manager_api, publish_attempts, dedup_commands, settings, pause
):
    settings.RECOMPUTE_PUBLISH_PAUSE_SECONDS = pause  # 0: the publish loop itself stops at the first failure
    batch = computed_batch_of_30()
    before = last_day_weights(batch)
    failures = publish.publish_failures

    with redis_stopped():
        elapsed = edit_tgc(manager_api, batch, 2.9)
        assert publish_attempts == ["apps.recompute.tasks.recompute_drain"]  # one, not one per assignment
        assert [command[0] for command in dedup_commands] == ["SET"]
        assert publish.publish_failures == failures + 1 and publish.publish_paused() is (pause > 0)
        # a guard against retries and their sleeps (before: 30 attempts of 2 s each); bench/save_latency.py measures
        assert elapsed < 5, elapsed
    assert RecomputeMarker.objects.filter(batch=batch, dirty_from=START).count() == ASSIGNMENTS
    assert pending_work() == (ASSIGNMENTS, 0)  # Redis came back empty: nothing queued, the markers wait

    settings.SWEEPER_MIN_AGE_SECONDS = 0
    assert recompute_sweeper() == {"batches": 1, "published": 1}  # the sweeper is not held back by the pause
    assert not publish.publish_paused()  # its success ended the pause
    drain()
    after = last_day_weights(batch)
    assert len(before) == len(after) == 1 and after != before  # every tank grew alike, and differently from 2.5
    assert_equals_full_recompute(batch.pk)


def test_within_the_pause_a_second_write_makes_no_attempt_and_the_first_publish_after_it_resumes(
    salmon, drain, manager_api, publish_attempts, dedup_commands, settings
):
    settings.RECOMPUTE_PUBLISH_PAUSE_SECONDS = 120  # longer than this test can take on a loaded machine
    batch = computed_batch_of_30()

    with redis_stopped():
        edit_tgc(manager_api, batch, 2.9)
        assert len(publish_attempts) == 1 and len(dedup_commands) == 1
        edit_tgc(manager_api, batch, 3.1)
        assert len(publish_attempts) == 1 and len(dedup_commands) == 1  # paused: not even a dedup call
    edit_tgc(manager_api, batch, 3.0)  # Redis is back, but this process does not know yet: still paused
    assert len(publish_attempts) == 1 and len(dedup_commands) == 1
    markers = RecomputeMarker.objects.filter(batch=batch)
    assert markers.count() == ASSIGNMENTS and set(markers.values_list("generation", flat=True)) == {3}

    settings.SWEEPER_MIN_AGE_SECONDS = 0
    assert recompute_sweeper() == {"batches": 1, "published": 1}
    drain()
    edit_tgc(manager_api, batch, 2.8)  # publishing resumed: one task for the batch
    assert len(publish_attempts) == 3
    assert len(dedup_commands) == 1  # de-duplication keeps its own pause (its Redis may be another server)
    drain()
    assert_equals_full_recompute(batch.pk)
