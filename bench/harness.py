"""Shared plumbing of the benchmarks: Django set-up, the machine, repeated timings and query counting.

Imported as ``bench.harness`` by the ``bench/*.py`` scripts, which run as ``python bench/<name>.py`` and
first swap their own directory on ``sys.path`` for the repository root.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def django_setup() -> None:
    """Configure Django from the environment (DATABASE_URL must name a PostgreSQL benchmark database)."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquamind.settings")
    # production mode needs a real key; a benchmark serves nobody, so a fresh random one will do
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("benchmarks need PostgreSQL: set DATABASE_URL=postgres://.../aquamind_bench")


def machine_print() -> None:
    """nproc, CPU model, Python, Django and PostgreSQL versions and the date, one line each."""
    import django
    from django.db import connection

    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    print(f"date        {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"nproc       {len(os.sched_getaffinity(0))} (of {os.cpu_count()} CPUs)")
    print(f"cpu         {model}")
    print(f"python      {platform.python_version()}, Django {django.get_version()}")
    print(f"postgresql  {pg_version} (database {connection.settings_dict['NAME']})")
    one, five, fifteen = os.getloadavg()
    print(
        f"load        {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; other work on the machine competes for the CPUs)"
    )
    print()


@dataclass(frozen=True)
class Timing:
    """Seconds of each run of one measurement."""

    name: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def line(self, rows: int | None = None, extra: str = "") -> str:
        text = (
            f"{self.name:<44} median {_fmt(self.median)}  min {_fmt(min(self.seconds))}  "
            f"max {_fmt(max(self.seconds))}  (n={len(self.seconds)})"
        )
        if rows:
            text += f"  {rows:,} rows  {rows / self.median:,.0f} rows/s"
        return text + (f"  {extra}" if extra else "")


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms" if seconds < 10 else f"{seconds:8.2f} s "


def timed_runs(
    name: str, run: Callable[[], object], *, repeat: int, prepare: Callable[[], object] | None = None
) -> Timing:
    """Time ``run`` ``repeat`` times; ``prepare`` (untimed) runs before each one."""
    seconds = []
    for _ in range(repeat):
        if prepare is not None:
            prepare()
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return Timing(name, seconds)


@dataclass(frozen=True)
class Case:
    """One measurement of an interleaved set: ``prepare`` (untimed) then ``run`` (timed)."""

    name: str
    run: Callable[[], object]
    prepare: Callable[[], object] | None = None


def interleaved_runs(cases: list[Case], *, repeat: int) -> dict[str, Timing]:
    """``repeat`` rounds, each running every case once in order, so that other load on the machine falls on
    all cases alike and ratios between them can be taken round by round."""
    seconds: dict[str, list[float]] = {case.name: [] for case in cases}
    for _ in range(repeat):
        for case in cases:
            if case.prepare is not None:
                case.prepare()
            started = time.perf_counter()
            case.run()
            seconds[case.name].append(time.perf_counter() - started)
    return {name: Timing(name, values) for name, values in seconds.items()}


def ratio_line(name: str, numerator: Timing, denominator: Timing) -> str:
    """Median, min and max of the round-by-round ratios of two interleaved timings."""
    ratios = [a / b for a, b in zip(numerator.seconds, denominator.seconds)]
    return (
        f"{name:<44} median {statistics.median(ratios):5.2f}x  min {min(ratios):5.2f}x  "
        f"max {max(ratios):5.2f}x  (ratio of medians {numerator.median / denominator.median:.2f}x)"
    )


class QueryCounter:
    """Counts the SQL statements Django sends (an execute wrapper: no DEBUG, no query log).

    A COPY run through the raw psycopg cursor bypasses Django and is not counted.
    """

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    @contextlib.contextmanager
    def counting(self):
        from django.db import connection

        self.count = 0
        with connection.execute_wrapper(self):
            yield self


def sql(statement: str, params: tuple = ()) -> list[tuple]:
    """Run raw SQL on the default connection; the rows if it returns any."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def vacuum_analyze(*tables: str) -> None:
    """VACUUM ANALYZE outside a transaction, so timings do not depend on autovacuum's schedule."""
    for table in tables:
        sql(f"VACUUM ANALYZE {table}")


# the stages of one recompute, by the module and name batch_recompute calls them under (see recompute_phase_timers)
RECOMPUTE_PHASES = {
    ("apps.batch.services.inputs", "batch_data_load"): "load",
    ("apps.batch.services.inputs", "stored_rows_load"): "load",
    ("apps.batch.services.inputs", "dense_data_load"): "load",
    ("apps.batch.services.recompute", "_compute"): "compute",
    ("apps.recompute.run", "daily_states_save"): "save",
    ("apps.recompute.run", "_store_outcome"): "save",
}


@contextlib.contextmanager
def recompute_phase_timers(totals: dict[str, float]):
    """Add the seconds spent in each phase of ``batch_recompute`` (load, compute, save) to ``totals``
    while the block runs, by wrapping the functions it and batch_compute call; the rest of a run is the batch
    lock, the run record and the commit (where PostgreSQL checks the deferred foreign keys)."""
    import importlib

    originals = {key: getattr(importlib.import_module(key[0]), key[1]) for key in RECOMPUTE_PHASES}

    def timer(key, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[RECOMPUTE_PHASES[key]] += time.perf_counter() - started

        return timed

    for key, function in originals.items():
        setattr(importlib.import_module(key[0]), key[1], timer(key, function))
    try:
        yield
    finally:
        for key, function in originals.items():
            setattr(importlib.import_module(key[0]), key[1], function)
