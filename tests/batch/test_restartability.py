"""docs/engine.md §8 through the database: after any change on day D, recomputing from D writes exactly the rows a
full recompute writes (field for field), for random farms and random changes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.batch.models import GrowthSample
from apps.recompute.run import batch_recompute
from tests.batch.scenarios import START, farm_with_transfer, state_rows
from tests.factories import FeedingEventFactory, GrowthSampleFactory, MortalityEventFactory, TreatmentFactory, reading

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 12, 31)
DAYS, MOVE = 60, 30


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


weights = st.integers(min_value=60, max_value=400)
days = st.integers(min_value=1, max_value=DAYS)
changes = st.sampled_from(
    ["add_sample", "move_sample", "delete_sample", "mortality", "feed", "weighing", "temperature"]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    samples=st.lists(st.tuples(days, weights), max_size=6, unique_by=lambda s: s[0]),
    deaths=st.lists(st.tuples(days, st.integers(1, 500)), max_size=5),
    temps=st.lists(st.tuples(days, st.floats(min_value=-1, max_value=16)), max_size=8),
    measured=st.sampled_from([None, Decimal("130.00")]),
    change=changes,
    change_day=days,
    change_weight=weights,
)
def test_a_windowed_recompute_after_any_change_equals_a_full_recompute(
    salmon, samples, deaths, temps, measured, change, change_day, change_weight
):
    with transaction.atomic():
        scenario, source, dest, _ = farm_with_transfer(days=DAYS, transfer_day=MOVE, measured=measured)
        on = lambda n: source if n < MOVE else dest  # noqa: E731  the assignment holding the fish on day n
        for n, w in samples:
            GrowthSampleFactory(assignment=on(n), sample_date=day(n), avg_weight_g=Decimal(w))
        for n, count in deaths:
            MortalityEventFactory(assignment=on(n), event_date=day(n), count=count)
        for n, temp in temps:
            reading(on(n).container, timezone.make_aware(dt.datetime.combine(day(n), dt.time(12))), temp)
        batch_recompute(batch_id=scenario.batch_id, today=TODAY)

        target, changed_from = on(change_day), day(change_day)
        if change == "add_sample":  # one sample a day: a sample already on that day is corrected instead
            GrowthSample.objects.update_or_create(
                assignment=target,
                sample_date=changed_from,
                defaults={"sample_size": 30, "avg_weight_g": Decimal(change_weight)},
            )
        elif change in ("move_sample", "delete_sample") and samples:
            sample = GrowthSample.objects.order_by("sample_date").first()
            changed_from = min(changed_from, sample.sample_date)
            target = sample.assignment
            if change == "delete_sample":
                sample.delete()
            elif on(change_day) == target:
                GrowthSample.objects.filter(assignment=target, sample_date=day(change_day)).exclude(
                    pk=sample.pk
                ).delete()
                sample.sample_date = day(change_day)
                sample.save()
        elif change == "mortality":
            MortalityEventFactory(assignment=target, event_date=changed_from, count=change_weight)
        elif change == "feed":
            FeedingEventFactory(assignment=target, feeding_date=changed_from, amount_kg=Decimal(change_weight))
        elif change == "weighing":
            TreatmentFactory(
                assignment=target, treatment_date=changed_from, weighed_avg_weight_g=Decimal(change_weight)
            )
        elif change == "temperature":
            reading(target.container, timezone.make_aware(dt.datetime.combine(changed_from, dt.time(6))), 14.0)
            changed_from -= dt.timedelta(days=7)
        batch_recompute(batch_id=scenario.batch_id, from_dates={target.pk: changed_from}, today=TODAY)
        windowed = state_rows(scenario.batch_id)

        batch_recompute(batch_id=scenario.batch_id, today=TODAY)
        assert state_rows(scenario.batch_id) == windowed
        transaction.set_rollback(True)
