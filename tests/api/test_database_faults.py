"""Issue 16, items 4 and 7: passing database errors are answered 503 with Retry-After, never 500 (aquamind/faults.py).

The real outages (a throw-away PostgreSQL stopped and crashed under a live server) are in
tests/integration/test_database_outage.py; here each kind of error is raised where a request meets it."""

from __future__ import annotations

import sqlite3

import psycopg
import psycopg.errors as pg
import pytest
from django.db import DatabaseError, InterfaceError, OperationalError, ProgrammingError
from django.test import Client

from aquamind.faults import CONFLICT, UNAVAILABLE, database_fault
from tests.api.conftest import errors_by_field


def django_error(cause: Exception, wrapper=OperationalError) -> Exception:
    """What Django raises: its own class, the driver's error as the cause."""
    try:
        raise wrapper(str(cause)) from cause
    except wrapper as exc:
        return exc


@pytest.mark.parametrize(
    "error, kind",
    [
        (django_error(psycopg.OperationalError("connection refused")), UNAVAILABLE),
        (django_error(psycopg.OperationalError("server closed the connection unexpectedly")), UNAVAILABLE),
        (django_error(pg.AdminShutdown("terminating connection due to administrator command")), UNAVAILABLE),
        (
            django_error(pg.CrashShutdown("terminating connection because of crash of another server process")),
            UNAVAILABLE,
        ),
        (django_error(pg.CannotConnectNow("the database system is in recovery mode")), UNAVAILABLE),
        (django_error(pg.TooManyConnections("sorry, too many clients already")), UNAVAILABLE),
        (django_error(psycopg.InterfaceError("the connection is closed"), InterfaceError), UNAVAILABLE),
        (InterfaceError("connection already closed"), UNAVAILABLE),
        (django_error(pg.DeadlockDetected("deadlock detected")), CONFLICT),
        (django_error(pg.SerializationFailure("could not serialize access")), CONFLICT),
        (django_error(pg.LockNotAvailable("could not obtain lock")), CONFLICT),
        (django_error(sqlite3.OperationalError("database is locked")), CONFLICT),
        (django_error(sqlite3.OperationalError("no such table: batch_batch")), None),
        (django_error(pg.UndefinedTable("relation does not exist"), ProgrammingError), None),
        (django_error(pg.QueryCanceled("canceling statement due to statement timeout")), None),
        (DatabaseError("Save with update_fields did not affect any rows."), None),
        (ValueError("a bug"), None),
    ],
)
def test_database_errors_are_sorted_into_passing_kinds_and_the_rest(error, kind):
    assert database_fault(error) == kind


@pytest.fixture
def failing_list(monkeypatch):
    """The mortality list raises ``error`` where it reads the database."""

    def fail_with(error: Exception) -> None:
        def raising(self, *args, **kwargs):
            raise error

        monkeypatch.setattr("apps.api.views.crud.MortalityEventViewSet.list", raising)

    return fail_with


def test_an_api_request_that_cannot_reach_the_database_gets_503_with_retry_after(db, viewer, failing_list):
    failing_list(django_error(psycopg.OperationalError("connection to server failed: Connection refused")))
    response = viewer.get("/api/v1/batch/mortality-events/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert errors_by_field(response) == {None: "database_unavailable"}


def test_an_api_request_that_lost_a_deadlock_gets_503_and_may_be_sent_again_at_once(db, viewer, failing_list):
    failing_list(django_error(pg.DeadlockDetected("deadlock detected")))
    response = viewer.get("/api/v1/batch/mortality-events/")
    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert errors_by_field(response) == {None: "write_conflict"}


def test_other_database_errors_stay_500s(db, viewer, failing_list):
    failing_list(django_error(pg.UndefinedTable("relation does not exist"), ProgrammingError))
    viewer.raise_request_exception = False
    response = viewer.get("/api/v1/batch/mortality-events/")
    assert response.status_code == 500
    assert errors_by_field(response) == {None: "server_error"}


def test_an_error_outside_the_view_is_503_too(db, make_user, monkeypatch):
    """Raised after DRF handled the request (here the session's save; a failed commit alike): Django's
    handler500 answers it, and sees the exception it handles."""
    client = Client(raise_request_exception=False)
    client.force_login(make_user("viewer"))

    def lost(self, request, response):
        raise django_error(pg.AdminShutdown("terminating connection due to administrator command"))

    monkeypatch.setattr("django.contrib.sessions.middleware.SessionMiddleware.process_response", lost)
    response = client.get("/api/v1/batch/mortality-events/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["errors"][0]["code"] == "database_unavailable"


def test_a_page_that_cannot_reach_the_database_gets_a_small_503_page(db, make_user, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(make_user("viewer"))

    def refused(*args, **kwargs):
        raise django_error(psycopg.OperationalError("connection to server failed: Connection refused"))

    monkeypatch.setattr("apps.web.views._overview_context", refused)
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert b"Try again in a few seconds" in response.content and b"nothing was lost" in response.content
