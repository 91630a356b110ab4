"""Importing an existing grants register from a CSV file or an Excel spreadsheet.

Reading the file (``read_table``) refuses anything that is not a CSV or XLSX, or whose
headings are not the template's, with a message for the file field. Importing
(``import_grants``) checks every row against the portal's records, then creates every
grant through ``services.grant_create`` in one transaction: one problem anywhere and
nothing is saved, and ``ImportFailed`` carries the row-by-row report.
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
from django.db import transaction
from django.db.models.functions import Lower, Upper
from django.template.defaultfilters import filesizeformat

from commissioning.dates import FinancialYear
from commissioning.models import EDITOR_ROLES, FundingStream, Organisation, User
from commissioning.templatetags.portal import money
from commissioning.uploads import EXCEL, validate_upload
from workstreams.models import Workstream

from . import services
from .models import COMMITTED_STATUSES, Area, AwardRoute, Grant, GrantStatus, Programme

#: A register bigger than this is split into several files (the import runs in the
#: request, so it is kept to a size that finishes quickly).
MAX_ROWS = 5000
PENNY = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000000")  # the model's 14 digits, 2 after the point
IMPORTED_REASON = "Imported from a grants register"


@dataclass(frozen=True)
class ImportColumn:
    key: str
    heading: str
    #: Whether the column must be in the file (a required column's cells may still be
    #: blank where the row allows it, e.g. the recipient's name when its identifier is given).
    required: bool = True


COLUMNS = [
    ImportColumn("reference", "Reference", required=False),
    ImportColumn("title", "Title"),
    ImportColumn("purpose", "Purpose"),
    ImportColumn("recipient_identifier", "Recipient identifier"),
    ImportColumn("recipient_name", "Recipient name"),
    ImportColumn("programme", "Programme"),
    ImportColumn("funding_stream", "Funding stream"),
    ImportColumn("financial_year", "Financial year"),
    ImportColumn("amount", "Amount"),
    ImportColumn("start_date", "Start date"),
    ImportColumn("end_date", "End date"),
    ImportColumn("award_date", "Award date", required=False),
    ImportColumn("status", "Status"),
    ImportColumn("award_route", "Award route"),
    ImportColumn("direct_award_justification", "Direct award justification", required=False),
    ImportColumn("responsible_officer_email", "Responsible officer email"),
    ImportColumn("beneficiary_area", "Beneficiary area", required=False),
]
HEADINGS = {column.key: column.heading for column in COLUMNS}

#: The grant's fields, as a model error names them, and the column each comes from.
FIELD_COLUMNS = {
    "reference": "reference",
    "title": "title",
    "purpose": "purpose",
    "recipient": "recipient_identifier",
    "programme": "programme",
    "charges": "funding_stream",
    "amount": "amount",
    "start_date": "start_date",
    "end_date": "end_date",
    "award_date": "award_date",
    "award_route": "award_route",
    "direct_award_justification": "direct_award_justification",
    "responsible_officer": "responsible_officer_email",
    "beneficiary_area": "beneficiary_area",
}

IMPORTABLE_STATUSES = {
    GrantStatus.DRAFT: GrantStatus.DRAFT,
    GrantStatus.AWARDED: GrantStatus.AWARDED,
    GrantStatus.ACTIVE: GrantStatus.ACTIVE,
    GrantStatus.CLOSED: GrantStatus.CLOSED,
}
AWARD_ROUTES = {
    "open call": AwardRoute.OPEN_CALL,
    "open_call": AwardRoute.OPEN_CALL,
    "open call for applications": AwardRoute.OPEN_CALL,
    "direct": AwardRoute.DIRECT,
    "direct award": AwardRoute.DIRECT,
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S")


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


_KEYS_BY_HEADING = {_heading_key(column.heading): column.key for column in COLUMNS}


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
            filled += any(_present(value) for value in values)
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


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def read_table(upload) -> Table:
    """The file's rows, or a ValidationError saying why the file can't be imported."""
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
    lines = _read_csv(upload) if extension == ".csv" else _read_xlsx(upload)
    lines = iter(lines)
    header = next(lines, None)
    if header is None or not any(_present(cell) for cell in header):
        raise ValidationError(
            "The selected file has no headings in its first row: download the template to see them",
            code="no_header",
        )
    keys: list[str | None] = []
    unknown, repeated = [], []
    for cell in header:
        if not _present(cell):
            keys.append(None)  # a blank heading: the column is ignored
            continue
        key = _KEYS_BY_HEADING.get(_heading_key(cell))
        if key is None:
            unknown.append(str(cell).strip())
        elif key in keys:
            repeated.append(HEADINGS[key])
        keys.append(key)
    missing = [c.heading for c in COLUMNS if c.required and c.key not in keys]
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
        if not any(_present(cell) for cell in cells):
            continue
        if len(table.rows) == MAX_ROWS:
            raise ValidationError(
                "The file has more than %(limit)s grants: split it into smaller files",
                code="too_many",
                params={"limit": f"{MAX_ROWS:,}"},
            )
        row = dict.fromkeys(HEADINGS)
        for key, cell in zip(keys, cells, strict=False):
            if key is not None:
                row[key] = cell
        table.rows.append((number, row))
    if not table.rows:
        raise ValidationError(
            "The file has no grants in it: add a row for each grant under the headings",
            code="no_rows",
        )
    return table


# --- Reading cells ----------------------------------------------------------------------


def _text(value: Any) -> str:
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
    text = re.sub(r"[£,\s]", "", str(value))
    try:
        amount = Decimal(text)
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
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date
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


# --- Checking the rows ------------------------------------------------------------------


@dataclass
class _Lookups:
    """The records rows refer to, loaded once for the whole file."""

    organisations_by_identifier: dict[str, Organisation]
    organisations_by_name: dict[str, list[Organisation]]
    programmes: dict[str, Programme]
    streams: dict[tuple[str, int], FundingStream]
    stream_years: dict[str, list[int]]
    officers: dict[str, User]
    areas: dict[str, Area]
    existing_references: set[str]

    @classmethod
    def load(cls, rows: list[dict[str, Any]]) -> _Lookups:
        def values(key: str) -> set[str]:
            return {_text(row[key]) for row in rows} - {""}

        by_identifier = {
            org.identifier_upper: org
            for org in Organisation.objects.annotate(identifier_upper=Upper("identifier")).filter(
                identifier_upper__in={v.upper() for v in values("recipient_identifier")}
            )
        }
        by_name: dict[str, list[Organisation]] = defaultdict(list)
        for org in Organisation.objects.filter(name__in=values("recipient_name")):
            by_name[org.name].append(org)
        programmes: dict[str, Programme] = {}
        for programme in Programme.objects.all():
            programmes[programme.code.lower()] = programme
            programmes[programme.name.lower()] = programme
        streams, years = {}, defaultdict(list)
        for stream in FundingStream.objects.annotate(name_lower=Lower("name")).filter(
            name_lower__in={v.lower() for v in values("funding_stream")}
        ):
            streams[(stream.name_lower, stream.financial_year)] = stream
            years[stream.name_lower].append(stream.financial_year)
        officers = {
            user.email_lower: user
            for user in User.objects.annotate(email_lower=Lower("email")).filter(
                email_lower__in={v.lower() for v in values("responsible_officer_email")}
            )
        }
        areas = {area.name.lower(): area for area in Area.objects.all()}
        existing = set(
            Grant.objects.filter(reference__in=values("reference")).values_list(
                "reference", flat=True
            )
        )
        return cls(by_identifier, by_name, programmes, streams, years, officers, areas, existing)


@dataclass
class _Row:
    number: int
    raw: dict[str, Any]
    fields: dict[str, Any] = field(default_factory=dict)
    stream: FundingStream | None = None
    status: str = GrantStatus.DRAFT


def _check_row(row: _Row, lookups: _Lookups, add) -> None:
    """Fill ``row.fields`` from its cells; ``add(column_key, message)`` each problem."""
    raw, fields = row.raw, row.fields

    def text(key: str) -> str:
        return _text(raw[key])

    for key in ("title", "purpose"):
        if not text(key):
            add(key, f"Enter the grant's {HEADINGS[key].lower()}")
    if len(text("title")) > 255:
        add("title", "The title must be 255 characters or fewer")
    fields["title"], fields["purpose"] = text("title"), text("purpose")

    reference = text("reference")
    if reference:
        if len(reference) > 40:
            add("reference", "The reference must be 40 characters or fewer")
        elif reference in lookups.existing_references:
            add("reference", f"A grant with the reference {reference} already exists")
        fields["reference"] = reference

    identifier, name = text("recipient_identifier"), text("recipient_name")
    if identifier:
        recipient = lookups.organisations_by_identifier.get(identifier.upper())
        if recipient is None:
            add(
                "recipient_identifier",
                f"No organisation has the identifier {identifier}: add the organisation "
                "first, or correct the identifier",
            )
        else:
            fields["recipient"] = recipient
    elif name:
        matches = lookups.organisations_by_name.get(name, [])
        if not matches:
            add(
                "recipient_name",
                f"No organisation is called “{name}” (the name must match exactly): add "
                "the organisation first, or give its identifier",
            )
        elif len(matches) > 1:
            add(
                "recipient_name",
                f"More than one organisation is called “{name}”: give the recipient's "
                "identifier instead",
            )
        else:
            fields["recipient"] = matches[0]
    else:
        add("recipient_identifier", "Enter the recipient's identifier or its name")

    programme = text("programme")
    if not programme:
        add("programme", "Enter the programme")
    elif programme.lower() not in lookups.programmes:
        names = sorted({p.name for p in lookups.programmes.values() if p.is_active})
        add("programme", f"No programme is called “{programme}”. Use one of: {', '.join(names)}")
    else:
        fields["programme"] = lookups.programmes[programme.lower()]

    year = None
    if not _present(raw["financial_year"]):
        add("financial_year", "Enter the financial year of the funding stream, like 2025/26")
    else:
        try:
            year = parse_financial_year(raw["financial_year"])
        except ValueError as error:
            add("financial_year", str(error))
    stream_name = text("funding_stream")
    if not stream_name:
        add("funding_stream", "Enter the funding stream the grant is paid from")
    elif year is not None:
        row.stream = lookups.streams.get((stream_name.lower(), year))
        if row.stream is None:
            others = sorted(lookups.stream_years.get(stream_name.lower(), []))
            add(
                "funding_stream",
                f"No funding stream is called “{stream_name}” in {FinancialYear(year)}"
                + (
                    " (there is one in " + ", ".join(str(FinancialYear(y)) for y in others) + ")"
                    if others
                    else ""
                ),
            )

    if not _present(raw["amount"]):
        add("amount", "Enter the amount in pounds")
    else:
        try:
            fields["amount"] = parse_amount(raw["amount"])
        except ValueError as error:
            add("amount", str(error))

    for key, what, required in (
        ("start_date", "the start date", True),
        ("end_date", "the end date", True),
        ("award_date", "the award date", False),
    ):
        if not _present(raw[key]):
            if required:
                add(key, f"Enter {what}")
            continue
        try:
            fields[key] = parse_date(raw[key], what)
        except ValueError as error:
            add(key, str(error))
    start, end = fields.get("start_date"), fields.get("end_date")
    if start and end and end < start:
        add("end_date", "The end date must be the same as or after the start date")

    status = text("status").lower()
    if status not in IMPORTABLE_STATUSES:
        add("status", "Enter the status as draft, awarded, active or closed")
    else:
        row.status = IMPORTABLE_STATUSES[status]

    route = AWARD_ROUTES.get(text("award_route").lower())
    if route is None:
        add("award_route", "Enter the award route as open call or direct award")
    else:
        fields["award_route"] = route
        justification = text("direct_award_justification")
        if route == AwardRoute.DIRECT and not justification:
            add(
                "direct_award_justification",
                "Explain why the grant is a direct award, in the Direct award justification column",
            )
        fields["direct_award_justification"] = justification

    email = text("responsible_officer_email")
    officer = lookups.officers.get(email.lower())
    if not email:
        add("responsible_officer_email", "Enter the responsible officer's email address")
    elif officer is None:
        add("responsible_officer_email", f"No one with the email address {email} has an account")
    elif officer.role not in EDITOR_ROLES:
        add(
            "responsible_officer_email",
            f"{email} is a {officer.get_role_display().lower()}'s account: the responsible "
            "officer must be an officer or manager",
        )
    else:
        fields["responsible_officer"] = officer

    area = text("beneficiary_area")
    if area:
        if area.lower() not in lookups.areas:
            names = sorted(a.name for a in lookups.areas.values() if a.is_active)
            add(
                "beneficiary_area",
                f"No area is called “{area}”. Use one of: {', '.join(names)}, or leave it "
                "blank for the whole force area",
            )
        else:
            fields["beneficiary_area"] = lookups.areas[area.lower()]


def check_rows(table: Table) -> tuple[list[_Row], list[RowError]]:
    """Every row checked against the portal's records; nothing is saved."""
    lookups = _Lookups.load([raw for _, raw in table.rows])
    rows, errors = [], []
    first_use: dict[str, int] = {}
    for number, raw in table.rows:
        row = _Row(number, raw)

        def add(key: str, message: str, row=row) -> None:
            errors.append(RowError(row.number, HEADINGS[key], _text(row.raw[key]), message))

        _check_row(row, lookups, add)
        reference = row.fields.get("reference")
        if reference:
            if reference in first_use:
                add(
                    "reference",
                    f"The reference {reference} is also used in row {first_use[reference]}",
                )
            else:
                first_use[reference] = number
        rows.append(row)
    errors.extend(_check_headroom(rows))
    return rows, errors


def _check_headroom(rows: list[_Row]) -> list[RowError]:
    """Awarded, active and closed grants commit their stream's money: the file may not
    commit more than a stream has left."""
    committed = [
        row
        for row in rows
        if row.status in COMMITTED_STATUSES and row.stream is not None and "amount" in row.fields
    ]
    if not committed:
        return []
    headroom = dict(
        FundingStream.objects.with_money()
        .filter(pk__in={row.stream.pk for row in committed})
        .values_list("pk", "headroom_total")
    )
    errors = []
    running: dict[int, Decimal] = defaultdict(Decimal)
    for row in committed:
        running[row.stream.pk] += row.fields["amount"]
        if running[row.stream.pk] > headroom[row.stream.pk]:
            errors.append(
                RowError(
                    row.number,
                    HEADINGS["amount"],
                    _text(row.raw["amount"]),
                    f"{row.stream} has {money(headroom[row.stream.pk])} left, not enough for "
                    f"this {row.status} grant with those above it in the file "
                    f"({money(running[row.stream.pk])} in all)",
                )
            )
    return errors


# --- Importing --------------------------------------------------------------------------


def _model_errors(row: _Row, error: ValidationError) -> list[RowError]:
    """A model's ValidationError as report lines, each at the column it concerns."""
    found = []
    for name, messages in (
        error.message_dict.items()
        if hasattr(error, "error_dict")
        else [(NON_FIELD_ERRORS, error.messages)]
    ):
        key = FIELD_COLUMNS.get(name)
        heading, value = (HEADINGS[key], _text(row.raw[key])) if key else ("", "")
        found.extend(RowError(row.number, heading, value, message) for message in messages)
    return found


def _record_imported_status(grant: Grant, status: str, by: User) -> None:
    """Imported history: the grant was awarded (or is active, or closed) before the
    portal. The award's preconditions -- an approved decision, due diligence, a payment
    schedule -- are deliberately NOT run: they belong to awards made in the portal, and
    the register records decisions already taken. The status is set directly, and the
    grant's history says it came from an import."""
    grant.status = status
    grant.full_clean()
    grant._history_user = by
    grant._change_reason = IMPORTED_REASON
    grant.save(update_fields=["status", "updated_at"])


@transaction.atomic
def import_grants(*, table: Table, by: User, workstream: Workstream) -> list[Grant]:
    """Create every grant in ``table`` under ``workstream``, or none: raises
    ``ImportFailed`` with every problem found."""
    rows, errors = check_rows(table)
    if errors:
        raise ImportFailed(sorted(errors, key=_order))
    grants = []
    for row in rows:
        try:
            grant = services.grant_create(
                by=by,
                charges=[(row.stream, row.fields["amount"])],
                workstream=workstream,
                **row.fields,
            )
        except ValidationError as error:
            errors.extend(_model_errors(row, error))
            continue
        if row.status != GrantStatus.DRAFT:
            _record_imported_status(grant, row.status, by)
        grants.append(grant)
    if errors:
        raise ImportFailed(sorted(errors, key=_order))  # rolls back every grant made
    return grants


_COLUMN_ORDER = {column.heading: index for index, column in enumerate(COLUMNS)}


def _order(error: RowError) -> tuple[int, int]:
    return (error.row, _COLUMN_ORDER.get(error.column, len(COLUMNS)))


def errors_as_dicts(errors: list[RowError]) -> list[dict[str, Any]]:
    return [asdict(error) for error in errors]
