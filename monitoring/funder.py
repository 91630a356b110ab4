"""Funder returns: a funding stream's figures for one quarter, built from the accepted
monitoring returns of the grants and contracts charged to it.

The figures are what the stream's funder asks for, decided by the stream's source:

- a Ministry of Justice victims grant (formula or general): referrals, victims supported
  and each outcome measure, by service;
- the Home Office Violence Reduction Unit grant: spend and outputs by intervention;
- any other stream: spend and every measure, by agreement.

For the two government funders the measures are those of the outcome frameworks that
feed that funder's return (``OutcomeFramework.funder_return``); another framework's
measures are the office's own business and are left out. Only ACCEPTED returns count;
a return belongs to the quarter its period ends in (a mid-year return counts in the
second quarter, a year-end one in the fourth). Returns not yet accepted are listed as
outstanding. ``funder_return()`` reads only: a page, a download and a test all call it.

Spend is reported in full, and also as the part charged to this stream: an agreement
charged partly to this stream (say £150,000 of £186,000) reports its spend in
proportion to the stream's share of the agreement's budget for the financial year.
Counts of people are never divided.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from typing import Any

from django.db.models import Prefetch, Q
from django.utils.text import slugify

from commissioning.dates import FinancialYear
from commissioning.exports import Column, neutralise
from commissioning.models import FundingSource, FundingStream
from commissioning.templatetags.portal import ukdate

from .models import (
    Frequency,
    FunderReturn,
    MonitoringReturn,
    OutcomeResult,
    ReturnStatus,
)
from .services import Period, financial_periods

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
QUARTERS = (1, 2, 3, 4)

MOJ_SOURCES = (FundingSource.MOJ_VICTIMS_FORMULA, FundingSource.MOJ_VICTIMS_GENERAL)


def return_kind(stream: FundingStream) -> str:
    """Which funder's return a stream's figures go into ("" for the office's own)."""
    if stream.source in MOJ_SOURCES:
        return FunderReturn.MOJ_VICTIMS
    if stream.source == FundingSource.HOME_OFFICE_VRU:
        return FunderReturn.HOME_OFFICE_VRU
    return FunderReturn.NONE


#: What the funder calls one agreement's row.
ROW_NOUNS = {
    FunderReturn.MOJ_VICTIMS: "Service",
    FunderReturn.HOME_OFFICE_VRU: "Intervention",
    FunderReturn.NONE: "Agreement",
}


def quarter_period(stream: FundingStream, quarter: int) -> Period:
    """Quarter 1 to 4 of the stream's financial year."""
    if quarter not in QUARTERS:
        raise ValueError(f"A quarter is 1 to 4, not {quarter!r}")
    return financial_periods(FinancialYear(stream.financial_year), Frequency.QUARTERLY)[quarter - 1]


@dataclass
class FigureRow:
    """One agreement's accepted figures for the quarter (or, with no agreement, the
    totals of every row)."""

    agreement: Any
    reference: str
    title: str
    organisation: str
    periods: list[str] = field(default_factory=list)
    returns: int = 0
    budget: Decimal = ZERO
    actual_spend: Decimal = ZERO
    stream_share: Decimal | None = None  # a fraction, 0 to 1
    stream_spend: Decimal = ZERO
    values: dict[int, Decimal] = field(default_factory=dict)  # measure id -> total

    @property
    def is_total(self) -> bool:
        return self.agreement is None

    @property
    def period(self) -> str:
        return "; ".join(self.periods)

    @property
    def stream_percentage(self) -> Decimal | None:
        if self.stream_share is None:
            return None
        return (self.stream_share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def value(self, measure) -> Decimal | None:
        return self.values.get(measure.pk)


@dataclass
class FunderReturnResult:
    stream: FundingStream
    quarter: int
    period: Period
    kind: str
    measures: list  # OutcomeMeasure, in column order
    rows: list[FigureRow]
    totals: FigureRow
    outstanding: list[MonitoringReturn]

    @property
    def row_noun(self) -> str:
        return ROW_NOUNS[self.kind]

    @property
    def title(self) -> str:
        what = FunderReturn(self.kind).label if self.kind else "Funding stream figures"
        return f"{what}: {self.stream.name}, {self.period.label}"

    @property
    def stem(self) -> str:
        reference = slugify(self.stream.reference) or f"stream-{self.stream.pk}"
        return f"funder-return-{reference}-q{self.quarter}"


def _agreement_key(monitoring_return: MonitoringReturn) -> tuple[str, int]:
    schedule = monitoring_return.schedule
    return ("grant", schedule.grant_id) if schedule.grant_id else ("contract", schedule.contract_id)


def _share(charge: Decimal, year_budget: Decimal | None) -> Decimal:
    """The part of an agreement's year paid from this stream (at most all of it)."""
    if not year_budget or charge >= year_budget:
        return Decimal(1)
    return charge / year_budget


def _measure_wanted(measure, kind: str) -> bool:
    return not kind or measure.framework.funder_return == kind


def funder_return(*, stream: FundingStream, quarter: int) -> FunderReturnResult:
    """The stream's figures for one quarter of its financial year: a row per agreement
    with accepted returns, the totals, and the returns still outstanding."""
    from contracts.models import ContractCharge
    from grants.models import GrantCharge

    period = quarter_period(stream, quarter)
    kind = return_kind(stream)
    charges = {
        ("grant", grant_id): amount
        for grant_id, amount in GrantCharge.objects.filter(funding_stream=stream).values_list(
            "grant_id", "amount"
        )
    } | {
        ("contract", contract_id): amount
        for contract_id, amount in ContractCharge.objects.filter(funding_stream=stream).values_list(
            "contract_id", "amount"
        )
    }
    grant_ids = [pk for what, pk in charges if what == "grant"]
    contract_ids = [pk for what, pk in charges if what == "contract"]
    returns = list(
        MonitoringReturn.objects.filter(
            Q(schedule__grant_id__in=grant_ids) | Q(schedule__contract_id__in=contract_ids),
            period_end__range=(period.start, period.end),
        )
        .select_related("organisation", "schedule", "schedule__grant", "schedule__contract")
        .prefetch_related(
            Prefetch(
                "outcome_results",
                queryset=OutcomeResult.objects.select_related("measure__framework"),
            )
        )
        .order_by("due_date", "pk")
    )

    rows: dict[tuple[str, int], FigureRow] = {}
    measures: dict[int, Any] = {}
    for monitoring_return in returns:
        if monitoring_return.status != ReturnStatus.ACCEPTED:
            continue
        key = _agreement_key(monitoring_return)
        agreement = monitoring_return.schedule.agreement
        row = rows.get(key)
        if row is None:
            row = rows[key] = FigureRow(
                agreement=agreement,
                reference=agreement.reference,
                title=agreement.title,
                organisation=monitoring_return.organisation.name,
            )
        share = _share(charges[key], monitoring_return.year_budget)
        spend = monitoring_return.actual_spend or ZERO
        row.periods.append(monitoring_return.period_label)
        row.returns += 1
        row.budget += monitoring_return.budget or ZERO
        row.actual_spend += spend
        row.stream_spend += (spend * share).quantize(PENNY, rounding=ROUND_HALF_UP)
        row.stream_share = share if row.stream_share is None else min(row.stream_share, share)
        for result in monitoring_return.outcome_results.all():
            if result.value is None or not _measure_wanted(result.measure, kind):
                continue
            measures[result.measure_id] = result.measure
            row.values[result.measure_id] = row.values.get(result.measure_id, ZERO) + result.value

    ordered_measures = sorted(
        measures.values(), key=lambda m: (m.framework.name, m.order, m.name, m.pk)
    )
    figure_rows = sorted(rows.values(), key=lambda r: (r.title.lower(), r.reference))
    totals = FigureRow(agreement=None, reference="", title="Total", organisation="")
    for row in figure_rows:
        totals.returns += row.returns
        totals.budget += row.budget
        totals.actual_spend += row.actual_spend
        totals.stream_spend += row.stream_spend
        for measure_id, value in row.values.items():
            totals.values[measure_id] = totals.values.get(measure_id, ZERO) + value
    outstanding = [r for r in returns if r.status != ReturnStatus.ACCEPTED]
    return FunderReturnResult(
        stream=stream,
        quarter=quarter,
        period=period,
        kind=kind,
        measures=ordered_measures,
        rows=figure_rows,
        totals=totals,
        outstanding=outstanding,
    )


# --- Columns, shared by the page and the downloads -----------------------------------


@dataclass(frozen=True)
class FigureColumn:
    heading: str
    value: Callable[[FigureRow], Any]
    #: "text", "money", "number" or "percent": how the page and the XLSX show it.
    kind: str = "text"
    #: Shown on the totals row too (the text columns are not).
    totalled: bool = True

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


def _measure_column(measure) -> FigureColumn:
    return FigureColumn(
        f"{measure.name} ({measure.unit})",
        lambda row, measure=measure: row.value(measure),
        "number",
    )


def figure_columns(result: FunderReturnResult) -> list[FigureColumn]:
    """The figures table's columns in the order the funder reads them: counts first for
    the Ministry of Justice, spend first for the Home Office."""
    noun = result.row_noun
    labels = [
        FigureColumn(noun, lambda r: r.title, totalled=False),
        FigureColumn("Reference", lambda r: r.reference, totalled=False),
        FigureColumn("Organisation", lambda r: r.organisation, totalled=False),
        FigureColumn("Periods reported", lambda r: r.period, totalled=False),
    ]
    spend = [
        FigureColumn("Budget for the period (£)", lambda r: r.budget, "money"),
        FigureColumn("Actual spend (£)", lambda r: r.actual_spend, "money"),
        FigureColumn(
            "Share charged to this stream (%)",
            lambda r: r.stream_percentage,
            "percent",
            totalled=False,
        ),
        FigureColumn("Spend charged to this stream (£)", lambda r: r.stream_spend, "money"),
    ]
    measures = [_measure_column(m) for m in result.measures]
    if result.kind == FunderReturn.MOJ_VICTIMS:
        return labels + measures + spend
    return labels + spend + measures


OUTSTANDING_COLUMNS = [
    Column("Agreement", lambda r: r.schedule.agreement.title),
    Column("Reference", lambda r: r.schedule.agreement.reference),
    Column("Organisation", lambda r: r.organisation.name),
    Column("Period", lambda r: r.period_label),
    Column("Status", lambda r: r.display_status),
    Column("Due date", lambda r: r.due_date),
]


def csv_columns(result: FunderReturnResult) -> list[Column]:
    """The figures' columns for the shared CSV exporter (the totals row says "Total" in
    its first column)."""

    def cell(index: int, column: FigureColumn) -> Callable[[FigureRow], Any]:
        if column.totalled or index == 0:
            return column.value
        return lambda row: "" if row.is_total else column.value(row)

    return [Column(c.heading, cell(i, c)) for i, c in enumerate(figure_columns(result))]


def csv_rows(result: FunderReturnResult) -> list[FigureRow]:
    return [*result.rows, result.totals]


# --- XLSX: a sheet of figures with its totals row, and a sheet of outstanding returns --

NUMBER_FORMATS = {"money": "£#,##0.00", "number": "#,##0.##", "percent": "0.0"}


def _cells(sheet, values: list, formats: list[str | None] | None = None, bold=False) -> list:
    """A row of write-only cells, every string a string (never a formula) and every
    value neutralised as the shared exporter does."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
    from openpyxl.styles import Font

    cells = []
    for index, raw in enumerate(values):
        value = neutralise(raw)
        if isinstance(value, str):  # control characters a workbook can't hold
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = TYPE_STRING
        elif formats and formats[index]:
            cell.number_format = formats[index]
        if isinstance(value, datetime.date):
            cell.number_format = "d mmmm yyyy"
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def workbook_bytes(result: FunderReturnResult) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    figures = workbook.create_sheet(title="Figures")
    columns = figure_columns(result)
    formats = [NUMBER_FORMATS.get(c.kind) for c in columns]
    figures.append(_cells(figures, [result.title]))
    figures.append(
        _cells(figures, [f"{ukdate(result.period.start)} to {ukdate(result.period.end)}"])
    )
    figures.append([])
    figures.append(_cells(figures, [c.heading for c in columns], bold=True))
    for row in result.rows:
        figures.append(_cells(figures, [c.value(row) for c in columns], formats))
    totals = [
        "Total" if index == 0 else (c.value(result.totals) if c.totalled else None)
        for index, c in enumerate(columns)
    ]
    figures.append(_cells(figures, totals, formats, bold=True))

    outstanding = workbook.create_sheet(title="Outstanding returns")
    outstanding.append(_cells(outstanding, [c.heading for c in OUTSTANDING_COLUMNS], bold=True))
    for monitoring_return in result.outstanding:
        outstanding.append(
            _cells(outstanding, [c.value(monitoring_return) for c in OUTSTANDING_COLUMNS])
        )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
