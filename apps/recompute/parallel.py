"""Whole-farm work on several cores: a backfill, or the verification's per-batch checks, spread over processes.

A recompute is CPU work in Python (one core) plus waiting for PostgreSQL; batches are independent (each takes
its own lock and transaction), so N processes, each with its own database connection, take the batches one at a
time from a shared list, largest first so that no long batch is left for the end. The results are the same as
one process computing every batch in turn: each batch is still computed by ``batch_recompute`` or
``batch_verify``, whole, under its lock (the verification's split: ``daily_states_verify(processes=N)``). docs/benchmarks.md "National scale" has the figures.

The workers are forked from the caller, so they share its settings (a test's database too); the caller's
connections are closed first (a forked child must never talk on its parent's socket), which is why this must
not be called inside a transaction. With one process, or where forking is not available, the work runs here.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterable

from django.db import connection, connections
from django.db.models import Count

from apps.audit.context import history_context_carried
from apps.batch.models import BatchContainerAssignment
from apps.recompute.run import batch_recompute


def batches_largest_first(batch_ids: Iterable[int]) -> list[int]:
    """``batch_ids`` ordered by their number of assignment-days, largest first (ties by id), so that the
    processes finish together."""
    ids = list(batch_ids)
    sizes = dict(
        BatchContainerAssignment.objects.filter(batch_id__in=ids)
        .values("batch_id")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("batch_id", "n")
    )
    return sorted(ids, key=lambda b: (-sizes.get(b, 0), b))


def processes_usable(requested: int) -> int:
    """How many processes to use: at most ``requested`` and the CPUs this process may run on; 1 where a fork
    is unavailable (not POSIX) or the caller holds a transaction open (its connection cannot be closed)."""
    if requested <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if connection.in_atomic_block:
        return 1
    return max(1, min(requested, len(os.sched_getaffinity(0))))


def map_batches(work: Callable[[int], object], batch_ids: list[int], *, processes: int, threads: int = 1) -> list:
    """``[work(b) for b in batch_ids]`` in that order, computed by up to ``processes`` forked processes taking
    the batches one at a time. ``work`` must be a module-level function (it is called by reference in the
    children) and return something picklable. In one process, ``threads`` > 1 computes the batches in that
    many threads of this process (``map_batches_threaded``)."""
    n = processes_usable(processes)
    if n == 1 or len(batch_ids) < 2:
        if threads > 1 and len(batch_ids) > 1 and not connection.in_atomic_block:
            return map_batches_threaded(work, batch_ids, threads=threads)
        return [work(b) for b in batch_ids]
    connections.close_all()
    context = multiprocessing.get_context("fork")
    try:
        pool = context.Pool(processes=min(n, len(batch_ids)), initializer=_child_start)
    except (AssertionError, OSError):  # a daemonic process may not have children; no processes left
        return [work(b) for b in batch_ids]
    try:
        results = pool.map(work, batch_ids, chunksize=1)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return results


def map_batches_threaded(work: Callable[[int], object], batch_ids: list[int], *, threads: int) -> list:
    """``[work(b) for b in batch_ids]`` in that order, computed by ``threads`` threads of this process taking
    the batches one at a time, each thread with its own database connection (Django's are per thread) and
    the caller's history context.

    Python runs one thread at a time, but a thread waiting for PostgreSQL lets the other run: while one
    thread's batch is being loaded, written or committed by its PostgreSQL backend, the other computes. On
    two cores this keeps the one Python process and one PostgreSQL backend busy at once. The first error
    stops the threads from taking more batches and is raised here once they have finished."""
    todo: queue.SimpleQueue[tuple[int, int]] = queue.SimpleQueue()
    for i, batch_id in enumerate(batch_ids):
        todo.put((i, batch_id))
    results: list = [None] * len(batch_ids)
    failures: list[BaseException] = []
    carried = history_context_carried()

    def run() -> None:
        try:
            with carried():
                while not failures:
                    try:
                        i, batch_id = todo.get_nowait()
                    except queue.Empty:
                        return
                    results[i] = work(batch_id)
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            failures.append(error)
        finally:
            connections.close_all()  # this thread's own connections

    pool = [threading.Thread(target=run, name=f"batches-{n}") for n in range(min(threads, len(batch_ids)))]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures:
        raise failures[0]
    return results


def _child_start() -> None:
    """In a fresh worker: forget the connections inherited from the parent (closed there, never used here)."""
    for alias in connections:
        connections[alias].connection = None


# --- the whole-farm jobs ---------------------------------------------------------------------------------


def farm_backfill(
    *,
    batch_ids: list[int],
    today: dt.date | None = None,
    workers: int = 2,
    trigger: str = "backfill",
    threads: int = 2,
):
    """Recompute every batch of ``batch_ids`` fully, over ``workers`` processes (in one process, over
    ``threads`` threads of it); the summaries by batch id. Assignments whose stored rows already equal the
    computed ones are not rewritten (``batch_recompute(keep_unchanged=True)``)."""
    ordered = batches_largest_first(batch_ids)
    summaries = map_batches(_Recompute(today, trigger), ordered, processes=workers, threads=threads)
    return {s.batch_id: s for s in summaries}


class _Recompute:
    """``batch_recompute`` of one batch with fixed arguments; a class so that the pool can pickle it."""

    def __init__(self, today: dt.date | None, trigger: str) -> None:
        self.today, self.trigger = today, trigger

    def __call__(self, batch_id: int):
        return batch_recompute(batch_id=batch_id, today=self.today, trigger=self.trigger, keep_unchanged=True)
