"""Real Celery worker processes against the pytest-django PostgreSQL test database and a real Redis that
belongs to this session: ``redis_server`` starts a throw-away ``redis-server`` on a free port for the whole
package and points this process (Celery app, ``settings``, the de-duplication client) and every worker it
starts at it. The machine's own Redis is never used, stopped or flushed.

Every worker of a session listens on the session's own queue (``support.QUEUE``) and this process publishes
there. ``worker`` guarantees exactly one healthy worker for a test
(tests may kill workers or start more; the next test gets a fresh one), ``drain`` waits until the work is done.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import override_settings

from apps.recompute.tasks import recompute_sweeper
from tests.integration import support

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 60


class WorkerProcess:
    """``celery -A aquamind worker`` in its own process group, logging to a file."""

    def __init__(
        self, *, database_url: str, redis_url: str, log_dir: Path, pool: str = "prefork", concurrency: int = 1
    ):
        self.hostname = f"it-{uuid.uuid4().hex[:8]}@%h"
        self.log_path = log_dir / f"{self.hostname.split('@')[0]}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": support.broker_url(redis_url),
            "REDIS_URL": redis_url,
            "CELERY_TASK_DEFAULT_QUEUE": support.QUEUE,
            "CELERY_RESULT_BACKEND": "",
            "PYTHONUNBUFFERED": "1",
            "AQUAMIND_TEST_RECOMPUTE_HOLD_KEY": str(support.HOLD_KEY),  # off until a test holds the lock
            # the alerts' e-mails as files, one per message, that a test can count (tests/integration/test_alerts_browser.py)
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(log_dir / "mail"),
        }
        command = [
            sys.executable, "-m", "celery", "-A", "aquamind", "worker",
            "-P", pool, "-c", str(concurrency), "--loglevel=INFO", "-n", self.hostname, "-Q", support.QUEUE,
            "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self, since: int = 0) -> str:
        """The worker's log, from character ``since`` on (take ``len(worker.log())`` to mark a point)."""
        return self.log_path.read_text(errors="replace")[since:]

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> WorkerProcess:
        deadline = time.monotonic() + timeout
        while " ready." not in self.log():
            if not self.alive() or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"worker {self.hostname} did not become ready:\n{self.log()[-4000:]}")
            time.sleep(0.05)
        return self

    def pool_children(self) -> list[int]:
        """The prefork pool's child processes (where tasks run)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children) at once."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        """Warm shutdown; SIGKILL if it takes too long."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        self.kill()


class Workers:
    """The session's worker processes."""

    def __init__(self, *, database_url: str, redis_url: str):
        self.database_url = database_url
        self.redis_url = redis_url
        self.log_dir = Path(tempfile.mkdtemp(prefix="aquamind-workers-"))
        self.processes: list[WorkerProcess] = []

    def start(self, **kwargs) -> WorkerProcess:
        worker = WorkerProcess(database_url=self.database_url, redis_url=self.redis_url, log_dir=self.log_dir, **kwargs)
        self.processes.append(worker)
        return worker.wait_ready()

    def running(self) -> list[WorkerProcess]:
        return [w for w in self.processes if w.alive()]

    def exactly_one(self) -> WorkerProcess:
        """Keep the first live worker, stop any others, start one if none is left."""
        live = self.running()
        for extra in live[1:]:
            extra.stop()
        return live[0] if live else self.start()

    def stop_all(self) -> None:
        for worker in self.running():
            worker.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {w.hostname} (pid {w.pid})\n{w.log()[-3000:]}" for w in self.processes[-3:])

    def drain(self, timeout: float = 60.0, *, sweep_after: float | None = None) -> None:
        """Wait until no recompute marker remains and no message is queued or running (seen twice in a row).

        ``sweep_after``: when markers have waited that many seconds with no message queued or running, run the
        sweeper once, as Beat does every minute in a deployment (a publish the broker lost is its job); None:
        never (tests of the publish path itself). A parked marker fails at once: it is poison, not slowness."""
        deadline = time.monotonic() + timeout
        quiet = 0
        stalled_since = None
        while quiet < 2:
            markers, messages = support.pending_work()
            quiet = quiet + 1 if markers == messages == 0 else 0
            if not self.running():
                pytest.fail(f"no worker is running ({markers} markers pending)\n{self.logs()}")
            parked = support.markers_described(parked=True)
            if parked:
                pytest.fail(f"parked recompute markers (poison work):\n{parked}\n{self.logs()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"not drained after {timeout} s: {markers} markers, {messages} messages\n"
                    f"{support.markers_described()}\n{self.logs()}"
                )
            if markers and not messages and sweep_after is not None:
                stalled_since = stalled_since or time.monotonic()
                if time.monotonic() - stalled_since >= sweep_after:
                    print(f"drain: {markers} markers waited {sweep_after} s with no message; sweeping:")
                    print(support.markers_described())
                    with override_settings(SWEEPER_MIN_AGE_SECONDS=0):
                        print("drain: sweeper", recompute_sweeper())
                    stalled_since = None
            else:
                stalled_since = None
            time.sleep(0.05)


def _test_database_url() -> str:
    """DATABASE_URL with the pytest-django test database's name in place of the real one."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + connection.settings_dict["NAME"]).geturl()


@pytest.fixture(scope="package", autouse=True)
def rabbitmq_server():
    """With AQUAMIND_IT_BROKER=rabbitmq-throwaway: a RabbitMQ node of this session, the broker of the package
    (a test may stop it); otherwise nothing."""
    if support.MODE != "rabbitmq-throwaway":
        yield None
        return
    from tests.integration import rabbitmq

    if not rabbitmq.available():
        pytest.skip(f"a throw-away RabbitMQ needs {rabbitmq.RABBITMQ_SERVER}")
    server = rabbitmq.RabbitMQServer(
        Path(tempfile.mkdtemp(prefix="aquamind-it-rabbitmq-")), port=support.free_port(), dist_port=support.free_port()
    )
    server.start()
    support.use_rabbitmq(server)
    yield server
    server.remove()


@pytest.fixture(scope="package", autouse=True)
def redis_server(rabbitmq_server):
    """This session's own ``redis-server``, the broker and de-duplication store of this process and its
    workers for the whole package; stopped and its directory removed at the end."""
    if not support.REDIS_SERVER:
        pytest.skip("integration tests start their own redis-server: it is not installed")
    server = support.RedisServer(Path(tempfile.mkdtemp(prefix="aquamind-it-redis-")))
    server.start()
    support.use_redis(server)
    restore = _point_this_process_at(server.url)
    yield server
    restore()
    support.use_redis(None)
    server.stop()
    shutil.rmtree(server.directory, ignore_errors=True)


def _point_this_process_at(url: str):
    """Broker and de-duplication store of this process := ``url``; returns the function that undoes it.

    Celery reads ``CELERY_BROKER_URL`` from the environment before its configuration, hence the variable too;
    its connection and producer pools and the publishing module's Redis client are dropped and rebuilt on use."""
    from apps.recompute import publish
    from aquamind.celery import app

    names = ("CELERY_BROKER_URL", "REDIS_URL")
    saved_env = {name: os.environ.get(name) for name in names}
    saved_broker = app.conf.broker_url
    broker_url = support.broker_url(url)
    overridden = override_settings(CELERY_BROKER_URL=broker_url, REDIS_URL=url)

    def point(broker_url: str) -> None:
        app.conf["CELERY_BROKER_URL"] = app.conf.broker_url = broker_url
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = app.amqp._producer_pool = None  # what Celery resets in a forked child
        publish._redis_client = None

    os.environ.update({"CELERY_BROKER_URL": broker_url, "REDIS_URL": url})
    overridden.enable()
    point(broker_url)

    def restore() -> None:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        overridden.disable()
        point(saved_broker)

    return restore


@pytest.fixture(scope="package")
def workers(django_db_setup, redis_server):
    """Route this process's tasks to the session queue, and stop every worker before the test database is
    dropped."""
    from aquamind.celery import app

    previous_queue = app.conf.task_default_queue
    _route_to(app, support.QUEUE)
    pool = Workers(database_url=_test_database_url(), redis_url=redis_server.url)
    yield pool
    pool.stop_all()
    _route_to(app, previous_queue)
    if support.BROKER == "rabbitmq":
        support.rabbitmq_queue_delete()


def _route_to(app, queue: str) -> None:
    app.conf["CELERY_TASK_DEFAULT_QUEUE"] = queue  # the namespaced key: it wins over task_default_queue
    for cached in ("queues", "default_queue", "default_exchange", "router", "send_task_message"):  # rebuilt on use
        app.amqp.__dict__.pop(cached, None)


@pytest.fixture(autouse=True)
def publishing_unpaused():
    """Each test starts and ends with this process's publish and de-duplication pauses off (a test that
    stops Redis trips them; docs/architecture.md)."""
    from apps.recompute import publish

    publish.publish_pause.end()
    publish.dedup_pause.end()
    yield
    publish.publish_pause.end()
    publish.dedup_pause.end()


@pytest.fixture
def worker(workers, redis_server):
    """Exactly one live worker for this test; the session's Redis is up before and after."""
    redis_server.start()
    yield workers.exactly_one()
    redis_server.start()


@pytest.fixture
def drain(workers, worker):
    return workers.drain
