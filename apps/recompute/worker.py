"""Worker liveness for /health/: each worker's main process records a heartbeat every few seconds."""

from __future__ import annotations

import logging
import socket
import threading

from celery.signals import worker_ready, worker_shutdown

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10
_stop = threading.Event()


def heartbeat_record(*, hostname: str) -> None:
    from django.db import close_old_connections
    from django.utils import timezone

    from apps.batch.models import WorkerHeartbeat

    close_old_connections()
    WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults={"seen_at": timezone.now()})


def _beat(hostname: str) -> None:
    while not _stop.is_set():
        try:
            heartbeat_record(hostname=hostname)
        except Exception:  # the database may be restarting; try again next beat
            logger.warning("worker heartbeat could not be recorded", exc_info=True)
        _stop.wait(HEARTBEAT_SECONDS)


def _start(sender=None, **kwargs) -> None:
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    _stop.clear()
    threading.Thread(target=_beat, args=(hostname,), name="aquamind-heartbeat", daemon=True).start()


def _stop_beating(**kwargs) -> None:
    _stop.set()


def connect() -> None:
    worker_ready.connect(_start, dispatch_uid="aquamind:heartbeat:start", weak=False)
    worker_shutdown.connect(_stop_beating, dispatch_uid="aquamind:heartbeat:stop", weak=False)
