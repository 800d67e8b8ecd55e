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
