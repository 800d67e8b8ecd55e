"""PAR-10×900 and SEQ-10×90 recompute benchmarks (docs/benchmarks.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_bench .venv/bin/python bench/par_10x900.py [--repeat N]

Builds both shapes in the benchmark database (dropping an earlier copy), then times ``batch_recompute``:
PAR full over existing rows, PAR full with none of its rows stored, SEQ full (these three interleaved, round
by round, the state table vacuumed before each run, untimed), PAR full over existing rows back to back (no
vacuum: the dead rows of earlier runs stay), and one assignment's window after a growth sample 5 days before
the end. Prints median, min and max of N runs, rows/s, the split into load / compute (the engine on the
loaded data) / save / rest and the SQL statements each recompute sends.
"""

from __future__ import annotations

import sys
from pathlib import Path

# run as a script: put the repo root, not bench/, on sys.path so `bench.*` imports resolve
BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse
import cProfile
import datetime as dt
import pstats
import statistics
import time
from collections import defaultdict
from decimal import Decimal

from bench import harness

harness.django_setup()

from apps.batch.models import ActualDailyAssignmentState, GrowthSample  # noqa: E402
from apps.recompute.run import batch_recompute  # noqa: E402
from apps.recompute.signals import recompute_signals_muted  # noqa: E402
from bench import shapes  # noqa: E402

TARGETS = {
    "full": (0.5, 0.2),
    "window": (0.050, 0.010),
}
PAR_EXISTING = "PAR-10x900 full, over existing rows"
PAR_FRESH = "PAR-10x900 full, fresh rows"
SEQ_EXISTING = "SEQ-10x90 full, over existing rows"
PAR_BACK_TO_BACK = "PAR-10x900 full, existing, back to back"
PAR_WINDOW = "PAR one assignment, window after a sample"
SEQ_WINDOW = "SEQ last assignment, window after a sample"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement (default 7)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one full PAR recompute")
    args = parser.parse_args()

    harness.machine_print()
    started = time.perf_counter()
    par = shapes.par_build()
    seq = shapes.seq_build()
    print(
        f"built {par.name} ({par.rows:,} rows) and {seq.name} ({seq.rows:,} rows) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    batch_recompute(batch_id=par.batch_id, today=par.today, trigger="bench")  # warm-up, fills the table
    batch_recompute(batch_id=seq.batch_id, today=seq.today, trigger="bench")
    harness.vacuum_analyze("batch_actualdailyassignmentstate")
    _check_rows(par)
    _check_rows(seq)
    print()

    results = harness.interleaved_runs(
        [
            harness.Case(PAR_EXISTING, _full(par), prepare=_vacuum),
            harness.Case(PAR_FRESH, _full(par), prepare=_emptied(par)),
            harness.Case(SEQ_EXISTING, _full(seq), prepare=_vacuum),
        ],
        repeat=args.repeat,
    )
    results[PAR_BACK_TO_BACK] = harness.timed_runs(PAR_BACK_TO_BACK, _full(par), repeat=args.repeat)
    for name, shape in ((PAR_EXISTING, par), (PAR_FRESH, par), (SEQ_EXISTING, seq), (PAR_BACK_TO_BACK, par)):
        print(results[name].line(shape.rows))
    print()
    print("split of the same cases (median of N more runs; rest = batch lock, run record and commit, where")
    print("PostgreSQL checks the deferred foreign keys), SQL statements per recompute:")
    _split_print(PAR_EXISTING, _full(par), prepare=_vacuum, repeat=args.repeat)
    _split_print(PAR_FRESH, _full(par), prepare=_emptied(par), repeat=args.repeat)
    _split_print(SEQ_EXISTING, _full(seq), prepare=_vacuum, repeat=args.repeat)
    print()
    results[PAR_WINDOW] = _measure_window(par, PAR_WINDOW, args.repeat)
    results[SEQ_WINDOW] = _measure_window(seq, SEQ_WINDOW, args.repeat)
    print()
    _targets_print(results)
    if args.profile:
        _profile(par)


def _check_rows(shape: shapes.Shape) -> None:
    stored = ActualDailyAssignmentState.objects.filter(batch_id=shape.batch_id).count()
    if stored != shape.rows:
        raise SystemExit(f"{shape.name}: expected {shape.rows} rows after a full recompute, found {stored}")


def _full(shape: shapes.Shape):
    def run():
        summary = batch_recompute(batch_id=shape.batch_id, today=shape.today, trigger="bench")
        assert summary.ok and summary.rows == shape.rows, summary

    return run


def _vacuum() -> None:
    harness.vacuum_analyze("batch_actualdailyassignmentstate")


def _emptied(shape: shapes.Shape):
    def empty():
        harness.sql("DELETE FROM batch_actualdailyassignmentstate WHERE batch_id = %s", (shape.batch_id,))
        _vacuum()

    return empty


def _split_print(name: str, run, *, repeat: int, prepare=None) -> None:
    phases, queries = _split(run, prepare=prepare, repeat=repeat)
    print(f"  {name:<44} {phases}; {queries} SQL + 1 COPY")


def _measure_window(shape: shapes.Shape, name: str, repeat: int):
    """A sample 5 days before the end of the last assignment, then that assignment from the sample's day."""
    assignment_id = shape.assignment_ids[-1]
    day = shape.today - dt.timedelta(days=5)
    with recompute_signals_muted():
        GrowthSample.objects.filter(assignment_id=assignment_id, sample_date=day).delete()  # one sample a day
        sample = GrowthSample.objects.create(
            assignment_id=assignment_id, sample_date=day, sample_size=30, avg_weight_g=Decimal("4321.00")
        )
    counted = {}

    def run():
        summary = batch_recompute(
            batch_id=shape.batch_id, from_dates={assignment_id: day}, today=shape.today, trigger="bench"
        )
        assert summary.ok and summary.assignments == 1, summary
        counted["rows"] = summary.rows

    try:
        run()
        timing = harness.timed_runs(name, run, repeat=max(repeat, 20))
        print(timing.line(counted["rows"]))
        _split_print("  split", run, repeat=max(repeat, 20))
    finally:
        with recompute_signals_muted():
            sample.delete()
        batch_recompute(batch_id=shape.batch_id, from_dates={assignment_id: day}, today=shape.today, trigger="bench")
    return timing


def _split(run, *, repeat: int, prepare=None) -> tuple[str, int]:
    """Median seconds per phase (load, compute, save, rest = lock, run record, commit) and statement count."""
    spent: dict[str, list[float]] = defaultdict(list)
    counter = harness.QueryCounter()
    for _ in range(repeat):
        if prepare is not None:
            prepare()
        totals: dict[str, float] = defaultdict(float)
        with harness.recompute_phase_timers(totals), counter.counting():
            started = time.perf_counter()
            run()
            total = time.perf_counter() - started
        for phase in ("load", "compute", "save"):
            spent[phase].append(totals[phase])
        spent["rest"].append(total - sum(totals.values()))
    text = ", ".join(f"{phase} {statistics.median(values) * 1000:.1f} ms" for phase, values in spent.items())
    return text, counter.count


def _targets_print(results: dict[str, harness.Timing]) -> None:
    print("targets (docs/benchmarks.md)")
    for name, case in ((PAR_EXISTING, "full"), (PAR_FRESH, "full"), (PAR_BACK_TO_BACK, "full"), (PAR_WINDOW, "window")):
        target, goal = TARGETS[case]
        median = results[name].median
        verdict = "meets goal" if median <= goal else "meets target" if median <= target else "MISSES target"
        print(
            f"  {name:<44} {median * 1000:7.1f} ms  target < {target * 1000:.0f} ms, "
            f"goal {goal * 1000:.0f} ms: {verdict}"
        )


def _profile(shape: shapes.Shape) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    batch_recompute(batch_id=shape.batch_id, today=shape.today, trigger="bench")
    profiler.disable()
    print()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
