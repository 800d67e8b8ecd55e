"""``manage.py calibrate_forecast``: the nightly calibration of the forecast band, now (docs/forecast.md)."""

from __future__ import annotations

import datetime as dt
import math
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.forecast.calibrate import calibration_refresh
from apps.forecast.models import CalibrationArchive, LearnedGrowth


class Command(BaseCommand):
    help = (
        "Calibrate the forecast band from the farm's own backtest (past forecasts against the growth samples "
        "taken later) and store it; the projections use it from their batch's next recompute."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None, help="The calibration's today (default: today)."
        )
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Forget the kept parts of the past dates and compute the farm's whole past again (after records "
            "were changed without a recompute, e.g. directly in the database).",
        )

    def handle(self, *args, **opts):
        started = time.perf_counter()
        if opts["rebuild"]:
            forgotten, _ = CalibrationArchive.objects.all().delete()
            self.stdout.write(f"Forgot {forgotten} kept parts of past dates.")
        calibration = calibration_refresh(today=opts["today"] or timezone.localdate(), computed_at=timezone.now())
        if not calibration.calibrated:
            self.stdout.write(f"Not calibrated: {calibration.residuals} residuals (closed-form band kept).")
        for b in calibration.buckets:
            coverage = "-" if b.coverage is None else f"{100 * b.coverage:.1f} %"
            self.stdout.write(
                f"{b.phase:<6}{b.first_day:>4}-{b.last_day:<4} n={b.n:<6} P10 {100 * math.expm1(b.q10):+6.1f} % "
                f"P50 {100 * math.expm1(b.q50):+5.1f} % P90 {100 * math.expm1(b.q90):+6.1f} % "
                f"coverage {coverage} ({b.source})"
            )
        learned = LearnedGrowth.objects.first()
        if learned is not None:
            scores = ", ".join(f"{k} {100 * v:.2f} %" for k, v in sorted(learned.scores.items()))
            self.stdout.write(
                f"growth: {learned.option} (mean |log error| 16-105 days: {scores}); model {learned.coefficients}"
            )
        self.stdout.write(f"{calibration.residuals} residuals, {time.perf_counter() - started:.1f} s")
