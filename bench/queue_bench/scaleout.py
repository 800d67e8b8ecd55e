"""Scale-out: the faroe backfill through the queue, drained by 1 and by 3 worker processes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_scale_bench REDIS_URL=redis://127.0.0.1:6379/14 \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/14 CELERY_TASK_DEFAULT_QUEUE=bench \\
    .venv/bin/python bench/queue_bench/scaleout.py [--processes 1 3]

Generates the faroe preset (seed 1, today = today) unless demo batches are there. The reference: every batch
recomputed from scratch, one after the other, in this process (timed), its rows kept in memory. Then for each
process count: every state row deleted, the queue cleared, one worker with that many pool processes started,
``recompute_recent_daily_states --all`` marks every batch's whole history and publishes one task per batch,
and the clock runs until no marker and no message is left. The worker is stopped and the stored rows are
compared with the reference, row for row (every field but id and computation time).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.queue_bench import env  # noqa: E402

env.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.batch.models import ActualDailyAssignmentState, Batch  # noqa: E402
from apps.recompute.run import batch_recompute  # noqa: E402
from bench import harness  # noqa: E402
from bench.queue_bench.measure import no_markers, wait_until  # noqa: E402
from bench.queue_bench.worker import broker_reset, queue_depth, worker_running  # noqa: E402
from tests.batch.scenarios import state_rows  # noqa: E402

DRAIN_TIMEOUT_S = 900


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args()
    harness.machine_print()
    batch_ids = _farm_ensure()

    started = time.perf_counter()
    for batch_id in batch_ids:
        summary = batch_recompute(batch_id=batch_id, trigger="bench")
        if not summary.ok:
            raise SystemExit(f"batch {batch_id} failed: {summary.error_code} {summary.error}")
    reference_s = time.perf_counter() - started
    reference = {batch_id: state_rows(batch_id) for batch_id in batch_ids}
    rows = sum(map(len, reference.values()))
    print(f"single process, in-process full recompute: {len(batch_ids)} batches, {rows} rows in {reference_s:.1f} s")

    results = {}
    for processes in args.processes:
        ActualDailyAssignmentState.objects.all().delete()
        harness.vacuum_analyze(ActualDailyAssignmentState._meta.db_table)
        broker_reset()
        with worker_running(concurrency=processes):
            started = time.perf_counter()
            call_command("recompute_recent_daily_states", "--all", stdout=open("/dev/null", "w"))
            wait_until(lambda: no_markers() and queue_depth() == 0, timeout_s=DRAIN_TIMEOUT_S, interval_s=0.2)
            elapsed = time.perf_counter() - started
        differing = sum(_differing(reference[b], state_rows(b)) for b in batch_ids)
        results[processes] = elapsed
        print(
            f"through the queue, {processes} worker process(es): {elapsed:.1f} s, {rows / elapsed:,.0f} rows/s, "
            f"{'equal to' if differing == 0 else f'{differing} rows differ from'} the single-process recompute"
        )
    if 1 in results and len(results) > 1:
        for processes, elapsed in results.items():
            if processes != 1:
                print(f"throughput {processes} processes / 1 process: {results[1] / elapsed:.2f}x")


def _differing(before: list[tuple], after: list[tuple]) -> int:
    return sum(1 for a, b in zip(before, after) if a != b) + abs(len(before) - len(after))


def _farm_ensure() -> list[int]:
    if not Batch.objects.exists():
        from apps.demo.farm import demo_data_generate

        started = time.perf_counter()
        demo_data_generate(seed=1, preset="faroe", today=timezone.localdate(), truth_out=None)
        print(f"generated preset faroe (seed 1, today {timezone.localdate()}) in {time.perf_counter() - started:.1f} s")
        harness.sql("ANALYZE")
    return list(Batch.objects.order_by("id").values_list("id", flat=True))


if __name__ == "__main__":
    main()
