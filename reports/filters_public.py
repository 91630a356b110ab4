"""The funding-awarded page's filters (django-filter): financial year, area and
programme. The filter set narrows the grants; ``contracts()`` gives the contracts the
same choices select (contracts have no area or programme, so choosing either leaves
them out). A value that is not on the list is an error at its field, never a 500."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from commissioning.dates import FinancialYear, financial_year_choices
from commissioning.forms import FilterForm
from grants.models import Area, Grant, Programme

from . import selectors_public
from .models import Opportunity, OpportunityStatus


class FundingAwardedFilter(django_filters.FilterSet):
    financial_year = django_filters.ChoiceFilter(
        label="Financial year awarded",
        choices=financial_year_choices,
        empty_label="Any year",
        method="by_financial_year",
    )
    area = django_filters.ModelChoiceFilter(
        label="Area",
        field_name="beneficiary_area",
        queryset=Area.objects.order_by("name"),
        empty_label="Any area",
    )
    programme = django_filters.ModelChoiceFilter(
        label="Programme", queryset=Programme.objects.all(), empty_label="Any programme"
    )

    class Meta:
        model = Grant
        fields = ["financial_year", "area", "programme"]
        form = FilterForm

    def by_financial_year(self, queryset, name, value):
        year = FinancialYear(int(value))
        return queryset.filter(awarded_on__gte=year.start, awarded_on__lte=year.end)

    def chosen(self) -> dict:
        """The valid choices made (an invalid one is ignored, and shown as an error)."""
        self.errors  # noqa: B018 - validates the form
        data = getattr(self.form, "cleaned_data", {})
        year = data.get("financial_year")
        return {
            "financial_year": int(year) if year else None,
            "area": data.get("area"),
            "programme": data.get("programme"),
        }

    def contracts(self) -> QuerySet:
        return selectors_public.awarded_contracts(**self.chosen())

    @property
    def narrows_to_grants(self) -> bool:
        chosen = self.chosen()
        return bool(chosen["area"] or chosen["programme"])


class OpportunityFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label="Status", choices=OpportunityStatus.choices, empty_label="Any status"
    )

    class Meta:
        model = Opportunity
        fields = ["status"]
        form = FilterForm
