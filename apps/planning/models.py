"""Planned activities: what the farm intends to do to a batch, and when (docs/planning.md). Completing one records
the real event through the recording services, so the daily states follow from the event, not from the plan."""
from django.db import models
from django.db.models import Q

from aquamind import domain as d


class PlannedActivity(models.Model):
    class Type(models.TextChoices):
        TRANSFER = "TRANSFER", "Transfer"
        HARVEST = "HARVEST", "Harvest"
        VACCINATION = "VACCINATION", "Vaccination"
        TREATMENT = "TREATMENT", "Treatment"
        SAMPLING = "SAMPLING", "Sampling"
        GRADING = "GRADING", "Grading"
        OTHER = "OTHER", "Other"

    class Status(models.TextChoices):
        PLANNED = "PLANNED", "Planned"
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)

    activity_type = models.CharField(max_length=12, choices=Type.choices)
    batch = models.ForeignKey("batch.Batch", on_delete=models.CASCADE, related_name="planned_activities")
    assignment = models.ForeignKey(
        "batch.BatchContainerAssignment", on_delete=models.CASCADE, null=True, blank=True,
        related_name="planned_activities", help_text="The container's stay it acts on (the source of a transfer).",
    )
    container = models.ForeignKey(
        "infrastructure.Container", on_delete=models.PROTECT, null=True, blank=True, related_name="planned_activities",
        help_text="Where it happens when no assignment is given; the destination of a transfer.",
    )
    due_date = models.DateField(validators=[d.plan_date])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    completed_date = models.DateField(null=True, blank=True, validators=[d.event_date], help_text="The day it was done.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name_plural = "planned activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(status="COMPLETED", completed_date__isnull=False) | (~Q(status="COMPLETED") & Q(completed_date__isnull=True)),
                name="activity_completed_date_iff_completed",
            ),
        ]
        indexes = [models.Index(fields=["batch", "status", "due_date"], name="activity_batch_status_due")]

    def __str__(self) -> str:
        return f"{self.get_activity_type_display()} of {self.batch_id} due {self.due_date}"
