"""The casts of a sampling day: each weighing of 20-100 fish an operator records at the pen.

A day's ``GrowthSample`` is the aggregate of its casts (``apps.batch.services.casts``): the engine, the reach
rules and the recompute read the sample as before. Every write of a cast keeps that aggregate true in the
same transaction, whichever way it is written: ``save()``, ``delete()``, and the queryset's ``update()`` and
``delete()`` refresh the samples they touched, and the refresh saves the sample through its own ``save()``,
so its recompute signals mark exactly what a changed sample marks (``growth_samples_refresh``, here
beside the hooks that call it; the rule itself is ``apps.batch.sampling.casts_aggregate``). ``bulk_create`` does not: a bulk loader
computes the samples itself with ``casts_aggregate`` (docs/api.md, "Casts").
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import Q

from apps.batch.sampling import FIGURES, DayFigures, casts_aggregate
from aquamind import domain as d

from .domain import GrowthSample

MAX_CAST_WEIGHTS = 5_000  # individual weights in one cast: a cast is 20-100 fish; a grading frame a few thousand


def day_figures_validate(figures: DayFigures) -> None:
    """A day's aggregate must fit a growth sample: at most ``MAX_SAMPLE_SIZE`` fish and a spread within its
    bound (``day_limit``, naming the cast's field that adds to it)."""
    if figures.sample_size > d.MAX_SAMPLE_SIZE:
        message = (
            f"The day's casts would weigh {figures.sample_size} fish; a day's sample holds at most {d.MAX_SAMPLE_SIZE}."
        )
        raise ValidationError({"fish_weighed": ValidationError(message, code="day_limit")})
    if figures.std_dev_weight_g is not None and figures.std_dev_weight_g > d.MAX_STD_DEV_WEIGHT_G:
        message = f"The day's pooled standard deviation would exceed {d.MAX_STD_DEV_WEIGHT_G} g."
        raise ValidationError({"std_dev_weight_g": ValidationError(message, code="day_limit")})


def _refresh(sample_ids) -> None:
    growth_samples_refresh(sample_ids=sample_ids)


class CastQuerySet(models.QuerySet):
    """``update()`` and ``delete()`` refresh the day samples of the casts they touched (QuerySet paths
    bypass ``save()``; without this they would leave a stale sample and no recompute mark)."""

    def _sample_ids(self) -> set[int]:
        return set(self.order_by().values_list("sample_id", flat=True).distinct())

    def update(self, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            touched = self._sample_ids()
            count = super().update(**kwargs)
            if "sample" in kwargs or "sample_id" in kwargs:
                target = kwargs.get("sample_id", kwargs.get("sample"))
                touched.add(getattr(target, "pk", target))
            _refresh(touched)
        return count

    update.alters_data = True

    def delete(self):
        with transaction.atomic(using=self.db, savepoint=False):
            touched = self._sample_ids()
            result = super().delete()
            _refresh(touched)
        return result

    delete.alters_data = True


class GrowthSampleCast(models.Model):
    """One weighing of a sampling day: fish weighed and their mean (and spread), or every fish's weight."""

    site_path = "sample__assignment__container__site"  # docs/access.md

    sample = models.ForeignKey(
        "batch.GrowthSample",
        on_delete=models.CASCADE,
        related_name="casts",
        help_text="The day's growth sample (assignment and day) this cast adds to.",
    )
    fish_weighed = models.PositiveIntegerField(
        help_text="Fish weighed in this cast.", validators=d.between(1, d.MAX_SAMPLE_SIZE)
    )
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
        help_text="Standard deviation of this cast's weights, g: 0 to 50,000.",
    )
    weights_g = models.JSONField(
        null=True,
        blank=True,
        help_text="Every fish's weight in g, when weighed one by one (the cast's figures are then derived).",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CastQuerySet.as_manager()

    class Meta:
        ordering = ["sample_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(fish_weighed__gt=0), name="cast_fish_positive"),
            d.max_check("fish_weighed", d.MAX_SAMPLE_SIZE, name="cast_fish_max"),
            models.CheckConstraint(
                condition=Q(avg_weight_g__gt=0) & Q(avg_weight_g__lte=d.MAX_AVG_WEIGHT_G), name="cast_weight_in_range"
            ),
            d.range_check("std_dev_weight_g", 0, d.MAX_STD_DEV_WEIGHT_G, name="cast_std_dev_in_range", nullable=True),
        ]

    def __str__(self) -> str:
        return f"{self.fish_weighed} fish at {self.avg_weight_g} g"

    def save(self, *args, **kwargs):
        """Save and refresh the day sample it joins and the one it left, in one transaction."""
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)
            _refresh({getattr(self, "_loaded_sample_id", None), self.sample_id})
            self._loaded_sample_id = self.sample_id

    def delete(self, *args, **kwargs):
        """Delete and refresh its day sample (deleted with its last cast)."""
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            touched = {self.sample_id, getattr(self, "_loaded_sample_id", None)}
            result = super().delete(*args, **kwargs)
            _refresh(touched)
        return result

    @property
    def assignment_id(self) -> int | None:
        """The assignment of its day (the API names a cast's day by assignment and date)."""
        return self.sample.assignment_id if self.sample_id else None

    @property
    def sample_date(self):
        return self.sample.sample_date if self.sample_id else None

    @classmethod
    def from_db(cls, db, field_names, values):
        cast = super().from_db(db, field_names, values)
        cast._loaded_sample_id = cast.__dict__.get("sample_id")
        return cast


def growth_samples_refresh(*, sample_ids: Iterable[int | None]) -> None:
    """Make each sample its casts' aggregate, in the caller's transaction; a sample whose last cast went is
    deleted. Saved through the sample's ``save()``/``delete()``, so the recompute signals mark as for any
    sample change (nothing when the figures did not change). The sample rows are locked first, so two
    writers of one day's casts aggregate one after the other, each seeing the other's committed cast."""
    ids = sorted({pk for pk in sample_ids if pk is not None})
    if not ids:
        return
    with transaction.atomic(savepoint=False):
        samples = list(GrowthSample.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        by_sample: dict[int, list[GrowthSampleCast]] = {}
        for cast in GrowthSampleCast.objects.filter(sample_id__in=ids).order_by("pk"):
            by_sample.setdefault(cast.sample_id, []).append(cast)
        for sample in samples:
            casts = by_sample.get(sample.pk)
            if not casts:
                sample.delete()
                continue
            figures = casts_aggregate(casts)
            day_figures_validate(figures)
            if any(getattr(sample, f) != getattr(figures, f) for f in FIGURES):
                for field in FIGURES:
                    setattr(sample, field, getattr(figures, field))
                sample.save()
