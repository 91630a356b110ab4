"""The returns list's filters (django-filter), rendered as a GOV.UK form. A provider's
filters never offer another organisation's name."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from commissioning.dates import FinancialYear, financial_year_choices
from commissioning.forms import FilterForm
from commissioning.models import Organisation, Role

from . import selectors
from .models import MonitoringReturn, ReturnStatus

OVERDUE = "overdue"
STATUS_CHOICES = [(OVERDUE, "Overdue"), *ReturnStatus.choices]
AGREEMENT_CHOICES = [("grant", "Grants"), ("contract", "Contracts")]


class ReturnFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Agreement or organisation", method="search")
    status = django_filters.ChoiceFilter(
        label="Status", choices=STATUS_CHOICES, empty_label="Any status", method="by_status"
    )
    agreement = django_filters.ChoiceFilter(
        label="Agreement type",
        choices=AGREEMENT_CHOICES,
        empty_label="Grants and contracts",
        method="by_agreement",
    )
    financial_year = django_filters.ChoiceFilter(
        label="Financial year",
        choices=financial_year_choices,
        empty_label="Any year",
        method="by_financial_year",
    )
    organisation = django_filters.ModelChoiceFilter(
        label="Organisation",
        queryset=Organisation.objects.none(),
        empty_label="Any organisation",
    )

    class Meta:
        model = MonitoringReturn
        fields = ["q", "status", "agreement", "financial_year", "organisation"]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated and user.role == Role.PROVIDER:
            del self.filters["organisation"]
            return
        self.filters["organisation"].queryset = (
            Organisation.objects.filter(returns__isnull=False).distinct().order_by("name")
        )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(schedule__grant__reference__icontains=value)
            | Q(schedule__grant__title__icontains=value)
            | Q(schedule__contract__reference__icontains=value)
            | Q(schedule__contract__title__icontains=value)
            | Q(organisation__name__icontains=value)
        )

    def by_status(self, queryset, name, value):
        if value == OVERDUE:
            return selectors.overdue(queryset)
        return queryset.filter(status=value)

    def by_agreement(self, queryset, name, value):
        return queryset.filter(**{f"schedule__{value}__isnull": False})

    def by_financial_year(self, queryset, name, value):
        year = FinancialYear(int(value))
        return queryset.filter(period_start__gte=year.start, period_start__lte=year.end)
