"""Tasks ride out a database outage (issue 16, item 7): a transient error anywhere in a task retries it with
backoff; the markers stay committed meanwhile, and the sweeper republishes what a task finally gave up on."""

import psycopg
import pytest
from django.db import OperationalError

from apps.batch.models import RecomputeMarker
from apps.recompute import publish, tasks
from tests.batch.scenarios import farm_with_transfer

pytestmark = pytest.mark.django_db


def fails_once(real):
    """``real``, except that its first call meets a refused connection."""
    calls = []

    def call(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            refused = psycopg.OperationalError("connection refused")
            raise OperationalError(str(refused)) from refused
        return real(*args, **kwargs)

    return call


def test_a_drain_task_that_meets_an_outage_before_its_drain_is_retried_and_drains(salmon, monkeypatch):
    scenario, source, _, _ = farm_with_transfer()
    monkeypatch.setattr(publish, "dedup_key_clear", fails_once(publish.dedup_key_clear))
    result = tasks.recompute_drain.apply(args=[source.pk])
    assert result.successful(), result.traceback
    assert result.result["batch_id"] == scenario.batch_id and result.result["cleared"] == 2
    assert not RecomputeMarker.objects.exists()


def test_the_nightly_catch_up_that_meets_an_outage_is_retried(salmon, monkeypatch):
    farm_with_transfer()
    RecomputeMarker.objects.all().delete()
    monkeypatch.setattr(tasks, "catch_up_plan", fails_once(tasks.catch_up_plan))
    result = tasks.nightly_catch_up.apply(kwargs={"days": 10_000})
    assert result.successful(), result.traceback
    assert result.result["batches"] == 1 and RecomputeMarker.objects.count() == 2
