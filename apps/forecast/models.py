"""Growth segments and projections: derived from the daily states, written only by ``forecast_refresh`` in the
recompute's transaction (so they are never older than the states). Figures are floats: they are analysis figures
of any size the records imply, rounded when written."""

from django.db import models

from apps.access.scope import SHARED


class GrowthSegment(models.Model):
    """Growth performance between two weighed days of an assignment (docs/forecast.md "Segments")."""

    # like the daily states: the batch is a copy of the assignment's (not checked by the database, indexed only with
    # the end date), the assignment is checked and indexed by the unique (assignment, end date) key -- a backfill
    # writes thousands of segments, and each index or checked key costs on every one (docs/benchmarks.md)
    batch = models.ForeignKey(
        "batch.Batch", on_delete=models.CASCADE, related_name="growth_segments", db_constraint=False, db_index=False
    )
    assignment = models.ForeignKey(
        "batch.BatchContainerAssignment", on_delete=models.CASCADE, related_name="growth_segments", db_index=False
    )
    start_date = models.DateField(
        help_text="End of this day is the segment's start (an anchor or the first stored day)."
    )
    end_date = models.DateField(help_text="The anchor day that ends the segment.")
    start_kind = models.CharField(max_length=20)
    end_kind = models.CharField(max_length=20)
    days = models.IntegerField()
    degree_days = models.FloatField()
    start_weight_g = models.FloatField()
    end_weight_g = models.FloatField()
    start_population = models.BigIntegerField()
    end_population = models.BigIntegerField()
    realised_tgc = models.FloatField(null=True)
    sgr_pct = models.FloatField(help_text="Specific growth rate, %/day.")
    feed_kg = models.FloatField()
    biological_gain_kg = models.FloatField()
    economic_gain_kg = models.FloatField()
    biological_fcr = models.FloatField(null=True)
    economic_fcr = models.FloatField(null=True)
    deaths = models.BigIntegerField()
    mortality_pct = models.FloatField(null=True)
    scenario_tgc = models.FloatField(null=True)
    performance_ratio = models.FloatField(null=True, help_text="Realised TGC / scenario TGC over the same days.")
    computed_at = models.DateTimeField()

    site_path = "assignment__container__site"  # docs/access.md

    class Meta:
        ordering = ["assignment_id", "end_date"]
        constraints = [models.UniqueConstraint(fields=["assignment", "end_date"], name="segment_unique_assignment_end")]
        indexes = [models.Index(fields=["batch", "end_date"], name="segment_batch_end")]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.start_date}..{self.end_date}"


class Projection(models.Model):
    """The live projection of an active assignment (docs/forecast.md "Projection"), stored compactly: the daily
    P10/P50/P90 weights and the stage changes in ``series``, from ``first_date`` on; the population and biomass
    quantiles follow from ``start_population`` and the death rate, and the batch total from the assignments',
    both computed on read (apps.forecast.selectors)."""

    batch = models.ForeignKey("batch.Batch", on_delete=models.CASCADE, related_name="projections")
    assignment = models.OneToOneField(
        "batch.BatchContainerAssignment", on_delete=models.CASCADE, related_name="projection"
    )
    as_of_date = models.DateField(help_text="The date of the latest actual state it starts from.")
    first_date = models.DateField()
    days = models.IntegerField()
    performance_ratio = models.FloatField(null=True)
    performance_sd = models.FloatField(null=True)
    performance_source = models.CharField(max_length=20, blank=True)
    temp_bias_c = models.FloatField(null=True)
    start_population = models.BigIntegerField()
    mortality_daily_rate = models.FloatField()
    mortality_rel_sd = models.FloatField()
    mortality_source = models.CharField(max_length=20, blank=True)
    target_weight_g = models.FloatField()
    harvest_date = models.DateField(null=True, help_text="First day the P50 weight reaches the target.")
    harvest_date_p10 = models.DateField(null=True, help_text="Earliest: the first day the P90 weight reaches it.")
    harvest_date_p90 = models.DateField(null=True, help_text="Latest: the first day the P10 weight reaches it.")
    # the weights of the crossing days, so that the forecast summary reads no series (docs/forecast.md "Summary")
    harvest_weight_p10_g = models.FloatField(null=True, help_text="P10 weight on the harvest date.")
    harvest_weight_p50_g = models.FloatField(null=True)
    harvest_weight_p90_g = models.FloatField(null=True)
    sea_transfer_target_g = models.FloatField(null=True, help_text="The sea-transfer weight; null outside fresh water.")
    sea_transfer_date = models.DateField(
        null=True, help_text="First day the P50 weight reaches the sea-transfer weight."
    )
    sea_transfer_date_p10 = models.DateField(null=True, help_text="Earliest: the first day the P90 weight reaches it.")
    sea_transfer_date_p90 = models.DateField(null=True, help_text="Latest: the first day the P10 weight reaches it.")
    sea_transfer_weight_p10_g = models.FloatField(null=True, help_text="P10 weight on the sea-transfer date.")
    sea_transfer_weight_p50_g = models.FloatField(null=True)
    sea_transfer_weight_p90_g = models.FloatField(null=True)
    series = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    site_path = "assignment__container__site"  # docs/access.md

    class Meta:
        ordering = ["batch_id", "assignment_id"]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.assignment_id} from {self.first_date}"


class BandCalibration(models.Model):
    """The farm's calibrated band (docs/forecast.md "The calibrated band"): one row per phase and horizon bucket,
    the log-ratio quantiles of the forecasts' past errors against the farm's later weighings; or a single row of
    source ``closed-form`` (phase and bounds empty) when the farm had too few residuals. Replaced whole by
    ``calibration_refresh`` each night."""

    phase = models.CharField(max_length=10, blank=True, help_text="fresh or sea; empty on a closed-form row.")
    first_day = models.IntegerField(default=0, help_text="Days ahead the bucket starts at.")
    last_day = models.IntegerField(default=0)
    q10 = models.FloatField(null=True, help_text="ln(P10 / P50).")
    q50 = models.FloatField(null=True, help_text="Median of ln(measured / P50): the P50's bias on this farm.")
    corrects = models.BooleanField(
        default=True,
        help_text="Whether the P50 is corrected by q50 (only where that made the newer half's errors smaller).",
    )
    q90 = models.FloatField(null=True, help_text="ln(P90 / P50).")
    n = models.IntegerField(
        help_text="Residuals the bucket rests on (after pooling); the farm's total on a closed-form row."
    )
    coverage = models.FloatField(
        null=True, help_text="Share of the newer half of the weighings the older half's band held."
    )
    source = models.CharField(max_length=20, help_text="bucket, classes, phases, neighbours, or closed-form.")
    weight_from_g = models.FloatField(
        default=0.0, help_text="The weight class: forecasts starting from this weight (g, inclusive) …"
    )
    weight_to_g = models.FloatField(null=True, blank=True, help_text="… up to this one (exclusive; empty: no bound).")
    like_from_g = models.FloatField(
        null=True,
        blank=True,
        help_text="The P50 is corrected by q50 only for forecasts starting from this weight (g; the forecasts the "
        "median was read from) …",
    )
    like_to_g = models.FloatField(null=True, blank=True, help_text="… up to this one (empty: no bound).")
    residuals = models.IntegerField(help_text="The farm's residuals in all.")
    method_version = models.CharField(max_length=20)
    computed_at = models.DateTimeField()

    site_path = SHARED  # docs/access.md

    class Meta:
        ordering = ["phase", "weight_from_g", "first_day"]

    def __str__(self) -> str:
        return f"{self.phase or 'closed-form'} {self.first_day}..{self.last_day}"


class LearnedGrowth(models.Model):
    """The farm's learned growth model and the way of growing its own backtest chose (docs/forecast.md "The
    learned growth model"): one row, replaced each night with the calibration. ``option``: per phase "fit" (the
    scenario with each assignment's fitted ratio) or "learned-<half-life>", e.g. "fresh=fit sea=learned-90"; the
    coefficients are null without a model."""

    option = models.CharField(
        max_length=500, help_text="Per phase, the way (or the ways per horizon bucket, comma-separated) it grows."
    )
    coefficients = models.JSONField(null=True, help_text="By feature name (apps.forecast.engine.learned.FEATURES).")
    tau_days = models.FloatField(null=True, help_text="How fast appetite comes back after handling (days).")
    half_life_days = models.FloatField(
        null=True, help_text="Measured from the segments; the option chosen sets the one used."
    )
    segments = models.IntegerField(default=0)
    degree_days = models.FloatField(default=0.0)
    scores = models.JSONField(
        default=dict, help_text="Mean |ln(measured / P50)| at 16-105 days ahead, by phase and option."
    )
    method_version = models.CharField(max_length=20)
    computed_at = models.DateTimeField()
    site_path = SHARED  # docs/access.md

    def __str__(self) -> str:
        return f"{self.option} ({self.computed_at:%Y-%m-%d})"


class CalibrationArchive(models.Model):
    """The nightly calibration's past, kept (docs/forecast.md "Nightly calibration"): for one batch as of one past
    date on the calibration's grid, older than the window the nightly job recomputes, the residuals of every way
    of growing (``{option: [[horizon days, phase, ln(measured / P50), weighing date, sampling variance, starting
    weight g], ...]}``) and the completed segments first seen as of that date, which the learned growth model is
    fitted from. Written once by ``calibration_refresh``; deleted when a recompute of the batch reaches back to
    within a forecast's horizon of its date (the records it was made from, or the weighings that scored it, may
    have changed), or with the batch."""

    as_of = models.DateField()
    batch = models.ForeignKey("batch.Batch", on_delete=models.CASCADE, related_name="+")
    residuals = models.JSONField(default=dict)
    segments = models.JSONField(default=list)
    method_version = models.CharField(
        max_length=40,
        help_text="The projection's and the learned model's versions: another version's rows are not read.",
    )
    computed_at = models.DateTimeField()
    site_path = SHARED  # docs/access.md: the farm's calibration data, like BandCalibration; never served

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "as_of"], name="forecast_archive_batch_as_of")]
        indexes = [models.Index(fields=["as_of"], name="forecast_archive_as_of")]

    def __str__(self) -> str:
        return f"batch {self.batch_id} as of {self.as_of}"
