"""National-scale benchmark (issue 21): the `national` demo farm (10× faroe) — every page, every API list and
every admin changelist timed, sized and query-counted, then the backfill and the nightly verification.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_national .venv/bin/python bench/national.py \
        [--repeat N] [--workers N] [--skip-web] [--skip-engine]

Builds the farm in its own database the first time (``demo_data_generate(seed=1, preset="national",
today=<the farm's today>)``, then a parallel backfill and ``ANALYZE``) and reuses it afterwards (its today is
then the states' last day): drop and recreate the database to regenerate. The farm ends today so that the
pages read what a live farm's pages read (the last 7 and 30 days' states). Requests go through Django's test client in this process (no HTTP server, no network:
the figures are the view, the ORM, the database and the template, without gunicorn's and a socket's few
hundred microseconds), as a superuser, with the response body gzipped at level 6 for its size. Each URL is
asked ``repeat`` times, interleaved round by round so that other load on the machine falls on all alike;
p50 and p95 are over those runs. The targets: p95 ≤ 100 ms and ≤ 100 KB gzipped (pages and API lists),
backfill ≥ 50,000 rows/s and ≤ 15 s, verification ≤ 20 s.

The backfill (``farm_backfill``: every batch recomputed over its existing rows, the unchanged ones kept) is timed
in one process over two threads (its default) and over one, and over ``--workers`` processes; the one-process
cases print the CPU time of the Python process and of its PostgreSQL backends (each thread's, measured around
each batch), and the rows actually written.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import gc  # noqa: E402
import gzip  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from bench import harness  # noqa: E402

harness.django_setup()

from django.contrib import admin  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.api.urls import ROUTES  # noqa: E402
from apps.batch.models import ActualDailyAssignmentState, Batch, BatchContainerAssignment  # noqa: E402
from apps.infrastructure.models import Container, Site  # noqa: E402
from apps.recompute import parallel  # noqa: E402
from apps.recompute.parallel import farm_backfill  # noqa: E402
from apps.recompute.verify import daily_states_verify  # noqa: E402

SEED = 1
PRESET = "national"
P95_TARGET_MS, SIZE_TARGET_KB = 100.0, 100.0
BACKFILL_TARGET_ROWS_PER_S, BACKFILL_TARGET_S, VERIFY_TARGET_S = 50_000, 15.0, 20.0


#: the tables with a row per container and day (or more), whose list counts need a vacuumed table
BIG_TABLES = (
    "batch_actualdailyassignmentstate",
    "batch_mortalityevent",
    "inventory_feedingevent",
    "environmental_environmentalreading",
    "batch_growthsample",
    "batch_growthsamplecast",
    "batch_transferaction",
    "health_treatment",
    # rewritten by every recompute of their batch (a backfill too): without autovacuum (off on the shared
    # machine's PostgreSQL) a few backfills leave millions of dead rows that every count must walk past
    "forecast_growthsegment",
    "forecast_projection",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per URL (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the backfill and verification")
    parser.add_argument("--engine-repeat", type=int, default=3, help="backfills and verifications (default 3)")
    parser.add_argument("--skip-web", action="store_true", help="no pages, API lists or admin")
    parser.add_argument("--skip-engine", action="store_true", help="no backfill or verification")
    args = parser.parse_args()

    harness.machine_print()
    batch_ids, today = _farm_ensure(args.workers)
    _farm_print(batch_ids)
    if not args.skip_web:
        # what autovacuum does on a live deployment within minutes of a bulk write: a table full of the last
        # backfill's dead rows, or one never vacuumed since it was generated (no visibility map, so no index-only
        # count), counts them too (COUNT(*) of the API's daily-state list took 1.2 s instead of a few tens of ms;
        # the mortality list's 99 ms of PostgreSQL CPU became 16 after a VACUUM ANALYZE)
        harness.vacuum_analyze(*BIG_TABLES)
        client = _client()
        # as the server's aquamind/wsgi.py does once it has loaded Django: what lives as long as the process is
        # frozen out of the collector's sight, so a full collection scans only what requests made
        gc.collect()
        gc.freeze()
        _table("pages", _page_urls(), client, args.repeat)
        _table("API lists (default page)", _api_urls(), client, args.repeat)
        _table("admin changelists", _admin_urls(), client, max(3, args.repeat // 4))
    if not args.skip_engine:
        _engine(batch_ids, today, args.workers, args.engine_repeat)
    one, five, _ = os.getloadavg()
    print(f"\nload at the end {one:.2f} {five:.2f} (1, 5 min)")


def _farm_ensure(workers: int) -> tuple[list[int], dt.date]:
    """The farm's batch ids and its today, building it first when the database has no batch."""
    batches = Batch.objects.order_by("id")
    if not batches.exists():
        from apps.demo.farm import demo_data_generate

        today = timezone.localdate()
        started = time.perf_counter()
        demo_data_generate(seed=SEED, preset=PRESET, today=today, truth_out=None)
        print(f"generated preset {PRESET} (seed {SEED}, today {today}) in {time.perf_counter() - started:.1f} s")
        harness.sql("ANALYZE")
        ids = list(batches.values_list("id", flat=True))
        started = time.perf_counter()
        farm_backfill(batch_ids=ids, today=today, workers=workers)
        print(f"first backfill ({workers} processes) in {time.perf_counter() - started:.1f} s")
        harness.sql("VACUUM ANALYZE")
    else:
        today = ActualDailyAssignmentState.objects.aggregate(last=Max("date"))["last"]
        print(f"reusing the batches in the database (assumed: preset {PRESET}, seed {SEED}, today {today})")
    if today != timezone.localdate():
        print(f"note: the farm's states end {today}, the pages' today is {timezone.localdate()}")
    return list(batches.values_list("id", flat=True)), today


def _farm_print(batch_ids: list[int]) -> None:
    states = harness.sql(
        "SELECT reltuples::bigint FROM pg_class WHERE relname = %s", ("batch_actualdailyassignmentstate",)
    )
    print(
        f"farm: {len(batch_ids)} batches, {BatchContainerAssignment.objects.count():,} assignments, "
        f"{Container.objects.count():,} containers on {Site.objects.count()} sites, "
        f"≈{states[0][0]:,} daily states (planner's estimate)\n"
    )


def _client() -> Client:
    user, _ = get_user_model().objects.get_or_create(
        username="bench-national", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client


def _page_urls() -> list[str]:
    """The pages, with their largest instances: the site with the most containers, the batch with the most
    assignments, the container with the most."""
    site = Site.objects.annotate(n=Count("containers")).order_by("-n").first()
    batch = Batch.objects.annotate(n=Count("assignments")).order_by("-n").first()
    container = Container.objects.annotate(n=Count("assignments")).order_by("-n").first()
    return [
        "/",
        "/batches/",
        "/batches/?page=4",
        "/batches/?q=Pen",
        f"/sites/{site.pk}/",
        f"/sites/{site.pk}/?page=3",
        f"/batches/{batch.pk}/growth/",
        f"/containers/{container.pk}/",
        f"/api/v1/batch/batches/{batch.pk}/combined-growth-data/?shape=columnar",
        "/api/v1/forecast/summary/",
    ]


def _api_urls() -> list[str]:
    """Every list of the API (a route without a queryset is an action, such as the day entries' POST)."""
    return [f"/api/v1/{prefix}/" for prefix, viewset in ROUTES if viewset.queryset is not None]


def _admin_urls() -> list[str]:
    models = sorted(admin.site._registry, key=lambda m: m._meta.label)
    return [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in models]


def _table(title: str, urls: list[str], client: Client, repeat: int) -> None:
    """Every URL ``repeat`` times, round by round; p50 and p95 of the wall time, p50 of this process's CPU time
    (the view, ORM and template without the waits: what a loaded machine inflates least), gzipped size and
    statements of each."""
    seconds: dict[str, list[float]] = {u: [] for u in urls}
    cpu: dict[str, list[float]] = {u: [] for u in urls}
    counted: dict[str, tuple[int, int, int]] = {}
    counter = harness.QueryCounter()
    for url in urls:  # warm-up and the statement count
        with counter.counting():
            response = client.get(url)
        counted[url] = (response.status_code, counter.count, len(gzip.compress(response.content, 6)))
    db_cpu: dict[str, list[float]] = {u: [] for u in urls}
    for _ in range(repeat):
        for url in urls:
            backend = _backend_pid()
            started, started_cpu, started_db = time.perf_counter(), time.process_time(), _cpu_seconds(backend)
            client.get(url)
            seconds[url].append(time.perf_counter() - started)
            cpu[url].append(time.process_time() - started_cpu)
            db_cpu[url].append(_cpu_seconds(backend) - started_db)
    print(f"{title} (n={repeat} each)")
    print(
        f"  {'url':<62} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>7} {'db cpu':>7} {'gzip KB':>8} "
        f"{'queries':>8}  verdict"
    )
    for url in urls:
        status, queries, size = counted[url]
        p50, p95 = statistics.median(seconds[url]) * 1000, _p95(seconds[url]) * 1000
        ok = p95 <= P95_TARGET_MS and size / 1024 <= SIZE_TARGET_KB and status == 200
        cpu_ms, db_ms = statistics.median(cpu[url]) * 1000, statistics.median(db_cpu[url]) * 1000
        print(
            f"  {url[:62]:<62} {status:>6} {p50:8.1f} {p95:8.1f} {cpu_ms:7.1f} {db_ms:7.1f} "
            f"{size / 1024:8.1f} {queries:>8}  {'met' if ok else 'MISSED'}"
        )
    print(
        "  (cpu ms: this process's CPU time per request, median; db cpu: its PostgreSQL backend's, from\n"
        "   /proc/<pid>/schedstat, without any parallel workers'. Their sum is about what a request costs an idle\n"
        "   machine, whatever the load now.)\n"
    )


def _backend_pid() -> int | None:
    """The process id of this connection's PostgreSQL backend (same host), opening the connection if needed."""
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.info.backend_pid


def _cpu_seconds(pid: int | None) -> float:
    """Seconds a process (a PostgreSQL backend on this host) has run on a CPU: the first field of
    /proc/<pid>/schedstat (nanoseconds), unlike its ticks in /proc/<pid>/stat precise enough for one request;
    0 where it cannot be read (another host, no /proc)."""
    try:
        with open(f"/proc/{pid}/schedstat") as stat:
            return int(stat.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError, TypeError):
        return 0.0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _engine(batch_ids: list[int], today: dt.date, workers: int, repeat: int) -> None:
    """The full backfill (every batch, over its existing rows) and the nightly verification, with one process
    and with ``workers``; interleaved round by round. The one-process backfill runs its batches over two threads
    (``farm_backfill``'s default), and once more over one for comparison."""
    rows = ActualDailyAssignmentState.objects.count()
    print(f"backfill and verification of {len(batch_ids)} batches, {rows:,} daily rows (n={repeat} each)")
    cases = []
    for n in sorted({1, workers}):
        processes = f"{n} process{'es' if n > 1 else ''}"
        for threads in (2, 1) if n == 1 else (1,):
            cases.append(
                harness.Case(
                    f"backfill, {processes}" + (f", {threads} thread{'s' if threads > 1 else ''}" if n == 1 else ""),
                    lambda n=n, threads=threads: farm_backfill(
                        batch_ids=batch_ids, today=today, workers=n, threads=threads
                    ),
                    prepare=lambda: harness.vacuum_analyze("batch_actualdailyassignmentstate"),
                )
            )
        cases.append(harness.Case(f"verification, {processes}", lambda n=n: _verified(batch_ids, today, n)))
    seconds: dict[str, list[float]] = {case.name: [] for case in cases}
    cpu: dict[str, list[tuple[float, float]]] = {case.name: [] for case in cases}
    loads: dict[str, list[float]] = {case.name: [] for case in cases}
    written: dict[str, list[int]] = {case.name: [] for case in cases}
    clock = _ThreadBackends()
    for _ in range(repeat):  # harness.interleaved_runs, with the CPU time of this process and its backend(s)
        for case in cases:
            if case.prepare is not None:
                case.prepare()
            backend = _backend_pid()
            started, started_app, started_db = time.perf_counter(), _app_cpu(), _cpu_seconds(backend)
            with clock.measuring() as threads_db:
                result = case.run()
            seconds[case.name].append(time.perf_counter() - started)
            db = _cpu_seconds(backend) - started_db + threads_db()
            cpu[case.name].append((_app_cpu() - started_app, db))
            if isinstance(result, dict):
                written[case.name].append(sum(s.rows for s in result.values()))
            one, _, _ = os.getloadavg()
            loads[case.name].append(one)
            print(f"  {case.name}: {seconds[case.name][-1]:.1f} s (load {one:.1f})", flush=True)
    for case in cases:
        timing = harness.Timing(case.name, seconds[case.name])
        if case.name.startswith("backfill"):
            rate = rows / timing.median
            ok = rate >= BACKFILL_TARGET_ROWS_PER_S and timing.median <= BACKFILL_TARGET_S
        else:
            ok = timing.median <= VERIFY_TARGET_S
        print(timing.line(rows, "met" if ok else "MISSED"))
        app, db = (statistics.median(c[i] for c in cpu[case.name]) for i in (0, 1))
        low, high = min(loads[case.name]), max(loads[case.name])
        wrote = f"; rows written {statistics.median(written[case.name]):,.0f}" if written[case.name] else ""
        if "processes" in case.name:  # the workers' backends are theirs (the parent's connection is closed first)
            print(
                f"    CPU: Python {app:.1f} s (this process and its workers; their backends not counted); "
                f"load {low:.1f}–{high:.1f}{wrote}"
            )
        else:
            print(
                f"    CPU: Python {app:.1f} s, its PostgreSQL backend(s) {db:.1f} s: {app + db:.1f} s in all, "
                f"{rows / (app + db):,.0f} rows per CPU second; load {low:.1f}–{high:.1f}{wrote}"
            )
    print(
        "  (one process: with two threads, Python and PostgreSQL work at once, so on an idle 2-core machine the\n"
        "   wall time tends to the larger of the two CPU figures; with one core free it is about their sum)\n"
    )


class _ThreadBackends:
    """CPU seconds of the PostgreSQL backends that a one-process backfill's threads open (each thread has its
    own connection, closed when it ends): each batch's ``batch_recompute`` measured around its call, from its
    thread's backend's /proc/<pid>/schedstat. Forked workers' batches are not seen (their sums stay there)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def measuring(self):
        spent = [0.0]
        original = parallel._Recompute.__call__
        lock = self._lock

        def timed(recompute, batch_id: int):
            backend = _backend_pid()
            before = _cpu_seconds(backend)
            try:
                return original(recompute, batch_id)
            finally:
                if threading.current_thread() is not threading.main_thread():
                    with lock:
                        spent[0] += _cpu_seconds(backend) - before

        parallel._Recompute.__call__ = timed
        try:
            yield lambda: spent[0]
        finally:
            parallel._Recompute.__call__ = original


def _app_cpu() -> float:
    """CPU seconds of this process and of its reaped children (the pool's workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _verified(batch_ids: list[int], today: dt.date, workers: int) -> None:
    run = daily_states_verify(batch_ids=batch_ids, today=today, processes=workers, repair=False, trigger="bench")
    if run.rows_differing or run.batches_skipped:
        raise SystemExit(f"verification found {run.rows_differing} rows differing, {run.batches_skipped} skipped")


if __name__ == "__main__":
    main()
