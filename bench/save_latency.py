"""Event save latency through the API with the broker up and down (docs/architecture.md: a broker outage costs a
write at most one short publish attempt). Target: p95 with Redis stopped within 100 ms of p95 with it up.

The benchmark starts its own ``redis-server`` (free port, own directory, nothing persisted) and, per case, a
real HTTP server process (``gunicorn aquamind.wsgi``, one sync worker, production mode) pointed at it and at
the benchmark database; no Celery worker (messages just wait in the queue). A case is 10 untimed warm-up
writes with Redis up, then the fault, then ``--writes`` timed writes one after another: ``POST
/api/v1/batch/growth-samples/`` with an operator's token, each on a day of the next assignment in turn (250
assignments, so with Redis up every write takes a fresh dedup key and publishes a task), timed from the
request to the 201 response at the client. Cases:

- ``redis up``
- ``redis stopped``: the server process refuses connections; the default publish pause (5 s) applies
- ``redis stopped, pause 0``: the same with ``RECOMPUTE_PUBLISH_PAUSE_SECONDS=0``: every write pays its one
  refused publish attempt (and its dedup call)
- ``redis hung``: the server process is stopped with SIGSTOP (connections hang until the 0.25 s timeouts);
  default pause

After each case the fault is cleared and the server's ``/health/`` gives its ``publish_failures``.

    createdb -h 127.0.0.1 -U postgres aquamind_savebench     # once; the script migrates and truncates it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_savebench \\
    .venv/bin/python bench/save_latency.py [--writes 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
QUEUE = "savebench"
WARM_UP = 10
START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """The benchmark's own redis-server; ``stop()``/``start()`` keep its port, ``pause()``/``resume()`` hang it."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="aquamind-savebench-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
        _wait(lambda: _answers(client), "redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def remove(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _answers(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - not up yet
        return False


def _wait(condition, what: str, timeout: float = START_TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {timeout} s")
        time.sleep(0.05)


def django_setup(redis_url: str) -> None:
    """Django in this process, on the benchmark database and the benchmark's Redis (never another one)."""
    os.environ.update(
        CELERY_BROKER_URL=redis_url, REDIS_URL=redis_url, CELERY_RESULT_BACKEND="", CELERY_TASK_DEFAULT_QUEUE=QUEUE,
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"), AQUAMIND_MODE="production",
    )  # fmt: skip
    from bench.queue_bench import env

    env.setup()  # refuses a database whose name lacks "bench", and the embedded mode


def farm_prepare(seed: int):
    """Migrate, empty the farm tables, build 25 batches x 10 assignments x 120 days (computed), and return
    the farm and an operator's API token."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from bench.queue_bench.farm import database_reset, farm_build

    call_command("migrate", verbosity=0)
    database_reset()
    User.objects.filter(username="savebench").delete()
    user = User.objects.create_user("savebench")
    user.groups.add(Group.objects.get(name="operator"))
    farm = farm_build(batches=25, per_batch=10, days=120, today=timezone.localdate(), seed=seed)
    return farm, Token.objects.create(user=user).key


@contextlib.contextmanager
def http_server(redis_url: str, log_dir: Path, **extra_env: str):
    """``gunicorn aquamind.wsgi`` (one sync worker) on a free port, production mode; yields its base URL."""
    import requests

    port = free_port()
    env = {
        **os.environ, "CELERY_BROKER_URL": redis_url, "REDIS_URL": redis_url, "CELERY_RESULT_BACKEND": "",
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE, "AQUAMIND_MODE": "production", "DEBUG": "false", "LOG_LEVEL": "WARNING",
        **extra_env,
    }  # fmt: skip
    log = open(log_dir / f"gunicorn-{port}.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "aquamind.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "sync", "--timeout", "120"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _http_answers(requests, f"{base}/api/v1/"), "gunicorn")
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _http_answers(requests, url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


class Writer:
    """Growth samples through the API, one per request, on days no sample has used yet."""

    def __init__(self, farm, token: str):
        import requests

        self.session = requests.Session()
        self.headers = {"Authorization": f"Token {token}"}
        self.placements = farm.placements
        self.used = set(farm.sample_days)
        self.count = 0

    def write(self, base: str) -> float:
        """POST one sample; seconds from the request to the 201 response."""
        placement = self.placements[self.count % len(self.placements)]
        self.count += 1
        day = placement.last_day
        while (placement.id, day) in self.used:
            day -= dt.timedelta(days=1)
        self.used.add((placement.id, day))
        body = {"assignment": placement.id, "sample_date": day.isoformat(), "sample_size": 30, "avg_weight_g": "250.00"}
        started = time.perf_counter()
        url = f"{base}/api/v1/batch/growth-samples/"
        response = self.session.post(url, json=body, headers=self.headers, timeout=60)
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            raise RuntimeError(f"write {self.count} answered {response.status_code}: {response.text[:500]}")
        return elapsed


FAULTS = {
    "redis up": (lambda r: None, lambda r: None),
    "redis stopped": (RedisServer.stop, RedisServer.start),
    "redis hung": (RedisServer.pause, RedisServer.resume),
}
CASES = [
    ("redis up", "redis up", {}),
    ("redis stopped", "redis stopped", {}),
    ("redis stopped, pause 0", "redis stopped", {"RECOMPUTE_PUBLISH_PAUSE_SECONDS": "0"}),
    ("redis hung", "redis hung", {}),
]


def run_case(
    fault: str, extra_env: dict, *, redis_server: RedisServer, writer: Writer, writes: int, log_dir: Path
) -> tuple[list[float], int]:
    """Seconds of each timed write of one case, and the server's publish failures."""
    import requests

    begin, end = FAULTS[fault]
    with http_server(redis_server.url, log_dir, **extra_env) as base:
        for _ in range(WARM_UP):
            writer.write(base)
        begin(redis_server)
        try:
            seconds = [writer.write(base) for _ in range(writes)]
        finally:
            end(redis_server)
        failures = requests.get(f"{base}/health/", timeout=30).json()["recompute"]["publish_failures"]
    return seconds, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    redis_server = RedisServer()
    redis_server.start()
    log_dir = Path(tempfile.mkdtemp(prefix="aquamind-savebench-"))
    try:
        django_setup(redis_server.url)
        from bench.harness import machine_print
        from bench.queue_bench.measure import percentile

        machine_print()
        farm, token = farm_prepare(args.seed)
        print(f"farm: 25 batches x 10 assignments x 120 days; {args.writes} writes per case after {WARM_UP} warm-up")
        print(f"redis-server {redis_server.url} (the benchmark's own); gunicorn, 1 sync worker; logs in {log_dir}\n")
        writer = Writer(farm, token)
        p95 = {}
        for name, fault, extra_env in CASES:
            seconds, failures = run_case(
                fault, extra_env, redis_server=redis_server, writer=writer, writes=args.writes, log_dir=log_dir
            )
            ms = sorted(s * 1000 for s in seconds)
            p95[name] = percentile(ms, 95)
            print(
                f"{name:<24} p50 {percentile(ms, 50):7.1f} ms  p95 {p95[name]:7.1f} ms  max {ms[-1]:7.1f} ms  "
                f"mean {sum(ms) / len(ms):7.1f} ms  (n={len(ms)}; publish failures in the server: {failures})"
            )
        print()
        for name in ("redis stopped", "redis stopped, pause 0", "redis hung"):
            delta = p95[name] - p95["redis up"]
            verdict = "met" if delta <= 100 else "MISSED"
            print(f"p95 {name} - p95 redis up = {delta:+.1f} ms (target <= +100 ms: {verdict})")
    finally:
        redis_server.remove()


if __name__ == "__main__":
    main()
