from django.db import models


class ActualDailyAssignmentState(models.Model):
    """The computed end-of-day state of one assignment on one date (docs/engine.md §1). Written only by the saver."""

    # Only the assignment is checked by the database (its index is the unique (assignment, date) one). The
    # batch and container are copies of the assignment's own, and the stage is one of a handful of rows: their
    # foreign keys are not enforced in the database (the ORM still cascades/protects), which takes a third off
    # a backfill's time, see docs/benchmarks.md "Schema". Only the saver writes these rows.
    assignment = models.ForeignKey(
        "batch.BatchContainerAssignment", on_delete=models.CASCADE, related_name="daily_states", db_index=False
    )
    batch = models.ForeignKey(
        "batch.Batch", on_delete=models.CASCADE, related_name="daily_states", db_constraint=False, db_index=False
    )
    # no index either: nothing reads states by container alone (a container's states are its assignments'), and
    # each index is paid on every row a backfill writes (docs/benchmarks.md "National scale")
    container = models.ForeignKey(
        "infrastructure.Container", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    date = models.DateField()
    day_number = models.IntegerField()
    lifecycle_stage = models.ForeignKey(
        "batch.LifeCycleStage", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    # Each column holds every value the engine can produce from inputs the database accepts (docs/engine.md
    # "Column sizes"): the engine caps weights at 50,000 g and FCR at 10; population and deaths are sums of
    # counts of at most 10 million each; temperatures are means of readings within +-1,000,000.
    avg_weight_g = models.DecimalField(max_digits=10, decimal_places=2)
    population = models.BigIntegerField()
    biomass_kg = models.DecimalField(max_digits=24, decimal_places=2)
    temp_c = models.DecimalField(max_digits=9, decimal_places=2)
    mortality_count = models.BigIntegerField()
    feed_kg = models.DecimalField(max_digits=18, decimal_places=3)
    observed_fcr = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    anchor_type = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001 -- null: no anchor that day (the API says so)
    sources = models.JSONField(default=dict)
    confidence_scores = models.JSONField(default=dict)
    last_computed_at = models.DateTimeField()

    site_path = "container__site"  # docs/access.md

    class Meta:
        ordering = ["assignment_id", "date"]
        indexes = [models.Index(fields=["batch", "date"], name="state_batch_date")]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "date"], name="state_unique_assignment_date"),
            models.CheckConstraint(condition=models.Q(population__gte=0), name="state_population_not_negative"),
            models.CheckConstraint(condition=models.Q(avg_weight_g__gt=0), name="state_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.date}"
