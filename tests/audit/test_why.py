"""'Why did this change?': a corrected sample explains exactly the days it moved, and no other day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from apps.audit.context import history_context
from apps.audit.models import MarkCause, StateMove
from apps.audit.why import why
from apps.batch.models import ActualDailyAssignmentState, GrowthSample
from tests.batch.scenarios import drain_all_batches
from tests.factories import GrowthSampleFactory
from tests.planning.farms import open_tank

pytestmark = pytest.mark.django_db(transaction=True)


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def weights(assignment_id: int) -> dict[dt.date, Decimal]:
    return dict(
        ActualDailyAssignmentState.objects.filter(assignment_id=assignment_id).values_list("date", "avg_weight_g")
    )


def percent(old: Decimal, new: Decimal) -> str:
    change = (new - old) / old * 100
    return f"{'+' if change > 0 else chr(0x2212)}{abs(change):.1f} %"


def short(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


@pytest.fixture
def tank_with_two_samples(salmon):
    _, tank = open_tank(days_ago=60)
    GrowthSampleFactory(assignment=tank, sample_date=ago(45), avg_weight_g=Decimal("160"), sample_size=30)
    sample = GrowthSampleFactory(assignment=tank, sample_date=ago(30), avg_weight_g=Decimal("250"), sample_size=30)
    drain_all_batches()  # the first computation: no stored row is replaced, so nothing "moved"
    return tank, sample


def test_a_corrected_sample_explains_exactly_the_days_it_moved(tank_with_two_samples, django_user_model):
    tank, sample = tank_with_two_samples
    assert not StateMove.objects.exists()
    before = weights(tank.pk)
    anna = django_user_model.objects.create_user("anna")
    with history_context(user=anna.pk, username="anna", channel="api", path="/api/v1/batch/growth-samples/"):
        sample = GrowthSample.objects.get(pk=sample.pk)
        sample.avg_weight_g = Decimal("240")
        sample.save()
    drain_all_batches()
    after = weights(tank.pk)
    assert MarkCause.objects.filter(run__isnull=True).count() == 0  # every mark went to the run that drained it

    moved = {day for day in after if before.get(day) != after[day]}
    assert moved and min(moved) == ago(44) and max(moved) == timezone.localdate()  # from the earlier anchor on
    for day in sorted(after):
        answer = why(assignment_id=tank.pk, day=day)
        assert answer["value"]["avg_weight_g"] == after[day]
        if day not in moved:
            assert answer["changes"] == [], day
            continue
        [change] = answer["changes"]
        edited = timezone.localtime(change["at"])
        assert change["text"] == (
            f"{edited.day} {edited:%b %H:%M}, anna corrected the growth sample of {short(ago(30))} from 250 g to 240 g: "
            f"average weight from {short(ago(30))} onward recomputed ({percent(before[day], after[day])} on {short(day)})"
        )
        assert (change["old"]["avg_weight_g"], change["new"]["avg_weight_g"]) == (str(before[day]), str(after[day]))
        assert change["event"]["kind"] == "batch.growthsample" and change["event"]["record_id"] == sample.pk


def test_a_second_correction_comes_first(tank_with_two_samples):
    tank, sample = tank_with_two_samples
    for weight, name in (("240", "anna"), ("245", "bob")):
        with transaction.atomic(), history_context(username=name, channel="api"):  # a service: one transaction
            GrowthSample.objects.filter(pk=sample.pk).update(avg_weight_g=Decimal(weight))  # no signal: mark it
            from apps.recompute.markers import recompute_mark

            recompute_mark(assignment_id=tank.pk, from_date=sample.sample_date)
        drain_all_batches()
    texts = [c["text"] for c in why(assignment_id=tank.pk, day=ago(20))["changes"]]
    assert len(texts) == 2
    assert ", bob corrected the growth sample of" in texts[0] and "from 240 g to 245 g" in texts[0]
    assert ", anna corrected the growth sample of" in texts[1] and "from 250 g to 240 g" in texts[1]


def test_the_verifiers_repair_says_so(tank_with_two_samples):
    from django.db import connection

    from apps.recompute.verify import daily_states_verify

    tank, _ = tank_with_two_samples
    day = ago(10)
    with connection.cursor() as cursor:  # a write that bypassed the records: the stored state itself
        cursor.execute(
            "UPDATE batch_actualdailyassignmentstate SET avg_weight_g = avg_weight_g + 7 WHERE assignment_id = %s AND date = %s",
            [tank.pk, day],
        )
    daily_states_verify(repair=True, trigger="nightly")
    [change] = why(assignment_id=tank.pk, day=day)["changes"]
    assert "repaired by the nightly verification: a write that bypassed the records" in change["text"]
    assert Decimal(change["old"]["avg_weight_g"]) - Decimal(change["new"]["avg_weight_g"]) == 7
    assert why(assignment_id=tank.pk, day=day - dt.timedelta(days=1))["changes"] == []
