"""Importing an existing grants register from a CSV file or an Excel spreadsheet.

Reading the file (``read_table``) refuses anything that is not a CSV or XLSX, or whose
headings are not the template's, with a message for the file field. Importing
(``import_grants``) checks every row against the portal's records, then creates every
grant through ``services.grant_create`` in one transaction: one problem anywhere and
nothing is saved, and ``ImportFailed`` carries the row-by-row report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from commissioning import importing
from commissioning.dates import FinancialYear
from commissioning.importing import (
    ImportColumn,
    ImportFailed,
    RowError,
    Table,
    parse_amount,
    parse_date,
    parse_financial_year,
)
from commissioning.importing import present as _present
from commissioning.importing import text as _text
from commissioning.models import FundingStream, User
from workstreams.models import Workstream

from . import services
from .models import COMMITTED_STATUSES, Area, AwardRoute, Grant, GrantStatus, Programme

IMPORTED_REASON = "Imported from a grants register"

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


def read_table(upload) -> Table:
    """The file's rows, or a ValidationError saying why the file can't be imported."""
    return importing.read_table(upload, COLUMNS, singular="grant", plural="grants")


# --- Checking the rows ------------------------------------------------------------------


@dataclass
class _Lookups:
    """The records rows refer to, loaded once for the whole file."""

    organisations: importing.Organisations
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

        organisations = importing.Organisations(
            values("recipient_identifier"), values("recipient_name")
        )
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
        officers = importing.officers_by_email(values("responsible_officer_email"))
        areas = {area.name.lower(): area for area in Area.objects.all()}
        existing = set(
            Grant.objects.filter(reference__in=values("reference")).values_list(
                "reference", flat=True
            )
        )
        return cls(organisations, programmes, streams, years, officers, areas, existing)


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
    recipient, column, problem = lookups.organisations.find(identifier, name, "recipient")
    if recipient is None:
        add(f"recipient_{column}", problem)
    else:
        fields["recipient"] = recipient

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
    officer, problem = importing.check_officer(email, lookups.officers)
    if officer is None:
        add("responsible_officer_email", problem)
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
    return importing.check_headroom(
        [
            importing.Charge(
                row.number,
                row.stream,
                row.fields["amount"],
                _text(row.raw["amount"]),
                f"{row.status} grant",
            )
            for row in rows
            if row.status in COMMITTED_STATUSES
            and row.stream is not None
            and "amount" in row.fields
        ],
        column=HEADINGS["amount"],
    )


# --- Importing --------------------------------------------------------------------------


def _model_errors(row: _Row, error: ValidationError) -> list[RowError]:
    """A model's ValidationError as report lines, each at the column it concerns."""
    columns = {name: (key, HEADINGS[key]) for name, key in FIELD_COLUMNS.items()}
    return importing.model_errors(row.number, row.raw, error, columns)


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
        raise ImportFailed(_order(errors))
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
        raise ImportFailed(_order(errors))  # rolls back every grant made
    return grants


def _order(errors: list[RowError]) -> list[RowError]:
    return importing.sort_errors(errors, COLUMNS)
