"""Read a farm's history files (CSV or .xlsx) into rows of text cells, refusing what is unsafe before parsing it.

Every cell comes out as text (an .xlsx number or date turned into the text a CSV would carry), so one parser
checks both formats. What is refused, each as a ``Problem`` naming the file, row and column:

- a file above ``IMPORT_MAX_BYTES``;
- an .xlsx whose zip directory declares more than ``IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES`` uncompressed, or a
  member compressed more than ``IMPORT_XLSX_MAX_RATIO`` times (a zip bomb), checked before openpyxl opens it;
- a CSV that is not UTF-8, or whose quoting is broken (a half-written last line);
- a row with more or fewer cells than the header (a half-written line);
- a formula: an .xlsx formula cell or a CSV cell starting with ``=`` is never evaluated, it is refused. A cell
  that our own exports neutralised (``'=…``, see ``aquamind.tabular.cell_safe``) is read back as the text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from aquamind.tabular import FORMULA_STARTS

FORMULA_REFUSED = "a formula is never evaluated: type the value itself (or start the text with an apostrophe)"


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be imported: where (file, row as a spreadsheet numbers it, column) and why."""

    file: str
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


class FileRefused(Exception):
    """The whole file cannot be read (too large, a zip bomb, not UTF-8, broken quoting)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.reason)
        self.problem = problem


@dataclass
class Table:
    """One kind's rows from one file or sheet: ``rows`` yields (row number, cells) lazily."""

    kind: str
    source: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]


def size_check(source: str, size: int) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise FileRefused(
            Problem(source, 0, "", f"{size:,} bytes", f"the file is larger than the limit of {limit:,} bytes")
        )


def _cell_text(source: str, row: int, column: str, text: str) -> str:
    """The text of a CSV cell, a formula refused and our own neutralisation undone."""
    if text.startswith("="):
        raise FileRefused(Problem(source, row, column, text[:100], FORMULA_REFUSED))
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_tables(kind: str, source: str, data: bytes) -> Table:
    """The rows of a CSV file (UTF-8, a byte-order mark allowed)."""
    size_check(source, len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(Problem(source, 0, "", "", f"the file is not UTF-8 text (byte {exc.start})")) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise FileRefused(Problem(source, 1, "", "", f"the header cannot be read: {exc}")) from None
    return Table(kind=kind, source=source, header=header, rows=_csv_rows(source, reader, header))


def _csv_rows(source: str, reader, header: list[str]) -> Iterator[tuple[int, list[str]]]:
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileRefused(
                Problem(source, number + 1, "", "", f"the line cannot be read ({exc}): a half-written line?")
            ) from None
        number += 1
        if not cells or cells == [""]:
            continue
        yield number, [_cell_text(source, number, _name(header, i), c) for i, c in enumerate(cells)]


def _name(header: list[str], index: int) -> str:
    return header[index] if index < len(header) else f"column {index + 1}"


def zip_bomb_check(source: str, data: bytes) -> None:
    """Refuse an .xlsx whose members would inflate past the limits, from the zip directory alone."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRefused(Problem(source, 0, "", "", "the file is not an .xlsx workbook (not a zip archive)")) from None
    total = 0
    with archive:
        for member in archive.infolist():
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > settings.IMPORT_XLSX_MAX_RATIO and member.file_size > 1_000_000:
                raise FileRefused(
                    Problem(
                        source,
                        0,
                        "",
                        member.filename[:100],
                        f"a member inflates {ratio:,.0f} times (limit {settings.IMPORT_XLSX_MAX_RATIO}): a zip bomb?",
                    )
                )
    limit = settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES
    if total > limit:
        raise FileRefused(
            Problem(
                source, 0, "", f"{total:,} bytes", f"the workbook unpacks to more than the limit of {limit:,} bytes"
            )
        )


def xlsx_tables(source: str, data: bytes, *, kinds: set[str], kind: str | None = None) -> list[Table]:
    """One table per sheet named after a kind (or the first sheet as ``kind`` when given: a one-kind file)."""
    size_check(source, len(data))
    zip_bomb_check(source, data)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook  # noqa: BLE001
        raise FileRefused(Problem(source, 0, "", "", f"the workbook cannot be read: {type(exc).__name__}")) from None
    tables = []
    for index, sheet in enumerate(book.worksheets):
        name = sheet.title.strip()
        if name in kinds:
            sheet_kind = name
        elif kind is not None and index == 0:
            sheet_kind = kind
        else:
            continue
        rows = sheet.iter_rows()
        first = next(rows, None)
        header = [_xlsx_text(source, 1, "", c).strip() for c in first or []]
        while header and header[-1] == "":
            header.pop()
        tables.append(
            Table(
                kind=sheet_kind,
                source=f"{source}:{name}",
                header=header,
                rows=_xlsx_rows(f"{source}:{name}", rows, header),
            )
        )
    return tables


def _xlsx_rows(source: str, rows, header: list[str]) -> Iterator[tuple[int, list[str]]]:
    for number, cells in enumerate(rows, start=2):
        texts = [_xlsx_text(source, number, _name(header, i), c) for i, c in enumerate(cells)]
        while len(texts) > len(header) and texts[-1] == "":
            texts.pop()
        if any(texts):
            yield number, texts


def _xlsx_text(source: str, row: int, column: str, cell) -> str:
    """The text a CSV would carry for this cell; a formula cell is refused, never evaluated."""
    value = cell.value
    if value is None:
        return ""
    if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
        raise FileRefused(Problem(source, row, column, str(value)[:100], FORMULA_REFUSED))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f") if value == value else ""
    if isinstance(value, str):
        return _cell_text(source, row, column, value)
    return str(value)


def path_tables(path: Path, kinds: set[str]) -> list[Table]:
    """The tables of a file (``<kind>.csv``, ``<kind>.xlsx`` or a workbook of sheets named by kind) or of every
    such file in a folder."""
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx")) if path.is_dir() else [path]
    tables = []
    for file in files:
        tables += named_tables(file.name, file.read_bytes(), kinds)
    return tables


def named_tables(name: str, data: bytes, kinds: set[str]) -> list[Table]:
    """The tables of one uploaded or stored file, its kind read from its name (or, for a workbook, its sheets)."""
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    if suffix == ".csv":
        if stem not in kinds:
            raise FileRefused(
                Problem(name, 0, "", stem, f"unknown kind of file; the kinds are {', '.join(sorted(kinds))}")
            )
        return [csv_tables(stem, name, data)]
    if suffix == ".xlsx":
        return xlsx_tables(name, data, kinds=kinds, kind=stem if stem in kinds else None)
    raise FileRefused(Problem(name, 0, "", suffix, "only .csv and .xlsx files are read"))
