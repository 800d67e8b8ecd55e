"""Planned activities: what the farm intends to do to a batch, and when (docs/planning.md). Completing one records
the real event through the recording services, so the daily states follow from the event, not from the plan."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.access.scope import SHARED
from aquamind import domain as d

MAX_LEAD_DAYS = 365


class ActivityType(models.TextChoices):
    TRANSFER = "TRANSFER", "Transfer"
    HARVEST = "HARVEST", "Harvest"
    VACCINATION = "VACCINATION", "Vaccination"
    TREATMENT = "TREATMENT", "Treatment"
    SAMPLING = "SAMPLING", "Sampling"
    GRADING = "GRADING", "Grading"
    OTHER = "OTHER", "Other"


class ActivityTemplate(models.Model):
    """A rule that plans an activity from each active assignment's projection: when the P50 weight first reaches
    ``weight_g`` (WEIGHT_THRESHOLD) or the projected stage first becomes ``to_stage`` (STAGE_TRANSITION), due
    ``lead_days`` earlier. ``species`` and ``stage`` narrow it to the assignments of that species and (as of their
    latest state) that stage."""

    class Trigger(models.TextChoices):
        WEIGHT_THRESHOLD = "WEIGHT_THRESHOLD", "Weight threshold"
        STAGE_TRANSITION = "STAGE_TRANSITION", "Stage transition"

    name = models.CharField(max_length=100, unique=True)
    activity_type = models.CharField(max_length=12, choices=ActivityType.choices)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    weight_g = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=d.between(d.MIN_AVG_WEIGHT_G, d.MAX_AVG_WEIGHT_G),
        help_text="WEIGHT_THRESHOLD: the average weight, g, whose first projected day the activity is planned on.",
    )
    to_stage = models.ForeignKey(
        "batch.LifeCycleStage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="STAGE_TRANSITION: the stage whose first projected day the activity is planned on.",
    )
    lead_days = models.PositiveSmallIntegerField(
        default=0, validators=d.between(0, MAX_LEAD_DAYS), help_text="Days before the crossing the activity is due."
    )
    is_active = models.BooleanField(default=True)
    species = models.ForeignKey("batch.Species", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    stage = models.ForeignKey(
        "batch.LifeCycleStage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only assignments in this stage (as of their latest state).",
    )
    notes = models.TextField(blank=True, help_text="Copied to the activities it creates.")
    created_at = models.DateTimeField(auto_now_add=True)

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(trigger="WEIGHT_THRESHOLD", weight_g__isnull=False, to_stage__isnull=True)
                | Q(trigger="STAGE_TRANSITION", weight_g__isnull=True, to_stage__isnull=False),
                name="template_trigger_complete",
            ),
            models.CheckConstraint(
                condition=Q(weight_g__isnull=True) | (Q(weight_g__gt=0) & Q(weight_g__lte=d.MAX_AVG_WEIGHT_G)),
                name="template_weight_in_range",
            ),
            d.max_check("lead_days", MAX_LEAD_DAYS, name="template_lead_days_max"),
        ]

    def __str__(self) -> str:
        return self.name


class PlannedActivity(models.Model):
    Type = ActivityType

    class Status(models.TextChoices):
        PLANNED = "PLANNED", "Planned"
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)

    activity_type = models.CharField(max_length=12, choices=Type.choices)
    batch = models.ForeignKey("batch.Batch", on_delete=models.CASCADE, related_name="planned_activities")
    assignment = models.ForeignKey(
        "batch.BatchContainerAssignment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="planned_activities",
        help_text="The container's stay it acts on (the source of a transfer).",
    )
    container = models.ForeignKey(
        "infrastructure.Container",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planned_activities",
        help_text="Where it happens when no assignment is given; the destination of a transfer.",
    )
    due_date = models.DateField(validators=[d.plan_date])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    completed_date = models.DateField(
        null=True, blank=True, validators=[d.event_date], help_text="The day it was done."
    )
    notes = models.TextField(blank=True)
    template = models.ForeignKey(
        ActivityTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        help_text="The template that created it (at most one activity per template and assignment).",
    )
    follows_projection = models.BooleanField(
        default=False, help_text="While open, its due date moves with the projection (until someone sets the date)."
    )
    transfer = models.ForeignKey(
        "batch.TransferAction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The transfer its completion recorded.",
    )
    growth_sample = models.ForeignKey(
        "batch.GrowthSample",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The growth sample its completion recorded.",
    )
    treatment = models.ForeignKey(
        "health.Treatment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The treatment its completion recorded.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    site_path = "batch__assignments__container__site"  # docs/access.md
    site_path_unplaced = "batch__assignments"

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name_plural = "planned activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(status="COMPLETED", completed_date__isnull=False)
                | (~Q(status="COMPLETED") & Q(completed_date__isnull=True)),
                name="activity_completed_date_iff_completed",
            ),
            models.UniqueConstraint(
                fields=["template", "assignment"],
                condition=Q(template__isnull=False),
                name="activity_one_per_template_assignment",
            ),
        ]
        indexes = [models.Index(fields=["batch", "status", "due_date"], name="activity_batch_status_due")]

    def __str__(self) -> str:
        return f"{self.get_activity_type_display()} of {self.batch_id} due {self.due_date}"
