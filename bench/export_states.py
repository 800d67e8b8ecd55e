"""Export benchmark: the faroe farm's daily states through the API list's file export (``?format=csv`` and
``?format=xlsx``, apps/api/exports.py), rows per second and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_bench .venv/bin/python bench/export_states.py [--repeat N]

Generates the faroe preset (seed 1, today 2026-06-30) and recomputes its states unless demo batches are already
there (the same farm as bench/faroe_backfill.py; drop and recreate the database to regenerate). Then calls the
daily-state list view itself (DRF's request factory, an authenticated reader, no HTTP server) and reads the whole
response as a client would: the CSV stream chunk by chunk, the Excel file through its FileResponse. Prints, per
format, the median of N runs with rows/s, then one more run of each under ``tracemalloc``: the peak of the
Python heap while the whole export ran (the measure of "not held in memory"), beside the process's resident
set size before and after. A list held in memory would peak at a few hundred bytes per row.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

from bench import harness  # noqa: E402

harness.django_setup()

from django.contrib.auth import get_user_model  # noqa: E402
from rest_framework.test import APIRequestFactory, force_authenticate  # noqa: E402

from apps.api.views.crud import DailyStateViewSet  # noqa: E402
from apps.batch.models import ActualDailyAssignmentState, Batch  # noqa: E402
from apps.recompute.run import batch_recompute  # noqa: E402

SEED, PRESET, TODAY = 1, "faroe", dt.date(2026, 6, 30)
BENCH_PREFIX = "BENCH-"
LIST = DailyStateViewSet.as_view({"get": "list"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per format (default 3)")
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"], choices=["csv", "xlsx"])
    parser.add_argument(
        "--serializer", action="store_true", help="a serializer per row (the path before values_rows), to compare"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = parser.parse_args()
    if args.serializer:
        from apps.api import exports

        exports.values_rows = lambda *a, **k: None
    print(f"rows from: {'a serializer per row' if args.serializer else 'values_list (values_rows)'}")
    harness.machine_print()
    _farm_ensure()
    rows = ActualDailyAssignmentState.objects.count()
    print(f"farm: {Batch.objects.count()} batches, {rows:,} daily states\n")
    reader = _reader()
    for fmt in args.formats:
        seconds, size = [], 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            size, exported = export(reader, fmt)  # an .xlsx's size varies by a few bytes (its timestamps)
            seconds.append(time.perf_counter() - started)
            assert exported == rows, (exported, rows)
        median = statistics.median(seconds)
        print(
            f"{fmt:<5} {rows:,} rows, {size / 1e6:.1f} MB: median {median:.2f} s "
            f"(min {min(seconds):.2f}, max {max(seconds):.2f}) = {rows / median:,.0f} rows/s"
        )
    print()
    for fmt in [] if args.no_memory else args.formats:
        rss_before = _rss_mb()
        tracemalloc.start()
        export(reader, fmt)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{fmt:<5} peak Python heap during the export {peak / 1e6:.1f} MB ({peak / rows:.1f} bytes per row); "
            f"max RSS {rss_before:.0f} MB before, {_rss_mb():.0f} MB after"
        )


def export(reader, fmt: str) -> tuple[int, int]:
    """One whole export read as a client reads it: (bytes, data rows)."""
    request = APIRequestFactory().get("/api/v1/batch/daily-states/", {"format": fmt})
    force_authenticate(request, user=reader)
    response = LIST(request)
    assert response.status_code == 200, response.status_code
    size, lines, last = 0, 0, b""
    for chunk in response.streaming_content:
        size += len(chunk)
        if fmt == "csv":
            lines += chunk.count(b"\r\n")
        else:
            last = chunk
    response.close()
    if fmt == "xlsx":
        del last
        return size, _xlsx_rows(request, reader)
    return size, lines - 1  # less the header


def _xlsx_rows(request, reader) -> int:
    """The workbook's data rows, counted once (openpyxl's read-only mode) to check the export is whole."""
    global _XLSX_ROWS
    if _XLSX_ROWS is None:
        import io

        from openpyxl import load_workbook

        request = APIRequestFactory().get("/api/v1/batch/daily-states/", {"format": "xlsx"})
        force_authenticate(request, user=reader)
        body = b"".join(LIST(request).streaming_content)
        book = load_workbook(io.BytesIO(body), read_only=True)
        _XLSX_ROWS = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
    return _XLSX_ROWS


_XLSX_ROWS: int | None = None


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reader():
    from apps.access.models import SiteGrant

    user, _ = get_user_model().objects.get_or_create(username="bench-export-reader")
    # a viewer of every site: since the site scopes (docs/access.md) a user without a grant sees no rows
    SiteGrant.objects.get_or_create(user=user, all_sites=True, defaults={"role": SiteGrant.RoleName.VIEWER})
    return user


def _farm_ensure() -> None:
    if Batch.objects.exclude(batch_number__startswith=BENCH_PREFIX).exists():
        print(f"reusing the demo batches already in the database (assumed: preset {PRESET}, seed {SEED})")
        return
    from apps.demo.farm import demo_data_generate

    started = time.perf_counter()
    summary = demo_data_generate(seed=SEED, preset=PRESET, today=TODAY, truth_out=None)
    for batch_id in summary.batch_ids:
        batch_recompute(batch_id=batch_id, today=TODAY, trigger="bench")
    harness.sql("ANALYZE")
    print(
        f"generated and recomputed preset {PRESET} (seed {SEED}, today {TODAY}) in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
