"""What the history costs (issue 20): an API event save and the faroe backfill with and without it, and the
"why" answer for a day on the faroe farm.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_bench .venv/bin/python bench/history_overhead.py \\
        [--writes 60] [--rounds 4] [--repeat 3] [--whys 200]

Uses the faroe farm of bench/faroe_backfill.py (generated into the database when it holds no demo batch; the
database is migrated first, which installs the history's triggers). "Without history" removes pghistory's
triggers from every tracked table and switches off the rest of the history in this process (no context
prefix, no recompute causes, no moves: ``apps.audit.context.history_switched_off``); "with" puts them back.
The two alternate round by round so a change of the machine's load touches both.

- **save**: ``POST /api/v1/batch/growth-samples/`` through the whole Django stack in this process (middleware,
  DRF token authentication, the recording service, the signals' markers), each on a free day of the next
  active assignment, timed from the call to the 201; publishing to a broker is switched off (no worker runs:
  a task queued is not the save's cost). The samples are deleted between rounds (untimed).
- **backfill**: every faroe batch recomputed in full, fresh (no stored rows) and over its existing rows.
- **why**: 20 growth samples corrected by a user and their batches drained, then ``why`` for days of those
  assignments, moved and not moved, p50/p95 over ``--whys`` answers.
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
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from decimal import Decimal  # noqa: E402

from bench import harness  # noqa: E402

harness.django_setup()

import pghistory  # noqa: E402
import pghistory.trigger  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from pgtrigger import registry  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from apps.audit.context import history_context, history_switched_off  # noqa: E402
from apps.audit.models import MarkCause  # noqa: E402
from apps.audit.why import why  # noqa: E402
from apps.batch.models import BatchContainerAssignment, GrowthSample, RecomputeMarker  # noqa: E402
from apps.batch.services.saving import STATE_TABLE  # noqa: E402
from apps.recompute import markers  # noqa: E402
from apps.recompute.drain import markers_drain  # noqa: E402
from bench.faroe_backfill import TODAY, _farm_ensure, _state_rows, _states_delete, backfill  # noqa: E402

URL = "/api/v1/batch/growth-samples/"
TARGET_SAVE, TARGET_BACKFILL, TARGET_WHY_MS = 1.10, 1.10, 50.0


def history_triggers() -> list:
    return [
        (model, trigger) for model, trigger in registry.registered() if isinstance(trigger, pghistory.trigger.Event)
    ]


@contextlib.contextmanager
def without_history():
    """No triggers, no context, no causes, no moves; everything back after."""
    triggers = history_triggers()
    for model, trigger in triggers:
        trigger.uninstall(model)
    try:
        with history_switched_off():
            yield
    finally:
        for model, trigger in triggers:
            trigger.install(model)


def modes():
    return [("with history", contextlib.nullcontext), ("without history", without_history)]


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# -- save ---------------------------------------------------------------------------------------------------------


def _operator_client() -> APIClient:
    user, _ = get_user_model().objects.get_or_create(username="bench-operator")
    user.groups.add(Group.objects.get(name="operator"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _free_days(count: int, seed: int) -> list[tuple[int, dt.date]]:
    """(assignment, day) pairs with no sample yet, on active assignments, spread over them."""
    taken = set(GrowthSample.objects.values_list("assignment_id", "sample_date"))
    active = list(
        BatchContainerAssignment.objects.filter(departure_date__isnull=True).values_list("pk", "assignment_date")
    )
    rng = random.Random(seed)
    pairs = []
    while len(pairs) < count:
        pk, first = rng.choice(active)
        day = first + dt.timedelta(days=rng.randrange(1, max(2, (TODAY - first).days)))
        if (pk, day) not in taken:
            taken.add((pk, day))
            pairs.append((pk, day))
    return pairs


def save_round(client: APIClient, pairs) -> list[float]:
    timings, created = [], []
    for pk, day in pairs:
        body = {"assignment": pk, "sample_date": str(day), "sample_size": 20, "avg_weight_g": "500.00"}
        started = time.perf_counter()
        response = client.post(URL, body, format="json")
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 201:
            raise SystemExit(f"save failed: {response.status_code} {response.content[:300]!r}")
        created.append(response.json()["id"])
    GrowthSample.objects.filter(pk__in=created).delete()  # untimed clean-up (with its own marks)
    RecomputeMarker.objects.all().delete()
    MarkCause.objects.filter(run__isnull=True).delete()
    return timings


def bench_save(writes: int, rounds: int) -> dict[str, list[float]]:
    client = _operator_client()
    client.post(URL, {}, format="json")  # warm-up of the stack (a 400)
    out: dict[str, list[float]] = {name: [] for name, _ in modes()}
    for r in range(rounds):
        order = modes() if r % 2 == 0 else modes()[::-1]
        for name, mode in order:
            pairs = _free_days(writes, seed=r * 7 + len(name))
            with mode():
                out[name] += save_round(client, pairs)
    return out


# -- backfill -----------------------------------------------------------------------------------------------------


def bench_backfill(batch_ids: list[int], repeat: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for r in range(repeat):
        order = modes() if r % 2 == 0 else modes()[::-1]
        for name, mode in order:
            for case, prepare in (
                ("fresh", lambda: _states_delete(batch_ids)),
                ("existing", lambda: harness.vacuum_analyze(STATE_TABLE)),
            ):
                with mode():
                    prepare()
                    started = time.perf_counter()
                    backfill(batch_ids)
                    out.setdefault(f"{case}, {name}", []).append(time.perf_counter() - started)
    return out


# -- why ----------------------------------------------------------------------------------------------------------


def bench_why(batch_ids: list[int], count: int) -> tuple[list[float], int, int]:
    samples = list(
        GrowthSample.objects.filter(
            assignment__batch_id__in=batch_ids, assignment__departure_date__isnull=True
        ).order_by("-sample_date")[:20]
    )
    user, _ = get_user_model().objects.get_or_create(username="bench-corrector")
    for sample in samples:
        with history_context(user=user.pk, username=user.username, channel="api"):
            sample.avg_weight_g = (sample.avg_weight_g * Decimal("0.97")).quantize(Decimal("0.01"))
            sample.save()
    for batch_id in sorted({s.assignment.batch_id for s in samples}):
        markers_drain(batch_id=batch_id)
    rng = random.Random(3)
    timings, answered, with_changes = [], 0, 0
    for _ in range(count):
        sample = rng.choice(samples)
        day = sample.sample_date + dt.timedelta(days=rng.randrange(-40, 40))
        started = time.perf_counter()
        answer = why(assignment_id=sample.assignment_id, day=min(day, TODAY))
        timings.append((time.perf_counter() - started) * 1000)
        answered += 1
        with_changes += bool(answer["changes"])
    return timings, answered, with_changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=60, help="timed saves per round and mode")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="backfill runs per case and mode")
    parser.add_argument("--whys", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)  # the audit tables and the triggers
    harness.machine_print()
    markers._publish_on_commit = lambda assignment_ids: None  # no broker, no worker: the save's own cost
    batch_ids = _farm_ensure()
    backfill(batch_ids)
    print(f"farm: {len(batch_ids)} batches, {_state_rows(batch_ids):,} daily rows\n")

    saves = bench_save(args.writes, args.rounds)
    print(f"API save ({args.rounds} rounds x {args.writes} writes per mode, interleaved):")
    for name, values in saves.items():
        print(f"  {name:16} p50 {p(values, 0.5):6.1f} ms  p95 {p(values, 0.95):6.1f} ms  (n={len(values)})")
    ratio = p(saves["with history"], 0.95) / p(saves["without history"], 0.95)
    print(f"  p95 ratio with/without: {ratio:.3f} (target <= {TARGET_SAVE})\n")

    fills = bench_backfill(batch_ids, args.repeat)
    print(f"faroe backfill ({args.repeat} runs per case and mode, interleaved):")
    for name, values in fills.items():
        print(f"  {name:28} median {statistics.median(values):6.2f} s  (min {min(values):.2f}, max {max(values):.2f})")
    for case in ("fresh", "existing"):
        r = statistics.median(fills[f"{case}, with history"]) / statistics.median(fills[f"{case}, without history"])
        print(f"  {case}: median ratio with/without {r:.3f} (target <= {TARGET_BACKFILL})")
    print()

    timings, answered, with_changes = bench_why(batch_ids, args.whys)
    print(
        f"why for a day ({answered} answers, {with_changes} with changes): p50 {p(timings, 0.5):.1f} ms, "
        f"p95 {p(timings, 0.95):.1f} ms, max {max(timings):.1f} ms (target p95 <= {TARGET_WHY_MS:.0f} ms)"
    )
    harness.machine_print()


if __name__ == "__main__":
    main()
