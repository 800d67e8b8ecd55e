"""Imports from the page and the API: the upload is stored, checked (a dry run), shown, and written once a
manager confirms; a large upload is checked and written by a Celery worker while the page polls its progress
(docs/import-export.md, "The import page"). Without a broker (the embedded default) the task runs in-process
right after the request's commit, as the recompute's tasks do."""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import transaction

from apps.audit.context import history_channel
from apps.farmio import kinds as K
from apps.farmio.importing import files_import
from apps.farmio.models import ImportJob
from apps.farmio.reading import Problem

#: an import writes records of any site its files name: only a user holding every site may run one (docs/access.md)
ALL_SITES_NEEDED = "Importing a farm's history writes records of any site: it needs a grant on every site."

IMPORT_TASK = "apps.farmio.tasks.import_job_run"  # registered by FarmioConfig.ready()
logger = logging.getLogger(__name__)
PROGRESS_EVERY = 5000  # rows between two progress writes
OPEN = (ImportJob.Status.QUEUED, ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING)


class UploadRefused(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _safe_name(name: str) -> str:
    """The file's own name (no folders), which says its kind: ``<kind>.csv``, ``<kind>.xlsx`` or a workbook."""
    base = Path(name.replace("\\", "/")).name.strip()
    suffix = Path(base).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UploadRefused("files", f"{base or 'a file'}: only .csv and .xlsx files are read")
    if suffix == ".csv" and Path(base).stem not in K.FILE_NAMES:
        raise UploadRefused("files", f"{base}: a CSV file is named after its kind ({', '.join(sorted(K.FILE_NAMES))})")
    return base


def job_create(*, user, uploads, dry_run: bool = True) -> ImportJob:
    """Store the uploaded files under ``IMPORT_DIR`` and queue their check (and import, unless ``dry_run``)."""
    uploads = list(uploads)
    if not uploads:
        raise UploadRefused("files", "Choose at least one file.")
    names = [_safe_name(u.name) for u in uploads]
    if len(set(names)) != len(names):
        raise UploadRefused("files", "Two files have the same name.")
    total = sum(u.size for u in uploads)
    if total > settings.IMPORT_MAX_BYTES:
        raise UploadRefused("files", f"The files hold {total:,} bytes; the limit is {settings.IMPORT_MAX_BYTES:,}.")
    folder = Path(settings.IMPORT_DIR) / uuid.uuid4().hex
    folder.mkdir(parents=True, mode=0o700)
    for upload, name in zip(uploads, names):
        with open(folder / name, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    job = ImportJob.objects.create(
        created_by=user if user and user.is_authenticated else None,
        dry_run=dry_run,
        folder=str(folder),
        files=[{"name": n, "bytes": u.size} for n, u in zip(names, uploads)],
    )
    job_dispatch(job)
    return job


def job_confirm(job: ImportJob) -> ImportJob:
    """Write a checked, clean upload (a second pass over the same files: the database may have moved on)."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        dry_run=False, status=ImportJob.Status.QUEUED, progress_done=0
    )  # one confirmation wins: a second one finds it QUEUED or further
    job.refresh_from_db()
    if not claimed:
        raise UploadRefused(
            "status", f"Only a checked upload without problems can be imported (this one is {job.status})."
        )
    job_dispatch(job)
    return job


def job_dispatch(job: ImportJob) -> None:
    """Run the job after the request's commit: in a worker, or here when the upload is small or there is no
    broker (the embedded default runs tasks in-process anyway)."""
    size = sum(f["bytes"] for f in job.files)
    if size > settings.IMPORT_WORKER_BYTES and not settings.AQUAMIND_EMBEDDED:
        transaction.on_commit(lambda: current_app.tasks[IMPORT_TASK].delay(job.pk))
    else:
        transaction.on_commit(lambda: job_run(job.pk))


def job_run(job_id: int) -> None:
    """Check (and import, unless a dry run) the job's files; the report and the status end up on the job."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).first()
    if job is None:
        return
    folder = Path(job.folder)
    phase_status = ImportJob.Status.CHECKING if job.dry_run else ImportJob.Status.IMPORTING
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
        status=phase_status, progress_done=0
    )
    if not claimed:  # another run took it
        return
    pending = {"n": 0, "done": 0}

    def progress(phase: str, done: int, total: int | None = None) -> None:
        pending["n"] += done
        if pending["n"] >= PROGRESS_EVERY or phase != "check":
            pending["done"] += pending["n"]
            pending["n"] = 0
            ImportJob.objects.filter(pk=job.pk).update(progress_done=pending["done"], progress_total=total or 0)

    try:
        files = [(f["name"], (folder / f["name"]).read_bytes()) for f in job.files]
        with history_channel("import", **_author(job)):  # a worker's task has no user: the uploader is named
            result = files_import(files, dry_run=job.dry_run, progress=progress)
    except Exception as exc:  # noqa: BLE001 - the job records any failure for the page; nothing was written
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            report={
                "ok": False,
                "problems": [Problem("", 0, "", "", f"the import failed: {type(exc).__name__}").as_dict()],
            },
        )
        shutil.rmtree(folder, ignore_errors=True)
        logger.exception("import job %s failed", job.pk)  # the page shows FAILED; never a 500 to the uploader
        return
    report = result.as_dict()
    if not result.ok:
        status = ImportJob.Status.INVALID
    elif job.dry_run:
        status = ImportJob.Status.CHECKED
    else:
        status = ImportJob.Status.DONE
    ImportJob.objects.filter(pk=job.pk).update(status=status, report=report, progress_done=result.rows)
    if status in (ImportJob.Status.INVALID, ImportJob.Status.DONE):
        shutil.rmtree(folder, ignore_errors=True)


def _author(job: ImportJob) -> dict:
    user = job.created_by
    return {"user": user.pk, "username": user.get_username()} if user is not None else {}


def job_view(job: ImportJob) -> dict:
    """What the page's poll and the API answer."""
    return {
        "id": job.pk,
        "status": job.status,
        "dry_run": job.dry_run,
        "files": job.files,
        "progress": {"done": job.progress_done, "total": job.progress_total},
        "created_at": job.created_at.isoformat(),
        "report": job.report,
    }
