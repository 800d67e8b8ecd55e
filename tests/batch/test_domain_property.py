"""Issue 9: for any inputs drawn from the declared domains (aquamind/domain.py) -- extreme but valid counts,
weights, feed, temperatures, model parameters and dates -- a full recompute never fails and every stored value
fits its column (docs/engine.md "Column sizes")."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, models, transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apps.batch.models import ActualDailyAssignmentState, MortalityEvent, TransferAction
from apps.inventory.models import FeedingEvent
from apps.recompute.run import batch_recompute
from aquamind import domain as d
from tests.factories import (
    AssignmentFactory,
    ContainerFactory,
    GrowthSampleFactory,
    MortalityModelFactory,
    ScenarioFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
    reading,
    stage,
    temperature_parameter,
)

pytestmark = pytest.mark.django_db
DAYS = 40
LATEST_START = dt.date.today() - dt.timedelta(days=DAYS + 1)

day_index = st.integers(0, DAYS - 1)
weights = st.decimals(d.MIN_AVG_WEIGHT_G, d.MAX_AVG_WEIGHT_G, places=2)
temperatures = st.floats(*d.TEMPERATURE_LIMITS_C)  # the widest an admin may set the temperature range
feed = st.decimals(d.MIN_FEED_KG, d.MAX_FEED_KG_PER_DAY, places=3)
share = st.floats(0.0, 1.0)
EXTREME = dict(
    start=d.EARLIEST_DATE,
    placed=d.MAX_FISH_COUNT,
    weight=d.MAX_AVG_WEIGHT_G,
    tgc=d.TGC_RANGE[1],
    rate=d.MORTALITY_RATE_PERCENT[1],
    weekly=False,
    profile=[d.PROFILE_TEMPERATURE_C[1]],
    temps=[(i, d.TEMPERATURE_LIMITS_C[1]) for i in range(DAYS)],
    samples=[],
    deaths=[(0, 1.0), (5, 1.0)],
    feedings=[(i, d.MAX_FEED_KG_PER_DAY) for i in range(DAYS)],
    move=(1, 1.0),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    start=st.dates(d.EARLIEST_DATE, LATEST_START),
    placed=st.integers(1, d.MAX_FISH_COUNT),
    weight=weights,
    tgc=st.floats(*d.TGC_RANGE),
    rate=st.floats(*d.MORTALITY_RATE_PERCENT),
    weekly=st.booleans(),
    profile=st.lists(st.floats(*d.PROFILE_TEMPERATURE_C), min_size=1, max_size=3),
    temps=st.lists(st.tuples(day_index, temperatures), max_size=12),
    samples=st.lists(
        st.tuples(day_index, weights, st.integers(1, d.MAX_SAMPLE_SIZE)), max_size=4, unique_by=lambda s: s[0]
    ),
    deaths=st.lists(st.tuples(day_index, share), max_size=6),
    feedings=st.lists(st.tuples(day_index, feed), max_size=8, unique_by=lambda f: f[0]),
    move=st.none() | st.tuples(st.integers(1, DAYS - 1), share),
)
@example(**EXTREME)
@example(
    **{
        **EXTREME,
        "placed": 1,
        "weight": d.MIN_AVG_WEIGHT_G,
        "tgc": d.TGC_RANGE[0],
        "rate": 0.0,
        "temps": [(i, d.TEMPERATURE_LIMITS_C[0]) for i in range(DAYS)],
        "move": None,
    }
)
def test_a_recompute_of_any_valid_farm_succeeds_and_every_value_fits_its_column(
    salmon, start, placed, weight, tgc, rate, weekly, profile, temps, samples, deaths, feedings, move
):
    with transaction.atomic():
        source, dest, last_day = _farm(start, placed, weight, tgc, rate, weekly, profile)
        for i, temp in temps:
            reading(
                source.container,
                timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=i), dt.time(12))),
                temp,
            )
        for i, grams, size in samples:
            GrowthSampleFactory(
                assignment=source, sample_date=start + dt.timedelta(days=i), avg_weight_g=grams, sample_size=size
            )
        for i, kg in feedings:
            FeedingEvent.objects.create(assignment=source, feeding_date=start + dt.timedelta(days=i), amount_kg=kg)
        left = _deaths(source, start, placed, deaths)
        _move(source, dest, start, left, move)

        summary = batch_recompute(batch_id=source.batch_id, today=last_day)

        assert summary.ok and not summary.assignment_errors, summary
        rows = list(ActualDailyAssignmentState.objects.filter(batch_id=source.batch_id))
        assert len(rows) == DAYS + (DAYS - move[0] if move else 0)
        for row in rows:
            assert_fits_its_columns(row)
            assert 0 < row.avg_weight_g <= d.MAX_AVG_WEIGHT_G and 0 <= row.population <= placed
        transaction.set_rollback(True)


def _farm(start, placed, weight, tgc, rate, weekly, profile):
    parameter = temperature_parameter()
    parameter.min_value, parameter.max_value = d.TEMPERATURE_LIMITS_C
    parameter.save()
    scenario = ScenarioFactory(
        batch__start_date=start,
        start_date=start,
        initial_weight_g=weight,
        tgc_model=TGCModelFactory(
            tgc_value=tgc, profile=TemperatureProfileFactory(days={n * 100 + 1: t for n, t in enumerate(profile)})
        ),
        mortality_model=MortalityModelFactory(rate_percent=rate, frequency="WEEKLY" if weekly else "DAILY"),
    )
    last_day = start + dt.timedelta(days=DAYS - 1)
    source = AssignmentFactory(
        batch=scenario.batch,
        assignment_date=start,
        placement_count=placed,
        placement_avg_weight_g=weight,
        lifecycle_stage=stage("Fry"),
    )
    dest = AssignmentFactory(
        batch=scenario.batch,
        container=ContainerFactory(),
        assignment_date=start + dt.timedelta(days=1),
        placement_count=None,
        placement_avg_weight_g=None,
        lifecycle_stage=stage("Fry"),
    )
    return source, dest, last_day


def _deaths(source, start, placed: int, deaths) -> int:
    """Record deaths that never exceed the fish left (each a share of them); returns the fish left."""
    left = placed
    for i, part in sorted(deaths):
        count = min(left, max(1, int(left * part)))
        if count and left:
            MortalityEvent.objects.create(assignment=source, event_date=start + dt.timedelta(days=i), count=count)
            left -= count
    return left


def _move(source, dest, start, left: int, move) -> None:
    if move is None:
        dest.delete()
        return
    i, part = move
    moved = min(left, max(1, int(left * part)))
    dest.assignment_date = start + dt.timedelta(days=i)
    dest.save()
    if moved:
        TransferAction.objects.create(
            source_assignment=source,
            dest_assignment=dest,
            status="COMPLETED",
            actual_execution_date=dest.assignment_date,
            transferred_count=moved,
            mortality_during_transfer=0,
            measured_avg_weight_g=Decimal("100.00"),
        )


def assert_fits_its_columns(row: ActualDailyAssignmentState) -> None:
    """What PostgreSQL would refuse (NumericValueOutOfRange), checked on any database."""
    for field in row._meta.concrete_fields:
        value = getattr(row, field.attname)
        if value is None:
            continue
        if isinstance(field, models.DecimalField):
            assert abs(value) < Decimal(10) ** (field.max_digits - field.decimal_places), (field.name, value)
        elif isinstance(field, models.IntegerField):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            assert low <= value <= high, (field.name, value)
