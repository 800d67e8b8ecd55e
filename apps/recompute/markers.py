"""Durable, coalescing recompute markers: the outbox of docs/architecture.md.

``recompute_mark`` writes in the caller's transaction: per assignment the earliest dirty date (lowered,
never raised) and a generation counter bumped on every mark. After the transaction commits, a task is
published (deduplicated). If publishing fails the marker stays and the sweeper picks it up.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from apps.audit.context import history_recorded
from apps.audit.models import MarkCause
from apps.batch.models import BatchContainerAssignment, RecomputeMarker
from apps.recompute import publish

logger = logging.getLogger(__name__)
MARKER_TABLE = RecomputeMarker._meta.db_table
ASSIGNMENT_TABLE = BatchContainerAssignment._meta.db_table
ONE_PER_BATCH_CHUNK = 500  # ids per query (SQLite's variable limit)
CAUSE_TABLE = MarkCause._meta.db_table
#: the marking transaction's id and its history context (docs/history.md): one row per marked assignment
CAUSES_SQL = (
    f"INSERT INTO {CAUSE_TABLE} (assignment_id, batch_id, xid, from_day, context, marked_at) "
    f"SELECT a.id, a.batch_id, txid_current(), v.day, "
    f"NULLIF(current_setting('pghistory.context_metadata', true), '')::jsonb, %s "
    f"FROM unnest(%s::bigint[], %s::date[]) AS v(id, day) JOIN {ASSIGNMENT_TABLE} a ON a.id = v.id"
)


def _upsert_sql() -> str:
    lowest = "LEAST" if connection.vendor == "postgresql" else "MIN"
    return (
        f"INSERT INTO {MARKER_TABLE} (assignment_id, batch_id, dirty_from, generation, created_at, updated_at, attempts, last_error) "
        f"SELECT a.id, a.batch_id, %s, 1, %s, %s, 0, '' FROM {ASSIGNMENT_TABLE} a WHERE a.id = %s "
        f"ON CONFLICT (assignment_id) DO UPDATE SET "
        f"dirty_from = {lowest}({MARKER_TABLE}.dirty_from, excluded.dirty_from), "
        f"generation = {MARKER_TABLE}.generation + 1, updated_at = excluded.updated_at, "
        # an assignment moved to another batch takes its pending work along
        f"batch_id = excluded.batch_id, "
        # new work un-parks poison work for one more try: an edit that fixed the bad row then heals the batch
        f"parked_at = NULL"
    )


def _upsert_sql_postgresql() -> str:
    """``_upsert_sql`` for many assignments in one statement: (id, day) pairs from two arrays, in id order."""
    head, _, conflict = _upsert_sql().partition(" ON CONFLICT ")
    insert = head.partition(" SELECT ")[0]
    return (
        f"{insert} SELECT a.id, a.batch_id, v.day, 1, %s, %s, 0, '' "
        f"FROM unnest(%s::bigint[], %s::date[]) AS v(id, day) JOIN {ASSIGNMENT_TABLE} a ON a.id = v.id "
        f"ORDER BY a.id ON CONFLICT {conflict}"
    )


def recompute_mark(*, assignment_id: int, from_date: dt.date, publish: bool = True) -> None:
    """Record that ``assignment_id`` must be recomputed from ``from_date`` on, and publish after commit."""
    recompute_mark_many(marks=[(assignment_id, from_date)], publish=publish)


def recompute_mark_many(*, marks: Iterable[tuple[int, dt.date]], publish: bool = True) -> int:
    """Mark several assignments at once (bulk imports, scenario edits, the nightly catch-up).

    The earliest date per assignment wins; rows are written in id order so that concurrent markers never
    deadlock. Unknown (e.g. just deleted) assignments are ignored. Returns how many were marked.
    On PostgreSQL each mark also leaves a ``MarkCause``: this transaction's id, which its history rows carry,
    for the run that drains the marker to name the changes behind it.
    """
    earliest: dict[int, dt.date] = {}
    for assignment_id, day in marks:
        if assignment_id is not None and day is not None:
            earliest[assignment_id] = min(day, earliest.get(assignment_id, day))
    if not earliest:
        return 0
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        ids = sorted(earliest)
        if connection.vendor == "postgresql":
            # one statement (pghistory's context cannot prefix an executemany), rows in id order; then the
            # causes: the history, and so the causes, are PostgreSQL's
            days = [earliest[a] for a in ids]
            cursor.execute(_upsert_sql_postgresql(), [now, now, ids, days])
            if history_recorded():
                cursor.execute(CAUSES_SQL, [now, ids, days])
        else:
            cursor.executemany(_upsert_sql(), [(earliest[a], now, now, a) for a in ids])
        if publish:
            _publish_on_commit(sorted(earliest))
    return len(earliest)


def batch_marks(*, batch_id: int, from_date: dt.date | None = None) -> list[tuple[int, dt.date]]:
    """(assignment, day) of every assignment of the batch with days from ``from_date`` on, from that day (every
    assignment from its first day when None). One query."""
    assignments = BatchContainerAssignment.objects.filter(batch_id=batch_id)
    if from_date is not None:
        assignments = assignments.exclude(departure_date__lte=from_date)
    return [(pk, from_date or first) for pk, first in assignments.order_by("pk").values_list("pk", "assignment_date")]


def batch_mark(*, batch_id: int, from_date: dt.date | None = None) -> int:
    """Mark every assignment of the batch that has days from ``from_date`` on (all of them, from their first
    day, when None); a task is published after commit. Returns how many were marked."""
    return recompute_mark_many(marks=batch_marks(batch_id=batch_id, from_date=from_date))


def _marked_by_batch(assignment_ids: list[int]) -> list[tuple[int | None, list[int]]]:
    """The still-marked assignments among ``assignment_ids`` grouped by batch, read after the commit (a
    marker deleted with its assignment in the same transaction is gone). One id: no query, batch unknown."""
    if len(assignment_ids) == 1:
        return [(None, assignment_ids)]
    by_batch: dict[int, list[int]] = {}
    for start in range(0, len(assignment_ids), ONE_PER_BATCH_CHUNK):
        chunk = assignment_ids[start : start + ONE_PER_BATCH_CHUNK]
        for assignment_id, batch_id in RecomputeMarker.objects.filter(assignment_id__in=chunk).values_list(
            "assignment_id", "batch_id"
        ):
            by_batch.setdefault(batch_id, []).append(assignment_id)
    return [(batch_id, sorted(ids)) for batch_id, ids in sorted(by_batch.items())]


def _publish_on_commit(assignment_ids: list[int]) -> None:
    """After commit, one task per batch rather than one per assignment: a task drains every marker of its
    batch, so the others would be no-op runs (a 4-assignment batch: 1 task, not 4). The task carries its
    batch, so it drains it even if its assignment is deleted before it starts. An assignment whose task is
    already queued (dedup key held) is skipped and the next one tried, so every marker is covered either by
    its own queued task or by the one published here.

    A broker outage costs the transaction at most one publish attempt (docs/architecture.md): publishing stops at
    the first failure, and while this process's publishing is paused after a failure nothing is tried at
    all. The markers stay committed and the sweeper publishes them."""

    def publish_all() -> None:
        if publish.publish_paused():
            return
        failures = publish.publish_failures
        for batch_id, ids in _marked_by_batch(assignment_ids):
            for assignment_id in ids:
                if publish.enqueue_recompute_with_deduplication(assignment_id, batch_id=batch_id):
                    break
                if publish.publish_failures != failures:  # that attempt failed: the rest waits for the sweeper
                    return

    transaction.on_commit(publish_all, robust=True)


def pending_markers_summary() -> dict:
    """Operator view: how many markers wait, how old the oldest waiting one is (seconds), and the batches whose
    work is parked (poison: it failed RECOMPUTE_MAX_ATTEMPTS times and waits for a fix or a replay)."""
    waiting = RecomputeMarker.objects.filter(parked_at__isnull=True)
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    parked = sorted(set(RecomputeMarker.objects.filter(parked_at__isnull=False).values_list("batch_id", flat=True)))
    return {
        "pending_markers": waiting.count(),
        "oldest_marker_age_seconds": round((timezone.now() - oldest).total_seconds(), 1) if oldest else None,
        "parked_batches": parked,
    }
