"""Small measuring helpers shared by the queue benchmarks: waiting, percentiles, the exactness check."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from apps.batch.models import RecomputeMarker, RecomputeRun
from apps.recompute.run import batch_recompute
from tests.batch.scenarios import state_rows


def wait_until(predicate: Callable[[], bool], *, timeout_s: float, interval_s: float) -> float:
    """Seconds until ``predicate()`` held (checked every ``interval_s``); TimeoutError after ``timeout_s``."""
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout_s:
            raise TimeoutError(f"still waiting after {timeout_s} s")
        time.sleep(interval_s)
    return time.perf_counter() - started


def broker_run_id() -> str:
    """The Redis server's run id: it changes when the server restarts (and loses every queued message)."""
    from bench.queue_bench.worker import broker

    return broker().info("server")["run_id"]


def disturbed_report(run_id: str) -> None:
    """Say so when a publish failed in this process or Redis restarted since ``run_id`` was read (someone
    else's test stopping the shared server): the figures of such a run are not valid."""
    from apps.recompute import publish

    problems = []
    if publish.publish_failures:
        problems.append(f"{publish.publish_failures} publish failure(s)")
    try:
        if broker_run_id() != run_id:
            problems.append("Redis restarted during the run (queued messages lost)")
    except Exception as error:  # noqa: BLE001 - any broker error means the run was disturbed
        problems.append(f"Redis unreachable at the end ({error})")
    if problems:
        print(f"RUN DISTURBED: {'; '.join(problems)}; discard these figures")


def no_markers() -> bool:
    return not RecomputeMarker.objects.exists()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary_ms(values_s: list[float]) -> str:
    ms = [v * 1000 for v in values_s]
    return f"p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, max {max(ms):.1f} ms (n={len(ms)})"


@dataclass(frozen=True)
class Runs:
    count: int
    rows: int
    duration_ms: list[float]


def runs_since(run_id: int, *, until=None) -> Runs:
    """RecomputeRun rows recorded after ``run_id`` (and started at or before ``until`` when given)."""
    runs = RecomputeRun.objects.filter(id__gt=run_id)
    if until is not None:
        runs = runs.filter(started_at__lte=until)
    rows = list(runs.values_list("rows_written", "duration_ms"))
    return Runs(count=len(rows), rows=sum(r for r, _ in rows), duration_ms=[d for _, d in rows])


@dataclass(frozen=True)
class Exactness:
    rows: int
    differing: int  # rows that differ, or are missing on one side

    @property
    def exact(self) -> bool:
        return self.differing == 0


def exactness(batch_ids: list[int]) -> Exactness:
    """Snapshot the stored states, recompute each batch from scratch in this process, compare row for row
    (every field but ``id`` and ``last_computed_at``). Run with no worker active."""
    rows = differing = 0
    for batch_id in batch_ids:
        before = state_rows(batch_id)
        summary = batch_recompute(batch_id=batch_id, trigger="bench_verify")
        if not summary.ok:
            raise RuntimeError(f"full recompute of batch {batch_id} failed: {summary.error}")
        after = state_rows(batch_id)
        rows += len(after)
        differing += sum(1 for a, b in zip(before, after) if a != b) + abs(len(before) - len(after))
    return Exactness(rows=rows, differing=differing)
