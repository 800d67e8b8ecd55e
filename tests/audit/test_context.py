"""The context's channels: an import or a completion keeps the request's author, a task replaces it with
"system", and the outer context comes back afterwards."""

from __future__ import annotations

import pytest

from apps.audit.context import history_channel, history_context
from apps.audit.models import SiteEvent
from apps.infrastructure.models import Site

pytestmark = pytest.mark.django_db(transaction=True)


def contexts() -> list[dict]:
    return list(SiteEvent.objects.order_by("pgh_id").values_list("pgh_context", flat=True))


def test_channels_inside_a_request_keep_or_replace_the_author_and_restore_it(salmon):
    with history_context(user=5, username="anna", channel="api", path="/api/v1/x/"):
        with history_channel("import", file="readings.csv"):
            Site.objects.create(name="imported", kind="SEA")
        with history_channel("system", task="t"):
            Site.objects.create(name="by a task", kind="SEA")
        Site.objects.create(name="after", kind="SEA")
    imported, task, after = contexts()
    assert imported == {
        "user": 5,
        "username": "anna",
        "channel": "import",
        "path": "/api/v1/x/",
        "file": "readings.csv",
    }
    assert task == {"channel": "system", "task": "t"}
    assert after == {"user": 5, "username": "anna", "channel": "api", "path": "/api/v1/x/"}


def test_outside_a_request_a_channel_opens_its_own_context(salmon):
    with history_channel("command", command="load_sites"):
        Site.objects.create(name="loaded", kind="SEA")
    Site.objects.create(name="raw", kind="SEA")
    assert contexts() == [{"channel": "command", "command": "load_sites"}, None]


def test_several_statements_at_once_read_every_result_inside_a_context(salmon):
    """Regression: pghistory's own wrapper left the cursor on the *last* result, so the forecast's reads of two
    results in one round trip (``fetch_sets``) got one, and every recompute inside a worker's task failed."""
    from django.db import connection

    from aquamind.db import fetch_sets

    with history_channel("system", task="t"), connection.cursor() as cursor:
        first, second = fetch_sets(cursor, ["SELECT 1, 'a%%'", "SELECT 2 WHERE 'x' LIKE %s"], ["x%"])
        cursor.execute("SELECT 3 WHERE 'a%%' LIKE 'a%%'")  # a literal % with parameters: doubled as usual
        third = cursor.fetchall()
        written, read = fetch_sets(cursor, ["UPDATE infrastructure_site SET name = name WHERE id < 0", "SELECT 4"], [])
        cursor.execute("UPDATE infrastructure_site SET name = name WHERE name LIKE 'none%'")  # none: no params
    assert (first, second, third) == ([(1, "a%")], [(2,)], [(3,)])
    assert (written, read) == ([], [(4,)])  # prefixed (a write first): still every result, in order


def test_a_recompute_inside_a_task_context_drains(salmon):
    from tests.batch.scenarios import drain_all_batches, state_rows
    from tests.planning.farms import open_tank

    _, tank = open_tank(days_ago=30)
    with history_channel("system", task="apps.recompute.tasks.recompute_drain"):
        drain_all_batches()
    assert len(state_rows(tank.batch_id)) == 31
