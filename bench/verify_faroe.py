"""Verifier benchmark: a nightly verification of the whole faroe demo farm (every batch recomputed in memory
and compared field by field with its stored rows), and the same after corrupting rows behind the signals.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_bench .venv/bin/python bench/verify_faroe.py [--repeat N]

Uses the faroe preset (seed 1, today 2026-06-30) that bench/faroe_backfill.py generates, generating and
backfilling it first if the database has no demo batches. Prints median, min and max of N clean runs (rows
checked per second, the whole-farm time against the 10 s target), then one run that finds and repairs rows
changed by raw SQL and a sample changed with ``QuerySet.update``, and a last run that must find nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402
import statistics  # noqa: E402

from bench import harness  # noqa: E402

harness.django_setup()

from django.db import connection  # noqa: E402

from apps.batch.models import ActualDailyAssignmentState, GrowthSample  # noqa: E402
from apps.recompute.verify import daily_states_verify  # noqa: E402
from bench.faroe_backfill import TODAY, _farm_ensure, backfill  # noqa: E402

TARGET_SECONDS = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="clean runs (default 5)")
    args = parser.parse_args()

    harness.machine_print()
    batch_ids = _farm_ensure()
    backfill(batch_ids)  # every row as a full recompute writes it
    runs = [
        daily_states_verify(batch_ids=batch_ids, repair=False, today=TODAY, trigger="bench") for _ in range(args.repeat)
    ]
    seconds = [r.duration_ms / 1000 for r in runs]
    rows = runs[0].rows_checked
    assert all(r.rows_differing == 0 for r in runs), "a freshly backfilled farm must verify clean"
    median = statistics.median(seconds)
    print(
        f"clean farm: {len(batch_ids)} batches, {rows:,} rows checked; median {median:.2f} s "
        f"(min {min(seconds):.2f}, max {max(seconds):.2f}), {rows / median:,.0f} rows/s; "
        f"target < {TARGET_SECONDS:.0f} s: {'met' if median < TARGET_SECONDS else 'MISSED'}"
    )

    corrupted = _corrupt()
    found = daily_states_verify(batch_ids=batch_ids, repair=True, today=TODAY, trigger="bench")
    print(
        f"after {corrupted}: {found.rows_differing} rows differing in {found.batches_differing} batches, "
        f"{found.rows_repaired} repaired in {found.duration_ms / 1000:.2f} s"
    )
    again = daily_states_verify(batch_ids=batch_ids, repair=False, today=TODAY, trigger="bench")
    print(f"second run: {again.rows_differing} rows differing")


def _corrupt() -> str:
    """Writes that bypass every signal: 100 state rows by raw SQL and one sample by ``QuerySet.update``."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ActualDailyAssignmentState._meta.db_table} SET population = population + 1 "
            f"WHERE id IN (SELECT id FROM {ActualDailyAssignmentState._meta.db_table} ORDER BY id LIMIT 100)"
        )
    sample = GrowthSample.objects.order_by("-id")[10]  # far from the corrupted rows, in another batch
    GrowthSample.objects.filter(pk=sample.pk).update(avg_weight_g=sample.avg_weight_g * 2)
    return "100 rows changed by raw SQL and 1 sample by QuerySet.update"


if __name__ == "__main__":
    main()
