"""The planning pages' reads: the overview page (with Coming up), the batch page's HTML, and what the batch page
reads beside the growth data (growth-segments, forecast-summary, the batch's planned activities), for the faroe
farm's largest batch.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_pages .venv/bin/python bench/plan_pages.py [--repeat 100]

The database must hold the faroe preset with its daily states (``generate_demo_data --preset faroe --seed 1``,
then ``recompute_recent_daily_states --all --sync``). Requests go through Django's whole stack in-process, as in
bench/growth_read.py. Prints p50 and p95 of ``--repeat`` requests per case, the queries of one request and the
gzip bytes; a case whose URL the code does not serve (an older commit) is skipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402

from bench.growth_read import percentile, timed_get  # noqa: E402
from bench.harness import django_setup, machine_print  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from apps.batch.models import Batch

    machine_print()
    # the batch with the most containers holding fish: the largest plan
    batch = Batch.objects.annotate(n=Count("projections")).order_by("-n", "pk").first()
    if not batch or not batch.n:
        sys.exit("no projections: generate the faroe preset and recompute it first (see the docstring)")
    user, _ = get_user_model().objects.get_or_create(username="bench-reader", defaults={"is_superuser": True})
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    client.force_login(user)
    print(
        f"batch {batch.batch_number} (id {batch.pk}): {batch.n} containers holding fish, "
        f"{batch.growth_segments.count()} segments, {batch.planned_activities.count()} planned activities; "
        f"{args.repeat} requests per case\n"
    )
    print(f"{'case':<34} {'p50':>9} {'p95':>9} {'queries':>8} {'gzip bytes':>11}")
    api = f"/api/v1/batch/batches/{batch.pk}"
    cases = [
        ("overview page /", "/"),
        ("batch page", f"/batches/{batch.pk}/growth/"),
        ("growth-segments", f"{api}/growth-segments/"),
        ("forecast-summary", f"{api}/forecast-summary/"),
        ("planned activities of the batch", f"/api/v1/planning/activities/?batch={batch.pk}&page_size=1000"),
    ]
    for name, url in cases:
        if client.get(url).status_code == 404:
            print(f"{name:<34} {'(not served)':>9}")
            continue
        timed_get(client, url, 3)  # warm the connection and caches
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):  # noqa: B023 -- used within this iteration
            client.get(url)
        seconds, response = timed_get(client, url, args.repeat)
        print(
            f"{name:<34} {percentile(seconds, 50) * 1000:7.1f}ms {percentile(seconds, 95) * 1000:7.1f}ms "
            f"{len(queries):>8} {len(response.content):>11,}"
        )


if __name__ == "__main__":
    main()
