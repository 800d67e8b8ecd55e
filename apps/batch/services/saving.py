"""Write a recompute's rows: one transaction, stale rows out, new rows in (a bulk upsert of the window).

Rounding happens here and only here (style: the engine works in floats, the saver quantizes once), with the
same rule the engine uses for the values a restart reads back: Python's correctly rounded ``round``/format.

With ``keep_unchanged`` (the backfill's choice, PostgreSQL only) an assignment rewritten from its first day is
first compared with what is stored: a digest of its stored rows, formatted by PostgreSQL, against the digest of
the same text formatted here from the new rows. Equal digests mean the write would store exactly the rows that
are there, so the assignment is left alone (its rows keep their ``last_computed_at``); any difference, a
missing or an extra row rewrites the whole assignment as usual.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q

from apps.batch.engine import DayResult
from apps.batch.models import ActualDailyAssignmentState

STATE_TABLE = ActualDailyAssignmentState._meta.db_table
#: a state's values (what the engine computes for its assignment and day)
VALUE_COLUMNS = (
    "avg_weight_g",
    "population",
    "biomass_kg",
    "temp_c",
    "mortality_count",
    "feed_kg",
    "observed_fcr",
    "anchor_type",
    "sources",
    "confidence_scores",
)
COLUMNS = (
    "assignment_id",
    "batch_id",
    "container_id",
    "date",
    "day_number",
    "lifecycle_stage_id",
    *VALUE_COLUMNS,
    "last_computed_at",
)
DELETE_CHUNK = 400
COPY_CHUNK = 20_000
NULL = "\\N"  # COPY text format


@dataclass(frozen=True)
class AssignmentWrite:
    """The rows of one assignment from ``from_day`` on; its valid range is ``first_day .. last_day``."""

    assignment_id: int
    container_id: int
    from_day: dt.date
    first_day: dt.date
    last_day: dt.date
    rows: list[DayResult]


#: what a replaced row held, for the history's moves (docs/history.md): weight, population, biomass
Previous = dict[tuple[int, dt.date], tuple[Decimal, int, Decimal]]


def daily_states_save(
    *,
    batch_id: int,
    writes: list[AssignmentWrite],
    computed_at: dt.datetime,
    previous: Previous | None = None,
    keep_unchanged: bool = False,
) -> int:
    """Replace each assignment's rows from its ``from_day`` (and any outside its range) with ``rows``.

    Returns the number of rows written. All or nothing: one transaction. On PostgreSQL, ``previous`` (a dict)
    receives the replaced rows' weight, population and biomass by (assignment, day), read by the delete itself
    (``RETURNING``): the recompute records from them which days it moved. ``keep_unchanged`` (PostgreSQL):
    an assignment written whole whose stored rows already hold exactly ``rows`` is not rewritten (module
    docstring); the rows stored are the same either way.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            if keep_unchanged:
                writes = _changed(batch_id, writes)
            _delete_stale_postgresql(writes, previous)
            return _copy_rows(batch_id, writes, computed_at)
        _delete_stale(writes)
        return _bulk_create_rows(batch_id, writes, computed_at)


def _delete_stale_postgresql(writes: list[AssignmentWrite], previous: Previous | None) -> None:
    """``_delete_stale`` with the same SQL written directly: in a backfill, building and compiling one Q per
    assignment cost more than the delete itself."""
    window = '("assignment_id" = %s AND ("date" >= %s OR "date" < %s OR "date" > %s))'
    returning = ' RETURNING "assignment_id", "date", "avg_weight_g", "population", "biomass_kg"'
    with connection.cursor() as cursor:
        for start in range(0, len(writes), DELETE_CHUNK):
            chunk = writes[start : start + DELETE_CHUNK]
            params = [value for w in chunk for value in (w.assignment_id, w.from_day, w.first_day, w.last_day)]
            sql = f"DELETE FROM {STATE_TABLE} WHERE {' OR '.join([window] * len(chunk))}"
            if previous is None:
                cursor.execute(sql, params)
                continue
            cursor.execute(sql + returning, params)
            previous.update({(a, day): (w, p, b) for a, day, w, p, b in cursor.fetchall()})


def _delete_stale(writes: list[AssignmentWrite]) -> None:
    for start in range(0, len(writes), DELETE_CHUNK):
        condition = Q()
        for w in writes[start : start + DELETE_CHUNK]:
            condition |= Q(assignment_id=w.assignment_id) & (
                Q(date__gte=w.from_day) | Q(date__lt=w.first_day) | Q(date__gt=w.last_day)
            )
        stale = ActualDailyAssignmentState.objects.filter(condition)
        stale._raw_delete(stale.db)


def _json_objects(writes: list[AssignmentWrite]) -> dict[int, object]:
    """The distinct ``sources`` and ``confidence`` objects of the rows of ``writes``, by id (the engine shares
    them between days; the dict keeps each alive, so no id is reused while it is in use)."""
    return {id(value): value for w in writes for r in w.rows for value in (r.sources, r.confidence)}


def _copy_rows(batch_id: int, writes: list[AssignmentWrite], computed_at: dt.datetime) -> int:
    objects = _json_objects(writes)
    texts = {key: _copy_text(json.dumps(value, separators=(",", ":"))) for key, value in objects.items()}
    tail = f"\t{computed_at.isoformat()}\n"
    lines: list[str] = []
    written = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {STATE_TABLE} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for w in writes:
                lines.extend(line + tail for line in _row_texts(batch_id, w, texts))
                if len(lines) >= COPY_CHUNK:
                    copy.write("".join(lines))
                    written += len(lines)
                    lines.clear()
            if lines:
                copy.write("".join(lines))
                written += len(lines)
    return written


def _row_texts(batch_id: int, w: AssignmentWrite, texts: dict[int, str]) -> list[str]:
    """Each row of ``w`` as COPY text of the columns in COLUMNS' order but ``last_computed_at`` (no tab or
    newline at the end); ``texts`` holds the text of each ``sources`` and ``confidence`` object by id. The
    COPY writes these lines; ``_changed`` digests them (with PostgreSQL's JSON text) to compare with the
    stored rows, so the two cannot drift apart."""
    head = f"{w.assignment_id}\t{batch_id}\t{w.container_id}\t"
    return [
        f"{head}{r.date.isoformat()}\t{r.day_number}\t{r.stage_id}\t{r.avg_weight_g:.2f}\t"
        f"{r.population}\t{r.biomass_kg:.2f}\t{r.temp_c:.2f}\t{r.mortality_count}\t{r.feed_kg:.3f}\t"
        f"{NULL if r.observed_fcr is None else format(r.observed_fcr, '.3f')}\t{r.anchor_type or NULL}\t"
        f"{texts[id(r.sources)]}\t{texts[id(r.confidence)]}"
        for r in w.rows
    ]


# --- keep_unchanged: the stored rows' digest against the new rows' ----------------------------------------

#: one stored row as PostgreSQL's text, laid out as ``_row_texts`` lays out a new row (NULL as COPY's \N,
#: JSON as jsonb's own text), then the assignment's rows in date order, one a line, digested
_STORED_DIGEST_SQL = f"""
SELECT assignment_id, sha256(convert_to(string_agg(concat_ws(E'\\t',
    assignment_id, batch_id, container_id, date, day_number, lifecycle_stage_id, avg_weight_g, population,
    biomass_kg, temp_c, mortality_count, feed_kg, coalesce(observed_fcr::text, '\\N'),
    coalesce(anchor_type, '\\N'), sources::text, confidence_scores::text), E'\\n' ORDER BY date), 'UTF8'))
FROM {STATE_TABLE} WHERE assignment_id = ANY(%s) GROUP BY assignment_id
"""
#: a ``sources`` or ``confidence`` object (by id, kept alive so that the id is not reused) → the text PostgreSQL
#: gives back for it as ``jsonb`` (its own key order and spacing). The engine shares these objects between days
#: and batches and never changes one, so most are looked up once per process.
_JSONB_TEXT: dict[int, tuple[object, str]] = {}
_JSONB_TEXT_LIMIT = 100_000


def _changed(batch_id: int, writes: list[AssignmentWrite]) -> list[AssignmentWrite]:
    """``writes`` without the assignments written whole (from their first day) whose stored rows are
    exactly the rows the write would store. One query for the stored digests, and one for the JSON objects
    not seen before, if any."""
    whole = [w for w in writes if w.from_day <= w.first_day]
    if not whole:
        return writes
    with connection.cursor() as cursor:
        cursor.execute(_STORED_DIGEST_SQL, [[w.assignment_id for w in whole]])
        stored = {assignment_id: bytes(digest) for assignment_id, digest in cursor.fetchall()}
    compared = [w for w in whole if w.assignment_id in stored]
    texts: dict[int, str] = {}
    unknown: list[object] = []
    for key, value in _json_objects(compared).items():
        hit = _JSONB_TEXT.get(key)
        if hit is not None and hit[0] is value:
            texts[key] = hit[1]
        else:
            unknown.append(value)
    if unknown:
        texts.update(_jsonb_learn(unknown))
    digests = {
        w.assignment_id: hashlib.sha256("\n".join(_row_texts(batch_id, w, texts)).encode()).digest() for w in compared
    }
    unchanged = {a for a, d in digests.items() if d == stored[a]}
    return [
        w
        for w in writes
        if w.assignment_id not in unchanged and (w.rows or w.from_day > w.first_day or w.assignment_id in stored)
    ]


def _jsonb_learn(values: list[object]) -> dict[int, str]:
    """Ask PostgreSQL, in one query, for the ``jsonb`` text of each of ``values`` (as the COPY would store it);
    remembered in ``_JSONB_TEXT`` and returned by id."""
    dumped = [json.dumps(value, separators=(",", ":")) for value in values]
    with connection.cursor() as cursor:
        cursor.execute("SELECT t::jsonb::text FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n", [dumped])
        texts = [row[0] for row in cursor.fetchall()]
    if len(_JSONB_TEXT) + len(values) > _JSONB_TEXT_LIMIT:
        _JSONB_TEXT.clear()
    for value, jsonb_text in zip(values, texts, strict=True):
        _JSONB_TEXT[id(value)] = (value, jsonb_text)
    return {id(value): jsonb_text for value, jsonb_text in zip(values, texts, strict=True)}


def _copy_text(text: str) -> str:
    """Escape for COPY's text format (JSON may hold backslashes; it never holds tabs or newlines)."""
    return text.replace("\\", "\\\\") if "\\" in text else text


#: the columns of ``stored_tuple``, in its order: every column the saver writes but the computation time
STORED_COLUMNS = tuple(c for c in COLUMNS if c != "last_computed_at")


def stored_tuple(batch_id: int, w: AssignmentWrite, r: DayResult) -> tuple:
    """A row's column values (STORED_COLUMNS) as the database stores them: quantized once, as the COPY path
    writes its text. A tuple, not a dict: the verifier builds one per stored row of the farm."""
    fcr = r.observed_fcr
    return (
        w.assignment_id,
        batch_id,
        w.container_id,
        r.date,
        r.day_number,
        r.stage_id,
        Decimal(f"{r.avg_weight_g:.2f}"),
        r.population,
        Decimal(f"{r.biomass_kg:.2f}"),
        Decimal(f"{r.temp_c:.2f}"),
        r.mortality_count,
        Decimal(f"{r.feed_kg:.3f}"),
        None if fcr is None else Decimal(f"{fcr:.3f}"),
        r.anchor_type,
        r.sources,
        r.confidence,
    )


def stored_values(batch_id: int, w: AssignmentWrite, r: DayResult) -> dict:
    """``stored_tuple`` by column name."""
    return dict(zip(STORED_COLUMNS, stored_tuple(batch_id, w, r), strict=True))


def _bulk_create_rows(batch_id: int, writes: list[AssignmentWrite], computed_at: dt.datetime) -> int:
    objects = [
        ActualDailyAssignmentState(**stored_values(batch_id, w, r), last_computed_at=computed_at)
        for w in writes
        for r in w.rows
    ]
    ActualDailyAssignmentState.objects.bulk_create(objects, batch_size=2000)
    return len(objects)
