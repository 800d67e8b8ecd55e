from django.db import models

from aquamind.db import SavedWithItsSignals


class EnvironmentalParameter(models.Model):
    """A measured quantity; the engine uses the one whose code is ``temperature`` (case-insensitive)."""

    code = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=20)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class EnvironmentalReading(SavedWithItsSignals, models.Model):
    container = models.ForeignKey("infrastructure.Container", on_delete=models.CASCADE, related_name="readings")
    parameter = models.ForeignKey(EnvironmentalParameter, on_delete=models.PROTECT, related_name="readings")
    reading_time = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        ordering = ["-reading_time"]
        indexes = [models.Index(fields=["container", "parameter", "reading_time"], name="reading_container_time")]

    def __str__(self) -> str:
        return f"{self.parameter_id}={self.value} at {self.reading_time}"
