"""The embedded default (SQLite, no broker): an event recorded in the web process updates the daily states
right after its commit, through the same markers and task as production."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from apps.batch.models import ActualDailyAssignmentState, RecomputeMarker
from apps.recompute.run import batch_recompute
from tests.batch.scenarios import START, farm_with_transfer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.AQUAMIND_EMBEDDED, reason="runs in the embedded mode (no CELERY_BROKER_URL)"),
]


def test_a_sample_recorded_in_the_admin_changes_the_states_at_once(client, django_user_model, salmon):
    scenario, source, dest, _ = farm_with_transfer()
    batch_recompute(batch_id=scenario.batch_id)
    RecomputeMarker.objects.all().delete()
    client.force_login(django_user_model.objects.create_superuser("demo", "d@example.com", "pw-long-enough"))
    sample_day = START + dt.timedelta(days=9)
    response = client.post(
        reverse("admin:batch_growthsample_add"),
        {
            "assignment": source.pk,
            "sample_date": sample_day.isoformat(),
            "sample_size": 40,
            "avg_weight_g": "131.00",
            "notes": "",
            "casts-TOTAL_FORMS": 0,  # the casts inline (issue 21), left empty
            "casts-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    row = ActualDailyAssignmentState.objects.get(assignment=source, date=sample_day)
    assert row.avg_weight_g == Decimal("131.00") and row.anchor_type == "growth_sample"
    assert not RecomputeMarker.objects.exists()


def test_the_health_endpoint_reports_the_embedded_mode(admin_client):
    body = admin_client.get("/health/").json()
    assert body["status"] == "ok" and "embedded" in body["broker"]["mode"]
