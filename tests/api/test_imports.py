"""The API's imports (docs/api.md "Imports"): multipart upload, dry run, job status, confirm; managers only;
bad files are a job's report by row and column, bad uploads a 400 or a 413, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.batch.models import Batch, MortalityEvent
from apps.farmio.models import ImportJob
from tests.farmio.helpers import SMALL_FARM, small_farm_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"


def _upload(client, files, **data):
    body = {"files": [SimpleUploadedFile(name, content) for name, content in files], **data}
    return client.post("/api/v1/imports/", body, format="multipart")


def test_a_manager_checks_then_confirms_an_import(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(manager, small_farm_files())
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    job = manager.get(f"/api/v1/imports/{job_id}/").json()
    assert job["status"] == "CHECKED" and job["dry_run"] is True
    assert job["report"]["counts"]["mortality"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert not Batch.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = manager.post(f"/api/v1/imports/{job_id}/confirm/")
    assert confirmed.status_code == 202
    job = manager.get(f"/api/v1/imports/{job_id}/").json()
    assert job["status"] == "DONE" and job["report"]["written"] is True
    assert sorted(MortalityEvent.objects.values_list("count", flat=True)) == [5, 40]
    assert manager.post(f"/api/v1/imports/{job_id}/confirm/").status_code == 400  # done once


def test_a_bad_file_is_reported_by_row_and_column(manager, django_capture_on_commit_callbacks):
    text = SMALL_FARM["mortality"] + "m3,B1,Sound,Pen 1,2025-03-21,896,UNKNOWN\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(manager, small_farm_files(mortality=text), dry_run="false")
    job = manager.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert job["status"] == "INVALID"
    assert job["report"]["problems"] == [
        {
            "file": "mortality.csv",
            "row": 4,
            "column": "count_fish",
            "value": "896",
            "reason": "896 deaths, but the assignment holds 895 fish on 2025-03-21.",
        }
    ]
    assert not Batch.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_below_manager_is_refused(client_as, role, manager, django_capture_on_commit_callbacks):
    client = client_as(role)
    assert _upload(client, small_farm_files()).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _upload(manager, small_farm_files()).json()["id"]
    assert client.get(f"/api/v1/imports/{job_id}/").status_code == 403
    assert client.post(f"/api/v1/imports/{job_id}/confirm/").status_code == 403
    assert ImportJob.objects.get(pk=job_id).status == "CHECKED"


def test_a_file_of_no_kind_is_a_400_naming_the_field(manager):
    response = _upload(manager, [("notes.txt", b"hello")])
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "files", "code": "invalid", "detail": "notes.txt: only .csv and .xlsx files are read"}
    ]
    assert not ImportJob.objects.exists()


def test_uploads_above_the_limit_are_refused(manager, settings):
    settings.IMPORT_MAX_BYTES = 2000
    big = SMALL_FARM["mortality"].encode() + b"x" * 3000
    response = _upload(manager, [("mortality.csv", big)])
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"] == f"The files hold {len(big):,} bytes; the limit is 2,000."
    huge = _upload(manager, [("mortality.csv", b"x" * 100_000)])  # above the limit and a form's overhead: unread
    assert huge.status_code == 413
    assert not ImportJob.objects.exists()


def test_an_unknown_job_is_a_404(manager):
    assert manager.get("/api/v1/imports/999999/").status_code == 404


def test_a_job_that_fails_is_marked_failed_never_a_500(manager, django_capture_on_commit_callbacks):
    import shutil

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(manager, small_farm_files())
    job = ImportJob.objects.get(pk=response.json()["id"])
    shutil.rmtree(job.folder)  # the stored upload is gone before its run
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == "FAILED"
    assert job.report["problems"][0]["reason"] == "the import failed: FileNotFoundError"
    assert manager.post(f"/api/v1/imports/{job.pk}/confirm/").status_code == 400


def test_an_import_run_by_a_worker_is_recorded_as_the_uploaders(manager, django_capture_on_commit_callbacks):
    """The history names who imported: a worker's task has no user, the job's uploader is named (channel import,
    the task and the file kept), on the rows the import wrote in bulk and on the marks of its recompute."""
    from apps.audit.context import history_channel
    from apps.audit.history import through, who
    from apps.audit.models import MarkCause, MortalityEventEvent, SiteEvent

    with django_capture_on_commit_callbacks(execute=True):
        job_id = _upload(manager, small_farm_files()).json()["id"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert manager.post(f"/api/v1/imports/{job_id}/confirm/").status_code == 202
    with history_channel("system", task="apps.farmio.tasks.import_job_run"):  # what a worker enters
        for callback in callbacks:
            callback()
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == "DONE", job.report
    user = job.created_by
    contexts = [e.pgh_context for e in MortalityEventEvent.objects.filter(pgh_label="insert")]
    assert (
        contexts
        == [
            {
                "channel": "import",
                "task": "apps.farmio.tasks.import_job_run",
                "user": user.pk,
                "username": user.username,
                "file": "mortality.csv",
            }
        ]
        * 2
    )
    site = SiteEvent.objects.filter(pgh_label="insert").first().pgh_context
    assert (who(site), through(site), site["file"]) == (user.username, "import", "sites.csv")
    causes = {(c["channel"], c["username"]) for c in MarkCause.objects.values_list("context", flat=True)}
    assert causes == {("import", user.username)}
