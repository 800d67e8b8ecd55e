"""History for bulk writes (the import, docs/import-export.md): the rows a ``COPY`` inserts skip their
pghistory insert trigger, and their "insert" events are then written set-based, one ``INSERT … SELECT`` per
table, with exactly what the trigger would have written (docs/history.md, "Bulk writes").

Why: pgtrigger puts in front of every trigger a check of its ``pgtrigger.ignore`` setting inside a PL/pgSQL
``EXCEPTION`` block, which fails — and rolls back a subtransaction — whenever the setting is unset. PostgreSQL
then walks the transaction's queue of deferred foreign-key checks (one per row written so far, Django's
constraints being ``DEFERRABLE INITIALLY DEFERRED``) at each such rollback: a bulk write of *n* rows costs
O(n²). ``trigger_checks_fast`` sets the setting to an empty list for the transaction, so the check finds it and
no exception is raised (every trigger still fires); ``inserts_unrecorded`` names the tables' insert triggers in
it, so they return at once; ``inserts_record`` writes the skipped events.

Everything here is transaction-local (``set_config(…, true)``) and PostgreSQL only: callers check
``history_recorded()``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import pgtrigger
from django.apps import apps
from django.db import connection, models

from apps.audit.models import HistoryEvent

#: what pghistory's triggers write for the context and the time (pghistory.trigger.Event.get_func)
CONTEXT_SQL = "COALESCE(NULLIF(CURRENT_SETTING('pghistory.context_metadata', TRUE), ''), NULL)::JSONB"
CONTEXT_ID_SQL = "COALESCE(NULLIF(CURRENT_SETTING('pghistory.context_id', TRUE), ''), NULL)::UUID"
IGNORE_SETTING = "SELECT set_config('pgtrigger.ignore', %s, true)"


def event_model(model: type[models.Model]) -> type[HistoryEvent] | None:
    """The history model tracking ``model`` (None: not tracked)."""
    for candidate in apps.get_app_config("audit").get_models():
        if issubclass(candidate, HistoryEvent) and candidate.pgh_tracked_model is model:
            return candidate
    return None


def insert_trigger_names(model: type[models.Model]) -> list[str]:
    """The database names of pghistory's insert triggers on ``model``'s table."""
    names = []
    for registered_model, trigger in pgtrigger.registry.registered():
        if registered_model is model and trigger.operation == pgtrigger.Insert and trigger.name.startswith("insert"):
            names.append(trigger.get_pgid(model))
    return names


def _ignore_set(names: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(IGNORE_SETTING, ["{" + ",".join(sorted(names)) + "}"])


def trigger_checks_fast() -> None:
    """For the rest of the transaction, pgtrigger's check finds its setting (an empty list: nothing ignored)
    instead of raising and catching an error per row (see the module's docstring)."""
    _ignore_set([])


@contextlib.contextmanager
def inserts_unrecorded(model: type[models.Model]) -> Iterator[None]:
    """Inside, rows inserted into ``model``'s table fire no history trigger (in this transaction only); the
    caller records them with ``inserts_record``. Updates and deletes still fire theirs. After, the setting is
    an empty list (``trigger_checks_fast``), not unset."""
    _ignore_set(insert_trigger_names(model))
    try:
        yield
    finally:
        _ignore_set([])


def inserts_record(model: type[models.Model], ids: list[int]) -> int:
    """Write the "insert" event of each row of ``model`` with an id in ``ids``, as its trigger would have: the
    row's tracked columns, the active history context (read from the transaction's settings, as the trigger
    reads them: the statement goes through the context's execute wrapper), the transaction's time and id, in
    the order of the ids (the order they were inserted in when drawn from the sequence)."""
    history = event_model(model)
    if history is None or not ids:
        return 0
    tracked = {f.name for f in model._meta.fields}
    quote = connection.ops.quote_name
    columns = {
        f.column: f"t.{quote(f.column)}"
        for f in history._meta.fields
        if not isinstance(f, models.AutoField) and f.name in tracked and f.concrete
    }
    columns["pgh_created_at"] = "NOW()"
    columns["pgh_label"] = "'insert'"
    columns["pgh_obj_id"] = f"t.{quote(model._meta.pk.column)}"
    columns["pgh_context"] = CONTEXT_SQL
    columns["pgh_context_id"] = CONTEXT_ID_SQL
    targets = ", ".join(quote(c) for c in columns)
    values = ", ".join(columns.values())
    pk = quote(model._meta.pk.column)
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({targets}) "
        f"SELECT {values} FROM {quote(model._meta.db_table)} t WHERE t.{pk} = ANY(%s) ORDER BY t.{pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids)])
        return cursor.rowcount
