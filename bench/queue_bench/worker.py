"""One real Celery worker process for a benchmark, and the broker's view of its queue.

``worker_running()`` starts ``celery -A aquamind worker -c 1 -Q <queue> -n bench@%h`` with the benchmark's
environment, waits until the worker has recorded its heartbeat (apps.recompute.worker: written on
``worker_ready``), and always stops it: SIGTERM (warm shutdown), then SIGKILL of its own process group
after a timeout.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from django.conf import settings
from django.utils import timezone

from apps.batch.models import WorkerHeartbeat
from apps.recompute.publish import DEDUP_PREFIX
from bench.queue_bench.env import ROOT

HOSTNAME_PREFIX = "bench@"
READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30


def queue_name() -> str:
    return settings.CELERY_TASK_DEFAULT_QUEUE


def broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)


def broker_reset() -> None:
    """Drop this queue's leftover messages (waiting or unacknowledged) and every publish dedup key."""
    client = broker()
    queue = queue_name()
    stale = [k for k in client.scan_iter(match=f"{queue}*") if _is_queue_key(k, queue)]
    stale += list(client.scan_iter(match=f"{DEDUP_PREFIX}*"))
    if settings.REDIS_URL != settings.CELERY_BROKER_URL:
        dedup = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(dedup.scan_iter(match=f"{DEDUP_PREFIX}*"))
        if keys:
            dedup.delete(*keys)
    if stale:
        client.delete(*stale)
    tags = [tag for tag, raw in client.hgetall("unacked").items() if json.loads(raw)[2] == queue]
    if tags:
        client.hdel("unacked", *tags)
        client.zrem("unacked_index", *tags)


def _is_queue_key(key: bytes, queue: str) -> bool:
    """The queue's list, or one of kombu's priority lists (``<queue>\\x06\\x16<n>``)."""
    name = key.decode(errors="replace")
    return name == queue or name.startswith(f"{queue}\x06\x16")


def queue_depth() -> int:
    """Messages waiting in the queue plus those a worker has taken and not yet acknowledged."""
    client = broker()
    queue = queue_name()
    unacked = sum(1 for raw in client.hvals("unacked") if json.loads(raw)[2] == queue)
    return client.llen(queue) + unacked


@contextlib.contextmanager
def worker_running(concurrency: int = 1):
    """A ready worker with ``concurrency`` pool processes for the duration of the block; it is stopped
    however the block ends."""
    celery = Path(sys.executable).parent / "celery"
    command = [
        str(celery), "-A", "aquamind", "worker", "-c", str(concurrency), "-Q", queue_name(), "-n", f"{HOSTNAME_PREFIX}%h",
        "--loglevel=WARNING",
    ]  # fmt: skip
    log = tempfile.NamedTemporaryFile("w", prefix="qbench-worker-", suffix=".log", delete=False)
    since = timezone.now()
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_ready(process, since, Path(log.name))
        yield process
    finally:
        _stop(process)
        log.close()
        errors = _log_problems(Path(log.name))
        if errors:
            print(f"worker log {log.name} has {len(errors)} error line(s), first: {errors[0]}", file=sys.stderr)
        else:
            os.unlink(log.name)


def _wait_ready(process: subprocess.Popen, since, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not WorkerHeartbeat.objects.filter(hostname__startswith=HOSTNAME_PREFIX, seen_at__gte=since).exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not become ready:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    """Warm shutdown, then SIGKILL to the worker's process group while its leader is not yet reaped (a
    zombie still holds the group id, so the signal cannot reach anything but the processes started here)."""
    if process.poll() is not None:
        return
    process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while not _exited(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _exited(pid: int) -> bool:
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _log_problems(log_path: Path) -> list[str]:
    lines = log_path.read_text(errors="replace").splitlines()
    return [line for line in lines if "ERROR" in line or "Traceback" in line]
