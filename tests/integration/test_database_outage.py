"""Issue 16, item 7: the database stopped, then crashed, under a live server taking API writes.

A throw-away PostgreSQL of this test (tests/integration/postgres.py) holds a small farm; gunicorn, a Celery
worker and Beat run against it as in production. A client sends 60 writes, each with its own
``Idempotency-Key``, and sends a write again with the same key after a 503 or a lost connection, as a phone
at the pen does. In the middle the database is stopped (``pg_ctl stop -m fast``: sessions ended) and, later,
crashed (``-m immediate``: recovered from the WAL at the next start); each outage lasts until the client has
seen 503s, a known point rather than a timer. Then:

- every answer was 2xx, 4xx or 503 with ``Retry-After``, never 500; a page answered a small 503 page;
- each write is recorded exactly as often as it finally succeeded: once (a commit that survived while its
  answer was lost is replayed to the retry), and the stored keys match;
- the worker and Beat are still running, the markers drain, and the stored daily states equal a full
  recompute (``verify_daily_states --no-repair``).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.integration import support
from tests.integration.postgres import PostgresServer, binaries
from tests.integration.support import INTEGRATION

pytestmark = [
    *INTEGRATION,
    pytest.mark.skipif(binaries() is None, reason="needs PostgreSQL's server binaries in /usr/lib/postgresql"),
]
ROOT = Path(__file__).resolve().parents[2]
WRITES = 60
WAIT_LIMIT_SECONDS = 180  # only a broken run waits this long
SEED = """
import json, django
django.setup()
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from tests.batch.scenarios import farm_with_transfer
from tests.factories import SpeciesFactory
SpeciesFactory()
scenario, source, dest, _ = farm_with_transfer(days=60, transfer_day=30)
user = User.objects.create_user("pen-phone", password="pen-phone-password-1")
user.groups.add(Group.objects.get(name="operator"))
from apps.access.models import SiteGrant
SiteGrant.objects.create(user=user, all_sites=True, role="operator")  # its own process: no test settings
print(json.dumps({"token": Token.objects.create(user=user).key, "batch": scenario.batch_id,
                  "source": source.pk, "dest": dest.pk}))
"""


class Process:
    """A server process of the test in its own process group, logging to a file."""

    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop(), after the process)
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


@dataclass
class Write:
    path: str
    body: dict
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    answers: list[int] = field(default_factory=list)  # every status, 0 for a lost connection
    final: requests.Response | None = None


class PenPhone(threading.Thread):
    """Sends the writes one after the other; a write is sent again, with its key, until a final answer."""

    def __init__(self, base_url: str, token: str, writes: list[Write]):
        super().__init__(name="pen-phone", daemon=True)
        self.base_url, self.writes = base_url, writes
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.unavailable = 0  # 503s and lost connections so far
        self.done = 0
        self.bad_retry_after: list[str | None] = []

    def run(self) -> None:
        for write in self.writes:
            while write.final is None:
                try:
                    response = self.session.post(
                        self.base_url + write.path, json=write.body, headers={"Idempotency-Key": write.key}, timeout=60
                    )
                except (requests.ConnectionError, requests.Timeout):  # the answer was lost
                    write.answers.append(0)
                    self.unavailable += 1
                    time.sleep(0.05)
                    continue
                write.answers.append(response.status_code)
                if response.status_code == 503:
                    if not (response.headers.get("Retry-After") or "").isdigit():
                        self.bad_retry_after.append(response.headers.get("Retry-After"))
                    self.unavailable += 1
                    time.sleep(0.05)  # sooner than Retry-After: the test has no time to lose
                    continue
                write.final = response
            self.done += 1


def wait_until(condition, what: str, processes=()) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.log()[-3000:]}" for p in processes)
            pytest.fail(f"timed out waiting until {what}\n{logs}")
        time.sleep(0.05)


def planned_writes(farm: dict, rng: random.Random) -> list[Write]:
    """Deaths on the source tank (days 1-29, never more than it holds) and samples in the destination (days
    30-59: a second sample of a day is a 400, which is a final answer too)."""
    writes = []
    for _ in range(WRITES):
        if rng.random() < 0.6:
            day = f"2024-01-{rng.randint(1, 29):02d}"
            writes.append(
                Write(
                    "/api/v1/batch/mortality-events/",
                    {"assignment": farm["source"], "event_date": day, "count": rng.randint(1, 20)},
                )
            )
        else:
            day = 30 + rng.randint(0, 29)
            date = f"2024-01-{day:02d}" if day <= 31 else f"2024-02-{day - 31:02d}"
            body = {
                "assignment": farm["dest"],
                "sample_date": date,
                "sample_size": 30,
                "avg_weight_g": f"{150 + day * 3}.00",
            }
            writes.append(Write("/api/v1/batch/growth-samples/", body))
    return writes


@pytest.fixture
def postgres():
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="aquamind-it-pg-")))
    server.start()
    server.execute("CREATE DATABASE aquamind")
    yield server
    server.remove()


@pytest.fixture
def stack(postgres, redis_server, tmp_path):
    """gunicorn, a worker and Beat on the throw-away database; the farm seeded. Yields (env, farm, base_url,
    processes)."""
    redis_url = re.sub(r"/\d+$", "/7", redis_server.url)  # dedup keys apart from the other tests' workers
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url("aquamind"),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": support.broker_url(redis_url),
        "CELERY_TASK_DEFAULT_QUEUE": f"aquamind-outage-{uuid.uuid4().hex[:8]}",
        "CELERY_RESULT_BACKEND": "",
        "DEBUG": "false",
        "THROTTLE_WRITE_RATE": "",
        "SWEEPER_INTERVAL_SECONDS": "1",
        "SWEEPER_MIN_AGE_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600)
    seeded = subprocess.run(
        [sys.executable, "-c", SEED], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=300
    )
    farm = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = support.free_port()
    celery = [sys.executable, "-m", "celery", "-A", "aquamind"]
    processes = [
        Process("gunicorn", [sys.executable, "-m", "gunicorn", "aquamind.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "120"], env, tmp_path),
        Process("worker", [*celery, "worker", "-P", "prefork", "-c", "1", "-Q", env["CELERY_TASK_DEFAULT_QUEUE"],
                           "--without-gossip", "--without-mingle", "--loglevel=INFO", "-n", f"outage-{port}@%h"], env, tmp_path),
        Process("beat", [*celery, "beat", "--loglevel=INFO", "-s", str(tmp_path / "beat-schedule")], env, tmp_path),
    ]  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        try:
            return requests.get(base_url + "/health/", timeout=30).status_code in (200, 503)
        except (requests.ConnectionError, requests.Timeout):
            return False

    try:
        wait_until(serving, "gunicorn answers", processes)
        yield env, farm, base_url, processes
    finally:
        for process in processes:
            process.stop()


def markers_left(postgres) -> int:
    return postgres.execute("SELECT count(*) FROM batch_recomputemarker", "aquamind")[0][0]


def logged_in_page_session(base_url: str) -> requests.Session:
    session = requests.Session()
    session.get(base_url + "/accounts/login/", timeout=10)
    form = {
        "username": "pen-phone",
        "password": "pen-phone-password-1",
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
    }
    answer = session.post(
        base_url + "/accounts/login/", data=form, headers={"Referer": base_url + "/accounts/login/"}, timeout=30
    )
    assert answer.status_code == 200 and "sessionid" in session.cookies, answer.text[:500]
    return session


def test_writes_through_a_stopped_and_a_crashed_database_get_503_then_converge_exactly(postgres, stack):
    env, farm, base_url, processes = stack
    writes = planned_writes(farm, random.Random(16))
    page = logged_in_page_session(base_url)
    phone = PenPhone(base_url, farm["token"], writes)
    phone.start()

    for mode, after in (("fast", WRITES // 4), ("immediate", WRITES // 2)):
        wait_until(lambda after=after: phone.done >= after, f"{after} writes are done", processes)
        seen = phone.unavailable
        postgres.stop(mode)
        wait_until(lambda seen=seen: phone.unavailable >= seen + 5, f"the phone saw the {mode} outage", processes)
        if mode == "fast":
            down = page.get(base_url + "/", timeout=30)
            assert down.status_code == 503 and down.headers["Retry-After"].isdigit(), down.text[:500]
            assert down.headers["Content-Type"].startswith("text/html") and "Try again" in down.text
        postgres.start()
    phone.join(WAIT_LIMIT_SECONDS)
    assert not phone.is_alive(), f"the phone is still sending (write {phone.done} of {WRITES})"

    answers = [status for write in writes for status in write.answers]
    assert phone.unavailable >= 10 and 503 in answers, answers  # both outages were seen
    assert all(200 <= s < 300 or 400 <= s < 500 or s in (0, 503) for s in answers), sorted(set(answers))
    assert not phone.bad_retry_after
    assert page.get(base_url + "/", timeout=30).status_code == 200

    # recorded once each: the stored rows are exactly the writes whose final answer was 201
    succeeded = [w for w in writes if w.final.status_code == 201]
    assert all(w.final.status_code in (201, 400) for w in writes), [
        (w.body, w.final.text) for w in writes if w.final.status_code != 201
    ]
    for path, table in (("mortality-events", "batch_mortalityevent"), ("growth-samples", "batch_growthsample")):
        expected = sorted(w.final.json()["id"] for w in succeeded if path in w.path)
        stored = [row[0] for row in postgres.execute(f"SELECT id FROM {table} ORDER BY id", "aquamind")]
        assert stored == expected, (path, stored, expected)
    keys = {row[0] for row in postgres.execute("SELECT key FROM api_idempotencykey WHERE status = 201", "aquamind")}
    assert keys == {w.key for w in succeeded}

    # the worker and Beat rode out both outages: the markers drain, the states equal a full recompute
    assert all(p.alive() for p in processes), [p.name for p in processes if not p.alive()]
    wait_until(lambda: markers_left(postgres) == 0, "every marker is drained", processes)
    verified = subprocess.run(
        [sys.executable, "manage.py", "verify_daily_states", "--no-repair"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "gunicorn" in processes[0].name and "Internal Server Error" not in processes[0].log()
