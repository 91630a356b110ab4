"""The shared CSV/XLSX exporter: a spreadsheet must never run what a user typed."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from commissioning.exports import Column, csv_response, neutralise, xlsx_response

COLUMNS = [Column("Name", lambda row: row[0]), Column("Amount", lambda row: row[1])]


@pytest.mark.parametrize("typed", ["=SUM(A1:A2)", "+44 117", "-2+3", "@cmd", "\tx", "\rx", "\0x"])
def test_text_a_spreadsheet_would_run_is_neutralised(typed):
    assert neutralise(typed) == "'" + typed


@pytest.mark.parametrize(
    "value", [Decimal("-1250.50"), -3, 2.5, datetime.date(2025, 4, 1), "Plain text"]
)
def test_numbers_dates_and_plain_text_are_kept_as_they_are(value):
    assert neutralise(value) == value


def test_booleans_and_blanks_read_as_a_person_would():
    assert (neutralise(True), neutralise(False), neutralise(None)) == ("Yes", "No", "")


def test_csv_has_a_header_money_to_the_penny_and_neutralised_text():
    rows = [('=HYPERLINK("http://x")', Decimal("1234.5")), ("Safe Haven", Decimal("-10"))]

    response = csv_response("grants", COLUMNS, rows)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(body)))

    assert response["Content-Disposition"].startswith('attachment; filename="grants-')
    assert parsed == [
        ["Name", "Amount"],
        ['\'=HYPERLINK("http://x")', "1234.50"],
        ["Safe Haven", "-10.00"],
    ]


def test_xlsx_cells_are_values_never_formulas():
    rows = [("=1+1", Decimal("99.99")), ("-5", 7)]

    response = xlsx_response("grants", COLUMNS, rows)
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    types = [[cell.data_type for cell in row] for row in sheet.iter_rows()]

    assert values == [["Name", "Amount"], ["'=1+1", 99.99], ["'-5", 7]]
    assert "f" not in {t for row in types for t in row}
    assert types[1][1] == "n"
