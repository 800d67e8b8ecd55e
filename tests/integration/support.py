"""Shared pieces of the integration tests: the marks every module carries, the session's queue, Redis
control, and the comparison every test ends with (incremental result == full recompute, row for row)."""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from apps.batch.models import RecomputeMarker
from apps.batch.services.recompute import batch_recompute
from tests.batch.scenarios import state_rows

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# One queue per test session: messages left over by any other run can never reach this session's workers.
QUEUE = f"aquamind-it-{uuid.uuid4().hex[:10]}"
SERVICES_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "services.sh"
REDIS_STOP = ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"]

INTEGRATION = [
    pytest.mark.integration,
    pytest.mark.skipif(not BROKER_URL, reason="integration tests need CELERY_BROKER_URL (Redis) and PostgreSQL"),
    pytest.mark.skipif(
        not settings.IS_POSTGRES, reason="integration tests need DATABASE_URL pointing at PostgreSQL"
    ),
    # committed data: the worker process reads the test database through its own connections
    pytest.mark.django_db(transaction=True),
]


def broker() -> redis.Redis:
    return redis.Redis.from_url(BROKER_URL, socket_timeout=2, socket_connect_timeout=2)


def redis_is_up() -> bool:
    try:
        return bool(broker().ping())
    except redis.RedisError:
        return False


def redis_start() -> None:
    """Start Redis the way CI does (scripts/services.sh starts what is down and waits until it answers)."""
    if redis_is_up():
        return
    done = subprocess.run(["bash", str(SERVICES_SCRIPT)], capture_output=True, text=True)
    if done.returncode != 0 or not redis_is_up():
        raise RuntimeError(f"Redis did not come back up: {done.stdout}{done.stderr}")


@contextlib.contextmanager
def redis_stopped():
    """Redis is down inside the block and always up again after it (other tests and the CI need it)."""
    subprocess.run(REDIS_STOP, capture_output=True)
    for _ in range(100):
        if not redis_is_up():
            break
        time.sleep(0.05)
    try:
        yield
    finally:
        redis_start()


def queued_messages() -> int:
    """Messages waiting in this session's queue, plus those a worker has taken but not yet acknowledged
    (acks_late: running, or held for a retry's countdown)."""
    client = broker()
    waiting = client.llen(QUEUE)
    unacked = sum(1 for raw in client.hvals("unacked") if json.loads(raw)[2] == QUEUE)
    return waiting + unacked


def forget_unacked_messages() -> int:
    """Drop this queue's unacknowledged messages of a worker that was killed outright. The Redis transport
    would redeliver them only after ``visibility_timeout`` (an hour by default); the sweeper redoes their
    work long before that, and a later drain must not wait for them."""
    client = broker()
    tags = [tag for tag, raw in client.hgetall("unacked").items() if json.loads(raw)[2] == QUEUE]
    if tags:
        client.hdel("unacked", *tags)
        client.zrem("unacked_index", *tags)
    return len(tags)


def pending_work() -> tuple[int, int]:
    return RecomputeMarker.objects.count(), queued_messages()


def full_recompute_rows(batch_id: int) -> list[tuple]:
    """Recompute the batch from scratch in this process and return its stored rows."""
    summary = batch_recompute(batch_id=batch_id, trigger="test_full")
    assert summary.ok, summary.error
    return state_rows(batch_id)


def assert_equals_full_recompute(batch_id: int) -> list[tuple]:
    """The invariant of recompute.md §1: what the workers left equals a from-scratch recompute. Returns the rows."""
    incremental = state_rows(batch_id)
    full = full_recompute_rows(batch_id)
    assert incremental, f"batch {batch_id} has no daily states at all"
    if incremental != full:
        first = next((i for i, (a, b) in enumerate(zip(incremental, full)) if a != b), min(len(incremental), len(full)))
        mine = incremental[first] if first < len(incremental) else None
        theirs = full[first] if first < len(full) else None
        pytest.fail(
            f"incremental != full recompute for batch {batch_id}: {len(incremental)} vs {len(full)} rows, "
            f"first difference at row {first}:\n  incremental {mine}\n  full        {theirs}"
        )
    return incremental
