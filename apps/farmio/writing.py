"""Write a clean dry run in one transaction, fast: new rows by ``COPY`` (PostgreSQL, with ids drawn from the
table's sequence first so that later kinds can refer to them) or ``bulk_create``, changed rows by
``bulk_update``, with the recompute's signal handlers muted; then one mark per affected assignment from the
earliest day the import changed for it, by the same reach rules the handlers use (docs/import-export.md).

The marks are written with the rows; the drain runs after the commit (``drain_marked``), in this process,
batch by batch, as ``recompute_recent_daily_states --sync`` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from apps.audit.bulk import inserts_record, inserts_unrecorded, trigger_checks_fast
from apps.audit.context import history_channel, history_context_send, history_recorded
from apps.farmio import kinds as K
from apps.farmio.checking import Check, Ref
from apps.farmio.models import ExternalId
from apps.recompute import reach
from apps.recompute.markers import recompute_mark_many
from apps.recompute.signals import recompute_signals_muted
from aquamind.domain import TEMPERATURE_CODE

BULK_CHUNK = 5000
#: scenario models whose reach depends on one field only: one reach query per distinct value, not per row
REACH_SCOPE = {
    "scenario.TemperatureProfileDay": "profile_id",
    "scenario.TGCStageOverride": "model_id",
    "scenario.MortalityStageOverride": "model_id",
    "scenario.FCRModelStage": "model_id",
}


def _db(value):
    return value.pk if isinstance(value, Ref) else value


def _resolved(values: dict) -> dict:
    return {f: _db(v) for f, v in values.items()}


def write(check: Check, *, progress=None, history_bulk: bool = True) -> dict:
    """Write every created and changed record of ``check`` (which must have no problems), the external ids and
    the recompute marks, in one transaction. Returns counts by kind and the marked batches.

    The history (PostgreSQL): every write is recorded through the channel ``import``, keeping the author of
    the command or request, with the file it came from. New rows skip their insert trigger and get their
    "insert" events set-based after their ``COPY`` (``apps/audit/bulk.py``); ``history_bulk=False`` leaves
    them to the triggers (the old path, which the tests use as the oracle of the bulk one). Updated rows are
    recorded by their triggers either way (old and new values)."""
    assert check.problem_count == 0, "a dry run with problems is never written"
    progress = progress or (lambda n: None)
    counts: dict[str, dict[str, int]] = {}
    recorded = history_recorded()
    with transaction.atomic(), recompute_signals_muted(), history_channel("import"):
        if recorded:
            trigger_checks_fast()
        for kind in K.KINDS:
            touched = check.touched.get(kind.name, [])
            if not touched:
                continue
            created = [r for r in touched if r.status == "create"]
            updated = [r for r in touched if r.status == "update"]
            with history_channel("import", **_files_of(touched)):
                history_context_send()  # a COPY is not prefixed with the context: it reads the transaction's
                _create(kind, created, history_bulk=history_bulk and recorded)
                _update(kind, updated)
            counts[kind.name] = {
                "created": len(created),
                "updated": len(updated),
                "unchanged": len(touched) - len(created) - len(updated),
            }
            progress(len(touched))
        pins = _pins_write(check)
        _external_ids_write(check)
        marks = _marks(check, pins)
        marked = recompute_mark_many(marks=marks, publish=False)
    batches = sorted(_batches_of_marks(marks))
    return {"counts": counts, "assignments_marked": marked, "batches": batches}


def _batches_of_marks(marks) -> set[int]:
    from apps.batch.models import BatchContainerAssignment

    ids = sorted({a for a, _ in marks})
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found |= set(
            BatchContainerAssignment.objects.filter(pk__in=ids[start : start + 500]).values_list("batch_id", flat=True)
        )
    return found


# --- rows ------------------------------------------------------------------------------------------------------


def _columns(kind: K.Kind) -> list[models.Field]:
    return [f for f in kind.model._meta.concrete_fields if not f.primary_key]


def _default(field: models.Field, now: dt.datetime):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    return ""


def _files_of(refs: list[Ref]) -> dict[str, str]:
    """The files (or sheets) a kind's rows came from, for the history's context."""
    sources = sorted({r.where[0] for r in refs if r.where is not None and r.where[0]})
    return {"file": ", ".join(sources)[:300]} if sources else {}


def _create(kind: K.Kind, refs: list[Ref], *, history_bulk: bool = False) -> None:
    if not refs:
        return
    if connection.vendor == "postgresql":
        if not history_bulk:
            _copy(kind, refs)
            return
        with inserts_unrecorded(kind.model):
            _copy(kind, refs)
        inserts_record(kind.model, [r.pk for r in refs])
        return
    model = kind.model
    for start in range(0, len(refs), BULK_CHUNK):
        chunk = refs[start : start + BULK_CHUNK]
        made = model.objects.bulk_create([model(**_resolved(r.values)) for r in chunk])
        for ref, row in zip(chunk, made):
            ref.pk = row.pk


def _copy(kind: K.Kind, refs: list[Ref]) -> None:
    """Draw the ids from the table's sequence, then COPY the rows with them (the ids stay in the Refs)."""
    model = kind.model
    table = model._meta.db_table
    quote = connection.ops.quote_name
    fields = _columns(kind)
    now = timezone.now()
    defaults = {f.attname: _default(f, now) for f in fields}
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(refs)]
        )
        ids = [row[0] for row in cursor.fetchall()]
        for ref, pk in zip(refs, ids):
            ref.pk = pk
        columns = ", ".join(quote(c) for c in ["id", *(f.column for f in fields)])
        attnames = [f.attname for f in fields]
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for ref in refs:
                values = ref.values
                row = [_db(values[a]) if a in values else defaults[a] for a in attnames]
                if json_fields:
                    row = [Jsonb(v) if a in json_fields and v is not None else v for a, v in zip(attnames, row)]
                copy.write_row([ref.pk, *row])


def _update(kind: K.Kind, refs: list[Ref]) -> None:
    if not refs:
        return
    model = kind.model
    changed = sorted({f for r in refs for f in kind.fields if r.original[f] != r.values[f]})
    rows = [model(pk=r.pk, **_resolved({f: r.values[f] for f in changed})) for r in refs]
    model.objects.bulk_update(rows, changed, batch_size=1000)


def _pins_write(check: Check) -> list[int]:
    """A scenario row's ``pinned`` decides its batch's pinned scenario; returns the batches whose pin changed."""
    from apps.batch.models import Batch

    changed = []
    for ref in check.touched.get("scenarios", []):
        batch = ref.values["batch_id"]
        if ref.pinned is None or batch is None:
            continue
        stored = check.stored_pins.get(batch.pk)
        if ref.pinned and stored != ref.pk:
            Batch.objects.filter(pk=batch.pk).update(pinned_scenario_id=ref.pk)
            check.stored_pins[batch.pk] = ref.pk
            changed.append(batch.pk)
        elif not ref.pinned and stored is not None and stored == ref.pk:
            Batch.objects.filter(pk=batch.pk).update(pinned_scenario_id=None)
            check.stored_pins.pop(batch.pk)
            changed.append(batch.pk)
    return changed


def _external_ids_write(check: Check) -> None:
    rows = {(kind, external): ref.pk for kind, external, ref in check.external_new if ref.pk is not None}
    if not rows:
        return
    ExternalId.objects.bulk_create(
        [ExternalId(kind=k, external_id=e, object_id=pk) for (k, e), pk in rows.items()],
        update_conflicts=True,
        unique_fields=["kind", "external_id"],
        update_fields=["object_id"],
        batch_size=BULK_CHUNK,
    )


# --- what the import reaches ----------------------------------------------------------------------------------


def _snapshot(kind: K.Kind, values: dict, fields: tuple[str, ...]) -> dict:
    return {f: _db(values.get(f)) for f in fields}


def _marks(check: Check, pinned_batches: list[int]) -> list[tuple[int, dt.date]]:
    """One (assignment, day) per change, by the reach rules; a new assignment from its first day (which covers
    everything else on it, so its other marks are dropped)."""
    new_assignments = {
        r.pk: r.values["assignment_date"] for r in check.touched.get("assignments", []) if r.status == "create"
    }
    marks: list[tuple[int, dt.date]] = list(new_assignments.items())
    marks += reach.assignments_of_batches(pinned_batches)
    scoped: set[tuple] = set()
    readings: list[tuple[int, dt.date]] = []
    for kind in K.KINDS:
        changed = [r for r in check.touched.get(kind.name, []) if r.status in ("create", "update")]
        if not changed or kind.label not in reach.rules():
            continue
        rule = reach.rules()[kind.label]
        for ref in changed:
            if kind.name == "assignments" and ref.status == "create":
                continue
            new = _snapshot(kind, ref.values, rule.fields)
            old = _snapshot(kind, ref.original, rule.fields) if ref.original is not None else None
            if kind.name == "environmental_readings":
                readings += _reading_days(check, ref, old, new)
                continue
            if kind.name == "transfers" and all(
                a in new_assignments
                for side in (old, new)
                if side
                for a in (side["source_assignment_id"], side["dest_assignment_id"])
            ):
                continue  # both ends are new: marked from their first day already
            scope = REACH_SCOPE.get(kind.label)
            if scope is not None:
                token = (kind.label, (old or {}).get(scope), new.get(scope))
                if token in scoped:
                    continue
                scoped.add(token)
            marks += reach.reach_marks(kind.label, old=old, new=new, pk=ref.pk)
    marks += reach.temperature_marks(readings)
    return [(a, d) for a, d in marks if a not in new_assignments or d == new_assignments[a]]


def _reading_days(check: Check, ref: Ref, old, new) -> list[tuple[int, dt.date]]:
    days = []
    for side, values in ((old, ref.original), (new, ref.values)):
        if side is None:
            continue
        parameter = values["parameter_id"]
        if (parameter.values["code"] or "").lower() == TEMPERATURE_CODE:
            days.append((side["container_id"], reach.local_day(side["reading_time"])))
    return days


def drain_marked(batch_ids: Iterable[int], *, progress=None) -> dict:
    """Drain the markers of the import's batches once each, in this process (what a worker would do)."""
    from apps.recompute.drain import markers_drain

    progress = progress or (lambda n: None)
    rows = errors = 0
    for batch_id in batch_ids:
        summary = markers_drain(batch_id=batch_id, trigger="import").summary
        if summary is not None:
            rows += summary.rows
            errors += 0 if summary.ok else 1
        progress(1)
    return {"rows": rows, "errors": errors}
