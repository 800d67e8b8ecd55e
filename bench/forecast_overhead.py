"""What keeping the forecast fresh costs a recompute: the same recomputes with and without ``forecast_refresh``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_bench .venv/bin/python bench/forecast_overhead.py [--repeat N] [--no-faroe]

Cases, interleaved round by round with the refresh on and off (off = the hook replaced by a no-op for that run):
PAR-10×900 full over existing rows, PAR one assignment's window after a growth sample 5 days before the end, and
the faroe backfill over existing rows (the demo farm is generated when the database has none, as
bench/faroe_backfill.py does). Then two variants of the faroe backfill: with the farm's segments deleted first
(every segment written: the share only), and as ``recompute_backfill`` runs it, the states' saver keeping the
assignments whose rows are unchanged (on and off). Prints both medians, the round-by-round ratio with / without, and -- steadier on a shared machine -- the time spent
inside the refresh over the rest of the same recompute.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from decimal import Decimal  # noqa: E402

from bench import harness  # noqa: E402

harness.django_setup()

from apps.batch.models import GrowthSample  # noqa: E402
from apps.forecast.models import GrowthSegment  # noqa: E402
from apps.recompute import run as recompute  # noqa: E402
from apps.recompute.signals import recompute_signals_muted  # noqa: E402
from bench import faroe_backfill, shapes  # noqa: E402

REAL_HOOK = recompute.forecast_refresh
SPENT: dict[str, list[float]] = {}  # seconds inside the refresh, per run with it on


def _timed_hook(**kwargs):
    started = time.perf_counter()
    REAL_HOOK(**kwargs)
    SPENT.setdefault("current", []).append(time.perf_counter() - started)


@contextmanager
def _hook(enabled: bool):
    recompute.forecast_refresh = _timed_hook if enabled else (lambda **kwargs: None)
    try:
        yield
    finally:
        recompute.forecast_refresh = REAL_HOOK


SHARES: dict[str, list[float]] = {}  # per run with the refresh on: refresh / (run - refresh)


def _with(enabled: bool, run, name: str = ""):
    def timed():
        SPENT["current"] = []
        with _hook(enabled):
            started = time.perf_counter()
            run()
            total = time.perf_counter() - started
        if enabled:
            refresh = sum(SPENT["current"])
            SHARES.setdefault(name, []).append(refresh / (total - refresh))

    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-faroe", action="store_true")
    args = parser.parse_args()
    harness.machine_print()
    par = shapes.par_build()
    recompute.batch_recompute(batch_id=par.batch_id, today=par.today, trigger="bench")

    def vacuum():
        return harness.vacuum_analyze(
            "batch_actualdailyassignmentstate", "forecast_growthsegment", "forecast_projection"
        )

    def par_full():
        assert recompute.batch_recompute(batch_id=par.batch_id, today=par.today, trigger="bench").ok

    assignment_id, day = par.assignment_ids[-1], par.today - dt.timedelta(days=5)
    with recompute_signals_muted():
        GrowthSample.objects.filter(assignment_id=assignment_id, sample_date=day).delete()
        GrowthSample.objects.create(
            assignment_id=assignment_id, sample_date=day, sample_size=30, avg_weight_g=Decimal("4321.00")
        )

    def par_window():
        assert recompute.batch_recompute(
            batch_id=par.batch_id, from_dates={assignment_id: day}, today=par.today, trigger="bench"
        ).ok

    cases = [
        harness.Case("PAR full, refresh on", _with(True, par_full, "PAR full"), prepare=vacuum),
        harness.Case("PAR full, refresh off", _with(False, par_full), prepare=vacuum),
    ]
    window_cases = [
        harness.Case("PAR window, refresh on", _with(True, par_window, "PAR window")),
        harness.Case("PAR window, refresh off", _with(False, par_window)),
    ]
    results = harness.interleaved_runs(cases, repeat=args.repeat)
    results.update(harness.interleaved_runs(window_cases, repeat=max(args.repeat, 20)))
    pairs = [
        ("PAR full", "PAR full, refresh on", "PAR full, refresh off"),
        ("PAR window", "PAR window, refresh on", "PAR window, refresh off"),
    ]
    if not args.no_faroe:
        batch_ids = faroe_backfill._farm_ensure()
        faroe_backfill.backfill(batch_ids)
        results.update(
            harness.interleaved_runs(
                [
                    harness.Case(
                        "faroe backfill, refresh on",
                        _with(True, lambda: faroe_backfill.backfill(batch_ids), "faroe backfill"),
                        prepare=vacuum,
                    ),
                    harness.Case(
                        "faroe backfill, refresh off",
                        _with(False, lambda: faroe_backfill.backfill(batch_ids)),
                        prepare=vacuum,
                    ),
                ],
                repeat=max(3, args.repeat // 2),
            )
        )
        pairs.append(("faroe backfill", "faroe backfill, refresh on", "faroe backfill, refresh off"))

        def segments_emptied():  # every segment then differs from the stored ones (none): all are written
            vacuum()
            GrowthSegment.objects.filter(batch_id__in=batch_ids).delete()

        def backfill_keeping():  # as recompute_backfill runs it: the states' saver keeps unchanged assignments
            for batch_id in batch_ids:
                assert recompute.batch_recompute(
                    batch_id=batch_id, today=faroe_backfill.TODAY, trigger="bench", keep_unchanged=True
                ).ok

        results.update(
            harness.interleaved_runs(
                [
                    harness.Case(
                        "faroe, every segment written, on",
                        _with(
                            True, lambda: faroe_backfill.backfill(batch_ids), "faroe backfill, every segment written"
                        ),
                        prepare=segments_emptied,
                    ),
                    harness.Case(
                        "faroe, states kept, refresh on",
                        _with(True, backfill_keeping, "faroe backfill, unchanged states kept"),
                        prepare=vacuum,
                    ),
                    harness.Case("faroe, states kept, refresh off", _with(False, backfill_keeping), prepare=vacuum),
                ],
                repeat=max(3, args.repeat // 2),
            )
        )
        pairs.append(("faroe, states kept", "faroe, states kept, refresh on", "faroe, states kept, refresh off"))
    for _, on, off in pairs:
        print(results[on].line())
        print(results[off].line())
    print()
    for name, on, off in pairs:
        print(harness.ratio_line(f"{name}: on / off", results[on], results[off]))
    print()
    print("time inside the refresh / the rest of the same recompute (the same run: robust to the machine's load)")
    for name, shares in SHARES.items():
        print(
            f"  {name:<42} median {100 * statistics.median(shares):5.1f} %  min {100 * min(shares):5.1f} %  "
            f"max {100 * max(shares):5.1f} %  (n={len(shares)})"
        )


if __name__ == "__main__":
    main()
