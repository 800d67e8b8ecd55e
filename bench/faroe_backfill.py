"""Faroe backfill benchmark: recompute every batch of the faroe demo farm in one process, against COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_bench .venv/bin/python bench/faroe_backfill.py [--repeat N]

Generates the faroe preset (seed 1, today 2026-06-30) into the benchmark database unless demo batches are
already there (drop and recreate the database to regenerate), then times ``batch_recompute(batch_id=b)`` for
every batch: "fresh" into a table holding none of their rows, and over the existing rows. Then the physical
baseline: the same rows, read once into memory with ``COPY ... TO STDOUT``, written with ``COPY ... FROM
STDIN`` into an empty copy of the state table (``LIKE ... INCLUDING ALL``: the same columns, identity,
indexes and check constraints), once with the foreign keys the state table has (read from the catalog;
DEFERRABLE INITIALLY DEFERRED as Django makes them, so the commit, where PostgreSQL checks them, is timed too)
and once without any. Prints median, min and max of N runs, rows/s and the ratio backfill / COPY; the target
is measured against the first, the same table.

Before every timed run the state table is vacuumed (untimed), so dead rows left by the previous run do not
make the runs drift; a live system leaves that to autovacuum.
"""

from __future__ import annotations

import sys
from pathlib import Path

# run as a script: put the repo root, not bench/, on sys.path so `bench.*` imports resolve
BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402

from bench import harness  # noqa: E402

harness.django_setup()

from django.db import connection, transaction  # noqa: E402

from apps.batch.models import Batch, BatchContainerAssignment  # noqa: E402
from apps.batch.services.saving import COLUMNS, STATE_TABLE  # noqa: E402
from apps.recompute.run import batch_recompute  # noqa: E402

SEED = 1
PRESET = "faroe"
TODAY = dt.date(2026, 6, 30)
BENCH_PREFIX = "BENCH-"  # batches of the synthetic shapes (bench/shapes.py), not part of the farm
TARGET_ROWS_PER_S, GOAL_ROWS_PER_S, TARGET_COPY_RATIO = 20_000, 50_000, 3.0
COPY_TARGET = "bench_copy_target"
FRESH = "backfill, fresh (no rows of these batches)"
EXISTING = "backfill, over existing rows"
COPY_PLAIN = "COPY, indexes + checks, no FKs"
COPY_SAME = "COPY, same table (indexes + checks + its FKs)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (default 5)")
    args = parser.parse_args()

    harness.machine_print()
    batch_ids = _farm_ensure()
    backfill(batch_ids)  # warm-up: every row exists and every batch computes without error
    rows = _state_rows(batch_ids)
    print(
        f"farm: {len(batch_ids)} batches, "
        f"{BatchContainerAssignment.objects.filter(batch_id__in=batch_ids).count()} assignments, "
        f"{rows:,} daily rows up to {TODAY}\n"
    )

    data = _rows_export(batch_ids)
    print(
        f"COPY baseline: the same {rows:,} rows, {sum(map(len, data)) / 1e6:.1f} MB in COPY text format, "
        "read once into memory\n"
    )
    keys = _foreign_keys()
    print(f"state table foreign keys: {', '.join(f'{c} -> {t}' for c, t in keys) or 'none'}\n")
    cases = [
        harness.Case(FRESH, lambda: backfill(batch_ids), prepare=lambda: _states_delete(batch_ids)),
        harness.Case(EXISTING, lambda: backfill(batch_ids), prepare=lambda: harness.vacuum_analyze(STATE_TABLE)),
        harness.Case(COPY_PLAIN, lambda: _copy_in(data), prepare=lambda: _copy_target_create(foreign_keys=())),
        harness.Case(COPY_SAME, lambda: _copy_in(data), prepare=lambda: _copy_target_create(foreign_keys=keys)),
    ]
    timings = harness.interleaved_runs(cases, repeat=args.repeat)
    harness.sql(f"DROP TABLE IF EXISTS {COPY_TARGET}")
    for timing in timings.values():
        print(timing.line(rows))
    print()
    for backfill_name in (FRESH, EXISTING):
        for copy_name in (COPY_SAME, COPY_PLAIN):
            print(
                harness.ratio_line(
                    f"{backfill_name.split(',')[1].strip()} / {copy_name}", timings[backfill_name], timings[copy_name]
                )
            )
    print()
    _split_print("fresh", batch_ids, prepare=lambda: _states_delete(batch_ids))
    _split_print("existing", batch_ids, prepare=lambda: harness.vacuum_analyze(STATE_TABLE))
    _verdict_print(rows, timings)


def backfill(batch_ids: list[int]) -> int:
    """Recompute every batch fully, one after the other, in this process; the rows written."""
    written = 0
    for batch_id in batch_ids:
        summary = batch_recompute(batch_id=batch_id, today=TODAY, trigger="bench")
        if not summary.ok:
            raise SystemExit(f"batch {batch_id} failed: {summary.error_code} {summary.error}")
        written += summary.rows
    return written


def _farm_ensure() -> list[int]:
    """The demo farm's batch ids, generating the preset first when the database has none."""
    batches = Batch.objects.exclude(batch_number__startswith=BENCH_PREFIX).order_by("id")
    if not batches.exists():
        from apps.demo.farm import demo_data_generate

        started = time.perf_counter()
        demo_data_generate(seed=SEED, preset=PRESET, today=TODAY, truth_out=None)
        print(f"generated preset {PRESET} (seed {SEED}, today {TODAY}) in {time.perf_counter() - started:.1f} s")
        harness.sql("ANALYZE")  # what autovacuum would do soon after a bulk load
    else:
        print(
            f"reusing the demo batches already in the database (assumed: preset {PRESET}, seed {SEED}, today {TODAY})"
        )
    return list(batches.values_list("id", flat=True))


def _state_rows(batch_ids: list[int]) -> int:
    return harness.sql(f"SELECT count(*) FROM {STATE_TABLE} WHERE batch_id = ANY(%s)", (batch_ids,))[0][0]


def _states_delete(batch_ids: list[int]) -> None:
    harness.sql(f"DELETE FROM {STATE_TABLE} WHERE batch_id = ANY(%s)", (batch_ids,))
    harness.vacuum_analyze(STATE_TABLE)


def _split_print(name: str, batch_ids: list[int], *, prepare) -> None:
    """One more run with the phases of recompute.py timed (load, compute, save, rest = lock, run, commit)."""
    prepare()
    totals: dict[str, float] = defaultdict(float)
    started = time.perf_counter()
    with harness.recompute_phase_timers(totals):
        backfill(batch_ids)
    total = time.perf_counter() - started
    totals["rest"] = total - sum(totals.values())
    print(
        f"split of one {name} run: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in totals.items())
        + f" (total {total:.2f} s)"
    )


def _rows_export(batch_ids: list[int]) -> list[bytes]:
    """The batches' stored rows in the saver's column order, as COPY text chunks."""
    ids = ", ".join(str(int(i)) for i in batch_ids)
    query = f"COPY (SELECT {', '.join(COLUMNS)} FROM {STATE_TABLE} WHERE batch_id IN ({ids})) TO STDOUT"
    with connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
        return [bytes(chunk) for chunk in copy]


def _foreign_keys() -> list[tuple[str, str]]:
    """(column, referenced table) of every foreign key the state table has in the database."""
    return [
        tuple(row)
        for row in harness.sql(
            "SELECT a.attname, c.confrelid::regclass::text FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.conrelid = %s::regclass AND c.contype = 'f' ORDER BY a.attname",
            (STATE_TABLE,),
        )
    ]


def _copy_target_create(*, foreign_keys: list[tuple[str, str]] | tuple = ()) -> None:
    harness.sql(f"DROP TABLE IF EXISTS {COPY_TARGET}")
    harness.sql(f"CREATE TABLE {COPY_TARGET} (LIKE {STATE_TABLE} INCLUDING ALL)")
    for column, table in foreign_keys:
        harness.sql(
            f"ALTER TABLE {COPY_TARGET} ADD FOREIGN KEY ({column}) REFERENCES {table} (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )
    harness.sql(f"ANALYZE {COPY_TARGET}")


def _copy_in(data: list[bytes]) -> None:
    """COPY the rows into the target table in one transaction, commit included."""
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {COPY_TARGET} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for chunk in data:
                copy.write(chunk)


def _verdict_print(rows: int, timings: dict[str, harness.Timing]) -> None:
    print("\ntargets (docs/benchmarks.md): >= 20,000 rows/s (goal 50,000) and <= 3x COPY of the same rows")
    for name in (FRESH, EXISTING):
        rate = rows / timings[name].median
        verdict = (
            "meets goal"
            if rate >= GOAL_ROWS_PER_S
            else "meets target"
            if rate >= TARGET_ROWS_PER_S
            else "MISSES target"
        )
        print(f"  {name:<44} {rate:9,.0f} rows/s: {verdict}")
        for copy_name in (COPY_SAME, COPY_PLAIN):
            ratios = [a / b for a, b in zip(timings[name].seconds, timings[copy_name].seconds)]
            ratio = statistics.median(ratios)
            print(f"    / {copy_name:<40} {ratio:5.2f}x: {'meets' if ratio <= TARGET_COPY_RATIO else 'MISSES'} <= 3x")


if __name__ == "__main__":
    main()
