"""A 10,000-event burst over 100 assignments, drained by one real worker (target: exact within 10 s of
the burst's end).

10 batches x 10 assignments x 120 days. The burst is a random mix of GrowthSample, MortalityEvent and
FeedingEvent creates on random days, each in its own transaction, written as fast as this one process can.
Measured: events/s written, the time from the burst's end until no RecomputeMarker remains, the recompute
runs, and whether the stored states then equal a full recompute row for row (checked with the worker
stopped: snapshot, full recompute in-process, compare everything but id and last_computed_at).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_qbench REDIS_URL=redis://127.0.0.1:6379/14 \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/14 CELERY_TASK_DEFAULT_QUEUE=bench \
    .venv/bin/python bench/queue_bench/burst.py [--events 10000] [--seed 1]
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

from apps.batch.models import GrowthSample, MortalityEvent, RecomputeMarker  # noqa: E402
from apps.inventory.models import FeedingEvent  # noqa: E402
from bench.queue_bench import farm as farms  # noqa: E402
from bench.queue_bench.measure import (  # noqa: E402
    broker_run_id,
    disturbed_report,
    exactness,
    no_markers,
    runs_since,
    wait_until,
)
from bench.queue_bench.worker import broker_reset, queue_depth, worker_running  # noqa: E402

DRAIN_TIMEOUT_S = 120
KINDS = ("sample", "mortality", "feeding")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    farms.database_reset()
    broker_reset()
    started = time.perf_counter()
    farm = farms.farm_build(batches=10, per_batch=10, days=120, today=timezone.localdate(), seed=args.seed)
    print(f"burst: {farms.describe(farm)}; built in {time.perf_counter() - started:.1f} s")
    events = [_event(farm, rng) for _ in range(args.events)]

    run_id = broker_run_id()
    with worker_running():
        first_run = farms.last_run_id()
        burst_s = _write(events)
        burst_end = timezone.now()
        markers_at_end, queued_at_end = RecomputeMarker.objects.count(), queue_depth()
        drain_s = _drain_time()
    during, total = runs_since(first_run, until=burst_end), runs_since(first_run)

    print(f"events written: {len(events)} in {burst_s:.2f} s = {len(events) / burst_s:.0f} events/s")
    print(f"at the burst's end: {markers_at_end} markers, {queued_at_end} queued messages")
    print(f"recompute runs: {during.count} during the burst, {total.count} in all, {total.rows} rows written")
    disturbed_report(run_id)
    if drain_s is None:
        print(f"NOT DRAINED within {DRAIN_TIMEOUT_S} s: {RecomputeMarker.objects.count()} markers left")
        return
    print(f"drain after the burst's end: {drain_s:.2f} s")
    check = exactness(farm.batch_ids)
    print(f"exact: {check.exact} ({check.rows} rows compared, {check.differing} differ)")


def _drain_time() -> float | None:
    try:
        return wait_until(no_markers, timeout_s=DRAIN_TIMEOUT_S, interval_s=0.01)
    except TimeoutError:
        return None


def _event(farm: farms.Farm, rng: random.Random):
    placement = rng.choice(farm.placements)
    day = placement.random_day(rng)
    kind = rng.choice(KINDS)
    if kind == "sample":
        weight = farms.sample_weight(placement.expected_weight_g(day), rng)
        return GrowthSample, dict(assignment_id=placement.id, sample_date=day, sample_size=30, avg_weight_g=weight)
    if kind == "mortality":
        return MortalityEvent, dict(assignment_id=placement.id, event_date=day, count=rng.randint(1, 30))
    amount = Decimal(f"{rng.uniform(5, 40):.3f}")
    return FeedingEvent, dict(assignment_id=placement.id, feeding_date=day, amount_kg=amount)


def _write(events) -> float:
    started = time.perf_counter()
    for model, values in events:
        with transaction.atomic():
            model.objects.create(**values)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
