"""Import a farm's history from files (docs/import-export.md): a dry run first, then one transaction, then the
recompute of what it reached, with a progress bar on a terminal."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.farmio.importing import path_import


class Command(BaseCommand):
    help = "Import a farm's history from a file or a folder of files (<kind>.csv or .xlsx); --dry-run checks only."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A file, or a folder of files named by kind.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row and report; write nothing.")

    def handle(self, *args, **opts):
        path: Path = opts["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        bars: dict[str, tqdm] = {}

        def progress(phase: str, done: int, total: int | None = None) -> None:
            bar = bars.get(phase)
            if bar is None:
                unit = "batch" if phase == "recompute" else "row"
                bar = bars[phase] = tqdm(
                    total=total, desc=phase, unit=unit, disable=not sys.stderr.isatty(), file=sys.stderr, leave=False
                )
            bar.update(done)

        result = path_import(path, dry_run=opts["dry_run"], progress=progress)
        for bar in bars.values():
            bar.close()
        for problem in result.problems:
            where = f"{problem.file} row {problem.row}" + (f", column {problem.column}" if problem.column else "")
            value = f" (value “{problem.value}”)" if problem.value else ""
            self.stderr.write(f"{where}{value}: {problem.reason}")
        if not result.ok:
            more = result.problem_count - len(result.problems)
            extra = f" ({more} more not shown)" if more > 0 else ""
            raise CommandError(f"{result.problem_count} problems in {result.rows} rows{extra}; nothing was written.")
        for kind, count in result.counts.items():
            self.stdout.write(
                f"  {kind:<26} {count['created']:>8} new {count['updated']:>8} changed {count['unchanged']:>8} unchanged"
            )
        seconds = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        if result.dry_run:
            self.stdout.write(
                self.style.SUCCESS(f"Dry run: {result.rows} rows, no problems; nothing written ({seconds}).")
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows} rows: {result.assignments_marked} assignments marked, "
                f"{result.batches_recomputed} batches recomputed ({result.state_rows} daily states, "
                f"{result.recompute_errors} errors) ({seconds})."
            )
        )
