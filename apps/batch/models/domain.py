"""The farm's records about a batch of fish. Fields and constraints only; behaviour lives in services."""

from django.db import models
from django.db.models import F, Q

from apps.access.scope import SHARED
from apps.batch.labels import assignment_label
from aquamind import domain as d
from aquamind.db import SavedWithItsSignals


class Species(models.Model):
    name = models.CharField(max_length=100, unique=True)
    scientific_name = models.CharField(max_length=200, blank=True)

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "species"

    def __str__(self) -> str:
        return self.name


class LifeCycleStage(models.Model):
    """A stage of a species' life with its expected weight band in grams."""

    species = models.ForeignKey(Species, on_delete=models.PROTECT, related_name="stages")
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField()
    expected_weight_min_g = models.DecimalField(max_digits=10, decimal_places=2)
    expected_weight_max_g = models.DecimalField(max_digits=10, decimal_places=2)
    at_sea = models.BooleanField(
        default=False,
        help_text="Lived at sea (salmon: Post-Smolt, Adult). Fish in a fresh-water container never reach it by weight.",
    )

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["species__name", "order"]
        constraints = [
            models.UniqueConstraint(fields=["species", "order"], name="stage_unique_order_per_species"),
            models.UniqueConstraint(fields=["species", "name"], name="stage_unique_name_per_species"),
            models.CheckConstraint(condition=Q(expected_weight_min_g__gte=0), name="stage_min_weight_not_negative"),
            models.CheckConstraint(
                condition=Q(expected_weight_max_g__gt=F("expected_weight_min_g")), name="stage_max_above_min"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RecomputeErrorFields(models.Model):
    """The last recompute error of a batch or assignment, persisted where people can see it."""

    last_recompute_error_code = models.CharField(max_length=64, blank=True)
    last_recompute_error = models.TextField(blank=True)
    last_recompute_error_at = models.DateTimeField(null=True, blank=True)
    last_recompute_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Batch(SavedWithItsSignals, RecomputeErrorFields):
    class Status(models.TextChoices):
        PLANNED = "PLANNED"
        ACTIVE = "ACTIVE"
        COMPLETED = "COMPLETED"
        TERMINATED = "TERMINATED"
        CANCELLED = "CANCELLED"

    batch_number = models.CharField(max_length=50, unique=True)
    species = models.ForeignKey(Species, on_delete=models.PROTECT, related_name="batches")
    start_date = models.DateField(help_text="Day 1 of the batch.", validators=[d.plan_date])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    pinned_scenario = models.ForeignKey(
        "scenario.Scenario",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pinned_by",
        help_text="The scenario used for growth; empty means the batch's newest scenario.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    site_path = "assignments__container__site"  # docs/access.md
    site_path_unplaced = "assignments"

    class Meta:
        ordering = ["batch_number"]
        verbose_name_plural = "batches"
        constraints = [d.date_check("start_date", name="batch_start_in_range")]

    def __str__(self) -> str:
        return self.batch_number


class BatchContainerAssignment(SavedWithItsSignals, RecomputeErrorFields):
    """A batch in a container from ``assignment_date`` (inclusive) to ``departure_date`` (exclusive)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="assignments")
    container = models.ForeignKey("infrastructure.Container", on_delete=models.PROTECT, related_name="assignments")
    lifecycle_stage = models.ForeignKey(LifeCycleStage, on_delete=models.PROTECT, related_name="+")
    assignment_date = models.DateField(help_text="First day in the container.", validators=[d.event_date])
    departure_date = models.DateField(
        null=True, blank=True, help_text="Day the fish left (not included).", validators=[d.event_date]
    )
    placement_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Fish placed, for the batch's first placement only.",
        validators=d.between(1, d.MAX_FISH_COUNT),
    )
    placement_avg_weight_g = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Average weight at placement, g: 0.01 to 50,000.",
        validators=d.between(d.MIN_AVG_WEIGHT_G, d.MAX_AVG_WEIGHT_G),
    )
    notes = models.TextField(blank=True)

    site_path = "container__site"  # docs/access.md

    class Meta:
        ordering = ["batch__batch_number", "assignment_date", "id"]
        indexes = [models.Index(fields=["container", "assignment_date"], name="assignment_container_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(departure_date__isnull=True) | Q(departure_date__gt=F("assignment_date")),
                name="assignment_departure_after_start",
            ),
            models.CheckConstraint(
                condition=Q(placement_count__isnull=True) | Q(placement_count__gt=0),
                name="assignment_placement_count_positive",
            ),
            models.CheckConstraint(
                condition=Q(placement_avg_weight_g__isnull=True)
                | (Q(placement_avg_weight_g__gt=0) & Q(placement_avg_weight_g__lte=d.MAX_AVG_WEIGHT_G)),
                name="assignment_placement_weight_in_range",
            ),
            d.max_check("placement_count", d.MAX_FISH_COUNT, name="assignment_placement_count_max"),
            d.date_check("assignment_date", name="assignment_date_in_range"),
            d.date_check("departure_date", name="assignment_departure_in_range", nullable=True),
        ]

    def __str__(self) -> str:
        """ "Pen 02 · Viðvík · 2025-04-10 → now": container, site, first and departure day (one query for the
        container and site unless they were selected with the row)."""
        return assignment_label(
            self.container.name, self.container.site.name, self.assignment_date, self.departure_date
        )


class GrowthSample(SavedWithItsSignals, models.Model):
    assignment = models.ForeignKey(BatchContainerAssignment, on_delete=models.CASCADE, related_name="growth_samples")
    sample_date = models.DateField(validators=[d.event_date], help_text="One sample per assignment and day.")
    sample_size = models.PositiveIntegerField(help_text="Fish weighed.", validators=d.between(1, d.MAX_SAMPLE_SIZE))
    avg_weight_g = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=d.between(d.MIN_AVG_WEIGHT_G, d.MAX_AVG_WEIGHT_G),
        help_text=d.WEIGHT_HELP,
    )
    std_dev_weight_g = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=d.between(0, d.MAX_STD_DEV_WEIGHT_G),
        help_text="Standard deviation of the weights, g: 0 to 50,000.",
    )
    avg_length_cm = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=d.between(d.MIN_LENGTH_CM, d.MAX_LENGTH_CM),
        help_text="Average length, cm: 0.01 to 200.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    site_path = "assignment__container__site"  # docs/access.md

    class Meta:
        ordering = ["-sample_date", "-id"]
        # the lists' order (API, admin): the newest page without sorting every sample (issue 21)
        indexes = [models.Index(fields=["-sample_date", "-id"], name="sample_newest_first")]
        constraints = [
            # a second sample of the same fish on the same day is refused, not averaged (docs/api.md)
            models.UniqueConstraint(fields=["assignment", "sample_date"], name="sample_one_per_assignment_day"),
            models.CheckConstraint(condition=Q(sample_size__gt=0), name="sample_size_positive"),
            models.CheckConstraint(
                condition=Q(avg_weight_g__gt=0) & Q(avg_weight_g__lte=d.MAX_AVG_WEIGHT_G), name="sample_weight_in_range"
            ),
            d.max_check("sample_size", d.MAX_SAMPLE_SIZE, name="sample_size_max"),
            d.range_check("std_dev_weight_g", 0, d.MAX_STD_DEV_WEIGHT_G, name="sample_std_dev_in_range", nullable=True),
            d.range_check(
                "avg_length_cm", d.MIN_LENGTH_CM, d.MAX_LENGTH_CM, name="sample_length_in_range", nullable=True
            ),
            d.date_check("sample_date", name="sample_date_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.avg_weight_g} g on {self.sample_date}"


class TransferAction(SavedWithItsSignals, models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING"
        IN_PROGRESS = "IN_PROGRESS"
        COMPLETED = "COMPLETED"
        FAILED = "FAILED"
        SKIPPED = "SKIPPED"

    class SelectionMethod(models.TextChoices):
        AVERAGE = "AVERAGE", "Average fish"
        LARGEST = "LARGEST", "Largest fish selected"
        SMALLEST = "SMALLEST", "Smallest fish selected"

    source_assignment = models.ForeignKey(
        BatchContainerAssignment, on_delete=models.CASCADE, related_name="transfers_out"
    )
    dest_assignment = models.ForeignKey(BatchContainerAssignment, on_delete=models.CASCADE, related_name="transfers_in")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    planned_date = models.DateField(null=True, blank=True, validators=[d.plan_date])
    actual_execution_date = models.DateField(null=True, blank=True, validators=[d.event_date])
    transferred_count = models.PositiveIntegerField(
        help_text="Fish that arrived alive.", validators=d.between(1, d.MAX_FISH_COUNT)
    )
    mortality_during_transfer = models.PositiveIntegerField(
        default=0, help_text="Fish that died in handling.", validators=d.between(0, d.MAX_FISH_COUNT)
    )
    measured_avg_weight_g = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=d.between(d.MIN_AVG_WEIGHT_G, d.MAX_AVG_WEIGHT_G),
        help_text=d.WEIGHT_HELP,
    )
    selection_method = models.CharField(max_length=10, choices=SelectionMethod.choices, default=SelectionMethod.AVERAGE)
    notes = models.TextField(blank=True)

    site_path = ("source_assignment__container__site", "dest_assignment__container__site")  # docs/access.md

    class Meta:
        ordering = ["-actual_execution_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(transferred_count__gt=0), name="transfer_count_positive"),
            models.CheckConstraint(
                condition=~Q(source_assignment=F("dest_assignment")), name="transfer_source_is_not_destination"
            ),
            models.CheckConstraint(
                condition=Q(measured_avg_weight_g__isnull=True)
                | (Q(measured_avg_weight_g__gt=0) & Q(measured_avg_weight_g__lte=d.MAX_AVG_WEIGHT_G)),
                name="transfer_weight_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="COMPLETED") | Q(actual_execution_date__isnull=False),
                name="transfer_completed_has_date",
            ),
            d.max_check("transferred_count", d.MAX_FISH_COUNT, name="transfer_count_max"),
            d.max_check("mortality_during_transfer", d.MAX_FISH_COUNT, name="transfer_mortality_max"),
            d.date_check("planned_date", name="transfer_planned_date_in_range", nullable=True),
            d.date_check("actual_execution_date", name="transfer_execution_date_in_range", nullable=True),
        ]

    def __str__(self) -> str:
        return f"transfer {self.source_assignment_id}→{self.dest_assignment_id} ({self.status})"


class MortalityEvent(SavedWithItsSignals, models.Model):
    class Cause(models.TextChoices):
        UNKNOWN = "UNKNOWN"
        DISEASE = "DISEASE"
        HANDLING = "HANDLING"
        PREDATION = "PREDATION"
        ENVIRONMENT = "ENVIRONMENT"
        OTHER = "OTHER"

    assignment = models.ForeignKey(BatchContainerAssignment, on_delete=models.CASCADE, related_name="mortality_events")
    event_date = models.DateField(validators=[d.event_date])
    count = models.PositiveIntegerField(validators=d.between(1, d.MAX_FISH_COUNT))
    cause = models.CharField(max_length=12, choices=Cause.choices, default=Cause.UNKNOWN)
    notes = models.TextField(blank=True)

    site_path = "assignment__container__site"  # docs/access.md

    class Meta:
        ordering = ["-event_date", "-id"]
        indexes = [
            models.Index(fields=["assignment", "event_date"], name="mortality_assignment_date"),
            # the lists' order (API, admin): the newest page of 700,000 events without sorting them all (issue 21)
            models.Index(fields=["-event_date", "-id"], name="mortality_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(count__gt=0), name="mortality_count_positive"),
            d.max_check("count", d.MAX_FISH_COUNT, name="mortality_count_max"),
            d.date_check("event_date", name="mortality_date_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.count} dead on {self.event_date}"
