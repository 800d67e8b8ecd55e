"""``manage.py backtest_forecast``: generate a farm with its truth, backtest the projection, print the table."""

from __future__ import annotations

import datetime as dt
import pickle
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.batch.models import Batch
from apps.demo.farm import demo_data_generate
from apps.demo.farm.presets import PRESETS
from apps.demo.farm.world import WORLD_REALISTIC, WORLDS
from apps.forecast.backtest import (
    MATURE_HISTORY_DAYS,
    backtest_forecasts,
    backtest_score,
    scores_table,
    truth_load,
)

TODAY = dt.date(2026, 6, 1)


class Command(BaseCommand):
    help = (
        "Backtest the live projection against a generated farm's truth. Needs a database without batches (the "
        "farm is generated on empty containers, so that a seed always gives the same farm and figures) and "
        "leaves it as it found it (the farm is rolled back)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
        parser.add_argument("--seed", type=int, default=11)
        parser.add_argument(
            "--seeds",
            default=None,
            help="Several farms, e.g. 11-40 or 11,13,20: each seed's +90-day line, then every figure pooled over "
            "their forecasts (one small farm's coverage moves by 15 points from seed to seed; the pooled figures "
            "are what the method does on farms of that kind). Replaces --seed.",
        )
        parser.add_argument("--every", type=int, default=30, help="Days between as-of dates (default 30).")
        parser.add_argument(
            "--target-g", type=float, default=None, help="Harvest weight (default FORECAST_HARVEST_WEIGHT_G)."
        )
        parser.add_argument(
            "--world",
            choices=WORLDS,
            default=WORLD_REALISTIC,
            help="The farm's world: realistic (default; the fish depart from the model) or model (the control).",
        )
        parser.add_argument(
            "--first-pass",
            type=Path,
            default=None,
            help="A file keeping pass one (the farm's forecasts, residuals and truth): written when missing, read "
            "instead of generating the farm again when present (re-scoring after a change of the scoring only).",
        )

    def handle(self, *args, **opts):
        if opts["seeds"] is not None:
            self._pooled(opts, _seeds(opts["seeds"]))
            return
        kept = opts["first_pass"]
        if kept is not None and kept.exists():
            self._score(opts, *pickle.loads(kept.read_bytes()), time.perf_counter())
            return
        self._empty_database_check()
        with transaction.atomic():
            self._backtest(opts)
            transaction.set_rollback(True)  # the same empty database for the next run

    def _empty_database_check(self):
        found = Batch.objects.count()
        if found:
            raise CommandError(
                f"The database holds {found} batch{'es' if found != 1 else ''}: the backtest generates its farm on empty containers (a farm "
                "planned around existing batches would differ run to run). Point DATABASE_URL at an empty database "
                "(createdb aquamind_backtest; manage.py migrate) and run it there."
            )

    def _pooled(self, opts, seeds: list[int]):
        if opts["first_pass"] is not None:
            raise CommandError("--first-pass keeps one farm's pass one: use it with --seed, not --seeds.")
        self._empty_database_check()
        started, pooled = time.perf_counter(), None
        self.stdout.write(
            f"{'seed':>6}  {'n +90':>6}  {'MAPE +90':>9}  {'original':>9}  {'bias +90':>9}  coverage +30 / +60 / +90"
        )
        for seed in seeds:
            with transaction.atomic():
                scores = self._backtest({**opts, "seed": seed}, quiet=True)
                transaction.set_rollback(True)
            pooled = scores if pooled is None else pooled.add(scores)
            self.stdout.write(
                f"{seed:>6}  {len(scores.new_ape[90]):>6}  {_pct(scores.mape(90)):>9}  {_pct(scores.mape(90, True)):>9}  "
                f"{_pct(scores.bias(90)):>9}  " + " / ".join(_pct(scores.coverage(h)) for h in (30, 60, 90))
            )
        pooled.calibrated = {}  # as-of dates of different farms: not pooled
        self.stdout.write(
            f"Pooled over {len(seeds)} farms (preset {opts['preset']}, {opts['world']} world, seeds {opts['seeds']}), "
            "each forecast counted once:"
        )
        for line in scores_table(pooled):
            self.stdout.write(line)
        self.stdout.write(f"({time.perf_counter() - started:.1f} s)")

    def _backtest(self, opts, *, quiet: bool = False):
        started = time.perf_counter()
        target = opts["target_g"] or settings.FORECAST_HARVEST_WEIGHT_G
        with tempfile.TemporaryDirectory() as tmp:
            truth_path = Path(tmp) / "truth.csv"
            summary = demo_data_generate(
                seed=opts["seed"], preset=opts["preset"], today=TODAY, truth_out=truth_path, world=opts["world"]
            )
            truth = truth_load(truth_path)
        first = min(min(days) for days in truth.values())
        as_of = [d for d in _every(first + dt.timedelta(days=60), TODAY - dt.timedelta(days=30), opts["every"])]
        run = backtest_forecasts(batch_ids=summary.batch_ids, truth=truth, as_of_dates=as_of, target_weight_g=target)
        header = (
            f"Backtest: preset {opts['preset']}, seed {opts['seed']}, {opts['world']} world, {summary.batches} batches, "
            f"{len(as_of)} as-of dates "
            f"every {opts['every']} days from {as_of[0]} to {as_of[-1]}, harvest target {target:.0f} g"
        )
        if opts["first_pass"] is not None:
            opts["first_pass"].write_bytes(pickle.dumps((header, run, truth, target)))
        if quiet:
            return backtest_score(run, truth=truth, target_weight_g=target)
        self._score(opts, header, run, truth, target, started)

    def _score(self, opts, header, run, truth, target, started):
        scores = backtest_score(run, truth=truth, target_weight_g=target)
        self.stdout.write(header)
        for line in scores_table(scores):
            self.stdout.write(line)
        if scores.mature is not None and scores.mature.new_ape[90]:
            self.stdout.write(
                f"As of dates with {MATURE_HISTORY_DAYS // 365} years of the farm's history or more (a farm that "
                "imports its history starts there):"
            )
            for line in scores_table(scores.mature):
                self.stdout.write(line)
        self.stdout.write(f"({time.perf_counter() - started:.1f} s)")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} %"


def _seeds(text: str) -> list[int]:
    """``11-40`` or ``11,13,20`` (or both, comma-separated) as the seeds, in order."""
    out: list[int] = []
    try:
        for part in text.split(","):
            first, dash, last = part.strip().partition("-")
            if dash and int(last) < int(first):
                raise ValueError(part)
            out += list(range(int(first), int(last) + 1)) if dash else [int(first)]
    except ValueError:
        raise CommandError(f"--seeds: {text!r} is not a list of seeds such as 11-40 or 11,13,20.") from None
    if not out:
        raise CommandError("--seeds: no seed given.")
    return out


def _every(first: dt.date, last: dt.date, step: int):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=step)
