"""GET /health/ against the real database, Redis and a running worker."""

import time

import pytest

from apps.batch.models import WorkerHeartbeat
from apps.recompute.worker import HEARTBEAT_SECONDS
from tests.integration.support import INTEGRATION, redis_stopped

pytestmark = INTEGRATION


def wait_for_a_heartbeat() -> None:
    """Each test starts from an emptied database: the running worker reports in within one heartbeat period."""
    deadline = time.monotonic() + HEARTBEAT_SECONDS + 10
    while not WorkerHeartbeat.objects.exists():
        if time.monotonic() > deadline:
            pytest.fail("the worker recorded no heartbeat")
        time.sleep(0.1)


def test_health_is_200_with_a_worker_and_503_naming_the_broker_while_redis_is_down(admin_client, worker):
    client = admin_client  # staff: the details (anonymous callers get the booleans only)
    wait_for_a_heartbeat()

    up = client.get("/health/")
    assert up.status_code == 200, up.json()
    body = up.json()
    assert body["status"] == "ok"
    assert all(body[part]["ok"] for part in ("database", "broker", "worker", "recompute"))
    assert body["worker"]["hostname"].startswith(worker.hostname.split("@")[0] + "@")
    assert body["recompute"]["pending_markers"] == 0

    with redis_stopped():
        down = client.get("/health/")
    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "failing" and body["broker"]["ok"] is False and body["broker"]["reason"]
    assert body["database"]["ok"] and body["worker"]["ok"]  # only the broker is named

    assert client.get("/health/").status_code == 200  # Redis is back
