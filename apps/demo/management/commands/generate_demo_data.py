"""Generate a seeded demo salmon farm (docs/demo-data.md); thin wrapper around demo_data_generate."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.demo.farm import demo_data_generate
from apps.demo.farm.presets import PRESETS
from apps.demo.farm.world import WORLD_REALISTIC, WORLDS
from aquamind.errors import DomainError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = "Generate demo batches with their records, and optionally the true daily weights as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same farm.")
        parser.add_argument("--preset", choices=sorted(PRESETS), default="small", help="Farm size (default small).")
        parser.add_argument("--batches", type=int, help="Override the preset's number of batches.")
        parser.add_argument("--truth-out", type=Path, help="Write the simulated true daily weights to this CSV.")
        parser.add_argument("--today", type=_date, help="Last day with data, YYYY-MM-DD (default: today).")
        parser.add_argument(
            "--world",
            choices=WORLDS,
            default=WORLD_REALISTIC,
            help="realistic (default: the fish depart from the model's growth law) or model (they follow it).",
        )

    def handle(self, *args, **opts):
        today = opts["today"] or timezone.localdate()
        try:
            summary = demo_data_generate(
                seed=opts["seed"],
                preset=opts["preset"],
                today=today,
                truth_out=opts["truth_out"],
                batches=opts["batches"],
                progress=sys.stderr.isatty(),
                world=opts["world"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        rows = [
            ("batches", f"{summary.batches} ({summary.completed_batches} completed)"),
            ("assignments", summary.assignments),
            ("containers", summary.containers),
            ("growth samples", summary.growth_samples),
            ("transfers", summary.transfers),
            ("mortality events", summary.mortality_events),
            ("feeding events", summary.feeding_events),
            ("temperature readings", summary.readings),
            ("treatments", summary.treatments),
            ("days simulated", f"{summary.days_simulated} batch-days, {summary.assignment_days} assignment-days"),
        ]
        if opts["truth_out"]:
            rows.append(("truth rows", f"{summary.truth_rows} in {opts['truth_out']}"))
        self.stdout.write(
            f"Demo farm: preset {summary.preset}, seed {summary.seed}, {summary.world} world, up to {summary.today}"
        )
        for label, value in rows:
            self.stdout.write(f"  {label:<22} {value}")
        self.stdout.write(self.style.SUCCESS(f"Generated in {summary.seconds:.1f} s."))
        self.stdout.write("No signals were sent: recompute these batches' daily states next.")
