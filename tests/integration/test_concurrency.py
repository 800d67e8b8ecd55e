"""Bursts of events: two workers never deadlock or fail, and a thousand events coalesce into a few runs."""

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import transaction

from apps.batch.models import FailedRecompute, GrowthSample, MortalityEvent, RecomputeRun
from apps.inventory.models import FeedingEvent
from tests.batch.scenarios import START, farm_with_transfer
from tests.factories import AssignmentFactory, ScenarioFactory
from tests.integration.support import INTEGRATION, assert_equals_full_recompute

pytestmark = INTEGRATION


DATE_FIELD = {GrowthSample: "sample_date", MortalityEvent: "event_date", FeedingEvent: "feeding_date"}


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def sample_day_taken(assignment, when: dt.date) -> bool:
    """One sample per assignment and day (a second is refused): the burst skips such a sample."""
    return GrowthSample.objects.filter(assignment=assignment, sample_date=when).exists()


def test_two_workers_and_a_burst_of_200_events_on_one_batch_end_in_a_full_recompute(salmon, workers, drain):
    scenario, source, dest, _ = farm_with_transfer(days=120, transfer_day=60)
    workers.start()
    assert len(workers.running()) == 2
    log_starts = {w: len(w.log()) for w in workers.running()}
    rng = random.Random(6)
    days_of = {source: (1, 59), dest: (60, 120)}
    made: list = []
    for _ in range(200):
        assignment = rng.choice([source, dest])
        when = day(rng.randint(*days_of[assignment]))
        kind = rng.random()
        if made and kind < 0.3:  # correct an earlier record: new value and, sometimes, a new date
            record = rng.choice(made)
            if isinstance(record, GrowthSample):
                record.avg_weight_g = Decimal(rng.randint(10_000, 40_000)) / 100
            elif isinstance(record, MortalityEvent):
                record.count = rng.randint(1, 40)
            else:
                record.amount_kg = Decimal(rng.randint(1_000, 90_000)) / 1000
            if rng.random() < 0.3:
                owner = source if record.assignment_id == source.pk else dest
                moved_to = day(rng.randint(*days_of[owner]))
                if not (isinstance(record, GrowthSample) and sample_day_taken(owner, moved_to)):
                    setattr(record, DATE_FIELD[type(record)], moved_to)
            record.save()
        elif kind < 0.45 and not sample_day_taken(assignment, when):
            grams = Decimal(rng.randint(10_000, 40_000)) / 100
            made.append(
                GrowthSample.objects.create(assignment=assignment, sample_date=when, sample_size=20, avg_weight_g=grams)
            )
        elif kind < 0.75:
            made.append(MortalityEvent.objects.create(assignment=assignment, event_date=when, count=rng.randint(1, 40)))
        else:
            kg = Decimal(rng.randint(1_000, 90_000)) / 1000
            made.append(FeedingEvent.objects.create(assignment=assignment, feeding_date=when, amount_kg=kg))
    drain(timeout=90)

    assert not FailedRecompute.objects.exists()
    runs = RecomputeRun.objects.filter(batch_id=scenario.batch_id)
    assert runs.exists() and not runs.filter(ok=False).exists()
    logs = "\n".join(w.log(since=start) for w, start in log_starts.items())
    assert "deadlock" not in logs.lower() and "ERROR/" not in logs
    tasks_done = [w.log(since=start).count(" succeeded in ") for w, start in log_starts.items()]
    retries = logs.count("Retry in")
    print(f"\n200 events: {runs.count()} recompute runs, tasks per worker {tasks_done}, {retries} lock-busy retries")
    assert_equals_full_recompute(scenario.batch_id)


def test_a_burst_of_a_thousand_events_coalesces_into_a_handful_of_runs(salmon, drain):
    scenario = ScenarioFactory(batch__start_date=START)
    assignment = AssignmentFactory(batch=scenario.batch, assignment_date=START, departure_date=day(901))  # 900 days
    drain()
    runs_before = RecomputeRun.objects.filter(batch_id=scenario.batch_id).count()

    started = time.perf_counter()
    for n in range(1000):  # each event its own transaction, as a web request: a marker bump, a deduplicated publish
        with transaction.atomic():
            MortalityEvent.objects.create(assignment=assignment, event_date=day(1 + n * 7 % 900), count=1)
    seconds = time.perf_counter() - started
    drain()

    runs_of_batch = RecomputeRun.objects.filter(batch_id=scenario.batch_id).order_by("started_at")
    durations = list(runs_of_batch.values_list("duration_ms", flat=True))[runs_before:]
    runs, shortest = len(durations), min(durations) / 1000
    print(f"\n1,000 events in {seconds:.2f} s: {runs} recompute runs, {1000 * seconds / runs:.0f} ms of events per run")
    # One worker runs them one after another, and while one runs at most one follow-up waits (the dedup key is
    # cleared when a task starts): the count follows the burst's length over a run's, never the events.
    assert runs <= seconds / shortest + 2
    assert 1 <= runs < 250  # about 20-60 on this 2-core machine, depending on its load
    assert_equals_full_recompute(scenario.batch_id)
