"""Read queries over organisations and funding streams, shared by pages and exports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet

from .dates import FinancialYear
from .models import FundingSource, FundingStream, Organisation
from .money import ZERO, money_totals


def organisation_list(*, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Organisation.objects.all() if queryset is None else queryset
    return queryset.annotate(contact_count=Count("contacts", distinct=True)).order_by("name")


def funding_stream_list(*, queryset: QuerySet | None = None) -> QuerySet:
    queryset = FundingStream.objects.all() if queryset is None else queryset
    return queryset.select_related("funder").with_money().order_by("-financial_year", "name")


@dataclass
class Totals:
    amount: Decimal = ZERO
    committed: Decimal = ZERO
    spent: Decimal = ZERO

    @property
    def headroom(self) -> Decimal:
        return self.amount - self.committed

    def add(self, stream: FundingStream) -> None:
        self.amount += stream.amount
        self.committed += stream.committed
        self.spent += stream.spent


@dataclass
class YearTotals:
    year: FinancialYear
    total: Totals = field(default_factory=Totals)
    by_source: dict[str, Totals] = field(default_factory=lambda: defaultdict(Totals))

    def source_rows(self) -> list[tuple[str, Totals]]:
        labels = dict(FundingSource.choices)
        return [(labels[key], self.by_source[key]) for key in labels if key in self.by_source]


def funding_totals_by_year(streams) -> list[YearTotals]:
    """Totals by financial year and, within each, by source, newest year first. Takes
    streams already annotated by ``funding_stream_list`` so no further query runs."""
    years: dict[int, YearTotals] = {}
    for stream in streams:
        year = years.setdefault(
            stream.financial_year, YearTotals(FinancialYear(stream.financial_year))
        )
        year.total.add(stream)
        year.by_source[stream.source].add(stream)
    return [years[key] for key in sorted(years, reverse=True)]


def funding_summary_for_year(year: FinancialYear) -> Totals:
    # One aggregate over the year's streams rather than every stream's money row summed
    # in Python: see money_totals (issue 11).
    return Totals(**money_totals(FundingStream.objects.filter(financial_year=year.start_year)))
