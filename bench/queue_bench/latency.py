"""Sample commit → states readable, through Redis and one real worker (target p95 < 250 ms, goal 100 ms).

One batch, 4 assignments x 300 days (samples weekly, feed daily). Then, one at a time: create a GrowthSample
on a random day of a random assignment (ORM create in its own transaction: the signal marks the work and
publishes after commit), and poll every 2 ms until that day's stored state has the sample's weight and a
``last_computed_at`` after the commit. Latency = readable - commit. Events are spaced 50 ms apart.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_qbench REDIS_URL=redis://127.0.0.1:6379/14 \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/14 CELERY_TASK_DEFAULT_QUEUE=bench \
    .venv/bin/python bench/queue_bench/latency.py [--events 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.queue_bench import env  # noqa: E402

env.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.batch.models import ActualDailyAssignmentState, GrowthSample  # noqa: E402
from bench.queue_bench import farm as farms  # noqa: E402
from bench.queue_bench.measure import (  # noqa: E402
    broker_run_id,
    disturbed_report,
    no_markers,
    runs_since,
    summary_ms,
    wait_until,
)
from bench.queue_bench.worker import broker_reset, worker_running  # noqa: E402

WARMUP_EVENTS = 5
POLL_S = 0.002
SPACING_S = 0.05
EVENT_TIMEOUT_S = 10.0
RECENT_DAYS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    farms.database_reset()
    broker_reset()
    started = time.perf_counter()
    farm = farms.farm_build(batches=1, per_batch=4, days=300, today=timezone.localdate(), seed=args.seed)
    print(f"latency: {farms.describe(farm)}; built in {time.perf_counter() - started:.1f} s")

    run_id = broker_run_id()
    with worker_running():
        for _ in range(WARMUP_EVENTS):
            sample_latency(farm, rng)
        wait_until(no_markers, timeout_s=30, interval_s=0.01)
        first_run = farms.last_run_id()
        results = [sample_latency(farm, rng) for _ in range(args.events)]
        runs = runs_since(first_run)

    report(results, runs)
    disturbed_report(run_id)


def sample_latency(farm: farms.Farm, rng: random.Random) -> tuple[float | None, int]:
    """Record one sample and wait until it is readable; returns (seconds, or None after EVENT_TIMEOUT_S;
    days from the sample to the assignment's last day)."""
    placement = rng.choice(farm.placements)
    day = placement.random_day(rng, after_first=True)
    while (placement.id, day) in farm.sample_days:
        day = placement.random_day(rng, after_first=True)
    farm.sample_days.add((placement.id, day))
    weight = farms.sample_weight(placement.expected_weight_g(day), rng)
    committed: dict = {}

    def note_commit() -> None:  # registered first, so it runs before the publish
        committed.update(at=time.perf_counter(), wall=timezone.now())

    with transaction.atomic():
        transaction.on_commit(note_commit)
        GrowthSample.objects.create(assignment_id=placement.id, sample_date=day, sample_size=30, avg_weight_g=weight)
    try:
        readable = lambda: _readable(placement.id, day, weight, committed["wall"])  # noqa: E731
        wait_until(readable, timeout_s=EVENT_TIMEOUT_S, interval_s=POLL_S)
        latency = time.perf_counter() - committed["at"]
    except TimeoutError:
        latency = None
    time.sleep(SPACING_S)
    return latency, (placement.last_day - day).days


def _readable(assignment_id: int, day, weight: Decimal, committed_wall) -> bool:
    row = list(
        ActualDailyAssignmentState.objects.filter(assignment_id=assignment_id, date=day).values_list(
            "avg_weight_g", "last_computed_at"
        )[:1]
    )
    return bool(row) and row[0][0] == weight and row[0][1] > committed_wall


def report(results: list[tuple[float | None, int]], runs) -> None:
    latencies = [s for s, _ in results if s is not None]
    recent = [s for s, after in results if s is not None and after < RECENT_DAYS]
    older = [s for s, after in results if s is not None and after >= RECENT_DAYS]
    timed_out = len(results) - len(latencies)
    if timed_out:
        print(f"NOT READABLE within {EVENT_TIMEOUT_S:.0f} s: {timed_out} of {len(results)} events")
    print(f"commit -> readable: {summary_ms(latencies)}")
    if recent and older:
        print(f"  samples in the last {RECENT_DAYS} days: {summary_ms(recent)}")
        print(f"  older samples:                {summary_ms(older)}")
    if runs.count:
        print(
            f"worker recompute runs: {runs.count}, rows {runs.rows} ({runs.rows / runs.count:.0f} a run), "
            f"run time {summary_ms([d / 1000 for d in runs.duration_ms])}"
        )


if __name__ == "__main__":
    main()
