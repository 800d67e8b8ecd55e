"""Publishing the recompute's drain tasks, by name: no service imports the task module (docs/architecture.md).

Publishing is deduplicated per assignment through a Redis key that a queued task holds until it starts;
correctness never depends on it: the durable markers are the source of truth, and the sweeper re-publishes
any marker that waits too long. A failed publish is logged and counted, never raised, and pauses this
process's publishing for RECOMPUTE_PUBLISH_PAUSE_SECONDS.
"""

from __future__ import annotations

import logging
import time

import redis
from celery import current_app
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)
#: the task that drains the batch of an assignment (apps.recompute.tasks.recompute_drain)
DRAIN_TASK = "apps.recompute.tasks.recompute_drain"
DEDUP_PREFIX = "aquamind:recompute:queued:"
publish_failures = 0  # since this process started; logged each time, shown by /health/


class _Pause:
    """A per-process circuit breaker: once started, ``active()`` is true for ``seconds``; ``end()`` closes it."""

    def __init__(self) -> None:
        self.until = 0.0  # time.monotonic()

    def active(self) -> bool:
        return time.monotonic() < self.until

    def start(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds

    def end(self) -> None:
        self.until = 0.0


# After a failed publish: no publish and no de-duplication call (docs/architecture.md); after a failed
# de-duplication call: publish without de-duplication. Both last RECOMPUTE_PUBLISH_PAUSE_SECONDS.
publish_pause = _Pause()
dedup_pause = _Pause()
_redis_client: redis.Redis | None = None


def _redis() -> redis.Redis | None:
    """The de-duplication client: one attempt per call (no retries), connect and read within REDIS_SOCKET_TIMEOUT."""
    global _redis_client
    if not settings.REDIS_URL:
        return None
    if _redis_client is None:
        timeout = settings.REDIS_SOCKET_TIMEOUT
        _redis_client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
    return _redis_client


def get_dedup_key(assignment_id: int) -> str:
    return f"{DEDUP_PREFIX}{assignment_id}"


def _dedup_claim(assignment_id: int) -> bool | None:
    """Take the assignment's dedup key: True taken, False already held (a task is queued and not started),
    None when de-duplication is off, paused or Redis failed (which pauses it)."""
    client = _redis()
    if client is None or dedup_pause.active():
        return None
    try:
        return bool(client.set(get_dedup_key(assignment_id), "1", nx=True, ex=settings.RECOMPUTE_DEDUP_TTL_SECONDS))
    except redis.RedisError:
        dedup_pause.start(settings.RECOMPUTE_PUBLISH_PAUSE_SECONDS)
        logger.warning("de-duplication is off for %s s: Redis failed", settings.RECOMPUTE_PUBLISH_PAUSE_SECONDS)
        return None


def dedup_key_clear(assignment_id: int) -> None:
    client = _redis()
    if client is not None:
        try:
            client.delete(get_dedup_key(assignment_id))
        except redis.RedisError:
            logger.warning("could not clear the dedup key of assignment %s", assignment_id)


def publish_paused() -> bool:
    """True while this process skips publishing after a failure: the markers wait for the sweeper."""
    return publish_pause.active()


def enqueue_recompute_with_deduplication(
    assignment_id: int, *, force: bool = False, batch_id: int | None = None
) -> bool:
    """Publish a drain task for ``assignment_id`` unless one is already waiting; True when published. Never
    raises: a publish failure is logged and counted, and the durable marker waits for the sweeper.

    Costs at most one broker attempt and one de-duplication call. A failure pauses this process's publishing
    for RECOMPUTE_PUBLISH_PAUSE_SECONDS (``publish_paused()``: no attempt at all, returns False); ``force``
    (the sweeper) bypasses both the pause and de-duplication, and a success ends the pause. Give ``batch_id``
    when the task stands for every marker of the batch: it then drains the batch even if the assignment is
    deleted before the task starts."""
    global publish_failures
    if not force and publish_pause.active():
        return False
    claimed = None if force else _dedup_claim(assignment_id)
    if claimed is False:
        return False
    kwargs = {} if batch_id is None else {"batch_id": batch_id}
    try:
        current_app.tasks[DRAIN_TASK].apply_async(args=[assignment_id], kwargs=kwargs)
    except Exception:  # broker down or unreachable: the marker is safe in the database
        publish_failures += 1
        publish_pause.start(settings.RECOMPUTE_PUBLISH_PAUSE_SECONDS)
        logger.exception(
            "publishing the recompute of assignment %s failed (%s so far); no publishing for %s s",
            assignment_id, publish_failures, settings.RECOMPUTE_PUBLISH_PAUSE_SECONDS,
        )  # fmt: skip
        if claimed:  # the key we took would hold back the next event's publish
            dedup_key_clear(assignment_id)
        return False
    publish_pause.end()
    return True
