"""Who wrote, and through what: the ``pghistory`` context every history row carries (docs/history.md).

The context is a small JSON object, ``{"user": id, "username": name, "channel": …, "path" | "command" |
"task": …}``, added by pghistory in front of each SQL statement while a context is active and copied by the
triggers into each event row. The channels:

- ``api``, ``page``, ``admin``: a request (``HistoryMiddleware``); the user is added once it is known, which
  for the API is after DRF's authentication, in the view layer (``history_user``); a quick-entry form on the
  pages posts to the API with ``X-AquaMind-Channel: page``;
- ``completion``: a planned activity's completion recorded the event (``history_channel`` in planning);
- ``command``: ``manage.py <command>`` (``command_history``, entered by ``manage.py``);
- ``system``: a Celery task (workers, Beat, the nightly verifier), entered around every task. In the embedded
  default a task runs inside the request that published it: its writes still say ``system``.

A write made outside every context (raw SQL in psql, a script without the wrapper) is recorded with no
context at all, and shown as "outside AquaMind".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pghistory
from django.db import connection
from pghistory import runtime

CHANNELS = ("api", "page", "admin", "completion", "command", "system", "import")
PAGE_HEADER = "HTTP_X_AQUAMIND_CHANNEL"
#: channels that keep the outer author: a user completed the activity, a user ran the import
KEEPS_AUTHOR = ("completion", "import")


#: the benchmark's switch (bench/history_overhead.py measures a save and a backfill with and without history;
#: it also removes the triggers then). Always on otherwise.
_SWITCH = {"on": True}


def history_recorded() -> bool:
    """History is PostgreSQL's (triggers): on the embedded SQLite default nothing is recorded, and no context
    is entered (pghistory would prefix every statement with PostgreSQL's ``set_config``), no recompute cause or
    move is written."""
    return _SWITCH["on"] and connection.vendor == "postgresql"


@contextlib.contextmanager
def history_switched_off() -> Iterator[None]:
    """Benchmarks only: no context, causes or moves inside (the caller uninstalls the triggers itself)."""
    _SWITCH["on"] = False
    try:
        yield
    finally:
        _SWITCH["on"] = True


def _active() -> runtime.Context | None:
    return getattr(runtime._tracker, "value", None)


@contextlib.contextmanager
def history_channel(channel: str, **metadata) -> Iterator[None]:
    """Record the writes inside as made through ``channel`` (with ``metadata``), then restore what was there.

    Inside an outer context (a request running a task eagerly, a command completing an activity) the outer
    metadata is replaced for the duration and restored after, so the outer writes keep their own author;
    otherwise a new context is entered."""
    assert channel in CHANNELS, channel
    if not history_recorded():
        yield
        return
    active = _active()
    if active is None:
        with pghistory.context(channel=channel, **metadata):
            yield
        return
    saved = dict(active.metadata)
    active.metadata.clear()
    active.metadata.update(saved if channel in KEEPS_AUTHOR else {}, channel=channel, **metadata)
    try:
        yield
    finally:
        active.metadata.clear()
        active.metadata.update(saved)


def history_user(user) -> None:
    """Name the authenticated ``user`` in the active context (the API's view layer, after DRF authenticated
    the token or session); nothing outside a context."""
    if _active() is not None and user is not None and getattr(user, "is_authenticated", False):
        pghistory.context(user=user.pk, username=user.get_username())


def _request_channel(request) -> str:
    path = request.path
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/api/") and request.META.get(PAGE_HEADER, "") != "page":
        return "api"
    return "page"


class HistoryMiddleware:
    """Every write request runs inside a history context: its channel, path and (once known) its user.

    After Django's ``AuthenticationMiddleware``: a session user is named here; a token user of the API is
    named by the API's views once DRF has authenticated it (``history_user``). Reads enter no context (no SQL
    is prefixed for them)."""

    WRITES = ("POST", "PUT", "PATCH", "DELETE")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in self.WRITES or not history_recorded():
            return self.get_response(request)
        with pghistory.context(channel=_request_channel(request), path=request.path[:300]):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                history_user(user)
            return self.get_response(request)


@contextlib.contextmanager
def command_history(argv: list[str]) -> Iterator[None]:
    """``manage.py``'s wrapper: a command's writes are recorded as ``command`` with its name. Servers
    (``runserver``) are left alone: their requests have contexts of their own."""
    name = argv[1] if len(argv) > 1 else ""
    if not name or name in ("runserver", "help", "--help", "-h", "version", "--version"):
        yield
        return
    with history_channel("command", command=name[:100]):
        yield


class _TaskContexts:
    """Celery's ``task_prerun``/``task_postrun`` pair: every task's writes are ``system`` with its name."""

    def __init__(self) -> None:
        self.open: dict[str, contextlib.ExitStack] = {}

    def enter(self, task_id=None, task=None, **_kwargs) -> None:
        stack = contextlib.ExitStack()
        stack.enter_context(history_channel("system", task=getattr(task, "name", "")[:200]))
        self.open[task_id] = stack

    def exit(self, task_id=None, **_kwargs) -> None:
        stack = self.open.pop(task_id, None)
        if stack is not None:
            stack.close()


def connect_task_signals() -> None:
    """Wire the task contexts once (``AuditConfig.ready``)."""
    from celery import signals

    contexts = _TaskContexts()
    signals.task_prerun.connect(contexts.enter, weak=False, dispatch_uid="audit_task_prerun")
    signals.task_postrun.connect(contexts.exit, weak=False, dispatch_uid="audit_task_postrun")
