"""Growth scenarios and their models. A batch uses its pinned scenario, else its newest one."""

from django.db import models
from django.db.models import Q

from apps.access.scope import SHARED
from aquamind import domain as d
from aquamind.db import SavedWithItsSignals


class TemperatureProfile(models.Model):
    name = models.CharField(max_length=100, unique=True)

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemperatureProfileDay(SavedWithItsSignals, models.Model):
    """The planned temperature on a day number (1 = the batch's or scenario's first day)."""

    profile = models.ForeignKey(TemperatureProfile, on_delete=models.CASCADE, related_name="days")
    day_number = models.PositiveIntegerField(validators=d.between(1, d.MAX_PROFILE_DAY))
    temp_c = models.FloatField(validators=d.between(*d.PROFILE_TEMPERATURE_C))

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["profile", "day_number"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "day_number"], name="profile_day_unique"),
            models.CheckConstraint(condition=Q(day_number__gte=1), name="profile_day_from_one"),
            d.max_check("day_number", d.MAX_PROFILE_DAY, name="profile_day_max"),
            d.range_check("temp_c", *d.PROFILE_TEMPERATURE_C, name="profile_temperature_in_range"),
        ]


class TGCModel(SavedWithItsSignals, models.Model):
    """Thermal growth coefficient, stored per 1000 (2.5 means 0.0025); a value below 0.01 is already /1000."""

    name = models.CharField(max_length=100, unique=True)
    tgc_value = models.FloatField(validators=d.between(*d.TGC_RANGE))
    profile = models.ForeignKey(TemperatureProfile, on_delete=models.PROTECT, related_name="tgc_models")

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(tgc_value__gt=0), name="tgc_positive"),
            d.range_check("tgc_value", *d.TGC_RANGE, name="tgc_in_range"),
        ]

    def __str__(self) -> str:
        return self.name


class TGCStageOverride(SavedWithItsSignals, models.Model):
    model = models.ForeignKey(TGCModel, on_delete=models.CASCADE, related_name="stage_overrides")
    lifecycle_stage = models.ForeignKey("batch.LifeCycleStage", on_delete=models.CASCADE, related_name="+")
    tgc_value = models.FloatField(validators=d.between(*d.TGC_RANGE))

    site_path = SHARED  # docs/access.md

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "lifecycle_stage"], name="tgc_override_unique"),
            models.CheckConstraint(condition=Q(tgc_value__gt=0), name="tgc_override_positive"),
            d.range_check("tgc_value", *d.TGC_RANGE, name="tgc_override_in_range"),
        ]


class MortalityModel(SavedWithItsSignals, models.Model):
    class Frequency(models.TextChoices):
        DAILY = "DAILY"
        WEEKLY = "WEEKLY"

    name = models.CharField(max_length=100, unique=True)
    frequency = models.CharField(max_length=6, choices=Frequency.choices, default=Frequency.DAILY)
    rate_percent = models.FloatField(
        help_text="Per day or per week, by frequency.", validators=d.between(*d.MORTALITY_RATE_PERCENT)
    )

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0) & Q(rate_percent__lt=100), name="mortality_rate_range"
            )
        ]

    def __str__(self) -> str:
        return self.name


class MortalityStageOverride(SavedWithItsSignals, models.Model):
    model = models.ForeignKey(MortalityModel, on_delete=models.CASCADE, related_name="stage_overrides")
    lifecycle_stage = models.ForeignKey("batch.LifeCycleStage", on_delete=models.CASCADE, related_name="+")
    rate_percent = models.FloatField(
        help_text="Same frequency as the model.", validators=d.between(*d.MORTALITY_RATE_PERCENT)
    )

    site_path = SHARED  # docs/access.md

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "lifecycle_stage"], name="mortality_override_unique"),
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0) & Q(rate_percent__lt=100), name="mortality_override_range"
            ),
        ]


class FCRModel(models.Model):
    name = models.CharField(max_length=100, unique=True)

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FCRModelStage(models.Model):
    model = models.ForeignKey(FCRModel, on_delete=models.CASCADE, related_name="stages")
    lifecycle_stage = models.ForeignKey("batch.LifeCycleStage", on_delete=models.CASCADE, related_name="+")
    fcr_value = models.FloatField(validators=d.between(*d.FCR_RANGE))

    site_path = SHARED  # docs/access.md

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "lifecycle_stage"], name="fcr_stage_unique"),
            models.CheckConstraint(condition=Q(fcr_value__gt=0), name="fcr_positive"),
        ]


class Scenario(SavedWithItsSignals, models.Model):
    name = models.CharField(max_length=200)
    batch = models.ForeignKey("batch.Batch", on_delete=models.CASCADE, null=True, blank=True, related_name="scenarios")
    start_date = models.DateField(validators=[d.plan_date], help_text="At most five years ahead.")
    duration_days = models.PositiveIntegerField(validators=d.between(1, d.MAX_DURATION_DAYS))
    initial_count = models.PositiveIntegerField(validators=d.between(1, d.MAX_BATCH_FISH))
    initial_weight_g = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=d.between(d.MIN_AVG_WEIGHT_G, d.MAX_AVG_WEIGHT_G),
        help_text=d.WEIGHT_HELP,
    )
    tgc_model = models.ForeignKey(TGCModel, on_delete=models.PROTECT, related_name="scenarios")
    mortality_model = models.ForeignKey(MortalityModel, on_delete=models.PROTECT, related_name="scenarios")
    fcr_model = models.ForeignKey(FCRModel, on_delete=models.PROTECT, null=True, blank=True, related_name="scenarios")
    created_at = models.DateTimeField(auto_now_add=True)

    site_path = "batch__assignments__container__site"  # docs/access.md
    site_path_unplaced = "batch__assignments"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_days__gt=0), name="scenario_duration_positive"),
            models.CheckConstraint(condition=Q(initial_count__gt=0), name="scenario_count_positive"),
            models.CheckConstraint(
                condition=Q(initial_weight_g__gt=0) & Q(initial_weight_g__lte=d.MAX_AVG_WEIGHT_G),
                name="scenario_weight_in_range",
            ),
            d.date_check("start_date", name="scenario_start_in_range"),
            d.max_check("duration_days", d.MAX_DURATION_DAYS, name="scenario_duration_max"),
            d.max_check("initial_count", d.MAX_BATCH_FISH, name="scenario_count_max"),
        ]

    def __str__(self) -> str:
        return self.name
