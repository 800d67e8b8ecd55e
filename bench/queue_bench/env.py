"""Start Django for a queue benchmark and refuse environments it must not touch.

The benchmarks truncate the farm tables and clear their queue, so they insist on a database whose name
contains ``bench``, a real broker (not the embedded eager mode) and a queue of their own.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def setup() -> None:
    """``django.setup()`` with the repository on the path; SIGTERM becomes SystemExit so the worker the
    benchmark started is always stopped by its ``finally``."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquamind.settings")
    # production mode needs a real key; a benchmark serves nobody, so a fresh random one will do
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    signal.signal(signal.SIGTERM, _exit_on_sigterm)

    import django

    django.setup()
    _check()


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _check() -> None:
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"] or ""
    problems = []
    if not settings.IS_POSTGRES:
        problems.append("DATABASE_URL must point at PostgreSQL")
    if "bench" not in name:
        problems.append(f"the database {name!r} is truncated by the benchmarks: its name must contain 'bench'")
    if settings.AQUAMIND_EMBEDDED:
        problems.append("CELERY_BROKER_URL is not set: the queue benchmarks need a real broker")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set: publish deduplication would be off")
    if settings.CELERY_TASK_DEFAULT_QUEUE == "celery":
        problems.append("set CELERY_TASK_DEFAULT_QUEUE to a queue of the benchmark's own (e.g. bench)")
    if problems:
        sys.exit("refusing to run:\n  " + "\n  ".join(problems))
