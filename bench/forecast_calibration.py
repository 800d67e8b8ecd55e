"""The nightly calibration of the forecast band on the faroe farm: how long ``calibration_refresh`` takes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_bench .venv/bin/python bench/forecast_calibration.py [--repeat N] [--force-learned]

Generates the faroe preset (as bench/faroe_backfill.py does) unless the database holds it, then runs the
calibration N times (the farm's own backtest, the option choice, the learned model, the writes; the first run
with no part of the past kept, as on the first night, so that every past date is computed; the later ones read
the dates older than CALIBRATION_LOOKBACK_DAYS from ``forecast.CalibrationArchive``) and prints the wall and
CPU time of each, their median, and the load average before and after (the wall time on a shared machine is
mostly waiting: the CPU time says what the work costs).
``--force-learned``: afterwards store the learned model as chosen whatever the farm's backtest said, so that
bench/forecast_overhead.py measures the refresh with the learned model and the calibrated band both applied.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from bench import harness  # noqa: E402

harness.django_setup()

from django.utils import timezone  # noqa: E402

from apps.forecast.calibrate import calibration_refresh, farm_residuals  # noqa: E402
from apps.forecast.models import CalibrationArchive, LearnedGrowth  # noqa: E402
from apps.forecast.services.calibration import learned_save  # noqa: E402
from bench import faroe_backfill  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--force-learned", action="store_true")
    args = parser.parse_args()
    harness.machine_print()
    faroe_backfill._farm_ensure()
    today = faroe_backfill.TODAY
    walls, cpus = [], []
    CalibrationArchive.objects.all().delete()  # run 1: the first night, every past date computed and kept
    for i in range(args.repeat):
        load = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        calibration = calibration_refresh(today=today, computed_at=timezone.now())
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        row = LearnedGrowth.objects.get()
        print(
            f"run {i + 1}: {walls[-1]:6.1f} s wall, {cpus[-1]:5.1f} s CPU (load {load:.1f} -> {os.getloadavg()[0]:.1f}); "
            f"{calibration.residuals} residuals, {len(calibration.buckets)} buckets, growth {row.option}"
            f"{' (first night: every past date computed)' if i == 0 else ' (past dates read from the archive)'}"
        )
    later = walls[1:] or walls
    print(
        f"calibration of the faroe farm: first night {walls[0]:.1f} s wall, {cpus[0]:.1f} s CPU; later nights median "
        f"{statistics.median(later):.1f} s wall, {statistics.median(cpus[1:] or cpus):.1f} s CPU (n={len(later)})"
    )
    print(
        f"all runs: median {statistics.median(walls):.1f} s wall, {statistics.median(cpus):.1f} s CPU (n={args.repeat})"
    )
    if args.force_learned:
        _, history = farm_residuals(today=today, lookback_days=0, archive=False)
        model = history.fit(today)
        learned_save(model, choice={"fresh": "learned-90", "sea": "learned-90"}, scores={}, computed_at=timezone.now())
        print("stored the learned model as chosen (learned-90, both phases) for bench/forecast_overhead.py")


if __name__ == "__main__":
    main()
