"""Growth segments written with the states (docs/forecast.md "Segments", "How it is kept fresh").

An assignment recomputed from its first day gets all its segments anew; one restarted on an anchor day A
(docs/engine.md §8) keeps its stored segments ending on or before A -- their days are unchanged -- and gets the
segments after A from the new rows.

On PostgreSQL the new segments are first compared with the stored ones they replace (same assignment and end
day, every value equal): those are left as they are (their ``id`` and ``computed_at`` stay), and only the
segments that differ, appear or disappear are deleted and written. Days after an assignment's last weighing
belong to no segment, so a nightly catch-up changes none unless a weighing or a late reading arrived, and a
backfill over right rows changes none. The segments stored are the same either way (tested).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import connection

from apps.forecast.engine import Segment, segments_compute
from apps.forecast.models import GrowthSegment
from aquamind.db import fetch_sets

if TYPE_CHECKING:
    from apps.batch.services.loading import BatchData
    from apps.batch.services.saving import AssignmentWrite


def segments_refresh(
    data: BatchData, writes: list[AssignmentWrite], computed_at: dt.datetime, *, also: tuple[str, list] | None = None
) -> list[tuple]:
    """Replace the segments the ``writes`` changed; returns the rows written (SEGMENT_COLUMNS order). ``also``: a
    statement without result and its parameters, run first (on PostgreSQL in the round trip of the read of the
    segments the writes replace)."""
    if not writes:
        _run(also)
        return []
    whole: list[int] = []  # assignments whose segments all go
    after: list[tuple[int, dt.date]] = []  # (assignment, day): its segments ending after the day go
    new: list[tuple] = []
    tgc_by_stage, tgc_default = data.params.tgc_by_stage, data.params.tgc
    for write in writes:
        windowed = write.from_day > write.first_day and write.rows and write.rows[0].date == write.from_day
        if windowed:  # every segment ending after the last day also ends after the restart day
            after.append((write.assignment_id, write.from_day))
        else:
            whole.append(write.assignment_id)
        anchors = {day: anchor.kind for day, anchor in data.anchors.get(write.assignment_id, {}).items()}
        for segment in segments_compute(
            rows=write.rows,
            anchor_kinds=anchors,
            tgc_by_stage=tgc_by_stage,
            tgc_default=tgc_default,
            starts_at_placement=not windowed,
        ):
            new.append(_segment_values(data.batch.pk, write.assignment_id, segment, computed_at))
    if connection.vendor == "postgresql":
        gone, new_only = _segments_changed(whole, after, new, also=also)
        _segments_delete_ids(gone)
        _segments_insert(new_only)
    else:
        _run(also)
        _segments_delete(whole, after)
        _segments_insert(new)
    return new


def _run(statement: tuple[str, list] | None) -> None:
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def _segments_changed(
    whole: list[int], after: list[tuple[int, dt.date]], new: list[tuple], *, also: tuple[str, list] | None = None
) -> tuple[list, list]:
    """(ids of the stored segments to delete, the new rows to write): the segments the write replaces (all of a
    ``whole`` assignment's, those ending after the day of an ``after`` one), read in one query, against ``new``.
    A stored segment whose every value equals a new one's of the same (assignment, end day) stays, and that new
    one is not written; the values are floats, stored and read back exactly, so equality is exact."""
    if not whole and not after:
        _run(also)
        return [], new
    values = ", ".join(f"g.{column}" for column in SEGMENT_COLUMNS[:-1])
    conditions, params = [], []
    if whole:
        conditions.append("g.assignment_id = ANY(%s)")
        params.append(whole)
    if after:
        conditions.append(
            "EXISTS (SELECT 1 FROM unnest(%s::bigint[], %s::date[]) AS a(assignment_id, day) "
            "WHERE a.assignment_id = g.assignment_id AND g.end_date > a.day)"
        )
        params += [[a for a, _ in after], [day for _, day in after]]
    statements = [f"SELECT g.id, {values} FROM {GrowthSegment._meta.db_table} g WHERE {' OR '.join(conditions)}"]
    if also is not None:
        statements.insert(0, also[0])
        params = [*also[1], *params]
    with connection.cursor() as cursor:
        rows = fetch_sets(cursor, statements, params)[-1]
    stored = {(row[2], row[4]): (row[0], row[1:]) for row in rows}
    kept: set[tuple[int, dt.date]] = set()
    new_only = []
    for row in new:
        key = (row[_ASSIGNMENT], row[_END])
        hit = stored.get(key)
        if hit is not None and hit[1] == row[:-1]:
            kept.add(key)
        else:
            new_only.append(row)
    return [segment_id for key, (segment_id, _) in stored.items() if key not in kept], new_only


def _segments_delete_ids(ids: list[int]) -> None:
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {GrowthSegment._meta.db_table} WHERE id = ANY(%s)", [ids])


def _segments_delete(whole: list[int], after: list[tuple[int, dt.date]]) -> None:
    """The ORM's delete of the segments a write replaces (SQLite)."""
    for assignment_id, day in after:
        GrowthSegment.objects.filter(assignment_id=assignment_id, end_date__gt=day).delete()
    GrowthSegment.objects.filter(assignment_id__in=whole).delete()


SEGMENT_COLUMNS = (
    "batch_id",
    "assignment_id",
    "start_date",
    "end_date",
    "start_kind",
    "end_kind",
    "days",
    "degree_days",
    "start_weight_g",
    "end_weight_g",
    "start_population",
    "end_population",
    "realised_tgc",
    "sgr_pct",
    "feed_kg",
    "biological_gain_kg",
    "economic_gain_kg",
    "biological_fcr",
    "economic_fcr",
    "deaths",
    "mortality_pct",
    "scenario_tgc",
    "performance_ratio",
    "computed_at",
)


_ASSIGNMENT, _END = SEGMENT_COLUMNS.index("assignment_id"), SEGMENT_COLUMNS.index("end_date")


def _r(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def _segment_values(batch_id: int, assignment_id: int, s: Segment, computed_at: dt.datetime) -> tuple:
    """One segment's column values in SEGMENT_COLUMNS order, rounded once here."""
    return (
        batch_id,
        assignment_id,
        s.start_date,
        s.end_date,
        s.start_kind,
        s.end_kind,
        s.days,
        round(s.degree_days, 2),
        round(s.start_weight_g, 2),
        round(s.end_weight_g, 2),
        s.start_population,
        s.end_population,
        _r(s.realised_tgc, 4),
        round(s.sgr_pct, 4),
        round(s.feed_kg, 3),
        round(s.biological_gain_kg, 2),
        round(s.economic_gain_kg, 2),
        _r(s.biological_fcr, 3),
        _r(s.economic_fcr, 3),
        s.deaths,
        _r(s.mortality_pct, 4),
        _r(s.scenario_tgc, 4),
        _r(s.performance_ratio, 4),
        computed_at,
    )


_NULL = "\\N"


def _segments_insert(rows: list[tuple]) -> None:
    """COPY on PostgreSQL (a backfill writes thousands of segments: the ORM's bulk insert would cost more than
    the states' COPY); the ORM elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        GrowthSegment.objects.bulk_create(GrowthSegment(**dict(zip(SEGMENT_COLUMNS, row))) for row in rows)
        return
    # COPY text format written by hand, as the states' saver does: psycopg's per-value adaptation costs more
    # than the COPY itself (no value here holds a tab, newline or backslash: numbers, dates and kind names)
    stamp = rows[0][-1].isoformat()
    text = "".join(["\t".join([_NULL if v is None else str(v) for v in row[:-1]]) + f"\t{stamp}\n" for row in rows])
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {GrowthSegment._meta.db_table} ({', '.join(SEGMENT_COLUMNS)}) FROM STDIN"
        ) as copy:
            copy.write(text)
