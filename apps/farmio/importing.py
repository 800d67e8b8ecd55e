"""Import a farm's history: read the files, run the dry run, and (when it is clean and not only a dry run) write
everything in one transaction, then drain the recompute of the batches it reached (docs/import-export.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from apps.farmio import kinds as K
from apps.farmio.checking import Check
from apps.farmio.reading import FileRefused, Problem, Table, named_tables, path_tables
from apps.farmio.writing import drain_marked, write

Progress = Callable[[str, int, int | None], None]  # (phase, done now, total or None)


@dataclass
class ImportResult:
    """What the command, the page and the API report."""

    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rows: int = 0
    counts: dict = field(default_factory=dict)
    assignments_marked: int = 0
    batches_recomputed: int = 0
    state_rows: int = 0
    recompute_errors: int = 0
    seconds: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": self.rows,
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in self.problems],
            "counts": self.counts,
            "assignments_marked": self.assignments_marked,
            "batches_recomputed": self.batches_recomputed,
            "state_rows": self.state_rows,
            "recompute_errors": self.recompute_errors,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


def _no_progress(phase: str, done: int, total: int | None = None) -> None:
    return None


def tables_import(
    read: Callable[[], list[Table]],
    *,
    dry_run: bool,
    total_rows: int | None = None,
    progress: Progress = _no_progress,
    history_bulk: bool = True,
) -> ImportResult:
    """Read the tables, check them, and unless ``dry_run`` or a problem was found write and recompute.
    ``history_bulk=False``: new rows' history written by their triggers (``writing.write``)."""
    result = ImportResult(dry_run=dry_run)
    started = time.perf_counter()
    try:
        tables = read()
    except FileRefused as exc:
        result.problems, result.problem_count = [exc.problem], 1
        return result
    check = Check(tables, progress=lambda n: progress("check", n, total_rows))
    try:
        check.run()
    except FileRefused as exc:  # a file refused while its rows were read (a formula, broken quoting)
        check.problems.append(exc.problem)
        check.problem_count += 1
    result.rows = check.rows_read
    result.problems, result.problem_count = check.problems, check.problem_count
    result.counts = {
        name: {
            "created": sum(r.status == "create" for r in refs),
            "updated": sum(r.status == "update" for r in refs),
            "unchanged": sum(r.status == "unchanged" for r in refs),
        }
        for name, refs in sorted(check.touched.items(), key=lambda item: K.ORDER[item[0]])
    }
    result.seconds["check"] = time.perf_counter() - started
    if not result.ok or dry_run:
        return result
    started = time.perf_counter()
    written = write(check, progress=lambda n: progress("write", n, check.rows_read), history_bulk=history_bulk)
    result.counts = written["counts"]
    result.assignments_marked = written["assignments_marked"]
    result.seconds["write"] = time.perf_counter() - started
    started = time.perf_counter()
    drained = drain_marked(written["batches"], progress=lambda n: progress("recompute", n, len(written["batches"])))
    result.batches_recomputed = len(written["batches"])
    result.state_rows, result.recompute_errors = drained["rows"], drained["errors"]
    result.seconds["recompute"] = time.perf_counter() - started
    return result


def path_import(
    path: Path, *, dry_run: bool, progress: Progress = _no_progress, history_bulk: bool = True
) -> ImportResult:
    """``manage.py import_farm PATH``: a file or a folder of files."""
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx")) if path.is_dir() else [path]
    total = sum(_lines(p.read_bytes()) for p in files if p.suffix.lower() == ".csv") or None
    return tables_import(
        lambda: path_tables(path, K.FILE_NAMES),
        dry_run=dry_run,
        total_rows=total,
        progress=progress,
        history_bulk=history_bulk,
    )


def files_import(
    files: list[tuple[str, bytes]], *, dry_run: bool, progress: Progress = _no_progress, history_bulk: bool = True
) -> ImportResult:
    """The page and the API: uploaded files, each named ``<kind>.csv``, ``<kind>.xlsx`` or a workbook of kinds."""

    def read() -> list[Table]:
        tables = []
        for name, data in files:
            tables += named_tables(name, data, K.FILE_NAMES)
        return tables

    total = sum(_lines(data) for name, data in files if name.lower().endswith(".csv")) or None
    return tables_import(read, dry_run=dry_run, total_rows=total, progress=progress, history_bulk=history_bulk)


def _lines(data: bytes) -> int:
    return max(data.count(b"\n") - 1, 0)
