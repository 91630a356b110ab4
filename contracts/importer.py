"""Importing an existing contracts register from a CSV file or an Excel spreadsheet.

The reading, cell parsing and report are shared with the grants import
(``commissioning.importing``). ``import_contracts`` checks every row against the
portal's records, then creates every contract through ``services.contract_create`` in
one transaction: one problem anywhere and nothing is saved, and ``ImportFailed``
carries the row-by-row report.
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
from commissioning.importing import ImportColumn, ImportFailed, RowError, Table
from commissioning.importing import present as _present
from commissioning.importing import text as _text
from commissioning.models import FundingStream, User
from workstreams.models import Workstream

from . import services
from .models import Contract

COLUMNS = [
    ImportColumn("reference", "Reference", required=False),
    ImportColumn("title", "Title"),
    ImportColumn("supplier_identifier", "Supplier identifier"),
    ImportColumn("supplier_name", "Supplier name"),
    ImportColumn("workstream", "Workstream"),
    ImportColumn("annual_value", "Annual value"),
    ImportColumn("whole_life_value", "Whole-life value"),
    ImportColumn("start_date", "Start date"),
    ImportColumn("end_date", "End date"),
    ImportColumn("light_touch", "Light touch"),
    ImportColumn("lead_commissioner", "Lead commissioner", required=False),
    ImportColumn("office_contribution", "Office contribution", required=False),
    ImportColumn("responsible_officer_email", "Responsible officer email"),
    ImportColumn("funding_stream", "Funding stream", required=False),
    ImportColumn("financial_year", "Financial year", required=False),
    ImportColumn("amount_charged", "Amount charged", required=False),
]
HEADINGS = {column.key: column.heading for column in COLUMNS}

#: The contract's fields, as a model error names them, and the column each comes from.
FIELD_COLUMNS = {
    "reference": "reference",
    "title": "title",
    "supplier": "supplier_identifier",
    "workstream": "workstream",
    "annual_value": "annual_value",
    "whole_life_value": "whole_life_value",
    "start_date": "start_date",
    "end_date": "end_date",
    "light_touch": "light_touch",
    "lead_commissioner": "lead_commissioner",
    "office_contribution": "office_contribution",
    "responsible_officer": "responsible_officer_email",
    "charges": "amount_charged",
}


def read_table(upload) -> Table:
    """The file's rows, or a ValidationError saying why the file can't be imported."""
    return importing.read_table(upload, COLUMNS, singular="contract", plural="contracts")


# --- Checking the rows ------------------------------------------------------------------


@dataclass
class _Lookups:
    """The records rows refer to, loaded once for the whole file."""

    organisations: importing.Organisations
    workstreams: dict[str, list[Workstream]]
    streams: dict[tuple[str, int], FundingStream]
    stream_years: dict[str, list[int]]
    officers: dict[str, User]
    existing_references: set[str]

    @classmethod
    def load(cls, rows: list[dict[str, Any]]) -> _Lookups:
        def values(key: str) -> set[str]:
            return {_text(row[key]) for row in rows} - {""}

        leads = values("lead_commissioner")
        organisations = importing.Organisations(
            values("supplier_identifier") | leads, values("supplier_name") | leads
        )
        workstreams: dict[str, list[Workstream]] = defaultdict(list)
        for workstream in Workstream.objects.filter(title__in=values("workstream")):
            workstreams[workstream.title].append(workstream)
        streams, years = {}, defaultdict(list)
        for stream in FundingStream.objects.annotate(name_lower=Lower("name")).filter(
            name_lower__in={v.lower() for v in values("funding_stream")}
        ):
            streams[(stream.name_lower, stream.financial_year)] = stream
            years[stream.name_lower].append(stream.financial_year)
        officers = importing.officers_by_email(values("responsible_officer_email"))
        existing = set(
            Contract.objects.filter(reference__in=values("reference")).values_list(
                "reference", flat=True
            )
        )
        return cls(organisations, workstreams, streams, years, officers, existing)


@dataclass
class _Row:
    number: int
    raw: dict[str, Any]
    fields: dict[str, Any] = field(default_factory=dict)
    charge: tuple[FundingStream, Any] | None = None


def _money(row: _Row, key: str, add, *, required: bool) -> None:
    if not _present(row.raw[key]):
        if required:
            add(key, f"Enter the {HEADINGS[key].lower()} in pounds")
        return
    try:
        row.fields[key] = importing.parse_amount(row.raw[key])
    except ValueError as error:
        add(key, str(error))


def _check_row(row: _Row, lookups: _Lookups, add) -> None:
    """Fill ``row.fields`` from its cells; ``add(column_key, message)`` each problem."""
    raw, fields = row.raw, row.fields

    def text(key: str) -> str:
        return _text(raw[key])

    title = text("title")
    if not title:
        add("title", "Enter the contract's title")
    elif len(title) > 255:
        add("title", "The title must be 255 characters or fewer")
    fields["title"] = title

    reference = text("reference")
    if reference:
        if len(reference) > 40:
            add("reference", "The reference must be 40 characters or fewer")
        elif reference in lookups.existing_references:
            add("reference", f"A contract with the reference {reference} already exists")
        fields["reference"] = reference

    supplier, column, problem = lookups.organisations.find(
        text("supplier_identifier"), text("supplier_name"), "supplier"
    )
    if supplier is None:
        add(f"supplier_{column}", problem)
    else:
        fields["supplier"] = supplier

    workstream = text("workstream")
    matches = lookups.workstreams.get(workstream, [])
    if not workstream:
        add("workstream", "Enter the workstream's title")
    elif not matches:
        add(
            "workstream",
            f"No workstream is called “{workstream}” (the title must match exactly)",
        )
    elif len(matches) > 1:
        add("workstream", f"More than one workstream is called “{workstream}”")
    else:
        fields["workstream"] = matches[0]

    _money(row, "annual_value", add, required=True)
    _money(row, "whole_life_value", add, required=True)
    _money(row, "office_contribution", add, required=False)

    for key, what in (("start_date", "the start date"), ("end_date", "the end date")):
        if not _present(raw[key]):
            add(key, f"Enter {what}")
            continue
        try:
            fields[key] = importing.parse_date(raw[key], what)
        except ValueError as error:
            add(key, str(error))
    start, end = fields.get("start_date"), fields.get("end_date")
    if start and end and end < start:
        add("end_date", "The end date must be the same as or after the start date")

    try:
        fields["light_touch"] = importing.parse_yes_no(raw["light_touch"], "light touch")
    except ValueError as error:
        add("light_touch", str(error))

    lead = text("lead_commissioner")
    if lead:
        # an identifier first, then the exact name
        org, _, _ = lookups.organisations.find(lead, "", "lead commissioner")
        if org is None:
            org, _, problem = lookups.organisations.find("", lead, "lead commissioner")
        if org is None:
            add("lead_commissioner", problem)
        else:
            fields["lead_commissioner"] = org

    officer, problem = importing.check_officer(text("responsible_officer_email"), lookups.officers)
    if officer is None:
        add("responsible_officer_email", problem)
    else:
        fields["responsible_officer"] = officer

    _check_charge(row, lookups, add)


def _check_charge(row: _Row, lookups: _Lookups, add) -> None:
    """Funding stream, financial year and amount charged: all three or none."""
    raw = row.raw
    given = [
        key for key in ("funding_stream", "financial_year", "amount_charged") if _present(raw[key])
    ]
    if not given:
        return
    for key in ("funding_stream", "financial_year", "amount_charged"):
        if key not in given:
            add(
                key,
                f"Enter the {HEADINGS[key].lower()} too, or leave the funding stream, "
                "financial year and amount charged all blank",
            )
    if len(given) < 3:
        return
    try:
        year = importing.parse_financial_year(raw["financial_year"])
    except ValueError as error:
        add("financial_year", str(error))
        year = None
    try:
        amount = importing.parse_amount(raw["amount_charged"])
    except ValueError as error:
        add("amount_charged", str(error))
        amount = None
    name = _text(raw["funding_stream"])
    stream = lookups.streams.get((name.lower(), year)) if year is not None else None
    if year is not None and stream is None:
        others = sorted(lookups.stream_years.get(name.lower(), []))
        add(
            "funding_stream",
            f"No funding stream is called “{name}” in {FinancialYear(year)}"
            + (
                " (there is one in " + ", ".join(str(FinancialYear(y)) for y in others) + ")"
                if others
                else ""
            ),
        )
    if stream is not None and amount is not None:
        row.charge = (stream, amount)


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
    errors.extend(
        importing.check_headroom(
            [
                importing.Charge(
                    row.number, *row.charge, _text(row.raw["amount_charged"]), "contract"
                )
                for row in rows
                if row.charge
            ],
            column=HEADINGS["amount_charged"],
        )
    )
    return rows, errors


# --- Importing --------------------------------------------------------------------------


def _order(errors: list[RowError]) -> list[RowError]:
    return importing.sort_errors(errors, COLUMNS)


@transaction.atomic
def import_contracts(*, table: Table, by: User) -> list[Contract]:
    """Create every contract in ``table``, or none: raises ``ImportFailed`` with every
    problem found."""
    rows, errors = check_rows(table)
    if errors:
        raise ImportFailed(_order(errors))
    columns = {name: (key, HEADINGS[key]) for name, key in FIELD_COLUMNS.items()}
    contracts = []
    for row in rows:
        try:
            with transaction.atomic():
                contract = services.contract_create(
                    by=by, charges=[row.charge] if row.charge else [], **row.fields
                )
        except ValidationError as error:
            errors.extend(importing.model_errors(row.number, row.raw, error, columns))
            continue
        contracts.append(contract)
    if errors:
        raise ImportFailed(_order(errors))  # rolls back every contract made
    return contracts
