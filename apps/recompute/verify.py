"""The verifier: the proof, and the safety net, of the one invariant (docs/architecture.md).

``daily_states_verify`` recomputes batches in memory, compares every stored row with what a full recompute
writes, field for field, repairs what differs through the normal saver under the batch lock, and records a
``VerificationRun``. It heals writes that bypassed every signal (``QuerySet.update``, raw SQL, a restore).

A batch with pending recompute markers is skipped: its queue has not drained, so its rows may rightly lag.
A batch that cannot be computed (no scenario) is skipped too, and so are the rows of an assignment the engine
refuses (no starting weight): a full recompute would leave those rows as they are.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from apps.batch.models import ActualDailyAssignmentState, Batch, RecomputeMarker, VerificationRun
from apps.batch.services.inputs import batch_inputs_load
from apps.batch.services.recompute import batch_compute
from apps.batch.services.saving import COLUMNS, STATE_TABLE, STORED_COLUMNS, stored_tuple
from apps.recompute.parallel import batches_largest_first, map_batches
from apps.recompute.run import batch_recompute
from aquamind.errors import RecomputeError

# every column the saver writes but the row's key and its computation time, in the saver's order
COMPARED = tuple(c for c in COLUMNS if c not in ("assignment_id", "date", "last_computed_at"))
JSON_COLUMNS = frozenset({"sources", "confidence_scores"})
DETAIL_LIMIT = 200  # assignments listed in a run's details


@dataclass
class AssignmentDifference:
    """How one assignment's stored rows differ from a full recompute."""

    batch_id: int
    assignment_id: int
    first_day: dt.date
    rows: int = 0
    fields: set[str] = field(default_factory=set)

    def as_json(self) -> dict:
        return {
            "batch_id": self.batch_id,
            "assignment_id": self.assignment_id,
            "first_day": self.first_day.isoformat(),
            "rows": self.rows,
            "fields": sorted(self.fields),
        }


@dataclass
class BatchCheck:
    batch_id: int
    rows_checked: int = 0
    differences: list[AssignmentDifference] = field(default_factory=list)
    skipped: str = ""
    repaired: int = 0

    @property
    def rows_differing(self) -> int:
        return sum(d.rows for d in self.differences)


def expected_rows(batch_id: int, writes) -> dict[tuple[int, dt.date], tuple]:
    """The rows the saver would store for ``writes``, as the database returns them (rounded once, like it)."""
    rows = {}
    for w in writes:
        for r in w.rows:
            values = stored_tuple(batch_id, w, r)
            rows[(w.assignment_id, r.date)] = tuple(values[i] for i in _COMPARED_AT)
    return rows


_COMPARED_AT = tuple(STORED_COLUMNS.index(c) for c in COMPARED)  # where stored_tuple has each compared column


def stored_rows(assignment_ids: Iterable[int]) -> dict[tuple[int, dt.date], tuple]:
    """The stored rows of ``assignment_ids`` by (assignment, date): the COMPARED values, as ``expected_rows``
    has them. On PostgreSQL through the driver directly, each distinct JSON text decoded once: Django's
    per-row converters and JSON decoding were a third of a national verification (issue 21)."""
    ids = list(assignment_ids)
    if connection.vendor != "postgresql":
        rows = ActualDailyAssignmentState.objects.filter(assignment_id__in=ids).values_list(
            "assignment_id", "date", *COMPARED
        )
        return {(row[0], row[1]): row[2:] for row in rows}
    columns = ", ".join(f"{c}::text" if c in JSON_COLUMNS else c for c in ("assignment_id", "date", *COMPARED))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {STATE_TABLE} WHERE assignment_id = ANY(%s)", [ids])
        fetched = cursor.fetchall()
    decode = functools.lru_cache(maxsize=4096)(json.loads)  # the engine shares these objects between days
    json_at = [i for i, c in enumerate(COMPARED) if c in JSON_COLUMNS]
    stored = {}
    for row in fetched:
        values = list(row[2:])
        for i in json_at:
            values[i] = decode(values[i])
        stored[(row[0], row[1])] = tuple(values)
    return stored


def compare(batch_id: int, expected: dict, stored: dict) -> list[AssignmentDifference]:
    """Per assignment: the rows that differ, are missing or should not exist, their first day and fields."""
    found: dict[int, AssignmentDifference] = {}

    def note(key, fields: Iterable[str]) -> None:
        assignment_id, day = key
        diff = found.setdefault(assignment_id, AssignmentDifference(batch_id, assignment_id, day))
        diff.first_day = min(diff.first_day, day)
        diff.rows += 1
        diff.fields.update(fields)

    for key, want in expected.items():
        have = stored.get(key)
        if have is None:
            note(key, ["(missing row)"])
        elif have != want:
            note(key, [name for name, a, b in zip(COMPARED, have, want) if a != b])
    for key in stored.keys() - expected.keys():
        note(key, ["(row outside the assignment's days)"])
    return sorted(found.values(), key=lambda d: d.assignment_id)


def batch_verify(*, batch_id: int, repair: bool, today: dt.date) -> BatchCheck:
    """Check one batch under its lock (no recompute writes it meanwhile); repair it with a full recompute."""
    check = BatchCheck(batch_id=batch_id)
    with transaction.atomic():
        Batch.objects.select_for_update(no_key=True).filter(pk=batch_id).values_list("pk").first()
        if RecomputeMarker.objects.filter(batch_id=batch_id).exists():
            check.skipped = "recompute work pending"
            return check
        try:
            inputs = batch_inputs_load(batch_id=batch_id, today=today, from_dates=None)
        except RecomputeError as error:
            check.skipped = f"cannot be computed: {error.code}"
            return check
        data = inputs.data
        writes, errors = batch_compute(inputs)
        refused = {e.assignment_id for e in errors}
        expected = expected_rows(batch_id, writes)
        stored = stored_rows(a.id for a in data.assignments if a.id not in refused)
        check.rows_checked = len(expected.keys() | stored.keys())
        check.differences = compare(batch_id, expected, stored)
        if repair and check.differences:
            batch_recompute(batch_id=batch_id, today=today, trigger="verify_repair")
            check.repaired = check.rows_differing
    return check


def daily_states_verify(
    *,
    batch_ids: list[int] | None = None,
    repair: bool = True,
    trigger: str = "manual",
    today: dt.date | None = None,
    processes: int = 1,
) -> VerificationRun:
    """Verify ``batch_ids`` (every batch when None) and record what was found as a ``VerificationRun``.

    ``processes`` > 1 checks the batches in that many forked processes (apps.recompute.parallel; each batch
    is still checked whole, under its lock, so the findings are the same); the run is recorded here."""
    started, clock = timezone.now(), time.perf_counter()
    today = today or timezone.localdate()
    ids = list(Batch.objects.order_by("pk").values_list("pk", flat=True)) if batch_ids is None else batch_ids
    order = batches_largest_first(ids) if processes > 1 else ids
    by_batch = {c.batch_id: c for c in map_batches(_BatchVerify(repair, today), order, processes=processes)}
    checks = [by_batch[batch_id] for batch_id in ids]  # the details list batches in the order asked
    differing = [d for c in checks for d in c.differences]
    skipped = defaultdict(list)
    for c in checks:
        if c.skipped:
            skipped[c.skipped].append(c.batch_id)
    return VerificationRun.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        duration_ms=(time.perf_counter() - clock) * 1000,
        trigger=trigger[:40],
        repair=repair,
        batches_checked=sum(1 for c in checks if not c.skipped),
        batches_skipped=sum(1 for c in checks if c.skipped),
        batches_differing=sum(1 for c in checks if c.differences),
        rows_checked=sum(c.rows_checked for c in checks),
        rows_differing=sum(c.rows_differing for c in checks),
        rows_repaired=sum(c.repaired for c in checks),
        details={
            "differences": [d.as_json() for d in differing[:DETAIL_LIMIT]],
            "more_differences": max(0, len(differing) - DETAIL_LIMIT),
            "skipped": dict(skipped),
        },
    )


class _BatchVerify:
    """``batch_verify`` of one batch with fixed arguments; a class so that a process pool can pickle it."""

    def __init__(self, repair: bool, today: dt.date) -> None:
        self.repair, self.today = repair, today

    def __call__(self, batch_id: int) -> BatchCheck:
        return batch_verify(batch_id=batch_id, repair=self.repair, today=self.today)


def last_verification() -> VerificationRun | None:
    return VerificationRun.objects.order_by("-started_at").first()
