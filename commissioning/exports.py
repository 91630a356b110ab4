"""The one CSV and XLSX exporter every list page uses.

Text that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, a
tab, a carriage return or NUL) is neutralised with a leading apostrophe; numbers, money
and dates stay as values. XLSX cells are written as values, never formulas.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


@dataclass(frozen=True)
class Column:
    heading: str
    value: Callable[[Any], Any]


def neutralise(value: Any) -> Any:
    """A cell value safe to open in a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        # Spreadsheets have no time zones: UK local time, as on the portal's pages.
        return timezone.make_naive(value)
    if isinstance(value, int | float | Decimal | datetime.date):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _rows(columns: list[Column], objects: Iterable) -> Iterable[list]:
    yield [column.heading for column in columns]
    for obj in objects:
        yield [neutralise(column.value(obj)) for column in columns]


class _Echo:
    def write(self, value):
        return value


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"


def csv_response(stem: str, columns: list[Column], objects: Iterable) -> StreamingHttpResponse:
    """Stream the rows as CSV (UTF-8 with a BOM, so Excel reads £ signs correctly)."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        for row in _rows(columns, objects):
            yield writer.writerow(
                [f"{cell:.2f}" if isinstance(cell, Decimal) else cell for cell in row]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "csv")}"'
    return response


def xlsx_response(stem: str, columns: list[Column], objects: Iterable) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=stem[:31])
    for row in _rows(columns, objects):
        cells = []
        for value in row:
            if isinstance(value, str):
                # XML can't hold most control characters (NUL included): drop them.
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = TYPE_STRING  # never a formula, whatever it starts with
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "xlsx")}"'
    return response


def export_response(fmt: str, stem: str, columns: list[Column], objects: Iterable):
    return (
        xlsx_response(stem, columns, objects)
        if fmt == "xlsx"
        else csv_response(stem, columns, objects)
    )
