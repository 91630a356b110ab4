"""Issue 10 point 9: every CSV and XLSX export goes through commissioning/exports.py,
which neutralises text a spreadsheet would run as a formula, keeps numbers as numbers,
and writes XLSX text cells as strings, never formulas."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from commissioning.exports import Column, csv_response, neutralise, xlsx_response
from tests.factories import OrganisationFactory

DANGEROUS = [
    '=HYPERLINK("http://evil.example","Click")',
    "+44 117 000 0000",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\0=1+1",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_a_spreadsheet_would_run_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [12, -12, Decimal("-1500.50"), 0.5, datetime.date(2025, 4, 1)])
def test_numbers_and_dates_stay_values(value):
    assert neutralise(value) == value


def test_ordinary_text_none_and_yes_no():
    assert neutralise("Safe Haven Trust") == "Safe Haven Trust"
    assert neutralise("a=b") == "a=b"
    assert neutralise(None) == ""
    assert (neutralise(True), neutralise(False)) == ("Yes", "No")


def test_an_aware_time_is_written_as_uk_local_time():
    moment = datetime.datetime(2025, 7, 1, 9, 30, tzinfo=datetime.UTC)
    assert neutralise(moment).isoformat() == "2025-07-01T10:30:00"  # BST, no zone


COLUMNS = [Column("Text", lambda row: row[0]), Column("Amount", lambda row: row[1])]
ROWS = [(text, Decimal("-10.50")) for text in DANGEROUS] + [("Plain", 7)]


def _csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content, newline="")))


def test_csv_cells_are_neutralised_and_numbers_kept():
    rows = _csv_rows(csv_response("test", COLUMNS, ROWS))
    assert rows[0] == ["Text", "Amount"]
    for (text, _amount), row in zip(ROWS, rows[1:], strict=False):
        if text in DANGEROUS:
            assert row == ["'" + text, "-10.50"]
    assert rows[-1] == ["Plain", "7"]


def test_xlsx_cells_are_strings_never_formulas():
    from openpyxl import load_workbook

    content = xlsx_response("test", COLUMNS, ROWS).content
    sheet = load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(min_row=2))
    for cells, (text, _amount) in zip(values, ROWS, strict=True):
        if text in DANGEROUS:
            assert cells[0].data_type == "s"
            # XML keeps no NUL and reads a carriage return back as a line feed.
            assert cells[0].value == "'" + text.replace("\0", "").replace("\r", "\n")
            assert cells[1].data_type == "n"
            assert cells[1].value == -10.5
    # No formula anywhere in the file.
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_list_export_neutralises_what_a_user_typed(officer_client, fmt):
    OrganisationFactory(name='=HYPERLINK("http://evil.example","Help")')
    response = officer_client.get(reverse("organisation-export") + f"?format={fmt}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    if fmt == "csv":
        names = [row[0] for row in _csv_rows(response)]
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content)).active
        names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert '\'=HYPERLINK("http://evil.example","Help")' in names
    assert '=HYPERLINK("http://evil.example","Help")' not in names


WRITERS = re.compile(r"csv\.writer|csv\.DictWriter|Workbook\(|\.to_csv\(|xlsxwriter")
APPS = ["commissioning", "workstreams", "decisions", "grants", "contracts", "monitoring", "reports"]


def test_every_csv_or_xlsx_writer_uses_the_shared_neutraliser():
    base = Path(settings.BASE_DIR)
    writers = []
    for app in APPS:
        for path in sorted((base / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            if WRITERS.search(source):
                writers.append(path.relative_to(base).as_posix())
                assert (
                    path.name == "exports.py"
                    or "import Column, neutralise" in source
                    or ("neutralise" in source and "from commissioning.exports import" in source)
                ), path
    assert "commissioning/exports.py" in writers
