"""Small queries run for every batch of a backfill, without paying the ORM's query building each time.

The recompute's loads ask the same few queries of every batch, differing only in an id or a list of values.
Building a query (filters, joins, a ``Q`` per window) costs the ORM more than PostgreSQL takes to run such a
small one, hundreds of times over in a backfill; so on PostgreSQL the SQL the ORM compiles is kept and run again
with the next batch's values, through the driver. The SQL and the values are the ORM's own
(``tests/batch/test_inputs_load.py`` compares them); other databases take the ORM's path every time.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet


def driver_rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a ``values_list`` queryset; on PostgreSQL as the driver returns them.

    For the dense queries (tens of thousands of rows in a backfill). On PostgreSQL, Django's per-row
    converters would only re-wrap values psycopg already returns with the right type (date, int, float,
    Decimal) and cost more than the query itself: same SQL, same values. Other databases (SQLite returns
    dates as text) keep the converters.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


#: by key: a query's SQL, with its parameters before and after the values that vary (``reused_query``)
_REUSED_SQL: dict[tuple, tuple[str, list, list]] = {}


def reused_query(key: tuple, build: Callable[[], QuerySet], values: list) -> tuple[str, list]:
    """``build()``'s SQL and parameters, where ``build()`` filters on ``values`` and ``key`` names every other
    thing its SQL depends on (its shape, the number of values, the time zone). The ORM compiles the SQL once per
    key; later calls reuse it with their own ``values`` in the same places (found as one run among the
    parameters: when they are not, nothing is reused). Building such a query (a Q per window or an IN list)
    cost more than running it in a backfill."""
    template = _REUSED_SQL.get(key)
    if template is None:
        queryset = build()
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
        params = list(params)
        n = len(values)
        head = next((i for i in range(len(params) - n + 1) if params[i : i + n] == values), None)
        if head is None:
            return sql, params
        template = _REUSED_SQL[key] = (sql, params[:head], params[head + n :])
    sql, before, after = template
    return sql, [*before, *values, *after]


def reused_rows(key: tuple, build: Callable[[], QuerySet], values: list, *, using: str) -> list[tuple]:
    """The rows of the ``values_list`` queryset ``build()`` on database ``using``: on PostgreSQL through the
    driver with the SQL from ``reused_query(key, build, values)``; elsewhere through the ORM."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return list(build())
    sql, params = reused_query(key, build, values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


#: a placeholder id no row has, marking where the id goes in a query's parameters (``rows_for_id``)
_SOME_ID = -7_340_911_826_053
#: by queryset builder: its database, the SQL it compiles to and its parameters, with the places of the id
#: (None where it is not reused: not PostgreSQL, or the id not found among the parameters)
_SQL_FOR_ID: dict[Callable[[int], QuerySet], tuple[str, str, list, list[int]] | None] = {}


def rows_for_id(build: Callable[[int], QuerySet], pk: int) -> list[tuple]:
    """The rows of the ``values_list`` queryset ``build(pk)``. On PostgreSQL, its SQL is compiled by the ORM
    once (for a placeholder id) and run again with ``pk`` in the placeholder's places, through the driver
    (``driver_rows``): the same SQL and values as ``build(pk)`` without building the query each time, which
    in a backfill of hundreds of batches cost more than running these small queries. ``build`` must be a
    module-level function (it is the cache's key) whose SQL does not depend on the id's value."""
    if build not in _SQL_FOR_ID:
        queryset = build(_SOME_ID)
        template = None
        if connections[queryset.db].vendor == "postgresql":
            sql, params = queryset.query.get_compiler(queryset.db).as_sql()
            places = [i for i, value in enumerate(params) if value == _SOME_ID]
            if places:
                template = (queryset.db, sql, list(params), places)
        _SQL_FOR_ID[build] = template
    template = _SQL_FOR_ID[build]
    if template is None or connections[template[0]].vendor != "postgresql":
        return driver_rows(build(pk))
    alias, sql, params, places = template
    params = list(params)
    for i in places:
        params[i] = pk
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
