"""The admin's History button shows the triggers' rows (any write path, not only the admin's own), and the
events' lists name who entered and last changed each row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.audit.context import history_context
from apps.batch.models import GrowthSample
from tests.factories import AssignmentFactory, GrowthSampleFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-long-enough"))
    return client


def test_the_admin_history_and_list_show_authors_of_every_path(staff_client, salmon):
    assignment = AssignmentFactory(assignment_date=dt.date(2024, 1, 1))
    with history_context(username="anna", channel="api"):
        sample = GrowthSampleFactory(
            assignment=assignment, sample_date=dt.date(2024, 1, 10), avg_weight_g=Decimal("250")
        )
    with history_context(username="bob", channel="page"):
        GrowthSample.objects.filter(pk=sample.pk).update(avg_weight_g=Decimal("240"))  # no signal, still recorded
    page = staff_client.get(f"/admin/batch/growthsample/{sample.pk}/history/").content.decode()
    assert "avg_weight_g: 250.00 → 240.00" in page
    assert page.index("bob") < page.index("anna")  # newest first
    listing = staff_client.get("/admin/batch/growthsample/").content.decode()
    assert '<td class="field-entered_by">anna</td>' in listing
    assert '<td class="field-last_changed_by">bob</td>' in listing
