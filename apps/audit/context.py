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
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

CHANNELS = ("api", "page", "admin", "completion", "command", "system", "import")
PAGE_HEADER = "HTTP_X_AQUAMIND_CHANNEL"
#: channels that keep the outer author: a user completed the activity, a user ran the import
KEEPS_AUTHOR = ("completion", "import")
#: statements that write nothing a trigger sees (and some that cannot run after a SELECT in one string)
NOT_PREFIXED = (
    "select",
    "vacuum",
    "analyze",
    "checkpoint",
    "discard",
    "load",
    "cluster",
    "reindex",
    "create",
    "alter",
    "drop",
    "set ",
    "begin",
    "start",
    "show",
    "copy",
    "savepoint",
    "release",
    "rollback",
    "commit",
)
SET_CONTEXT = "SELECT set_config('pghistory.context_id', %s, true), set_config('pghistory.context_metadata', %s, true)"

#: the benchmark's switch (bench/history_overhead.py measures a save and a backfill with and without history;
#: it also removes the triggers then). Always on otherwise.
_SWITCH = {"on": True}
_local = threading.local()


@dataclass
class Context:
    """The active context of this thread: its id (pghistory's ``pgh_context_id``) and what it says."""

    id: uuid.UUID = field(default_factory=uuid.uuid4)
    metadata: dict = field(default_factory=dict)


def history_recorded() -> bool:
    """History is PostgreSQL's (triggers): on the embedded SQLite default nothing is recorded, and no context
    is entered (pghistory would prefix every statement with PostgreSQL's ``set_config``), no recompute cause or
    move is written."""
    return _SWITCH["on"] and connection.vendor == "postgresql"


def _active() -> Context | None:
    return getattr(_local, "context", None)


def _prefix_sql(sql) -> bool:
    text = sql.decode() if isinstance(sql, bytes) else sql
    return not text.lstrip()[:12].lower().startswith(NOT_PREFIXED)


def _inject(execute, sql, params, many, context):
    """The execute wrapper while a context is active: the statement is sent after a ``set_config`` of the
    context (transaction-local, which the triggers read) in the same string, and the cursor is moved past that
    one extra result, so the caller reads its own statement's rows — every one of them when it sent several
    statements at once (``aquamind.db.fetch_sets``). pghistory's own wrapper skips to the *last* result
    instead, which breaks such multi-statement reads; hence this one.

    ``executemany`` gets the ``set_config`` as a statement of its own first."""
    active = _active()
    cursor = context["cursor"]
    if active is None or not _prefix_sql(sql) or getattr(cursor.cursor, "name", None):
        return execute(sql, params, many, context)
    values = [str(active.id), json.dumps(active.metadata, cls=DjangoJSONEncoder)]
    if many:
        cursor.cursor.execute(SET_CONTEXT, values)
        return execute(sql, params, many, context)
    is_bytes = isinstance(sql, bytes)
    body = sql.decode() if is_bytes else sql
    if params is None:
        body = body.replace("%", "%%")  # no parameters: its % signs were literal, and now it will have some
    if isinstance(params, dict):
        params = {**params, "pgh_ctx_id": values[0], "pgh_ctx_meta": values[1]}
        head = SET_CONTEXT.replace("%s", "%(pgh_ctx_id)s", 1).replace("%s", "%(pgh_ctx_meta)s", 1)
    else:
        params, head = (*values, *(params or ())), SET_CONTEXT
    text = f"{head}; {body}"
    result = execute(text.encode() if is_bytes else text, params, many, context)
    cursor.cursor.nextset()  # past the set_config's row: the statement's own result is current
    return result


@contextlib.contextmanager
def history_context(**metadata) -> Iterator[Context]:
    """Writes inside carry ``metadata`` in their history rows (the triggers copy it from the transaction).
    Inside an active context it adds to it. PostgreSQL only: elsewhere it does nothing."""
    active = _active()
    if active is not None:
        active.metadata.update(metadata)
        yield active
        return
    if not history_recorded():
        yield Context(metadata=metadata)
        return
    with _activated(Context(metadata=dict(metadata))) as context:
        yield context


@contextlib.contextmanager
def _activated(context: Context) -> Iterator[Context]:
    """``context`` active in this thread, and added to this thread's statements, while inside."""
    _local.context = context
    try:
        with connection.execute_wrapper(_inject):
            yield context
    finally:
        del _local.context


def history_context_carried() -> Callable[[], contextlib.AbstractContextManager]:
    """The calling thread's active context, to be entered in another thread (whose connection is its own):
    a function returning a context manager that, in that thread, makes the same context active and adds it to
    that thread's statements, as ``history_context`` does here. Outside a context it does nothing."""
    active = _active()

    @contextlib.contextmanager
    def entered() -> Iterator[None]:
        if active is None or not history_recorded():
            yield
            return
        with _activated(active):
            yield

    return entered


def history_context_send() -> None:
    """Send the active context to the transaction now, for the statements the wrapper does not prefix (a
    ``COPY``): they then carry it like any other write of the transaction. Nothing outside a context."""
    active = _active()
    if active is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(SET_CONTEXT, [str(active.id), json.dumps(active.metadata, cls=DjangoJSONEncoder)])


@contextlib.contextmanager
def history_switched_off() -> Iterator[None]:
    """Benchmarks only: no context, causes or moves inside (the caller uninstalls the triggers itself)."""
    _SWITCH["on"] = False
    try:
        yield
    finally:
        _SWITCH["on"] = True


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
        with history_context(channel=channel, **metadata):
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
        active = _active()
        active.metadata.update(user=user.pk, username=user.get_username())


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
        with history_context(channel=_request_channel(request), path=request.path[:300]):
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
