"""Every PostgreSQL connection defines ``pgtrigger.ignore`` (the empty list): the history's triggers then read it
without raising, instead of paying a subtransaction per row (docs/history.md, aquamind/settings.py). Nothing is
ignored by that default, and ``pgtrigger.ignore()`` still ignores."""

from __future__ import annotations

import pgtrigger
import pytest
from django.db import connection

from apps.audit.models import SiteEvent
from apps.infrastructure.models import Site

pytestmark = pytest.mark.django_db


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('pgtrigger.ignore', true)")
        return cursor.fetchone()[0]


def test_the_connection_defines_the_setting_as_the_empty_list():
    assert _setting() == "{}"


def test_a_bulk_write_still_records_one_history_row_per_record():
    Site.objects.bulk_create(Site(name=f"bulk {i}", kind="SEA") for i in range(50))
    sites = set(Site.objects.filter(name__startswith="bulk ").values_list("pk", flat=True))
    recorded = SiteEvent.objects.filter(pgh_obj_id__in=sites, pgh_label="insert")
    assert len(sites) == 50 and sorted(recorded.values_list("pgh_obj_id", flat=True)) == sorted(sites)


def test_pgtrigger_ignore_still_ignores_and_the_history_resumes_after_it():
    with pgtrigger.ignore():
        ignored = Site.objects.create(name="ignored", kind="SEA")
    recorded = Site.objects.create(name="recorded", kind="SEA")
    assert not SiteEvent.objects.filter(pgh_obj_id=ignored.pk).exists()
    assert SiteEvent.objects.filter(pgh_obj_id=recorded.pk, pgh_label="insert").count() == 1
