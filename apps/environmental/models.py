from django.db import models
from django.db.models import F, Q

from apps.access.scope import SHARED
from aquamind import domain as d
from aquamind.db import SavedWithItsSignals


class EnvironmentalParameter(models.Model):
    """A measured quantity and the range a reading of it may take; the engine uses the one whose code is
    ``temperature`` (case-insensitive), whose range must lie within ``TEMPERATURE_LIMITS_C``."""

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=20)
    min_value = models.FloatField(
        default=d.READING_MIN, validators=d.between(d.READING_MIN, d.READING_MAX), help_text="Lowest valid reading."
    )
    max_value = models.FloatField(
        default=d.READING_MAX, validators=d.between(d.READING_MIN, d.READING_MAX), help_text="Highest valid reading."
    )

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(max_value__gt=F("min_value")), name="parameter_range_ordered"),
            d.range_check("min_value", d.READING_MIN, d.READING_MAX, name="parameter_min_in_bounds"),
            d.range_check("max_value", d.READING_MIN, d.READING_MAX, name="parameter_max_in_bounds"),
            models.CheckConstraint(
                condition=~Q(code__iexact=d.TEMPERATURE_CODE)
                | (Q(min_value__gte=d.TEMPERATURE_LIMITS_C[0]) & Q(max_value__lte=d.TEMPERATURE_LIMITS_C[1])),
                name="parameter_temperature_range_in_limits",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EnvironmentalReading(SavedWithItsSignals, models.Model):
    """One reading; its value lies within its parameter's range (checked by ``environmental_reading_validate``,
    the database holds the absolute bound)."""

    container = models.ForeignKey("infrastructure.Container", on_delete=models.CASCADE, related_name="readings")
    parameter = models.ForeignKey(EnvironmentalParameter, on_delete=models.PROTECT, related_name="readings")
    reading_time = models.DateTimeField(validators=[d.event_moment])
    value = models.FloatField(validators=d.between(d.READING_MIN, d.READING_MAX))

    site_path = "container__site"  # docs/access.md

    class Meta:
        ordering = ["-reading_time"]
        indexes = [
            models.Index(fields=["container", "parameter", "reading_time"], name="reading_container_time"),
            # the lists' order (the API's -reading_time, -id; the admin adds -pk): an index scan of one page
            models.Index(fields=["-reading_time", "-id"], name="reading_newest_first"),
        ]
        constraints = [
            d.range_check("value", d.READING_MIN, d.READING_MAX, name="reading_value_in_bounds"),
            d.range_check("reading_time", d.EARLIEST_MOMENT, d.LATEST_MOMENT, name="reading_time_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.parameter_id}={self.value} at {self.reading_time}"
