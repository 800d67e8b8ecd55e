"""Database helpers shared by the apps."""

from django.db import router, transaction


class SavedWithItsSignals:
    """Model mixin: ``save()`` runs in a transaction that also holds its ``post_save`` handlers' writes.

    The recompute markers are written by ``post_save`` handlers, and Django sends ``post_save`` after the row's
    own write. In a request (``ATOMIC_REQUESTS``) or a service's ``transaction.atomic`` both are in one
    transaction anyway; in autocommit code (a shell, a script, a management command) the row would commit
    alone and a crash before the handler would leave an event with no marker. ``delete()`` needs nothing:
    Django already sends ``post_delete`` inside the delete's transaction. ``savepoint=False``: inside an
    outer transaction this adds no round trip and changes nothing.
    """

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            return super().save(*args, **kwargs)


def fetch_sets(cursor, statements: list[str], params, *, results: bool = True) -> list[list[tuple]]:
    """Run ``statements`` (PostgreSQL, with ``%s`` or ``%(name)s`` placeholders; ``params`` a dict shared by all,
    or a list in statement order) and return each one's rows ([] when ``results`` is False).

    Sent in one round trip when the cursor binds on the client (psycopg's ``ClientCursor``, Django's default):
    a statement costs a recompute more in round trips and Python than the database spends on it. One by one
    otherwise (server-side binding allows one statement per call)."""
    raw = cursor.cursor
    if _binds_on_client(raw) and not _history_context_active():
        cursor.execute(";\n".join(statements), params)
        out = []
        while True:
            out.append(raw.fetchall() if results and raw.description is not None else [])
            if not raw.nextset():
                return out
    out, position = [], 0
    for statement in statements:
        if isinstance(params, dict):
            cursor.execute(statement, params)
        else:
            count = statement.count("%s")
            cursor.execute(statement, params[position : position + count])
            position += count
        out.append(cursor.fetchall() if results and cursor.description is not None else [])
    return out


def _history_context_active() -> bool:
    """Inside a history context (docs/history.md) pghistory prepends its own statement to every query and moves
    the cursor past every result set but the last: several statements in one call would lose all but the last
    one's rows, so they go one by one there."""
    try:
        from pghistory.runtime import _tracker
    except ImportError:
        return False
    return getattr(_tracker, "value", None) is not None


def _binds_on_client(raw) -> bool:
    try:
        from psycopg import ClientCursor
    except ImportError:  # no PostgreSQL driver: never a multi-statement cursor
        return False
    return isinstance(raw, ClientCursor)
