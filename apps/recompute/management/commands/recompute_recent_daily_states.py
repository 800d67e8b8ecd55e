"""Nightly catch-up and backfill of actual daily states (docs/architecture.md)."""

from __future__ import annotations

import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from apps.batch.models import Batch
from apps.recompute.catch_up import catch_up_plan
from apps.recompute.markers import batch_mark, recompute_mark_many
from apps.recompute.parallel import farm_backfill
from apps.recompute.run import batch_recompute


class Command(BaseCommand):
    help = "Recompute the actual daily states of recent days of active batches, or (--all) every batch's whole history."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14, help="Days back from today to recompute (default 14).")
        parser.add_argument("--all", action="store_true", help="Recompute each batch's whole history (backfill).")
        parser.add_argument("--batch-id", type=int, help="Only this batch (any status).")
        parser.add_argument(
            "--status",
            nargs="+",
            choices=Batch.Status.values,
            help="Batch statuses (several allowed). Default: ACTIVE, or every status with --all.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print what would be done; write nothing.")
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="With --all --sync: recompute the batches in this many processes (2 uses both cores).",
        )
        parser.add_argument(
            "--sync",
            action="store_true",
            help="Compute in this process instead of enqueuing for the workers (always so without a broker).",
        )

    def handle(self, *args, **opts):
        if opts["days"] < 1:
            raise CommandError("--days must be at least 1")
        if opts["processes"] < 1:
            raise CommandError("--processes must be at least 1")
        if opts["batch_id"] is not None and not Batch.objects.filter(pk=opts["batch_id"]).exists():
            raise CommandError(f"no batch with id {opts['batch_id']}")
        started = time.perf_counter()
        statuses = opts["status"] or (None if opts["all"] else [Batch.Status.ACTIVE])
        plan = catch_up_plan(
            today=timezone.localdate(),
            days=None if opts["all"] else opts["days"],
            statuses=statuses,
            batch_id=opts["batch_id"],
        )
        for batch, reason in plan.skipped:
            self.stdout.write(f"skipped {batch.batch_number}: {reason}")
        if opts["dry_run"]:
            return self._dry_run(plan, started)
        if opts["sync"] or settings.AQUAMIND_EMBEDDED:
            if opts["processes"] > 1 and all(from_dates is None for _, from_dates in plan.work):
                return self._run_in_processes(plan, started, opts["processes"])
            return self._run_sync(plan, started)
        self._enqueue(plan, started)

    def _dry_run(self, plan, started) -> None:
        for batch, from_dates in plan.work:
            window = "all days" if from_dates is None else f"from {min(from_dates.values())}"
            count = batch.assignments.count() if from_dates is None else len(from_dates)
            self.stdout.write(f"would recompute {batch.batch_number}: {count} assignments, {window}")
        self.stdout.write(
            f"dry run: {len(plan.work)} batches, {len(plan.skipped)} skipped, nothing written "
            f"in {time.perf_counter() - started:.1f} s"
        )

    def _run_sync(self, plan, started) -> None:
        assignments = rows = errors = 0
        progress = tqdm(plan.work, unit="batch", disable=not sys.stderr.isatty(), file=sys.stderr)
        for batch, from_dates in progress:
            progress.set_postfix_str(batch.batch_number)
            try:
                summary = batch_recompute(batch_id=batch.pk, from_dates=from_dates, trigger="catch_up")
            except Exception as exc:  # one broken batch must not stop the others
                errors += 1
                self.stderr.write(f"error in {batch.batch_number}: {exc}")
                continue
            assignments += summary.assignments
            rows += summary.rows
            if not summary.ok:
                errors += 1
                self.stderr.write(f"error in {batch.batch_number}: {summary.error} ({summary.error_code})")
        self.stdout.write(
            f"recomputed {len(plan.work)} batches, {assignments} assignments, {rows} rows, {errors} errors, "
            f"{len(plan.skipped)} skipped in {time.perf_counter() - started:.1f} s"
        )

    def _run_in_processes(self, plan, started, processes: int) -> None:
        """A whole-history backfill spread over ``processes`` (apps.recompute.parallel): the same rows as one
        process, in about half the time on two cores (docs/benchmarks.md "National scale")."""
        numbers = {batch.pk: batch.batch_number for batch, _ in plan.work}
        summaries = farm_backfill(batch_ids=list(numbers), workers=processes, trigger="catch_up")
        failed = [s for s in summaries.values() if not s.ok]
        for s in failed:
            self.stderr.write(f"error in {numbers[s.batch_id]}: {s.error} ({s.error_code})")
        self.stdout.write(
            f"recomputed {len(plan.work)} batches, {sum(s.assignments for s in summaries.values())} assignments, "
            f"{sum(s.rows for s in summaries.values())} rows, {len(failed)} errors, {len(plan.skipped)} skipped "
            f"in {time.perf_counter() - started:.1f} s ({processes} processes)"
        )

    def _enqueue(self, plan, started) -> None:
        """Mark each batch's work; its tasks are published when the marks commit, and workers compute them."""
        assignments = errors = 0
        for batch, from_dates in plan.work:
            try:
                if from_dates is None:  # the whole history: every assignment from its first day
                    assignments += batch_mark(batch_id=batch.pk)
                else:
                    assignments += recompute_mark_many(marks=list(from_dates.items()))
            except Exception as exc:  # one broken batch must not stop the others
                errors += 1
                self.stderr.write(f"error in {batch.batch_number}: {exc}")
        self.stdout.write(
            f"enqueued {len(plan.work) - errors} batches, {assignments} assignments, {errors} errors, "
            f"{len(plan.skipped)} skipped in {time.perf_counter() - started:.1f} s"
        )
