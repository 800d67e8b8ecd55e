"""Growth page read path: combined-growth-data for the faroe farm's largest batch, the overview page, and
the bytes an idle open growth page costs per poll.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_webapp .venv/bin/python bench/growth_read.py [--repeat 100] [--only weekly]

The database must hold the faroe preset with its daily states (``generate_demo_data --preset faroe --seed 1``,
then ``recompute_recent_daily_states --all --sync``). Requests go through Django's whole stack in-process
(middleware, session login, DRF, GZipMiddleware), so the times leave out only the HTTP server and the network.
Prints p50 and p95 of ``--repeat`` requests per case, the body bytes raw and gzip, and the response bytes
(status line, headers, body) of ten idle polls answered 304.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from bench.harness import django_setup, machine_print  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed_get(client, url: str, repeat: int, **headers) -> tuple[list[float], object]:
    seconds, response = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, **headers)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return seconds, response


def wire_bytes(response) -> int:
    """Bytes of the HTTP/1.1 response: status line, headers, blank line, body."""
    status = f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n".encode()
    return len(status) + len(response.serialize_headers()) + 4 + len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument(
        "--only", default="", help="run only the cases whose name contains this (e.g. 'columnar, weekly')"
    )
    args = parser.parse_args()
    django_setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from apps.batch.models import ActualDailyAssignmentState, Batch

    machine_print()
    largest = ActualDailyAssignmentState.objects.values("batch_id").annotate(n=Count("id")).order_by("-n").first()
    if not largest:
        sys.exit("no daily states: generate the faroe preset and recompute it first (see the docstring)")
    batch = Batch.objects.get(pk=largest["batch_id"])
    biggest = (
        ActualDailyAssignmentState.objects.filter(batch_id=batch.pk).values("assignment_id").annotate(n=Count("id"))
        .order_by("-n").first()["assignment_id"]
    )  # fmt: skip
    user, _ = get_user_model().objects.get_or_create(username="bench-reader", defaults={"is_superuser": True})
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    client.force_login(user)
    plain = Client()
    plain.force_login(user)
    base = f"/api/v1/batch/batches/{batch.pk}/combined-growth-data/"
    print(
        f"batch {batch.batch_number} (id {batch.pk}): {largest['n']:,} daily states, "
        f"{batch.assignments.count()} assignments; {args.repeat} requests per case\n"
    )
    print(f"{'case':<36} {'p50':>9} {'p95':>9} {'raw bytes':>11} {'gzip bytes':>11}")
    cases = [
        ("rows, daily", ""), ("rows, weekly", "?granularity=weekly"),
        ("columnar, daily", "?shape=columnar"), ("columnar, weekly", "?shape=columnar&granularity=weekly"),
        ("columnar, daily, include_states", "?shape=columnar&include_states=true"),
        ("columnar, daily, largest container", f"?shape=columnar&assignment_id={biggest}"),
    ]  # fmt: skip
    for name, query in [c for c in cases if args.only in c[0]]:
        timed_get(client, base + query, 3)  # warm the connection and caches
        seconds, zipped = timed_get(client, base + query, args.repeat)
        raw = plain.get(base + query)
        assert zipped["Content-Encoding"] == "gzip"
        print(
            f"{name:<36} {percentile(seconds, 50) * 1000:7.1f}ms {percentile(seconds, 95) * 1000:7.1f}ms "
            f"{len(raw.content):>11,} {len(zipped.content):>11,}"
        )
    if args.only:
        return
    timed_get(client, "/", 3)
    seconds, page = timed_get(client, "/", args.repeat)
    print(
        f"{'overview page /':<36} {percentile(seconds, 50) * 1000:7.1f}ms {percentile(seconds, 95) * 1000:7.1f}ms "
        f"{len(plain.get('/').content):>11,} {len(page.content):>11,}"
    )

    url = base + "?shape=columnar"
    first = client.get(url)
    polls = [client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]) for _ in range(10)]
    assert all(p.status_code == 304 for p in polls), [p.status_code for p in polls]
    poll_seconds = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        poll_seconds.append(time.perf_counter() - started)
    sizes = [wire_bytes(p) for p in polls]
    print(
        f"\nten idle polls (304): {sum(sizes):,} response bytes in all, {statistics.mean(sizes):.0f} each; "
        f"p50 {percentile(poll_seconds, 50) * 1000:.1f} ms, p95 {percentile(poll_seconds, 95) * 1000:.1f} ms"
    )
    print(f"first load of the page's data: {wire_bytes(first):,} response bytes (gzip)")


if __name__ == "__main__":
    main()
