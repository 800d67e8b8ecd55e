"""Export a farm's history as the files ``import_farm`` reads (docs/import-export.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from apps.farmio.exporting import export_folder, export_workbook


class Command(BaseCommand):
    help = "Write every record kind as <kind>.csv into a folder, or as one workbook when PATH ends in .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A folder (made if missing) or a .xlsx file.")

    def handle(self, *args, **opts):
        path: Path = opts["path"]

        def progress(kind: str, rows: int) -> None:
            self.stdout.write(f"  {kind:<26} {rows:>8} rows")

        if path.suffix.lower() == ".xlsx":
            counts = export_workbook(path, progress=progress)
        else:
            counts = export_folder(path, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Exported {sum(counts.values())} rows to {path}."))
