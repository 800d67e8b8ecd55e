"""Verify the stored daily states against a full recompute, and repair what differs (docs/architecture.md)."""

from __future__ import annotations

import argparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.batch.models import Batch
from apps.recompute.verify import daily_states_verify


class Command(BaseCommand):
    help = "Compare every stored daily state with a full recompute in memory; repair the batches that differ."

    def add_arguments(self, parser):
        parser.add_argument("--batch-id", type=int, action="append", help="Only this batch (repeatable).")
        parser.add_argument(
            "--repair",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Rewrite the batches that differ through the normal saver (default); --no-repair only reports "
            "and exits with status 1 when anything differs.",
        )

        parser.add_argument(
            "--processes",
            type=int,
            help="Processes to spread the batches over (default VERIFY_PROCESSES, 2); 1 checks them here.",
        )

    def handle(self, *args, **opts):
        batch_ids = opts["batch_id"]
        if batch_ids:
            unknown = sorted(set(batch_ids) - set(Batch.objects.filter(pk__in=batch_ids).values_list("pk", flat=True)))
            if unknown:
                raise CommandError(f"no batch with id {', '.join(map(str, unknown))}")
        processes = opts["processes"] or settings.VERIFY_PROCESSES
        if processes < 1:
            raise CommandError("--processes must be at least 1")
        run = daily_states_verify(batch_ids=batch_ids, repair=opts["repair"], trigger="command", processes=processes)
        for diff in run.details["differences"]:
            self.stdout.write(
                f"batch {diff['batch_id']} assignment {diff['assignment_id']}: {diff['rows']} rows differ from "
                f"{diff['first_day']} ({', '.join(diff['fields'])})"
            )
        for reason, ids in run.details["skipped"].items():
            self.stdout.write(f"skipped {len(ids)} batches ({reason}): {', '.join(map(str, ids[:20]))}")
        verb = "repaired" if run.repair else "found"
        self.stdout.write(
            f"verified {run.batches_checked} batches, {run.rows_checked} rows: {run.rows_differing} rows differing "
            f"in {run.batches_differing} batches ({verb}), {run.batches_skipped} skipped in {run.duration_ms / 1000:.1f} s"
        )
        if run.rows_differing and not run.repair:
            raise SystemExit(1)
