"""What the activity templates add to a recompute: the time inside ``planned_activities_from_templates`` (run by
``batch_recompute`` after ``forecast_refresh`` writes the projections) over the rest of the same recompute, and its queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a benchmark database> .venv/bin/python bench/planning_templates.py [--repeat N]

Cases, full recomputes over existing rows: PAR-10×900 (bench/shapes.py; its scenario has ended, so its projections
are empty and the step only reads) and the faroe backfill (the demo farm, generated when the database has none,
as bench/faroe_backfill.py does: 33 batches, 132 projections of up to 400 days). Each with no active template,
then three (two weight thresholds, one stage transition; the first run plans the activities, the later ones find
them planned and move none). Prints the medians of the whole recompute, the time inside the templates' step, its share of the
rest of the same run, and the step's query count.
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
from decimal import Decimal  # noqa: E402

from bench import harness  # noqa: E402

harness.django_setup()

from apps.batch.models import Batch, LifeCycleStage  # noqa: E402
from apps.planning.models import ActivityTemplate, PlannedActivity  # noqa: E402
from apps.recompute import run as recompute  # noqa: E402
from bench import faroe_backfill, shapes  # noqa: E402

REAL_STEP = recompute.planned_activities_from_templates
INSIDE: list[float] = []
QUERIES: list[int] = []


def _timed_step(**kwargs):
    counter = harness.QueryCounter()
    started = time.perf_counter()
    with counter.counting():
        result = REAL_STEP(**kwargs)
    INSIDE.append(time.perf_counter() - started)
    QUERIES.append(counter.count)
    return result


def _templates_ensure(species_id: int) -> None:
    adult = LifeCycleStage.objects.filter(species_id=species_id).order_by("-order").first()
    rows = [
        dict(
            name="bench: sample at 500 g", activity_type="SAMPLING", trigger="WEIGHT_THRESHOLD", weight_g=Decimal(500)
        ),
        dict(
            name="bench: harvest at 4.5 kg",
            activity_type="HARVEST",
            trigger="WEIGHT_THRESHOLD",
            weight_g=Decimal(4500),
            lead_days=14,
        ),
        dict(
            name="bench: vaccinate before the last stage",
            activity_type="VACCINATION",
            trigger="STAGE_TRANSITION",
            to_stage=adult,
            lead_days=21,
        ),
    ]
    for row in rows:
        ActivityTemplate.objects.update_or_create(name=row.pop("name"), defaults={**row, "is_active": True})


def _measure(name: str, run, repeat: int) -> None:
    totals, inside, queries = [], [], []
    for _ in range(repeat):
        INSIDE.clear()
        QUERIES.clear()
        started = time.perf_counter()
        run()
        totals.append(time.perf_counter() - started)
        inside.append(sum(INSIDE))
        queries.append(sum(QUERIES))
    shares = [i / (t - i) for i, t in zip(inside, totals)]
    print(
        f"{name:<40} recompute median {statistics.median(totals) * 1000:7.1f} ms   templates' step median "
        f"{statistics.median(inside) * 1000:6.2f} ms  ({100 * statistics.median(shares):.2f} % of the rest; "
        f"max {100 * max(shares):.2f} %)   queries {min(queries)}–{max(queries)}  (n={repeat})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-faroe", action="store_true")
    args = parser.parse_args()
    harness.machine_print()
    par = shapes.par_build()

    def full():
        assert recompute.batch_recompute(batch_id=par.batch_id, today=par.today, trigger="bench").ok

    cases = [("PAR full", full, [par.batch_id])]
    if not args.no_faroe:
        batch_ids = faroe_backfill._farm_ensure()
        cases.append(("faroe backfill", lambda: faroe_backfill.backfill(batch_ids), batch_ids))
    recompute.planned_activities_from_templates = _timed_step
    try:
        for name, run, batch_ids in cases:
            ActivityTemplate.objects.filter(name__startswith="bench: ").update(is_active=False)
            run()
            _measure(f"{name}, no active template", run, args.repeat)
            _templates_ensure(Batch.objects.get(pk=batch_ids[0]).species_id)
            run()  # plans the activities
            planned = PlannedActivity.objects.filter(
                batch_id__in=batch_ids, template__name__startswith="bench: "
            ).count()
            _measure(f"{name}, 3 templates ({planned} planned)", run, args.repeat)
    finally:
        recompute.planned_activities_from_templates = REAL_STEP
        ActivityTemplate.objects.filter(name__startswith="bench: ").update(is_active=False)


if __name__ == "__main__":
    main()
