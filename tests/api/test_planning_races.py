"""Two concurrent completions of one planned activity record one event: the second waits for the activity's row
lock, then sees it completed and is refused."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from apps.batch.models import GrowthSample
from apps.batch.services import recording
from apps.planning.models import PlannedActivity
from apps.recompute import markers
from tests.api.conftest import errors_by_field
from tests.api.test_races import concurrently
from tests.planning.farms import open_tank

pytestmark = [
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks and concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def no_publish(monkeypatch):
    monkeypatch.setattr(markers, "_publish_on_commit", lambda assignment_ids: None)


@pytest.fixture
def slow_sample_check(monkeypatch):
    real = recording.growth_sample_validate

    def slow(sample):
        real(sample)
        time.sleep(0.3)  # without the activity's lock, both completions would be recording at once

    monkeypatch.setattr(recording, "growth_sample_validate", slow)


def test_two_concurrent_completions_record_one_sample(salmon, django_user_model, slow_sample_check):
    tank = open_tank()[1]
    activity = PlannedActivity.objects.create(
        activity_type="SAMPLING", batch=tank.batch, assignment=tank, due_date=tank.assignment_date
    )
    user = django_user_model.objects.create_user("operator-1")
    user.groups.add(Group.objects.get(name="operator"))
    url = f"/api/v1/planning/activities/{activity.pk}/complete/"
    days = [tank.assignment_date + dt.timedelta(days=n) for n in (5, 6)]  # two different days: no duplicate sample
    responses = concurrently(
        *[(url, {"completed_date": str(d), "sample_size": 10, "avg_weight_g": 120}) for d in days], user=user
    )
    assert sorted(r.status_code for r in responses) == [200, 400]
    refused = next(r for r in responses if r.status_code == 400)
    assert errors_by_field(refused) == {"status": "final"}
    assert GrowthSample.objects.count() == 1
    activity.refresh_from_db()
    assert activity.growth_sample_id == GrowthSample.objects.get().pk
