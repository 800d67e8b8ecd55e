"""A sampling day of several casts (issue 21): the day's growth sample is their aggregate, by one rule, kept
true by every way a cast is written, and the recompute follows a cast exactly as it follows a sample."""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.batch.models import GrowthSample, GrowthSampleCast, RecomputeMarker
from apps.batch.sampling import casts_aggregate, moments_pooled, weights_moments
from apps.batch.services.casts import growth_sample_cast_delete, growth_sample_cast_record
from apps.batch.services.recording import growth_sample_record
from tests.batch.scenarios import START, drain_all_batches, farm_with_transfer
from tests.factories import GrowthSampleFactory
from tests.recompute.test_reach import assert_equals_full_recompute

CENT = Decimal("0.01")
weights = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2)
cast_weights = st.lists(weights, min_size=1, max_size=12)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- the rule, against the pooled individual weights ---------------------------------------------------------


@given(st.lists(cast_weights, min_size=1, max_size=6))
def test_pooling_the_casts_moments_is_exactly_the_moments_of_all_their_fish(casts):
    pooled = moments_pooled(weights_moments(c) for c in casts)
    every_fish = [w for c in casts for w in c]
    exact = [Fraction(w) for w in every_fish]
    assert pooled.fish == len(every_fish)
    assert pooled.mean == statistics.mean(exact)
    if len(every_fish) > 1:
        assert pooled.variance == statistics.variance(exact)


@given(st.lists(cast_weights, min_size=2, max_size=6))
def test_the_days_figures_from_weighed_casts_are_the_pooled_weights_rounded_once(casts):
    rows = [GrowthSampleCast(weights_g=[float(w) for w in c], fish_weighed=len(c)) for c in casts]
    figures = casts_aggregate(rows)
    every_fish = [Fraction(w) for c in casts for w in c]
    assert figures.sample_size == len(every_fish)
    assert figures.avg_weight_g == cents(
        Decimal(statistics.mean(every_fish).numerator) / statistics.mean(every_fish).denominator
    )
    if len(every_fish) > 1:
        variance = statistics.variance(every_fish)
        truth = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
        assert abs(figures.std_dev_weight_g - truth) <= CENT / 2 + Decimal("1e-20")
    else:
        assert figures.std_dev_weight_g is None


@given(st.lists(cast_weights, min_size=2, max_size=6), st.data())
def test_pooling_is_the_same_in_any_grouping_and_order(casts, data):
    parts = [weights_moments(c) for c in casts]
    cut = data.draw(st.integers(min_value=1, max_value=len(parts) - 1))
    shuffled = data.draw(st.permutations(parts))
    whole = moments_pooled(parts)
    assert moments_pooled([moments_pooled(parts[:cut]), moments_pooled(parts[cut:])]) == whole
    assert moments_pooled(shuffled) == whole


@given(
    st.lists(
        st.tuples(st.integers(1, 100), weights, st.decimals(min_value=0, max_value=100, places=2)),
        min_size=2,
        max_size=6,
    )
)
def test_casts_recorded_as_figures_pool_their_spread_and_the_spread_of_their_means(casts):
    """The pooled spread, computed independently: the total sum of squares over N - 1."""
    rows = [GrowthSampleCast(fish_weighed=n, avg_weight_g=m, std_dev_weight_g=s) for n, m, s in casts]
    figures = casts_aggregate(rows)
    n_total = sum(n for n, _, _ in casts)
    mean = sum(Fraction(n) * Fraction(m) for n, m, _ in casts) / n_total
    assert figures.sample_size == n_total
    assert figures.avg_weight_g == cents(Decimal(mean.numerator) / Decimal(mean.denominator))
    squares = sum((n - 1) * Fraction(s) ** 2 + n * (Fraction(m) - mean) ** 2 for n, m, s in casts)
    if n_total > 1:
        truth = (Decimal(squares.numerator) / Decimal(squares.denominator) / (n_total - 1)).sqrt()
        assert abs(figures.std_dev_weight_g - truth) <= CENT / 2 + Decimal("1e-20")


def test_a_cast_of_several_fish_without_a_spread_leaves_the_days_spread_unknown():
    rows = [
        GrowthSampleCast(fish_weighed=30, avg_weight_g=Decimal("100"), std_dev_weight_g=Decimal("10")),
        GrowthSampleCast(fish_weighed=20, avg_weight_g=Decimal("110"), std_dev_weight_g=None),
    ]
    assert casts_aggregate(rows).std_dev_weight_g is None
    assert casts_aggregate(rows).avg_weight_g == Decimal("104.00")  # (30·100 + 20·110) / 50


def test_one_cast_is_the_days_sample_as_recorded():
    one = GrowthSampleCast(fish_weighed=1, avg_weight_g=Decimal("81.30"), std_dev_weight_g=Decimal("0"))
    figures = casts_aggregate([one])
    assert (figures.sample_size, figures.avg_weight_g, figures.std_dev_weight_g) == (1, Decimal("81.30"), Decimal("0"))


def test_a_known_day_two_casts_of_two_fish():
    """Weights 1, 3 | 5, 7: mean 4, variance ((1+1) + (1+1) + 2·4 + 2·4) / 3 = 20/3."""
    rows = [GrowthSampleCast(weights_g=[1, 3], fish_weighed=2), GrowthSampleCast(weights_g=[5, 7], fish_weighed=2)]
    figures = casts_aggregate(rows)
    assert (figures.sample_size, figures.avg_weight_g) == (4, Decimal("4.00"))
    assert figures.std_dev_weight_g == cents((Decimal(20) / 3).sqrt())


# --- stored: every write keeps the sample the aggregate, and marks like a sample change ------------------------


@pytest.fixture
def farm(salmon):
    scenario, source, dest, transfer = farm_with_transfer(days=60, transfer_day=30)
    drain_all_batches()
    return scenario, source, dest


def add(assignment, on: int, fish: int, mean: str, sd: str | None = None, **extra) -> GrowthSampleCast:
    cast = GrowthSampleCast(
        fish_weighed=fish, avg_weight_g=Decimal(mean), std_dev_weight_g=Decimal(sd) if sd else None, **extra
    )
    return growth_sample_cast_record(cast=cast, assignment=assignment, sample_date=day(on))


def marks() -> dict[int, dt.date]:
    return dict(RecomputeMarker.objects.values_list("assignment_id", "dirty_from"))


def the_sample(assignment, on: int) -> tuple | None:
    return (
        GrowthSample.objects.filter(assignment=assignment, sample_date=day(on))
        .values_list("sample_size", "avg_weight_g", "std_dev_weight_g")
        .first()
    )


def test_casts_make_the_days_sample_and_each_marks_the_recompute_from_that_day(farm):
    _, source, _ = farm
    add(source, 12, 40, "120.00", "10.00")
    assert the_sample(source, 12) == (40, Decimal("120.00"), Decimal("10.00"))
    assert marks() == {source.pk: day(12)}
    RecomputeMarker.objects.all().delete()
    add(source, 12, 60, "130.00", "12.00")
    # mean (40·120 + 60·130) / 100 = 126; SS = 39·100 + 59·144 + 40·36 + 60·16 = 14,796 over 99
    assert the_sample(source, 12) == (100, Decimal("126.00"), cents((Decimal(14796) / 99).sqrt()))
    assert marks() == {source.pk: day(12)}


def test_a_cast_change_that_leaves_the_aggregate_as_it_was_marks_nothing(farm):
    _, source, _ = farm
    cast = add(source, 12, 40, "120.00")
    RecomputeMarker.objects.all().delete()
    cast.notes = "net 2, north side"
    cast.save()
    assert marks() == {}


def test_queryset_update_and_delete_keep_the_sample_and_mark_like_a_sample_change(farm):
    _, source, _ = farm
    add(source, 12, 40, "120.00")
    add(source, 12, 60, "130.00")
    RecomputeMarker.objects.all().delete()
    GrowthSampleCast.objects.filter(sample__sample_date=day(12)).update(avg_weight_g=Decimal("140.00"))
    assert the_sample(source, 12)[:2] == (100, Decimal("140.00"))
    assert marks() == {source.pk: day(12)}
    RecomputeMarker.objects.all().delete()
    GrowthSampleCast.objects.filter(fish_weighed=40).delete()
    assert the_sample(source, 12)[:2] == (60, Decimal("140.00"))
    assert marks() == {source.pk: day(12)}
    RecomputeMarker.objects.all().delete()
    GrowthSampleCast.objects.all().delete()
    assert the_sample(source, 12) is None  # the day's last cast took the sample along
    assert marks() == {source.pk: day(12)}


def test_a_cast_moved_to_another_day_leaves_both_days_right(farm):
    _, source, dest = farm
    add(source, 12, 40, "120.00")
    moving = add(source, 12, 60, "130.00")
    RecomputeMarker.objects.all().delete()
    moving = GrowthSampleCast.objects.get(pk=moving.pk)
    growth_sample_cast_record(cast=moving, assignment=dest, sample_date=day(40))
    assert the_sample(source, 12)[:2] == (40, Decimal("120.00"))
    assert the_sample(dest, 40)[:2] == (60, Decimal("130.00"))
    assert marks() == {source.pk: day(12), dest.pk: day(40)}


def test_a_sample_recorded_before_casts_becomes_the_days_first_cast(farm):
    _, source, _ = farm
    GrowthSampleFactory(assignment=source, sample_date=day(12), sample_size=30, avg_weight_g=Decimal("100.00"))
    add(source, 12, 10, "140.00")
    assert the_sample(source, 12)[:2] == (40, Decimal("110.00"))
    assert sorted(GrowthSampleCast.objects.values_list("fish_weighed", flat=True)) == [10, 30]


def test_a_growth_sample_recorded_directly_is_its_own_cast_and_its_figures_follow_while_it_is_one(farm):
    _, source, _ = farm
    sample = growth_sample_record(
        sample=GrowthSample(assignment=source, sample_date=day(12), sample_size=30, avg_weight_g=Decimal("100"))
    )
    assert list(sample.casts.values_list("fish_weighed", "avg_weight_g")) == [(30, Decimal("100.00"))]
    sample.avg_weight_g = Decimal("101.00")
    growth_sample_record(sample=sample)
    assert list(sample.casts.values_list("fish_weighed", "avg_weight_g")) == [(30, Decimal("101.00"))]
    add(source, 12, 10, "141.00")
    sample = GrowthSample.objects.get(pk=sample.pk)
    sample.avg_weight_g = Decimal("90.00")
    with pytest.raises(ValidationError) as refused:
        growth_sample_record(sample=sample)
    assert refused.value.error_dict["avg_weight_g"][0].code == "has_casts"
    sample.avg_weight_g, sample.avg_length_cm = Decimal("111.00"), Decimal("21.5")  # length is the sample's own
    growth_sample_record(sample=sample)
    assert GrowthSample.objects.get(pk=sample.pk).avg_length_cm == Decimal("21.50")


def test_weights_derive_the_casts_figures_and_figures_that_disagree_are_refused(farm):
    _, source, _ = farm
    cast = GrowthSampleCast(weights_g=[100, 110, 120])
    growth_sample_cast_record(cast=cast, assignment=source, sample_date=day(12))
    assert (cast.fish_weighed, cast.avg_weight_g, cast.std_dev_weight_g) == (3, Decimal("110.00"), Decimal("10.00"))
    wrong = GrowthSampleCast(weights_g=[100, 110], avg_weight_g=Decimal("120"))
    wrong._sent_figures = {"avg_weight_g"}
    with pytest.raises(ValidationError) as refused:
        growth_sample_cast_record(cast=wrong, assignment=source, sample_date=day(12))
    assert set(refused.value.error_dict) == {"avg_weight_g"}
    assert GrowthSampleCast.objects.count() == 1


def test_a_day_that_would_weigh_more_fish_than_a_sample_holds_is_refused_and_nothing_is_saved(farm):
    _, source, _ = farm
    add(source, 12, 99_000, "120.00")
    with pytest.raises(ValidationError) as refused:
        add(source, 12, 2_000, "120.00")
    assert set(refused.value.error_dict) == {"fish_weighed"}
    assert the_sample(source, 12)[0] == 99_000 and GrowthSampleCast.objects.count() == 1


# --- the recompute converges after any sequence of cast writes ------------------------------------------------

operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.sampled_from([5, 12, 20]), st.integers(1, 100), st.integers(80, 200)),
        st.tuples(st.just("edit"), st.integers(0, 9), st.integers(1, 100), st.integers(80, 200)),
        st.tuples(st.just("delete"), st.integers(0, 9), st.just(0), st.just(0)),
        st.tuples(st.just("move"), st.integers(0, 9), st.sampled_from([5, 12, 20]), st.just(0)),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_after_any_cast_adds_edits_moves_and_deletes_the_drained_states_equal_a_full_recompute(farm, ops):
    scenario, source, _ = farm
    GrowthSampleCast.objects.all().delete()
    drain_all_batches()
    for kind, a, b, c in ops:
        casts = list(GrowthSampleCast.objects.order_by("pk"))
        if kind == "add":
            add(source, a, b, str(c))
        elif casts and kind == "edit":
            cast = casts[a % len(casts)]
            cast.fish_weighed, cast.avg_weight_g = b, Decimal(c)
            cast.save()
        elif casts and kind == "delete":
            growth_sample_cast_delete(cast=casts[a % len(casts)])
        elif casts and kind == "move":
            growth_sample_cast_record(cast=casts[a % len(casts)], assignment=source, sample_date=day(b))
        drain_all_batches()
        assert_equals_full_recompute(scenario.batch_id)
    for sample in GrowthSample.objects.all():  # each day's sample is its casts', computed independently
        rows = list(sample.casts.values_list("fish_weighed", "avg_weight_g"))
        fish = sum(n for n, _ in rows)
        assert sample.sample_size == fish
        assert sample.avg_weight_g == cents(sum(n * m for n, m in rows) / fish)
