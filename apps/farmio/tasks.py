"""The import's Celery task: a job id in, the job's report stored on the job (apps/farmio/jobs.py)."""

from __future__ import annotations

from celery import shared_task

from apps.farmio.jobs import job_run


@shared_task(name="apps.farmio.tasks.import_job_run", acks_late=False)
def import_job_run(job_id: int) -> dict:
    job_run(job_id)
    return {"job": job_id}
