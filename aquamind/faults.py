"""Database errors that pass: the server is away, or two writers collided (docs/operations.md §Database outages).

``database_fault(exc)`` sorts an exception into one of two kinds, or None for everything else (a bug, a value
the database refuses: those stay 500s, or the API's 400s):

- ``UNAVAILABLE``: the database cannot be reached or dropped the connection (connection refused or lost, the
  server shutting down, starting up or in recovery, too many connections, a connection Django already closed).
- ``CONFLICT``: a deadlock, a serialization failure, a lock that was not available (``NOWAIT``), SQLite's
  "database is locked". Nothing was written (the transaction was rolled back); the same request again succeeds.

Both are answered 503 with ``Retry-After``: the request may be sent again as it was (with its
``Idempotency-Key``, a write that did commit is then replayed, not recorded twice).
"""

from __future__ import annotations

import sqlite3

from django.db import InterfaceError, OperationalError

UNAVAILABLE = "database_unavailable"
CONFLICT = "write_conflict"
RETRY_AFTER_SECONDS = {UNAVAILABLE: 5, CONFLICT: 1}
DETAIL = {
    UNAVAILABLE: "The database cannot be reached just now; nothing was lost. Try again in a few seconds.",
    CONFLICT: "This write collided with another one and was not saved. Send it again.",
}
# SQLSTATEs: 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available
CONFLICT_STATES = {"40001", "40P01", "55P03"}
# 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, in recovery)
UNAVAILABLE_STATES = {"57P01", "57P02", "57P03"}
UNAVAILABLE_CLASSES = ("08", "53")  # connection exception, insufficient resources (too many connections)


def database_fault(exc: BaseException | None) -> str | None:
    """``UNAVAILABLE``, ``CONFLICT`` or None (not a passing database error)."""
    if isinstance(exc, InterfaceError):
        return UNAVAILABLE
    if not isinstance(exc, OperationalError):
        return None
    cause = exc.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        message = str(cause).lower()
        return CONFLICT if "locked" in message or "busy" in message else None
    state = getattr(cause, "sqlstate", None)
    if state is None:  # psycopg: a connection refused or lost carries no SQLSTATE
        return UNAVAILABLE
    if state in CONFLICT_STATES:
        return CONFLICT
    if state in UNAVAILABLE_STATES or state.startswith(UNAVAILABLE_CLASSES):
        return UNAVAILABLE
    return None
