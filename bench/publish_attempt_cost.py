"""What one publish attempt and one de-duplication call cost when Redis is down, with the settings in force.

Starts its own ``redis-server`` (free port, nothing persisted) and points this process's Celery app and the
de-duplication client at it, then times, ``--repeat`` times each (median, min, max):

- ``up``: Redis answers
- ``hung``: the server is stopped with SIGSTOP: the kernel still accepts connections, nothing answers
- ``refused``: the server is gone: connection refused
- ``blackholed``: a listener whose accept queue is full: the connection itself never completes (a dropped SYN)

for ``apply_async`` of the drain task (the broker publish; ``task_publish_retry`` is off, so the
cost is kombu's connection attempts and their sleeps) and ``SET`` on ``apps.recompute.publish._redis()``. No task
is executed and no database row is read. Compare settings by setting their variables, e.g. the values before
2026-12-01: ``CELERY_BROKER_PUBLISH_RETRIES=1 CELERY_BROKER_CONNECTION_TIMEOUT=2 CELERY_BROKER_SOCKET_TIMEOUT=2
REDIS_SOCKET_TIMEOUT=0.5``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_savebench .venv/bin/python bench/publish_attempt_cost.py
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.save_latency import RedisServer  # noqa: E402


def full_backlog_listener() -> tuple[socket.socket, list[socket.socket]]:
    """A listening socket that never accepts, its queue filled: further connections hang in SYN_SENT."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):  # a non-blocking connect is under way
            filler.connect(listener.getsockname())
        fillers.append(filler)
    time.sleep(0.2)
    return listener, fillers


def point_at(url: str) -> None:
    """This process's broker and de-duplication store := ``url`` (pools and clients rebuilt on next use)."""
    from django.conf import settings

    from apps.recompute import publish
    from aquamind.celery import app

    os.environ["CELERY_BROKER_URL"] = url  # Celery reads the variable before its configuration
    settings.CELERY_BROKER_URL = settings.REDIS_URL = url
    app.conf.broker_url = url
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = app.amqp._producer_pool = None
    publish._redis_client = None


def timed(call, repeat: int) -> tuple[list[float], str]:
    """Milliseconds of each call, and how the last one ended."""
    from apps.recompute import publish

    values, outcome = [], ""
    for _ in range(repeat):
        publish.publish_pause.end()
        publish.dedup_pause.end()
        started = time.perf_counter()
        try:
            call()
            outcome = "ok"
        except Exception as error:  # noqa: BLE001 - the failure is what is measured
            outcome = type(error).__name__
        values.append((time.perf_counter() - started) * 1000)
    return values, outcome


def line(name: str, values: list[float], outcome: str) -> str:
    return (f"{name:<28} median {statistics.median(values):8.1f} ms  min {min(values):8.1f} ms  "
            f"max {max(values):8.1f} ms  (n={len(values)}) {outcome}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    server = RedisServer()
    server.start()
    os.environ.update(
        CELERY_BROKER_URL=server.url, REDIS_URL=server.url, CELERY_RESULT_BACKEND="", LOG_LEVEL="CRITICAL"
    )
    os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "attemptbench")
    try:
        from bench.harness import django_setup

        django_setup()
        from django.conf import settings

        from apps.recompute import publish as publishing

        print(
            f"broker: connect timeout {settings.CELERY_BROKER_CONNECTION_TIMEOUT} s, transport options "
            f"{ {k: v for k, v in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items() if k != 'visibility_timeout'} }; "
            f"dedup client timeout {settings.REDIS_SOCKET_TIMEOUT} s\n"
        )
        from aquamind.celery import app

        publish = lambda: app.tasks[publishing.DRAIN_TASK].apply_async(args=[0])  # noqa: E731
        dedup = lambda: publishing._redis().set("aquamind:attemptbench", "1", ex=60)  # noqa: E731
        point_at(server.url)
        faults = (("up", None, None), ("hung", server.pause, server.resume), ("refused", server.stop, None))
        for name, begin, end in faults:
            if begin:
                begin()
            for what, call in (("publish", publish), ("dedup SET", dedup)):
                print(line(f"{what}, {name}", *timed(call, args.repeat)))
            if end:
                end()
        listener, fillers = full_backlog_listener()
        point_at(f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
        for what, call in (("publish", publish), ("dedup SET", dedup)):
            print(line(f"{what}, blackholed", *timed(call, args.repeat)))
        for sock in (listener, *fillers):
            sock.close()
    finally:
        server.remove()


if __name__ == "__main__":
    main()
