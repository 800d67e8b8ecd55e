"""Recording the casts of a sampling day: add, change, move, delete, each in one transaction under the
assignment's lock, with the day's growth sample their aggregate (the rule: ``apps.batch.sampling``; the
refresh that keeps it: ``apps.batch.models.casts``). docs/api.md, "Casts".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.batch.models import BatchContainerAssignment, GrowthSample
from apps.batch.models.casts import MAX_CAST_WEIGHTS, GrowthSampleCast
from apps.batch.sampling import FIGURES, moments_figures, weights_moments
from apps.batch.services.validation import assignment_lock, event_date_validate
from aquamind import domain as d


def cast_weights_settle(cast: GrowthSampleCast) -> None:
    """A cast weighed fish by fish: check the weights and derive its figures from them. Figures sent beside
    the weights must agree with them (to the stored 0.01 g), so a client cannot store two truths."""
    weights = cast.weights_g
    if weights is None:
        return
    if not isinstance(weights, list) or not weights:
        raise ValidationError({"weights_g": "Send a list of the fish's weights in g, or leave it out."})
    if len(weights) > MAX_CAST_WEIGHTS:
        raise ValidationError({"weights_g": f"At most {MAX_CAST_WEIGHTS} weights in one cast; split it."})
    for position, weight in enumerate(weights):
        if isinstance(weight, bool) or not isinstance(weight, (int, float, Decimal, str)):
            raise ValidationError({"weights_g": f"Weight {position + 1} is not a number."})
        try:
            value = Decimal(str(weight))
        except ArithmeticError:
            raise ValidationError({"weights_g": f"Weight {position + 1} is not a number."}) from None
        if not value.is_finite() or not d.MIN_AVG_WEIGHT_G <= value <= d.MAX_AVG_WEIGHT_G:
            raise ValidationError({"weights_g": f"Weight {position + 1} ({weight}) is outside 0.01 to 50,000 g."})
    figures = moments_figures(weights_moments(weights))
    derived = {
        "fish_weighed": figures.sample_size,
        "avg_weight_g": figures.avg_weight_g,
        "std_dev_weight_g": figures.std_dev_weight_g,
    }
    for field in getattr(cast, "_sent_figures", ()):  # the figures the client sent beside the weights
        given = getattr(cast, field)
        if given is not None and given != derived[field]:
            raise ValidationError(
                {field: f"{given} disagrees with the weights, which give {derived[field]}; send one or the other."}
            )
    for field, value in derived.items():
        setattr(cast, field, value)
    cast.weights_g = [float(Decimal(str(w))) for w in weights]


def day_sample_lock(*, assignment: BatchContainerAssignment, day: dt.date) -> GrowthSample | None:
    """The day's sample of ``assignment``, under the assignment's lock (the caller's transaction)."""
    assignment_lock(assignment.pk)
    return GrowthSample.objects.select_for_update().filter(assignment_id=assignment.pk, sample_date=day).first()


def sample_as_cast(sample: GrowthSample) -> GrowthSampleCast:
    """A sample recorded before casts existed (or written directly) becomes its own first cast."""
    return GrowthSampleCast(
        sample=sample,
        fish_weighed=sample.sample_size,
        avg_weight_g=sample.avg_weight_g,
        std_dev_weight_g=sample.std_dev_weight_g,
    )


def growth_sample_cast_record(
    *, cast: GrowthSampleCast, assignment: BatchContainerAssignment, sample_date: dt.date
) -> GrowthSampleCast:
    """Add a cast to, or change a cast of, ``assignment``'s sampling day ``sample_date``: the day's sample is
    created with the first cast and follows every change (a cast moved to another day leaves its old day's
    aggregate, which is deleted with its last cast). One transaction; ``ValidationError`` naming the field."""
    with transaction.atomic():
        cast_weights_settle(cast)
        event_date_validate(assignment=assignment, day=sample_date, field="sample_date")
        left = getattr(cast, "_loaded_sample_id", None) if cast.pk is not None else None
        old = GrowthSample.objects.filter(pk=left).values_list("assignment_id", flat=True) if left else []
        assignment_lock(*old, assignment.pk)  # both days' assignments, in id order
        sample = day_sample_lock(assignment=assignment, day=sample_date)
        if sample is None:
            sample = GrowthSample(assignment=assignment, sample_date=sample_date)
            for field, value in zip(
                FIGURES, (cast.fish_weighed, cast.avg_weight_g, cast.std_dev_weight_g), strict=True
            ):
                setattr(sample, field, value)
            sample.save()
        elif not sample.casts.exists():
            sample_as_cast(sample).save()
        cast.sample = sample
        cast.save()
    return cast


def growth_sample_cast_delete(*, cast: GrowthSampleCast) -> None:
    """Delete a cast; the day's sample follows (and goes with the day's last cast)."""
    with transaction.atomic():
        assignment_lock(GrowthSample.objects.filter(pk=cast.sample_id).values_list("assignment_id", flat=True).first())
        cast.delete()


def growth_sample_casts_sync(*, sample: GrowthSample, figures_changed: bool) -> None:
    """After a sample was saved directly (the growth-sample API and admin): a sample with no cast gets its
    figures as its one cast; a sample of one cast passes changed figures on to it (its individual weights no
    longer apply). A sample of several casts never has its figures changed directly (``sample_figures_validate``)."""
    casts = list(sample.casts.order_by("pk")[:2])
    if not casts:
        sample_as_cast(sample).save()
    elif len(casts) == 1 and figures_changed:
        only = casts[0]
        only.fish_weighed, only.avg_weight_g, only.std_dev_weight_g = (
            sample.sample_size,
            sample.avg_weight_g,
            sample.std_dev_weight_g,
        )
        only.weights_g = None
        only.save()


def sample_figures_changed(sample: GrowthSample) -> bool:
    """Whether ``sample``'s fish, mean or spread differ from the stored ones (a new sample: True)."""
    stored = GrowthSample.objects.filter(pk=sample.pk).values(*FIGURES).first() if sample.pk else None
    return stored is None or any(stored[f] != getattr(sample, f) for f in FIGURES)


def sample_figures_validate(sample: GrowthSample) -> None:
    """A day of several casts is changed through its casts: its figures are their aggregate."""
    if sample.pk is None or not sample_figures_changed(sample):
        return
    count = GrowthSampleCast.objects.filter(sample_id=sample.pk).count()
    if count > 1:
        stored = GrowthSample.objects.filter(pk=sample.pk).values(*FIGURES).first()
        field = next(f for f in FIGURES if stored[f] != getattr(sample, f))
        raise ValidationError(
            {
                field: ValidationError(
                    f"This day's sample is the aggregate of its {count} casts; change, add or delete a cast "
                    "(growth-sample-casts) instead of its figures.",
                    code="has_casts",
                )
            }
        )
