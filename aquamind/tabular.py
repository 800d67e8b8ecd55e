"""Tables out as CSV or Excel, streamed, safe to open in a spreadsheet (docs/import-export.md).

One writer for every file the project hands out (exports, the farm's history files, the site report):

- ``csv_stream(header, rows)`` yields the CSV text chunk by chunk (UTF-8, a byte-order mark first so that Excel
  reads the accents, ``\\r\\n`` line ends as RFC 4180 says), so a national farm's daily states leave without being
  held in memory: give it a generator (``queryset.iterator()``) and a ``StreamingHttpResponse``.
- ``xlsx_write(path_or_file, sheets)`` writes an ``.xlsx`` with openpyxl's write-only mode (rows go to a
  temporary file as they come; memory stays flat), one sheet per ``(title, header, rows)``.
- ``cell_safe(value)``: a text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) gets a leading apostrophe, the neutralisation OWASP recommends against CSV
  injection. Numbers, dates and ``None`` pass unchanged, so a negative number stays a number.

Why openpyxl: it is the maintained reader and writer of the format in Python, its write-only mode streams, and
with defusedxml installed it parses a workbook's XML without entity expansion.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"


def cell_safe(value):
    """The value a file may carry: text that would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(cell_safe(value))


class _Line:
    """A file-like sink that csv.writer writes one row into; read back and emptied per row."""

    def __init__(self):
        self.buffer = io.StringIO()

    def write(self, text):
        return self.buffer.write(text)

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def csv_stream(
    header: Sequence[str], rows: Iterable[Sequence], *, bom: bool = True, chunk_rows: int = 500
) -> Iterator[str]:
    """The CSV text of ``header`` then ``rows``, in chunks of ``chunk_rows`` rows."""
    sink = _Line()
    writer = csv.writer(sink, lineterminator="\r\n")
    writer.writerow([cell_safe(name) for name in header])
    yield (BOM if bom else "") + sink.take()
    pending = 0
    for row in rows:
        writer.writerow([_text(value) for value in row])
        pending += 1
        if pending >= chunk_rows:
            yield sink.take()
            pending = 0
    rest = sink.take()
    if rest:
        yield rest


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return float(value)  # a spreadsheet's numbers are binary floats; the CSV keeps the exact decimal
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: the value as the farm's clock shows it
    return cell_safe(value)


def xlsx_write(target, sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> None:
    """Write an .xlsx to ``target`` (a path or a binary file): one sheet per (title, header, rows)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append([cell_safe(name) for name in header])
        for row in rows:
            sheet.append([_xlsx_value(value) for value in row])
    book.save(target)
