"""The embedded default (SQLite, no broker) imports a farm's history too: bulk_create instead of COPY, the job
run in-process after the upload's commit, the daily states recomputed (docs/import-export.md)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.batch.models import ActualDailyAssignmentState, GrowthSample, MortalityEvent
from apps.farmio.models import ExternalId, ImportJob
from tests.farmio.helpers import small_farm_files

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.AQUAMIND_EMBEDDED, reason="runs in the embedded mode (no CELERY_BROKER_URL)"),
]


def test_the_import_page_imports_in_process_on_sqlite(client, django_user_model, settings, tmp_path):
    settings.IMPORT_DIR = tmp_path
    user = django_user_model.objects.create_user("manager", password="pw-long-enough")
    user.groups.add(Group.objects.get(name="manager"))
    client.force_login(user)
    files = [SimpleUploadedFile(name, data) for name, data in small_farm_files()]
    response = client.post("/imports/", {"files": files})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == "CHECKED"
    client.post(f"/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "DONE", job.report
    assert MortalityEvent.objects.count() == 2 and GrowthSample.objects.get(sample_size=50).casts.count() == 2
    assert ExternalId.objects.filter(kind="mortality").count() == 2
    assert ActualDailyAssignmentState.objects.count() == job.report["state_rows"] > 0
