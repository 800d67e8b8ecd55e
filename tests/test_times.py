"""Times are shown in the farm's time zone (TIME_ZONE) as "1 Dec 2026, 13:05 WET": the helper, the pages'
filter, the admin's lists and detail pages."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse

from apps.batch.models import Batch, RecomputeMarker, VerificationRun
from aquamind.times import farm_time
from tests.factories import AssignmentFactory

WINTER = dt.datetime(2026, 12, 1, 13, 5, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 6, 1, 13, 5, tzinfo=dt.UTC)


@pytest.fixture
def faroe(settings):
    settings.TIME_ZONE = "Atlantic/Faroe"  # UTC+0 (WET) in winter, UTC+1 (WEST) in summer


def test_an_instant_reads_in_the_farms_zone_with_the_zone_named(faroe):
    assert farm_time(WINTER) == "1 Dec 2026, 13:05 WET"
    assert farm_time(SUMMER) == "1 Jun 2026, 14:05 WEST"
    assert farm_time(None) == "never" and farm_time(None, "–") == "–"


def test_utc_by_default(settings):
    settings.TIME_ZONE = "UTC"
    assert farm_time(WINTER) == "1 Dec 2026, 13:05 UTC"


def test_the_pages_filter_is_the_helper(faroe):
    rendered = Template("{% load figures %}{{ t|farm_time }} · {{ none|farm_time }}").render(
        Context({"t": SUMMER, "none": None})
    )
    assert rendered == "1 Jun 2026, 14:05 WEST · never"


@pytest.mark.django_db
def test_the_admin_shows_times_in_the_farms_zone(faroe, admin_client, salmon):
    assignment = AssignmentFactory()
    RecomputeMarker.objects.filter(assignment=assignment).update(created_at=SUMMER, updated_at=WINTER)
    Batch.objects.filter(pk=assignment.batch_id).update(
        last_recompute_success_at=SUMMER, last_recompute_error_at=WINTER
    )
    run = VerificationRun.objects.create(
        started_at=SUMMER, finished_at=SUMMER, duration_ms=1, trigger="test", repair=False, batches_checked=0,
        batches_skipped=0, batches_differing=0, rows_checked=0, rows_differing=0, rows_repaired=0, details={},
    )  # fmt: skip
    markers = admin_client.get(reverse("admin:batch_recomputemarker_changelist")).content.decode()
    assert "1 Jun 2026, 14:05 WEST" in markers and "1 Dec 2026, 13:05 WET" in markers
    batches = admin_client.get(reverse("admin:batch_batch_changelist")).content.decode()
    assert "1 Jun 2026, 14:05 WEST" in batches
    batch = admin_client.get(reverse("admin:batch_batch_change", args=[assignment.batch_id])).content.decode()
    assert "1 Dec 2026, 13:05 WET" in batch  # a read-only field of the detail page
    runs = admin_client.get(reverse("admin:batch_verificationrun_changelist")).content.decode()
    assert "1 Jun 2026, 14:05 WEST" in runs and run.started_at.isoformat() not in runs
