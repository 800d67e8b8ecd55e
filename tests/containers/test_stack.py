"""The image's roles as containers: migrate, web, two workers and beat against this session's PostgreSQL
database and Redis. What runs here is what a deployment runs: the same image, entrypoint and commands."""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.containers.conftest import SERVER_URL, wait_until_drained
from tests.containers.podman import TEST_SECRET_KEY, Api, Stack, podman
from tests.integration.support import free_port

MANAGER_SCRIPT = """
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
user, _ = User.objects.get_or_create(username="ct-manager")
user.groups.add(Group.objects.get(name="manager"))
from apps.access.models import SiteGrant  # every site (docs/access.md): a user without a grant sees nothing
SiteGrant.objects.get_or_create(user=user, all_sites=True, defaults={"role": "manager"})
print(Token.objects.get_or_create(user=user)[0].key)
"""


@dataclass
class Farm:
    stack: Stack
    api: Api
    database_url: str
    database_name: str


@pytest.fixture(scope="module")
def farm(image, databases, redis_server):
    name = databases.create("stack")
    database_url = databases.url(name)
    stack = Stack(
        image=image,
        env={
            "SECRET_KEY": TEST_SECRET_KEY,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": redis_server.url,
            "REDIS_URL": redis_server.url,
            # the sweeper re-publishes a dead worker's work within seconds, not minutes
            "SWEEPER_INTERVAL_SECONDS": "3",
            "SWEEPER_MIN_AGE_SECONDS": "3",
        },
    )
    try:
        stack.run_once("migrate")
        stack.run_once("manage", "generate_demo_data", "--preset", "small", "--seed", "1")
        port = free_port()
        stack.start("web", "web", env={"PORT": str(port)})
        for worker in ("worker-1", "worker-2"):
            stack.start("worker", worker, "--concurrency", "1")
        stack.start("beat", "beat")
        for worker in ("worker-1", "worker-2"):
            stack.wait_for_log(worker, " ready.")
        # the backfill goes through the queue, to the two workers
        stack.run_once("manage", "recompute_recent_daily_states", "--all")
        token = stack.exec("web", "python", "manage.py", "shell", "-c", MANAGER_SCRIPT).stdout.split()[-1]
        api = Api(f"http://127.0.0.1:{port}", token)
        api.wait_until_up()
        wait_until_drained(database_url, redis_server)
        yield Farm(stack=stack, api=api, database_url=database_url, database_name=name)
    finally:
        stack.remove_all()


def _states(api: Api, assignment: int, day: dt.date | None = None) -> list[dict]:
    query = f"assignment={assignment}&page_size=1000"
    if day:
        query += f"&date_from={day}&date_to={day}"
    return api.get(f"/api/v1/batch/daily-states/?{query}")["results"]


def _sample_days(api: Api, assignment: int) -> set[str]:
    rows = api.get(f"/api/v1/batch/growth-samples/?assignment={assignment}&page_size=1000")["results"]
    return {row["sample_date"] for row in rows}


def _post_sample(api: Api, assignment: int, *, offset_days: int, factor: float) -> tuple[str, Decimal] | None:
    """A sample on a day of the assignment's computed states that has none yet, ``factor`` × that day's
    stored weight; None when the API refuses it (a domain rule)."""
    states = _states(api, assignment)
    taken = _sample_days(api, assignment)
    free = [row for row in states[offset_days:] if row["date"] not in taken]
    if not free:
        return None
    row = free[0]
    weight = (Decimal(str(row["avg_weight_g"])) * Decimal(str(factor))).quantize(Decimal("0.01"))
    status, body = api.request(
        "POST",
        "/api/v1/batch/growth-samples/",
        {"assignment": assignment, "sample_date": row["date"], "sample_size": 30, "avg_weight_g": str(weight)},
    )
    return (row["date"], weight) if status == 201 else None


def _received(stack: Stack, name: str) -> int:
    """Tasks the worker container has logged as received so far."""
    return stack.logs(name, tail=100_000).count("] received")


def test_the_web_container_answers_health_with_200(farm):
    deadline = time.monotonic() + 60
    while True:  # a worker heartbeat may take a few seconds to arrive
        status, body = farm.api.request("GET", "/health/")
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert status == 200, body
    assert body["status"] == "ok"
    assert farm.stack.healthy("web")
    assert farm.stack.healthy("worker-1")


def test_a_sample_posted_to_the_api_changes_the_daily_states(farm):
    assignments = farm.api.get("/api/v1/batch/assignments/?active=true&page_size=100")["results"]
    posted = None
    for assignment in assignments:
        posted = _post_sample(farm.api, assignment["id"], offset_days=30, factor=1.1)
        if posted:
            break
    assert posted, "no active assignment took a sample"
    day, weight = posted
    deadline = time.monotonic() + 60
    while True:
        [state] = _states(farm.api, assignment["id"], dt.date.fromisoformat(day))
        if state["anchor_type"] is not None or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert state["anchor_type"] is not None, state
    # a JSON number: the day of a sample carries the measured weight
    assert Decimal(str(state["avg_weight_g"])) == weight


def test_a_worker_killed_mid_burst_leaves_the_states_equal_to_a_full_recompute(farm, redis_server):
    assignments = farm.api.get("/api/v1/batch/assignments/?page_size=100")["results"]
    received_before = _received(farm.stack, "worker-1")
    posted = 0
    for index, assignment in enumerate(assignments):
        if _post_sample(farm.api, assignment["id"], offset_days=10, factor=0.95):
            posted += 1
        if index == len(assignments) // 2:
            # once it has taken work of this burst: SIGKILL, its running task and prefetched messages lost
            deadline = time.monotonic() + 30
            while _received(farm.stack, "worker-1") == received_before and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _received(farm.stack, "worker-1") > received_before, "worker-1 took no task of the burst"
            farm.stack.kill("worker-1")
    assert posted >= len(assignments) // 2
    assert not farm.stack.running("worker-1")
    wait_until_drained(farm.database_url, redis_server)

    result = farm.stack.run_once("manage", "verify_daily_states", "--no-repair", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 rows differing" in result.stdout and ", 0 skipped" in result.stdout, result.stdout


def test_a_restored_dump_verifies_equal_to_a_full_recompute(farm, databases, tmp_path):
    """The restore drill of docs/operations.md: pg_dump, restore into a fresh database, verify."""
    dump = tmp_path / "aquamind.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), farm.database_url], check=True)
    restored = databases.create("restored")
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "-d", f"{SERVER_URL}/{restored}", str(dump)], check=True
    )
    stack = Stack(image=farm.stack.image, env={**farm.stack.env, "DATABASE_URL": databases.url(restored)})
    result = stack.run_once("manage", "verify_daily_states", "--no-repair", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 rows differing" in result.stdout and ", 0 skipped" in result.stdout, result.stdout


def test_the_image_refuses_to_serve_without_a_secret_key(image):
    for role in ("web", "worker", "beat", "flower"):  # the entrypoint refuses before anything starts
        result = podman("run", "--rm", "--network", "host", image, role, check=False, timeout=120)
        assert result.returncode == 2 and f"SECRET_KEY is not set: the {role} role needs" in result.stderr, (
            result.stderr
        )
    # gunicorn started past the entrypoint's check: the settings refuse it (the image's defaults: embedded, DEBUG off)
    gunicorn = ["gunicorn", "aquamind.wsgi", "--preload", "--bind", "127.0.0.1:0"]
    result = podman("run", "--rm", "--network", "host", image, *gunicorn, check=False, timeout=120)
    assert (
        result.returncode != 0 and "SECRET_KEY is not set: a server that listens beyond this machine" in result.stderr
    )
