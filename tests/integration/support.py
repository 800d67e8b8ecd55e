"""Shared pieces of the integration tests: the marks every module carries, the session's own throw-away
Redis server, the session's queue, and the comparison every test ends with (incremental result == full
recompute, row for row)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from apps.batch.models import RecomputeMarker
from apps.recompute.run import batch_recompute
from tests.batch.scenarios import state_rows

REDIS_SERVER = shutil.which("redis-server")
# The broker of the tests and their workers: the session's throw-away Redis (default), or with
# AQUAMIND_IT_BROKER=rabbitmq the RabbitMQ at AQUAMIND_IT_RABBITMQ_URL (scripts/test-rabbitmq.sh). The
# de-duplication store (REDIS_URL) is the throw-away Redis either way.
# With AQUAMIND_IT_BROKER=rabbitmq-throwaway the package starts a RabbitMQ node of its own (tests/integration/
# rabbitmq.py) and uses it as the broker, so that a test may stop it (test_rabbitmq_outage.py).
MODE = os.environ.get("AQUAMIND_IT_BROKER", "redis")
if MODE not in ("redis", "rabbitmq", "rabbitmq-throwaway"):
    raise RuntimeError(f"AQUAMIND_IT_BROKER must be redis, rabbitmq or rabbitmq-throwaway, not {MODE!r}")
BROKER = "redis" if MODE == "redis" else "rabbitmq"
RABBITMQ_URL = os.environ.get("AQUAMIND_IT_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
_rabbitmq_server = None  # the throw-away node, in mode rabbitmq-throwaway


def use_rabbitmq(server) -> None:
    """Make the throw-away RabbitMQ ``server`` the broker of this process and its workers."""
    global RABBITMQ_URL, _rabbitmq_server
    _rabbitmq_server = server
    RABBITMQ_URL = server.url


@contextlib.contextmanager
def rabbitmq_stopped():
    """The throw-away RabbitMQ is down inside the block and up again after it (with its data)."""
    if _rabbitmq_server is None:
        raise RuntimeError("no throw-away RabbitMQ: run with AQUAMIND_IT_BROKER=rabbitmq-throwaway")
    _rabbitmq_server.stop()
    try:
        yield _rabbitmq_server
    finally:
        _rabbitmq_server.start()


# One queue per test session: messages left over by any other run can never reach this session's workers.
QUEUE = f"aquamind-it-{uuid.uuid4().hex[:10]}"
START_TIMEOUT_SECONDS = 10
#: the advisory lock a worker's recompute waits on, its rows written and not committed, while a test holds it
#: (RECOMPUTE_TEST_HOLD_KEY, set for every worker these tests start; apps/recompute/run.py)
HOLD_KEY = 170_417

INTEGRATION = [
    pytest.mark.integration,
    pytest.mark.skipif(
        settings.AQUAMIND_EMBEDDED or not settings.IS_POSTGRES,
        reason="integration tests run in production mode: DATABASE_URL pointing at PostgreSQL, a broker configured",
    ),
    pytest.mark.skipif(not REDIS_SERVER, reason="integration tests start their own redis-server: it is not installed"),
    # committed data: the worker process reads the test database through its own connections
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's choice for port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A ``redis-server`` that belongs to this test session alone: a free port on 127.0.0.1, its own directory,
    nothing persisted (``--save "" --appendonly no``). Tests may stop, restart and read it at will; it is the
    broker and the de-duplication store of this process and of the workers it starts. ``stop()`` then
    ``start()`` brings it back on the same port, empty, as a crashed and restarted Redis would be."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.directory / "redis.log"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def is_up(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start it unless it runs, and wait until it answers."""
        if not self.running():
            command = [
                REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
                "--dir", str(self.directory), "--logfile", str(self.log_path), "--daemonize", "no",
            ]  # fmt: skip
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.is_up():
            if not self.running() or time.monotonic() > deadline:
                log = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
                raise RuntimeError(f"the test redis-server on port {self.port} did not come up:\n{log}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop it (SIGTERM, nothing saved) and wait until the process is gone and the port refuses."""
        if self.running():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


_server: RedisServer | None = None


def use_redis(server: RedisServer | None) -> None:
    """Make ``server`` the one ``broker()`` and ``redis_stopped()`` act on (the session fixture sets it)."""
    global _server
    _server = server


def redis_server() -> RedisServer:
    if _server is None:
        raise RuntimeError("no test redis-server: the integration package's redis_server fixture starts it")
    return _server


def broker() -> redis.Redis:
    return redis_server().client()


def redis_start() -> None:
    """The session's Redis is up (started again if a test stopped it)."""
    redis_server().start()


@contextlib.contextmanager
def redis_stopped():
    """The session's Redis is down inside the block and always up again, empty, after it."""
    server = redis_server()
    server.stop()
    try:
        yield server
    finally:
        server.start()


def broker_url(redis_url: str) -> str:
    """The broker URL of this process and its workers, given the session's Redis URL."""
    return RABBITMQ_URL if BROKER == "rabbitmq" else redis_url


def _rabbitmq_channel_call(action):
    from kombu import Connection

    with Connection(RABBITMQ_URL, connect_timeout=5) as conn:
        return action(conn.channel())


def _rabbitmq_ready_messages() -> int:
    """Ready messages in this session's queue on RabbitMQ (0 while it does not exist yet)."""
    from amqp.exceptions import NotFound

    try:
        return _rabbitmq_channel_call(lambda channel: channel.queue_declare(QUEUE, passive=True).message_count)
    except NotFound:
        return 0


def rabbitmq_queue_delete() -> None:
    """Remove this session's queue from the machine's RabbitMQ (durable: it would outlive the session)."""
    _rabbitmq_channel_call(lambda channel: channel.queue_delete(QUEUE))


def queued_messages() -> int:
    """Messages waiting in this session's queue, plus those a worker has taken but not yet acknowledged
    (acks_late: running, or held for a retry's countdown). On RabbitMQ only the ready ones: a message a
    worker holds is covered by its batch's markers, which stay until the drain commits."""
    if BROKER == "rabbitmq":
        return _rabbitmq_ready_messages()
    client = broker()
    waiting = client.llen(QUEUE)
    unacked = sum(1 for raw in client.hvals("unacked") if json.loads(raw)[2] == QUEUE)
    return waiting + unacked


def forget_unacked_messages() -> int:
    """Drop this queue's unacknowledged messages of a worker that was killed outright. The Redis transport
    would redeliver them only after ``visibility_timeout`` (an hour by default); the sweeper redoes their
    work long before that, and a later drain must not wait for them.

    RabbitMQ requeues a dead consumer's messages at once (its connection closed): there they are taken out
    of the ready queue instead, so that the sweeper has the same work to redo as with Redis."""
    if BROKER == "rabbitmq":
        purged, deadline = 0, time.monotonic() + 10
        while not purged and time.monotonic() < deadline:
            purged = _rabbitmq_channel_call(lambda channel: channel.queue_purge(QUEUE)) or 0
            time.sleep(0.1)
        return purged
    client = broker()
    tags = [tag for tag, raw in client.hgetall("unacked").items() if json.loads(raw)[2] == QUEUE]
    if tags:
        client.hdel("unacked", *tags)
        client.zrem("unacked_index", *tags)
    return len(tags)


def pending_work() -> tuple[int, int]:
    return RecomputeMarker.objects.count(), queued_messages()


def markers_described(*, parked: bool | None = None) -> str:
    """The pending markers, one line each (batch, assignment, from, generation, attempts, parked, last error)."""
    markers = RecomputeMarker.objects.order_by("id")
    if parked is not None:
        markers = markers.filter(parked_at__isnull=not parked)
    return "\n".join(
        f"  batch {m.batch_id} assignment {m.assignment_id} from {m.dirty_from} gen {m.generation} "
        f"attempts {m.attempts} parked {m.parked_at} updated {m.updated_at:%H:%M:%S} {m.last_error[:300]!r}"
        for m in markers
    )


def full_recompute_rows(batch_id: int) -> list[tuple]:
    """Recompute the batch from scratch in this process and return its stored rows."""
    summary = batch_recompute(batch_id=batch_id, trigger="test_full")
    assert summary.ok, summary.error
    return state_rows(batch_id)


def assert_equals_full_recompute(batch_id: int) -> list[tuple]:
    """The invariant of docs/architecture.md: what the workers left equals a from-scratch recompute. Returns the rows."""
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


@contextlib.contextmanager
def recomputes_held():
    """While the block runs, every worker's recompute stops at the test hold (rows written, nothing committed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [HOLD_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [HOLD_KEY])


def held_recomputes() -> list[int]:
    """The database sessions (backend pids) of the recomputes waiting at the hold."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = %s "
            "AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY pid",
            [HOLD_KEY],
        )
        return [pid for (pid,) in cursor.fetchall()]


def session_ended(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0
