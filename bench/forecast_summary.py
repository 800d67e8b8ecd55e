"""The forecast summary's read path: the farm's harvests and sea transfers by ISO week (all sites, one site) and
one batch's summary, on the faroe farm.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_bench .venv/bin/python bench/forecast_summary.py [--repeat 100]

Generates the faroe preset (seed 1) with today's date when the database holds no demo batches, and recomputes
every batch to today when its projections are older than today (the summary flags crossings against today, so
the farm must be as of today). Requests go through Django's whole stack in-process (middleware, session login,
DRF, GZipMiddleware), as bench/growth_read.py does. Prints p50 and p95 of ``--repeat`` requests per case, the
queries per request and the body bytes; for comparison, the largest batch's projection, which reads the series
the summary leaves alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402
import time  # noqa: E402

from bench.growth_read import percentile, timed_get  # noqa: E402
from bench.harness import django_setup, machine_print, sql  # noqa: E402

SEED, PRESET = 1, "faroe"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.forecast.models import Projection

    machine_print()
    _farm_as_of_today()
    projections = Projection.objects.count()
    busiest_site = (
        Projection.objects.values("assignment__container__site_id").annotate(n=Count("id")).order_by("-n").first()
    )["assignment__container__site_id"]  # fmt: skip
    largest_batch = Projection.objects.values("batch_id").annotate(n=Count("id")).order_by("-n").first()["batch_id"]
    user, _ = get_user_model().objects.get_or_create(username="bench-reader", defaults={"is_superuser": True})
    client, plain = Client(HTTP_ACCEPT_ENCODING="gzip"), Client()
    client.force_login(user)
    plain.force_login(user)
    series = sql("SELECT coalesce(sum(pg_column_size(series)), 0) FROM forecast_projection")[0][0]
    print(
        f"{projections} projections (active assignments), {series:,} bytes of stored series the summary does "
        f"not read; {args.repeat} requests per case\n"
    )
    print(f"{'case':<40} {'p50':>9} {'p95':>9} {'queries':>8} {'raw bytes':>10} {'gzip bytes':>11}")
    cases = [
        ("farm, all sites", "/api/v1/forecast/summary/"),
        (f"farm, one site (id {busiest_site})", f"/api/v1/forecast/summary/?site={busiest_site}"),
        (f"batch {largest_batch} forecast-summary", f"/api/v1/batch/batches/{largest_batch}/forecast-summary/"),
        # for comparison: the same batch's projection, which reads and expands the stored series
        (f"batch {largest_batch} projection (series)", f"/api/v1/batch/batches/{largest_batch}/projection/"),
    ]
    for name, url in cases:
        timed_get(client, url, 3)  # warm the connection and caches
        seconds, zipped = timed_get(client, url, args.repeat)
        with CaptureQueriesContext(connection) as queries:
            body = plain.get(url)
        print(
            f"{name:<40} {percentile(seconds, 50) * 1000:7.1f}ms {percentile(seconds, 95) * 1000:7.1f}ms "
            f"{_request_queries(queries):>8} {len(body.content):>10,} {len(zipped.content):>11,}"
        )


def _request_queries(queries) -> int:
    """The request's own queries: without the transaction's BEGIN / COMMIT and the session and user look-ups every
    authenticated request makes."""
    common = ("django_session", 'FROM "auth_user"')
    return sum(1 for q in queries if q["sql"] not in ("BEGIN", "COMMIT") and not any(c in q["sql"] for c in common))


def _farm_as_of_today() -> None:
    from django.db.models import Max
    from django.utils import timezone

    from apps.batch.models import Batch
    from apps.forecast.models import Projection
    from apps.recompute.run import batch_recompute

    today = timezone.localdate()
    if not Batch.objects.exists():
        from apps.demo.farm import demo_data_generate

        started = time.perf_counter()
        demo_data_generate(seed=SEED, preset=PRESET, today=today, truth_out=None)
        print(f"generated preset {PRESET} (seed {SEED}, today {today}) in {time.perf_counter() - started:.1f} s")
    latest = Projection.objects.aggregate(latest=Max("as_of_date"))["latest"]
    if latest is None or latest < today:
        started = time.perf_counter()
        ids = list(Batch.objects.filter(status=Batch.Status.ACTIVE).values_list("id", flat=True))
        for batch_id in ids:
            batch_recompute(batch_id=batch_id, today=today, trigger="bench")
        print(f"recomputed {len(ids)} active batches to {today} in {time.perf_counter() - started:.1f} s")
    else:
        print(f"reusing the farm in the database: its projections are as of {today}")


if __name__ == "__main__":
    main()
