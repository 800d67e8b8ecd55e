"""The history is PostgreSQL's, and its links run through committed transactions: these tests commit."""

import pytest
from django.conf import settings

from apps.recompute import markers


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/audit/" in str(item.fspath):
            item.add_marker(pytest.mark.skipif(not settings.IS_POSTGRES, reason="history needs PostgreSQL triggers"))


@pytest.fixture(autouse=True)
def no_publish(monkeypatch):
    """The committed events would publish recompute tasks to the broker; no worker runs here: the tests drain."""
    monkeypatch.setattr(markers, "_publish_on_commit", lambda assignment_ids: None)
