"""The nightly catch-up through the queue: 200 batches / 800 assignments, drained by one real worker
(target < 20 s).

200 batches x 4 assignments with data over the last 60 days, states computed once up to yesterday (so the
new day has to be added, as at 02:00). Then ``apps.recompute.tasks.nightly_catch_up()`` runs in this process
(it marks the last 14 days of every active batch and publishes after each batch's commit) and the clock
runs until no RecomputeMarker remains. The result is then checked against a full recompute (worker stopped).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_qbench REDIS_URL=redis://127.0.0.1:6379/14 \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/14 CELERY_TASK_DEFAULT_QUEUE=bench \
    .venv/bin/python bench/queue_bench/nightly.py [--batches 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.queue_bench import env  # noqa: E402

env.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.batch.models import RecomputeMarker  # noqa: E402
from apps.recompute.tasks import nightly_catch_up, recompute_sweeper  # noqa: E402
from bench.queue_bench import farm as farms  # noqa: E402
from bench.queue_bench.measure import (  # noqa: E402
    broker_run_id,
    disturbed_report,
    exactness,
    no_markers,
    runs_since,
    summary_ms,
    wait_until,
)
from bench.queue_bench.worker import broker_reset, queue_depth, worker_running  # noqa: E402

DRAIN_TIMEOUT_S = 120
ONE_DAY = dt.timedelta(days=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-verify", action="store_true", help="skip the comparison with a full recompute")
    args = parser.parse_args()

    farms.database_reset()
    broker_reset()
    today = timezone.localdate()
    started = time.perf_counter()
    farm = farms.farm_build(
        batches=args.batches, per_batch=4, days=60, today=today, seed=args.seed, computed_until=today - ONE_DAY
    )
    print(f"nightly: {farms.describe(farm)}; built in {time.perf_counter() - started:.1f} s")

    run_id = broker_run_id()
    with worker_running():
        recompute_sweeper.delay()  # a no-op through the worker: its pool child is warm before the clock starts
        wait_until(lambda: queue_depth() == 0, timeout_s=30, interval_s=0.05)
        first_run = farms.last_run_id()
        started = time.perf_counter()
        plan = nightly_catch_up(days=settings.NIGHTLY_RECOMPUTE_DAYS)
        marked_s = time.perf_counter() - started
        markers_after_marking = RecomputeMarker.objects.count()
        try:
            drain_s = wait_until(no_markers, timeout_s=DRAIN_TIMEOUT_S, interval_s=0.02) + marked_s
        except TimeoutError:
            drain_s = None
    runs = runs_since(first_run)

    print(
        f"catch-up of {plan['batches']} batches / {plan['assignments']} assignments "
        f"({settings.NIGHTLY_RECOMPUTE_DAYS} days): marking and publishing {marked_s:.2f} s "
        f"({markers_after_marking} markers still pending then)"
    )
    if runs.count:
        run_times = summary_ms([d / 1000 for d in runs.duration_ms])
        print(f"recompute runs: {runs.count}, rows written {runs.rows}, run time {run_times}")
    disturbed_report(run_id)
    if drain_s is None:
        print(f"NOT DRAINED within {DRAIN_TIMEOUT_S} s: {RecomputeMarker.objects.count()} markers left")
        return
    print(f"all markers drained {drain_s:.2f} s after the call")
    if not args.no_verify:
        check = exactness(farm.batch_ids)
        print(f"exact: {check.exact} ({check.rows} rows compared, {check.differing} differ)")


if __name__ == "__main__":
    main()
