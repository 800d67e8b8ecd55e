"""Durable bookkeeping of recompute work: the outbox markers, runs, failures and worker heartbeats."""

from django.db import models

from apps.access.scope import SHARED


class RecomputeMarker(models.Model):
    """Pending work for one assignment: recompute from ``dirty_from`` on (docs/architecture.md).

    Written in the event's own transaction. ``dirty_from`` only ever moves earlier while the marker exists;
    ``generation`` goes up on every mark so a run clears the marker only if nothing arrived meanwhile.
    """

    # No database-level foreign keys: a marker is an outbox entry and may be written in the same
    # transaction that deletes its assignment (a cascade); the drain removes such orphans.
    assignment = models.OneToOneField(
        "batch.BatchContainerAssignment",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="recompute_marker",
    )
    batch = models.ForeignKey(
        "batch.Batch", on_delete=models.DO_NOTHING, db_constraint=False, related_name="recompute_markers"
    )
    dirty_from = models.DateField()
    generation = models.BigIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # drains of this marker that failed with an unexpected error; at RECOMPUTE_MAX_ATTEMPTS it is parked
    attempts = models.IntegerField(default=0)
    last_error = models.TextField(blank=True)
    # parked: poison work the sweeper leaves alone (/health/ names its batch); a new mark or a replay un-parks it
    parked_at = models.DateTimeField(null=True, blank=True)

    site_path = "assignment__container__site"  # docs/access.md

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["created_at"], name="marker_created"),
            models.Index(fields=["batch"], name="marker_batch"),
        ]

    def __str__(self) -> str:
        return f"assignment {self.assignment_id} from {self.dirty_from} (gen {self.generation})"


class RecomputeRun(models.Model):
    """One finished recompute of a batch: what it did and how long it took (operator metrics)."""

    batch = models.ForeignKey("batch.Batch", on_delete=models.CASCADE, related_name="recompute_runs")
    started_at = models.DateTimeField()
    duration_ms = models.FloatField()
    assignments = models.IntegerField()
    rows_written = models.IntegerField()
    trigger = models.CharField(max_length=40)
    ok = models.BooleanField(default=True)
    error_code = models.CharField(max_length=64, blank=True)

    site_path = "batch__assignments__container__site"  # docs/access.md
    site_path_unplaced = "batch__assignments"

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="run_started")]


class FailedRecompute(models.Model):
    """Work that failed for good (retries exhausted or a domain error), listable and replayable."""

    TRANSIENT = "transient_retries_exhausted"

    batch = models.ForeignKey("batch.Batch", on_delete=models.CASCADE, related_name="failed_recomputes")
    assignment = models.ForeignKey(
        "batch.BatchContainerAssignment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    start_date = models.DateField()
    error_code = models.CharField(max_length=64)
    error = models.TextField()
    failed_at = models.DateTimeField()
    replayed_at = models.DateTimeField(null=True, blank=True)
    # a later drain of the batch succeeded: work given up for a transient cause (its markers stayed) is done
    resolved_at = models.DateTimeField(null=True, blank=True)

    site_path = "batch__assignments__container__site"  # docs/access.md
    site_path_unplaced = "batch__assignments"

    class Meta:
        ordering = ["-failed_at"]


class WorkerHeartbeat(models.Model):
    """The last time each worker host reported in (for /health/)."""

    hostname = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField()

    site_path = SHARED  # docs/access.md


class VerificationRun(models.Model):
    """One run of the verifier: stored daily states compared field by field with a full recompute in memory."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    duration_ms = models.FloatField()
    trigger = models.CharField(max_length=40)
    repair = models.BooleanField(help_text="Differences were repaired (not only reported).")
    batches_checked = models.IntegerField()
    batches_skipped = models.IntegerField(help_text="Pending recompute work or a batch that cannot be computed.")
    batches_differing = models.IntegerField()
    rows_checked = models.IntegerField()
    rows_differing = models.IntegerField(
        help_text="Rows with another value, missing rows and rows that should not exist."
    )
    rows_repaired = models.IntegerField()
    # per assignment that differed: batch, first differing day, fields, rows; and the skipped batches with why
    details = models.JSONField(default=dict)

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="verification_started")]

    def __str__(self) -> str:
        return f"verification of {self.started_at:%Y-%m-%d %H:%M}: {self.rows_differing} rows differing"
