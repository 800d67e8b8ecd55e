"""The shared CSV/Excel writer: formulas neutralised, values kept, streaming in chunks."""

import csv
import datetime as dt
import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from aquamind.tabular import FORMULA_STARTS, cell_safe, csv_stream, xlsx_write


@given(st.text())
def test_cell_safe_never_leaves_a_formula_start_and_keeps_the_text(text):
    safe = cell_safe(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert safe in (text, "'" + text)


def test_csv_round_trips_values_and_neutralises_formulas():
    rows = [
        ["=cmd|' /C calc'!A0", Decimal("-12.50"), dt.date(2026, 3, 1), None, "Viðvík"],
        ["plain", Decimal("3"), dt.date(2026, 3, 2), True, "@SUM(A1)"],
    ]
    chunks = list(csv_stream(["name", "value", "date", "flag", "site"], rows, chunk_rows=1))
    assert len(chunks) == 3  # header, then one chunk per row
    text = "".join(chunks)
    assert text.startswith("\ufeff")
    read = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert read[0] == ["name", "value", "date", "flag", "site"]
    assert read[1] == ["'=cmd|' /C calc'!A0", "-12.50", "2026-03-01", "", "Viðvík"]
    assert read[2] == ["plain", "3", "2026-03-02", "true", "'@SUM(A1)"]


def test_xlsx_keeps_numbers_numeric_and_text_inert(tmp_path):
    path = tmp_path / "out.xlsx"
    xlsx_write(path, [("states", ["text", "number"], iter([["+1+1", Decimal("-2.5")], ["ok", 7]]))])
    sheet = load_workbook(path, read_only=True)["states"]
    values = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    assert values == [("text", "number"), ("'+1+1", -2.5), ("ok", 7)]
