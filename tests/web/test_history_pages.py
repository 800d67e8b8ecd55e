"""The history pages: the farm-wide feed with its filters and export link, a record's versions, the links from
the batch and container pages, and the growth page's "why" section; names are escaped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from apps.audit.context import history_context
from apps.batch.models import GrowthSample
from apps.recompute import markers
from tests.factories import ContainerFactory, GrowthSampleFactory
from tests.planning.farms import open_tank

pytestmark = pytest.mark.django_db(transaction=True)
postgres_only = pytest.mark.skipif(not settings.IS_POSTGRES, reason="history is recorded by PostgreSQL triggers")


@pytest.fixture(autouse=True)
def no_publish(monkeypatch):
    monkeypatch.setattr(markers, "_publish_on_commit", lambda assignment_ids: None)


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


@postgres_only
def test_the_feed_shows_who_changed_what_and_filters_by_kind(user_client, salmon):
    _, tank = open_tank(days_ago=60)
    with history_context(username="anna", channel="page"):
        sample = GrowthSampleFactory(assignment=tank, sample_date=ago(30), avg_weight_g=Decimal("250"))
    with history_context(username="bob", channel="api"):
        GrowthSample.objects.filter(pk=sample.pk).update(avg_weight_g=Decimal("240"))
    ContainerFactory(name="<script>alert(1)</script>")
    page = user_client.get("/history/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    samples = user_client.get("/history/", {"kind": "batch.growthsample"}).content.decode()
    assert samples.count('data-kind="batch.growthsample"') == 2
    assert samples.index("bob") < samples.index("anna")  # newest first
    assert f"corrected the growth sample of {ago(30).day} {ago(30):%b} from 250 g to 240 g" in samples
    assert 'href="/api/v1/history/export/?kind=batch.growthsample"' in samples
    assert f'href="/history/batch.growthsample/{sample.pk}/">history</a>' in samples

    record = user_client.get(f"/history/batch.growthsample/{sample.pk}/").content.decode()
    assert "avg_weight_g: 250.00 → 240.00" in record and record.count("<tr data-kind=") == 2


@postgres_only
def test_the_batch_and_container_pages_link_their_history_and_the_growth_page_explains_days(user_client, salmon):
    _, tank = open_tank(days_ago=60)
    batch_page = user_client.get(f"/batches/{tank.batch_id}/growth/").content.decode()
    assert f'href="/history/batch.batch/{tank.batch_id}/"' in batch_page
    assert 'id="why-form"' in batch_page and "web/why.js" in batch_page
    container_page = user_client.get(f"/containers/{tank.container_id}/").content.decode()
    assert f'href="/history/batch.batchcontainerassignment/{tank.pk}/"' in container_page
    assert "No such kind" not in user_client.get("/history/batch.batch/999999/").content.decode()
    assert user_client.get("/history/nothing.here/1/").status_code == 404


@pytest.mark.skipif(settings.IS_POSTGRES, reason="the SQLite tier: no history, and the pages say so")
def test_on_sqlite_the_pages_say_history_is_postgresql_only(user_client, salmon):
    page = user_client.get("/history/").content.decode()
    assert "history is recorded on PostgreSQL only" in page


@postgres_only
@pytest.mark.parametrize(
    "query",
    [
        {"after": "9" * 40},
        {"after": f"{2**62}.batch.batch.1"},
        {"after": "1.batch.batch.99999999999999999999"},
        {"since": "9999-12-31", "until": "9999-12-31"},
        {"since": "0001-01-01"},
        {"user": "١٢"},
        {"kind": "<b>"},
        {"site": "-1"},
    ],
)
def test_odd_filters_on_the_page_show_a_page_never_an_error(user_client, salmon, query):
    assert user_client.get("/history/", query).status_code == 200
