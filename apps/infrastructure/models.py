from django.db import models


class Site(models.Model):
    class Kind(models.TextChoices):
        FRESHWATER = "FRESHWATER", "Freshwater station"
        SEA = "SEA", "Sea area"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)

    site_path = "pk"  # docs/access.md

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Container(models.Model):
    class Kind(models.TextChoices):
        TRAY = "TRAY", "Hatchery tray"
        TANK = "TANK", "Tank"
        PEN = "PEN", "Sea pen"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="containers")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    volume_m3 = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    site_path = "site"  # docs/access.md

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="container_unique_name_per_site"),
            models.CheckConstraint(
                condition=models.Q(volume_m3__isnull=True) | models.Q(volume_m3__gt=0),
                name="container_volume_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.name} / {self.name}"
