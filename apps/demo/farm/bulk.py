"""Insert many rows fast: PostgreSQL ``COPY`` through psycopg 3, ``bulk_create`` elsewhere.

Rows are plain tuples in the order of ``fields`` (attribute names such as ``assignment_id``). Nothing here
sends signals or calls ``save()``: callers own the consequences (the demo's caller recomputes afterwards).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from django.db import connection

BULK_CREATE_CHUNK = 5000


def rows_insert(model, fields: list[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` into ``model``'s table; return how many were inserted."""
    if connection.vendor == "postgresql":
        return _copy(model, fields, rows)
    return _bulk_create(model, fields, rows)


def _copy(model, fields: list[str], rows: Iterable[tuple]) -> int:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor:
        # Django's cursor wraps psycopg's; only the latter speaks COPY
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _bulk_create(model, fields: list[str], rows: Iterable[tuple]) -> int:
    count = 0
    iterator = iter(rows)
    while chunk := list(islice(iterator, BULK_CREATE_CHUNK)):
        model.objects.bulk_create([model(**dict(zip(fields, row))) for row in chunk])
        count += len(chunk)
    return count
