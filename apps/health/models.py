from django.db import models
from django.db.models import Q

from aquamind import domain as d
from aquamind.db import SavedWithItsSignals


class Treatment(SavedWithItsSignals, models.Model):
    """A health treatment of an assignment's fish; a treatment with weighing is a weight anchor."""

    class Type(models.TextChoices):
        VACCINATION = "VACCINATION", "Vaccination"
        MEDICATION = "MEDICATION", "Medication"
        DELICING = "DELICING", "Delicing"
        OTHER = "OTHER", "Other"

    assignment = models.ForeignKey(
        "batch.BatchContainerAssignment", on_delete=models.CASCADE, related_name="treatments"
    )
    treatment_date = models.DateField(validators=[d.event_date])
    treatment_type = models.CharField(max_length=12, choices=Type.choices)
    description = models.TextField(blank=True)
    includes_weighing = models.BooleanField(default=False)
    weighed_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Fish weighed during the treatment.", validators=d.between(1, d.MAX_FISH_COUNT)
    )
    weighed_avg_weight_g = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=d.between(d.MIN_AVG_WEIGHT_G, d.MAX_AVG_WEIGHT_G),
        help_text=d.WEIGHT_HELP,
    )

    site_path = "assignment__container__site"  # docs/access.md

    class Meta:
        ordering = ["-treatment_date", "-id"]
        indexes = [models.Index(fields=["assignment", "treatment_date"], name="treatment_assignment_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(includes_weighing=False)
                | (
                    Q(weighed_count__gt=0)
                    & Q(weighed_avg_weight_g__gt=0)
                    & Q(weighed_avg_weight_g__lte=d.MAX_AVG_WEIGHT_G)
                ),
                name="treatment_weighing_complete",
            ),
            d.max_check("weighed_count", d.MAX_FISH_COUNT, name="treatment_weighed_count_max"),
            d.date_check("treatment_date", name="treatment_date_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_treatment_type_display()} on {self.treatment_date}"
