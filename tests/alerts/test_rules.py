"""Alerts: each rule raises once while its condition stands, clears when it no longer does, e-mails once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from apps.alerts.models import Alert, AlertKind, AlertSubscription
from apps.alerts.rules import Finding, Reach
from apps.alerts.services import (
    alert_acknowledge,
    alerts_digest_send,
    alerts_sync,
    batch_alerts_evaluate,
    farm_alerts_evaluate,
    verification_alert,
)
from apps.batch.models import ActualDailyAssignmentState, MortalityEvent, RecomputeMarker
from apps.planning.models import PlannedActivity
from apps.recompute.run import batch_recompute
from apps.recompute.verify import daily_states_verify
from tests.factories import (
    AssignmentFactory,
    MortalityEventFactory,
    ScenarioFactory,
    TemperatureProfileFactory,
    TGCModelFactory,
)

pytestmark = pytest.mark.django_db
START = dt.date(2024, 1, 1)
TODAY = START + dt.timedelta(days=39)  # day 40


@pytest.fixture
def tank(salmon, settings):
    """10,000 fish from START, 5 recorded deaths a day on days 1-30; the rules' defaults made explicit."""
    settings.ALERT_MORTALITY_DAYS = 7
    settings.ALERT_MORTALITY_BASELINE_DAYS = 14
    settings.ALERT_MORTALITY_MIN_COUNT = 20
    settings.ALERT_MORTALITY_PER_MILLE = 2.0
    settings.ALERT_MORTALITY_FACTOR = 4.0
    profile = TemperatureProfileFactory(days={1: 8.0, 365: 12.0})
    scenario = ScenarioFactory(tgc_model=TGCModelFactory(profile=profile, tgc_value=2.5), batch__start_date=START)
    assignment = AssignmentFactory(batch=scenario.batch, assignment_date=START)
    for n in range(30):
        MortalityEventFactory(assignment=assignment, event_date=START + dt.timedelta(days=n), count=5)
    return assignment


def recompute_and_evaluate(assignment, kind=AlertKind.MORTALITY_SPIKE):
    """The alerts of ``kind`` the batch's recompute raises (the tank's projected sea transfer is another)."""
    batch_recompute(batch_id=assignment.batch_id, today=TODAY)
    return [a for a in batch_alerts_evaluate(batch_id=assignment.batch_id, today=TODAY) if a.kind == kind]


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def test_a_spike_above_the_per_mille_threshold_is_raised_once_and_cleared_when_corrected(tank):
    event = MortalityEventFactory(assignment=tank, event_date=day(36), count=60)  # 60 of ~9,880: 6 per mille
    raised = recompute_and_evaluate(tank)
    assert [(a.kind, a.day, a.container_id) for a in raised] == [
        (AlertKind.MORTALITY_SPIKE, day(36), tank.container_id)
    ]
    alert = raised[0]
    state = ActualDailyAssignmentState.objects.get(assignment=tank, date=day(36))
    per_mille = 60 * 1000 / (state.population + 60)
    assert f"{per_mille:.1f} ‰" in alert.title and alert.title.startswith("60 deaths in ")
    assert alert.site_id == tank.container.site_id

    assert recompute_and_evaluate(tank) == []  # standing: not raised again
    assert Alert.objects.filter(kind=AlertKind.MORTALITY_SPIKE).count() == 1

    MortalityEvent.objects.filter(pk=event.pk).update(count=15)  # corrected below every threshold
    assert recompute_and_evaluate(tank) == []
    alert.refresh_from_db()
    assert alert.cleared_at is not None


def test_a_spike_by_the_factor_rule_alone(tank, settings):
    settings.ALERT_MORTALITY_PER_MILLE = 100.0  # out of reach: only the factor over the recent mean can raise it
    # days 31-35: no recorded deaths (the model's estimate: never a spike); day 37: 21 deaths = 4.2 x the mean of 5
    MortalityEventFactory(assignment=tank, event_date=day(37), count=21)
    raised = recompute_and_evaluate(tank)
    assert [a.day for a in raised] == [day(37)]
    assert "4.2 times the mean of the 14 days before (5.0 a day)" in raised[0].title


def test_below_the_minimum_count_and_outside_the_window_nothing_is_raised(tank):
    MortalityEventFactory(assignment=tank, event_date=day(38), count=19)  # 4 x mean and 1.9 per mille, below 20
    MortalityEventFactory(assignment=tank, event_date=day(20), count=500)  # a spike, but 20 days ago
    assert recompute_and_evaluate(tank) == []
    assert not Alert.objects.filter(kind=AlertKind.MORTALITY_SPIKE).exists()


def test_days_of_the_models_estimate_are_never_spikes(tank, settings):
    settings.ALERT_MORTALITY_MIN_COUNT = 1
    settings.ALERT_MORTALITY_PER_MILLE = 0.01  # any recorded death would be a spike
    batch_recompute(batch_id=tank.batch_id, today=TODAY)
    estimated = ActualDailyAssignmentState.objects.filter(assignment=tank, date__gt=day(33))
    assert estimated.exists() and all(s.sources["mortality"] != "actual" for s in estimated)
    assert recompute_and_evaluate(tank) == []


def test_e_mailed_once_to_immediate_subscribers_and_in_the_digest_to_the_others(
    tank, django_user_model, django_capture_on_commit_callbacks
):
    now_reader = django_user_model.objects.create_user("now", email="now@farm.example")
    later_reader = django_user_model.objects.create_user("later", email="later@farm.example")
    django_user_model.objects.create_user("no-mail")  # no address: never e-mailed
    AlertSubscription.objects.create(user=now_reader, kind=AlertKind.MORTALITY_SPIKE)
    AlertSubscription.objects.create(user=later_reader, kind=AlertKind.MORTALITY_SPIKE, delivery="digest")
    AlertSubscription.objects.create(user=later_reader, kind=AlertKind.PARKED_WORK, delivery="immediate")
    MortalityEventFactory(assignment=tank, event_date=day(36), count=60)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_and_evaluate(tank)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_and_evaluate(tank)
    assert [(m.to, m.subject[:22]) for m in mail.outbox] == [(["now@farm.example"], "[AquaMind] 60 deaths i")]

    assert alerts_digest_send() == 1
    assert mail.outbox[1].to == ["later@farm.example"] and "60 deaths in" in mail.outbox[1].body
    assert alerts_digest_send() == 0  # nothing new since the last digest


def test_acknowledged_alerts_leave_the_digest_and_are_not_raised_again(tank, django_user_model):
    user = django_user_model.objects.create_user("op")
    MortalityEventFactory(assignment=tank, event_date=day(36), count=60)
    (alert,) = recompute_and_evaluate(tank)
    assert alert_acknowledge(alert=alert, user=user) is True
    assert alert_acknowledge(alert=alert, user=user) is False
    assert recompute_and_evaluate(tank) == []
    alert.refresh_from_db()
    assert (alert.needs_attention, alert.acknowledged_by_id, alert.cleared_at) == (False, user.pk, None)


def test_parked_work_stands_while_parked(tank):
    batch_recompute(batch_id=tank.batch_id, today=TODAY)
    now = timezone.now()
    RecomputeMarker.objects.update_or_create(
        assignment=tank,
        defaults={"batch_id": tank.batch_id, "dirty_from": day(10), "parked_at": now, "attempts": 5},
        create_defaults={
            "batch_id": tank.batch_id,
            "dirty_from": day(10),
            "parked_at": now,
            "attempts": 5,
            "created_at": now,
            "updated_at": now,
        },
    )
    (alert,) = [
        a for a in batch_alerts_evaluate(batch_id=tank.batch_id, today=TODAY) if a.kind == AlertKind.PARKED_WORK
    ]
    assert alert.batch_id == tank.batch_id and alert.title.startswith("Recompute of batch B-")
    RecomputeMarker.objects.update(parked_at=None)
    batch_alerts_evaluate(batch_id=tank.batch_id, today=TODAY)
    alert.refresh_from_db()
    assert alert.cleared_at is not None


def test_an_overdue_activity_is_raised_and_cleared_when_completed(tank):
    batch_recompute(batch_id=tank.batch_id, today=TODAY)
    activity = PlannedActivity.objects.create(
        activity_type=PlannedActivity.Type.VACCINATION, batch=tank.batch, assignment=tank, due_date=day(39)
    )
    raised = [a for a in farm_alerts_evaluate(today=TODAY) if a.kind == AlertKind.OVERDUE_ACTIVITY]
    assert [a.details for a in raised] == [{"activity_id": activity.pk}]
    assert "was due 8 Feb 2024" in raised[0].title
    PlannedActivity.objects.filter(pk=activity.pk).update(status=PlannedActivity.Status.COMPLETED, completed_date=TODAY)
    assert farm_alerts_evaluate(today=TODAY) == []
    raised[0].refresh_from_db()
    assert raised[0].cleared_at is not None


def test_a_crossing_in_the_planning_window_with_nothing_planned_until_it_is_planned(tank, settings):
    settings.FORECAST_PLANNING_DAYS = 42
    batch_recompute(batch_id=tank.batch_id, today=TODAY)
    (alert,) = [
        a for a in batch_alerts_evaluate(batch_id=tank.batch_id, today=TODAY) if a.kind == AlertKind.NEEDS_PLANNING
    ]
    assert alert.details == {"assignment_id": tank.pk, "crossing": "sea_transfer"}
    assert alert.title.startswith(
        f"Sea transfer of batch {tank.batch.batch_number} in {tank.container.name} projected for"
    )
    PlannedActivity.objects.create(
        activity_type=PlannedActivity.Type.TRANSFER, batch=tank.batch, assignment=tank, due_date=alert.day
    )
    batch_alerts_evaluate(batch_id=tank.batch_id, today=TODAY)
    alert.refresh_from_db()
    assert alert.cleared_at is not None


def test_a_verification_that_repaired_rows_raises_one_alert_no_rule_clears(tank):
    batch_recompute(batch_id=tank.batch_id, today=timezone.localdate())
    RecomputeMarker.objects.all().delete()  # the set-up's marks, drained by the recompute above
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ActualDailyAssignmentState._meta.db_table} SET population = population - 7 "
            "WHERE assignment_id = %s AND date = %s",
            [tank.pk, day(5)],
        )
    run = daily_states_verify(repair=True)
    assert run.rows_repaired == 1
    (alert,) = verification_alert(run)
    assert alert.kind == AlertKind.VERIFICATION_REPAIRED and alert.details["batch_ids"] == [tank.batch_id]
    assert "repaired 1 daily states in 1 batch" in alert.title
    assert verification_alert(run) == []  # the same run: raised once
    farm_alerts_evaluate(today=timezone.localdate())
    alert.refresh_from_db()
    assert alert.cleared_at is None  # a fact about a run: acknowledged, never cleared by a rule
    clean = daily_states_verify(repair=True)
    assert verification_alert(clean) == []


def test_the_same_key_twice_raises_one_alert(db):
    finding = Finding(kind=AlertKind.PARKED_WORK, key="parked_work:1", title="t")
    reach = Reach(AlertKind.PARKED_WORK, clears=False)
    assert len(alerts_sync(reach, [finding])) == 1
    assert alerts_sync(reach, [finding]) == []
    Alert.objects.update(cleared_at=timezone.now())  # once cleared, the same condition is a new alert
    assert len(alerts_sync(reach, [finding])) == 1
    assert Alert.objects.count() == 2


def test_the_drain_task_evaluates_the_batchs_alerts(salmon, settings):
    """Evaluated by the recompute, not by page loads: a mortality recorded today raises its alert in the drain."""
    today = timezone.localdate()
    start = today - dt.timedelta(days=30)
    profile = TemperatureProfileFactory(days={1: 8.0, 365: 12.0})
    scenario = ScenarioFactory(tgc_model=TGCModelFactory(profile=profile, tgc_value=2.5), batch__start_date=start)
    assignment = AssignmentFactory(batch=scenario.batch, assignment_date=start, placement_avg_weight_g=Decimal("100"))
    MortalityEventFactory(assignment=assignment, event_date=today, count=300)
    from apps.recompute.tasks import recompute_drain

    result = recompute_drain.apply(args=[assignment.pk]).get()
    assert result["rows"] > 0
    assert list(Alert.objects.filter(kind=AlertKind.MORTALITY_SPIKE).values_list("day", flat=True)) == [today]
