"""What the import keeps of its own: the external ids of imported rows, and the import jobs of the page and API.

External ids live here rather than as a column on every record: the farm's other system names its rows its own
way, and a re-import must find the record it made last time (docs/import-export.md, "External ids")."""

from django.conf import settings
from django.db import models


class ExternalId(models.Model):
    """The record of ``kind`` (a file kind: ``mortality``, ``assignments`` …) that a row with ``external_id`` made."""

    kind = models.CharField(max_length=40)
    external_id = models.CharField(max_length=200)
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="farmio_external_id_unique"),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="farmio_external_object")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.external_id} → {self.object_id}"


class ImportJob(models.Model):
    """An upload from the page or the API: its files wait under ``IMPORT_DIR`` until the dry run and the import
    run (in a worker for large files); the report is what the page and ``GET …/imports/<id>/`` show."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED"
        CHECKING = "CHECKING"
        CHECKED = "CHECKED"
        INVALID = "INVALID"
        IMPORTING = "IMPORTING"
        DONE = "DONE"
        FAILED = "FAILED"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    dry_run = models.BooleanField(default=True, help_text="Check only; nothing is written.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    folder = models.CharField(max_length=300, help_text="Where the uploaded files wait (under IMPORT_DIR).")
    files = models.JSONField(default=list)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.status})"
