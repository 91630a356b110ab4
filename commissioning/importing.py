"""What every register import shares: reading a CSV or XLSX safely, checking its
headings against a template, reading cells (text, money, dates, financial years,
yes/no), the row-by-row report of problems, and the template and report downloads.

An app's importer declares its ``ImportColumn`` list, checks its rows, and creates
its records through its own services in one transaction; one problem anywhere and
``ImportFailed`` carries the report.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models.functions import Lower, Upper
from django.template.defaultfilters import filesizeformat

from commissioning.exports import Column, export_response
from commissioning.models import EDITOR_ROLES, FundingStream, Organisation, User
from commissioning.templatetags.portal import money
from commissioning.uploads import EXCEL, validate_upload

#: A register bigger than this is split into several files (the import runs in the
#: request, so it is kept to a size that finishes quickly).
MAX_ROWS = 5000
PENNY = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000000")  # the models' 14 digits, 2 after the point
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class ImportColumn:
    key: str
    heading: str
    #: Whether the column must be in the file (a required column's cells may still be
    #: blank where the row allows it, e.g. a name when the identifier is given).
    required: bool = True


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the headings are row 1
    column: str  # the column's heading, or "" for the row as a whole
    value: str
    message: str


class ImportFailed(Exception):
    """Nothing was imported; ``errors`` lists every problem found, row by row."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problems")
        self.errors = errors


@dataclass
class Table:
    """A file's rows under the template's column keys (cells as read: text, numbers or
    dates), each with its row number."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


# --- Reading the file -------------------------------------------------------------------


def _heading_key(text: Any) -> str:
    words = " ".join(str(text or "").replace("_", " ").split()).lower()
    return re.sub(r"\s*\(optional\)$", "", words)


def _read_csv(upload) -> Iterable[list[Any]]:
    upload.seek(0)
    content = upload.read()
    if b"\x00" in content:
        raise ValidationError(
            "The selected file is not a real CSV: its content does not match its name",
            code="content",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")  # Excel's "CSV (comma delimited)" on Windows
        except UnicodeDecodeError as error:
            raise ValidationError(
                "The selected file could not be read: save it as “CSV UTF-8” and try again",
                code="encoding",
            ) from error
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ValidationError(
            "The selected file could not be read as a CSV: %(problem)s",
            code="csv",
            params={"problem": str(error)},
        ) from error


def _read_xlsx(upload) -> Iterable[list[Any]]:
    from openpyxl import load_workbook

    validate_upload(upload, kinds=(EXCEL,), max_bytes=settings.EVIDENCE_MAX_BYTES)
    upload.seek(0)
    workbook = None
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
        rows, filled = [], 0
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append(list(values))
            filled += any(present(value) for value in values)
            if filled > MAX_ROWS + 1:  # the headings, the most allowed, and one more
                break
        return rows
    except Exception as error:  # noqa: BLE001 - openpyxl fails in many ways on a damaged file
        raise ValidationError(
            "The selected file is not a real Excel spreadsheet: it could not be opened",
            code="content",
        ) from error
    finally:
        if workbook is not None:
            workbook.close()


def present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def read_table(upload, columns: list[ImportColumn], *, singular: str, plural: str) -> Table:
    """The file's rows under ``columns``' keys, or a ValidationError saying why the file
    can't be imported (``singular``/``plural`` name what each row is, e.g. grant/grants)."""
    headings = {column.key: column.heading for column in columns}
    keys_by_heading = {_heading_key(column.heading): column.key for column in columns}
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in (".csv", ".xlsx"):
        raise ValidationError(
            "The selected file must be a CSV or an Excel spreadsheet (.xlsx)", code="type"
        )
    if upload.size == 0:
        raise ValidationError("The selected file is empty", code="empty")
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            "The selected file must be smaller than %(limit)s",
            code="too_big",
            params={"limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)},
        )
    lines = iter(_read_csv(upload) if extension == ".csv" else _read_xlsx(upload))
    header = next(lines, None)
    if header is None or not any(present(cell) for cell in header):
        raise ValidationError(
            "The selected file has no headings in its first row: download the template to see them",
            code="no_header",
        )
    keys: list[str | None] = []
    unknown, repeated = [], []
    for cell in header:
        if not present(cell):
            keys.append(None)  # a blank heading: the column is ignored
            continue
        key = keys_by_heading.get(_heading_key(cell))
        if key is None:
            unknown.append(str(cell).strip())
        elif key in keys:
            repeated.append(headings[key])
        keys.append(key)
    missing = [c.heading for c in columns if c.required and c.key not in keys]
    problems = []
    if missing:
        problems.append(
            "The file is missing these columns: "
            + ", ".join(missing)
            + ". Use the headings in the template"
        )
    if unknown:
        problems.append(
            "The file has columns the template does not: "
            + ", ".join(unknown)
            + ". Remove them or use the headings in the template"
        )
    if repeated:
        problems.append("These columns appear more than once: " + ", ".join(repeated))
    if problems:
        raise ValidationError(problems, code="columns")
    table = Table()
    for number, cells in enumerate(lines, start=2):
        if not any(present(cell) for cell in cells):
            continue
        if len(table.rows) == MAX_ROWS:
            raise ValidationError(
                "The file has more than %(limit)s " + plural + ": split it into smaller files",
                code="too_many",
                params={"limit": f"{MAX_ROWS:,}"},
            )
        row = dict.fromkeys(headings)
        for key, cell in zip(keys, cells, strict=False):
            if key is not None:
                row[key] = cell
        table.rows.append((number, row))
    if not table.rows:
        raise ValidationError(
            f"The file has no {plural} in it: add a row for each {singular} under the headings",
            code="no_rows",
        )
    return table


# --- Reading cells ----------------------------------------------------------------------


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a spreadsheet, e.g. a charity number
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


def parse_amount(value: Any) -> Decimal:
    """Pounds as ``12500``, ``12,500.50`` or ``£12,500.50``, to the penny."""
    if isinstance(value, bool):
        raise ValueError("Enter the amount in pounds, like 12500 or 12500.50")
    if isinstance(value, float):
        value = repr(value)
    cleaned = re.sub(r"[£,\s]", "", str(value))
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError("Enter the amount in pounds, like 12500 or 12500.50") from error
    if not amount.is_finite():
        raise ValueError("Enter the amount in pounds, like 12500 or 12500.50")
    if amount <= 0:
        raise ValueError("Enter an amount greater than £0")
    if amount != amount.quantize(PENNY):
        raise ValueError("Enter the amount to the nearest penny (2 decimal places at most)")
    if amount >= MAX_AMOUNT:
        raise ValueError("Enter an amount of less than £1,000,000,000,000")
    return amount.quantize(PENNY)


def parse_date(value: Any, what: str) -> datetime.date:
    """A date as dd/mm/yyyy or yyyy-mm-dd (or a spreadsheet's own date)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    cleaned = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(cleaned, fmt).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    raise ValueError(f"Enter {what} as a real date, like 01/04/2025 or 2025-04-01")


def parse_financial_year(value: Any) -> int:
    """The year a financial year starts: ``2025/26``, ``2025-26``, ``2025/2026`` or
    ``2025`` are all 2025."""
    problem = "Enter the financial year like 2025/26"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    match = re.fullmatch(r"(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?", str(value).strip())
    if not match:
        raise ValueError(problem)
    start = int(match.group(1))
    if match.group(2):
        end = int(match.group(2))
        if end != (start + 1) % (100 if len(match.group(2)) == 2 else 10000):
            raise ValueError(f"{problem}: the second year follows the first")
    if not 2000 <= start <= 2100:
        raise ValueError(problem)
    return start


def parse_yes_no(value: Any, what: str) -> bool:
    """``yes``/``no`` (or y/n, true/false, 1/0); blank is no."""
    if isinstance(value, bool):
        return value
    cleaned = text(value).lower()
    if cleaned in YES:
        return True
    if cleaned in NO:
        return False
    raise ValueError(f"Enter {what} as yes or no")


# --- Looking up what rows refer to ------------------------------------------------------


def officers_by_email(emails: set[str]) -> dict[str, User]:
    """Accounts by lower-cased email address."""
    return {
        user.email_lower: user
        for user in User.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in={email.lower() for email in emails}
        )
    }


def check_officer(email: str, officers: dict[str, User]) -> tuple[User | None, str]:
    """The responsible officer for ``email``, or the problem with it."""
    officer = officers.get(email.lower())
    if not email:
        return None, "Enter the responsible officer's email address"
    if officer is None:
        return None, f"No one with the email address {email} has an account"
    if officer.role not in EDITOR_ROLES:
        return None, (
            f"{email} is a {officer.get_role_display().lower()}'s account: the responsible "
            "officer must be an officer or manager"
        )
    return officer, ""


class Organisations:
    """Organisations a file names, loaded once: by org-id identifier (any case) or by
    exact name."""

    def __init__(self, identifiers: set[str], names: set[str]):
        self.by_identifier = {
            org.identifier_upper: org
            for org in Organisation.objects.annotate(identifier_upper=Upper("identifier")).filter(
                identifier_upper__in={value.upper() for value in identifiers}
            )
        }
        self.by_name: dict[str, list[Organisation]] = defaultdict(list)
        for org in Organisation.objects.filter(name__in=names):
            self.by_name[org.name].append(org)

    def find(self, identifier: str, name: str, what: str) -> tuple[Organisation | None, str, str]:
        """The organisation, or ``(None, "identifier"|"name", problem)``; ``what`` is the
        part it plays, e.g. recipient."""
        if identifier:
            org = self.by_identifier.get(identifier.upper())
            if org is None:
                return (
                    None,
                    "identifier",
                    (
                        f"No organisation has the identifier {identifier}: add the organisation "
                        "first, or correct the identifier"
                    ),
                )
            return org, "", ""
        if name:
            matches = self.by_name.get(name, [])
            if not matches:
                return (
                    None,
                    "name",
                    (
                        f"No organisation is called “{name}” (the name must match exactly): add "
                        "the organisation first, or give its identifier"
                    ),
                )
            if len(matches) > 1:
                return (
                    None,
                    "name",
                    (
                        f"More than one organisation is called “{name}”: give the {what}'s "
                        "identifier instead"
                    ),
                )
            return matches[0], "", ""
        return None, "identifier", f"Enter the {what}'s identifier or its name"


@dataclass(frozen=True)
class Charge:
    """One row's charge to a funding stream, for the headroom check."""

    row: int
    stream: FundingStream
    amount: Decimal
    raw_value: str
    noun: str  # what the row is, e.g. "active grant"


def check_headroom(charges: list[Charge], *, column: str) -> list[RowError]:
    """The file may not commit more than a stream has left: each charge that takes its
    stream over, with those above it in the file, is a problem at ``column``."""
    if not charges:
        return []
    headroom = dict(
        FundingStream.objects.with_money()
        .filter(pk__in={charge.stream.pk for charge in charges})
        .values_list("pk", "headroom_total")
    )
    errors = []
    running: dict[int, Decimal] = defaultdict(Decimal)
    for charge in charges:
        running[charge.stream.pk] += charge.amount
        if running[charge.stream.pk] > headroom[charge.stream.pk]:
            errors.append(
                RowError(
                    charge.row,
                    column,
                    charge.raw_value,
                    f"{charge.stream} has {money(headroom[charge.stream.pk])} left, not enough "
                    f"for this {charge.noun} with those above it in the file "
                    f"({money(running[charge.stream.pk])} in all)",
                )
            )
    return errors


# --- The report -------------------------------------------------------------------------


def model_errors(
    number: int, raw: dict[str, Any], error: ValidationError, columns: dict[str, str]
) -> list[RowError]:
    """A model's ValidationError as report lines, each at the column it concerns
    (``columns`` maps a field name to its column's heading; a field not in it, or an
    error for the whole record, is reported against the whole row)."""
    found = []
    for name, messages in (
        error.message_dict.items()
        if hasattr(error, "error_dict")
        else [(NON_FIELD_ERRORS, error.messages)]
    ):
        key = columns.get(name)
        heading, value = (key[1], text(raw[key[0]])) if key else ("", "")
        found.extend(RowError(number, heading, value, message) for message in messages)
    return found


def sort_errors(errors: list[RowError], columns: list[ImportColumn]) -> list[RowError]:
    """Row by row, and within a row in the file's column order."""
    order = {column.heading: index for index, column in enumerate(columns)}
    return sorted(errors, key=lambda error: (error.row, order.get(error.column, len(columns))))


def errors_as_dicts(errors: list[RowError]) -> list[dict[str, Any]]:
    return [asdict(error) for error in errors]


def failure_message(errors: list[RowError]) -> str:
    """The message at the file field when an import fails."""
    rows = len({error.row for error in errors})
    return (
        f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in "
        f"{rows} row{'s' if rows != 1 else ''} of the file, listed below: nothing "
        "has been imported. Correct them and upload the file again"
    )


def template_response(fmt: str | None, stem: str, columns: list[ImportColumn]):
    """The headings to fill in, as ``xlsx`` or (the default) ``csv``."""
    return export_response(
        "xlsx" if fmt == "xlsx" else "csv",
        stem,
        [Column(column.heading, lambda row: "") for column in columns],
        [],
    )


def errors_response(stem: str, errors: list[dict[str, Any]]):
    """A failed import's problems as a CSV (through the shared exporter, so a cell that
    looks like a formula is never run)."""
    columns = [
        Column("Row", lambda error: error["row"]),
        Column("Column", lambda error: error["column"] or "Whole row"),
        Column("Value", lambda error: error["value"]),
        Column("Problem", lambda error: error["message"]),
    ]
    return export_response("csv", stem, columns, errors)
