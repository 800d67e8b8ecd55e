"""What the site scopes cost (issue 20, docs/access.md): the same reads by a superuser (every site, no
condition, no query for groups or grants), a manager granted all sites (the groups' and the grants' queries, no
condition) and a manager granted the sites of one geography (the farm's sites but one: the condition too),
interleaved round by round so that the machine's other load falls on all three alike.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aq_bench .venv/bin/python bench/scope_overhead.py [--repeat 60]

The database must hold the faroe preset with its daily states (``generate_demo_data --preset faroe --seed 1
--today 2026-06-30``, then ``recompute_recent_daily_states --all --sync``). Requests go through Django's whole
stack in-process. Prints p50 and p95 per case and user, the queries of one request, and the p50 ratio scoped /
unscoped; the bench users and their grants are created once and left in the database.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402
import time  # noqa: E402

from bench.growth_read import percentile  # noqa: E402
from bench.harness import django_setup, machine_print  # noqa: E402

CASES = [
    ("overview page /", "/"),
    ("batch list page", "/batches/"),
    ("API batches", "/api/v1/batch/batches/?page_size=100"),
    ("API assignments", "/api/v1/batch/assignments/?page_size=100"),
    ("API growth samples", "/api/v1/batch/growth-samples/?page_size=100"),
    ("API transfers", "/api/v1/batch/transfers/?page_size=100"),
    ("API daily states", "/api/v1/batch/daily-states/?page_size=100"),
    ("API forecast summary", "/api/v1/forecast/summary/"),
]


def _users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from apps.access.models import Geography, SiteGrant
    from apps.infrastructure.models import Site

    model = get_user_model()
    root, _ = model.objects.get_or_create(username="bench-all", defaults={"is_superuser": True, "is_staff": True})
    granted, created = model.objects.get_or_create(username="bench-all-grant", defaults={"is_staff": True})
    if created:
        granted.groups.add(Group.objects.get(name="manager"))
        SiteGrant.objects.create(user=granted, all_sites=True, role="manager")
    scoped, created = model.objects.get_or_create(username="bench-scoped", defaults={"is_staff": True})
    if created:
        scoped.groups.add(Group.objects.get(name="manager"))
        region, _ = Geography.objects.get_or_create(name="bench: all sites but one")
        region.sites.set(Site.objects.order_by("name")[1:])
        SiteGrant.objects.create(user=scoped, geography=region, role="manager")
    return {"superuser": root, "all-sites": granted, "scoped": scoped}


def _queries(client, url: str) -> int:
    from django.db import connection

    found = []
    with connection.execute_wrapper(lambda execute, sql, *rest: found.append(sql) or execute(sql, *rest)):
        client.get(url)
    return len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    django_setup()
    from django.test import Client

    from apps.infrastructure.models import Site

    machine_print()
    if not Site.objects.exists():
        sys.exit("no farm: generate the faroe preset and recompute it first (see the docstring)")
    clients = {}
    for who, user in _users().items():
        client = Client(HTTP_ACCEPT_ENCODING="gzip")
        client.force_login(user)
        clients[who] = client
    print(f"{Site.objects.count()} sites; the scoped user holds all but one; {args.repeat} interleaved rounds\n")
    print(f"{'case':<24} {'user':<10} {'p50':>9} {'p95':>9} {'queries':>8}   p50 scoped / superuser")
    for name, url in CASES:
        seconds = {who: [] for who in clients}
        for client in clients.values():
            assert client.get(url).status_code == 200, url  # warm
        for _ in range(args.repeat):
            for who, client in clients.items():
                started = time.perf_counter()
                client.get(url)
                seconds[who].append(time.perf_counter() - started)
        ratio = percentile(seconds["scoped"], 50) / percentile(seconds["superuser"], 50)
        for who, client in clients.items():
            tail = f"   {ratio:.2f}" if who == "scoped" else ""
            print(
                f"{name:<24} {who:<10} {percentile(seconds[who], 50) * 1000:7.1f}ms "
                f"{percentile(seconds[who], 95) * 1000:7.1f}ms {_queries(client, url):>8}{tail}"
            )


if __name__ == "__main__":
    main()
