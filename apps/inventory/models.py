from django.db import models
from django.db.models import Q

from apps.access.scope import SHARED
from aquamind import domain as d
from aquamind.db import SavedWithItsSignals


class Feed(models.Model):
    name = models.CharField(max_length=100, unique=True)
    brand = models.CharField(max_length=100, blank=True)
    pellet_size_mm = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FeedingEvent(SavedWithItsSignals, models.Model):
    assignment = models.ForeignKey(
        "batch.BatchContainerAssignment", on_delete=models.CASCADE, related_name="feeding_events"
    )
    feed = models.ForeignKey(Feed, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    feeding_date = models.DateField(validators=[d.event_date])
    amount_kg = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        validators=d.between(d.MIN_FEED_KG, d.MAX_FEED_KG),
        help_text="Feed in kg: 0.001 to 100,000 an event, and at most 100,000 for one assignment's day in all.",
    )

    site_path = "assignment__container__site"  # docs/access.md

    class Meta:
        ordering = ["-feeding_date", "-id"]
        indexes = [
            models.Index(fields=["assignment", "feeding_date"], name="feeding_assignment_date"),
            # the lists' order (API and admin): their first page is an index scan, not a sort of every event
            models.Index(fields=["-feeding_date", "-id"], name="feeding_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_kg__gt=0), name="feeding_amount_positive"),
            d.max_check("amount_kg", d.MAX_FEED_KG, name="feeding_amount_max"),
            d.date_check("feeding_date", name="feeding_date_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_kg} kg on {self.feeding_date}"
