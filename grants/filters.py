"""The grant list's filters (django-filter), rendered as a GOV.UK form. A provider's
filters offer only what their own grants use: another organisation's name never shows."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q

from commissioning.dates import FinancialYear, financial_year_choices
from commissioning.filters import CappedChoicesMixin, CappedModelChoiceFilter
from commissioning.forms import FilterForm
from commissioning.models import FundingStream, Organisation, Role, User

from .models import Area, Grant, GrantStatus, Programme


class GrantFilter(CappedChoicesMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(label="Reference, title or recipient", method="search")
    programme = django_filters.ModelChoiceFilter(
        label="Programme", queryset=Programme.objects.all(), empty_label="Any programme"
    )
    funding_stream = CappedModelChoiceFilter(
        label="Funding stream",
        field_name="charges__funding_stream",
        queryset=FundingStream.objects.none(),
        empty_label="Any funding stream",
    )
    recipient = CappedModelChoiceFilter(
        label="Recipient", queryset=Organisation.objects.none(), empty_label="Any recipient"
    )
    beneficiary_area = django_filters.ModelChoiceFilter(
        label="Area", queryset=Area.objects.all(), empty_label="Any area"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=GrantStatus.choices, empty_label="Any status"
    )
    financial_year = django_filters.ChoiceFilter(
        label="Financial year it starts in",
        choices=financial_year_choices,
        empty_label="Any year",
        method="by_financial_year",
    )
    responsible_officer = django_filters.ModelChoiceFilter(
        label="Responsible officer", queryset=User.objects.none(), empty_label="Any officer"
    )

    class Meta:
        model = Grant
        fields = [
            "q",
            "programme",
            "funding_stream",
            "recipient",
            "beneficiary_area",
            "status",
            "financial_year",
            "responsible_officer",
        ]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        filters = self.filters
        if user is not None and user.is_authenticated and user.role == Role.PROVIDER:
            # Only their own grants' streams; no list of other recipients or of officers.
            filters["funding_stream"].queryset = FundingStream.objects.filter(
                grant_charges__grant__recipient_id=user.organisation_id
            ).distinct()
            del filters["recipient"]
            del filters["responsible_officer"]
            return
        filters["funding_stream"].queryset = FundingStream.objects.order_by(
            "-financial_year", "name"
        )
        # EXISTS rather than a DISTINCT join over every grant: with the select capped,
        # PostgreSQL walks organisations by name and stops at the cap (issue 11).
        filters["recipient"].queryset = Organisation.objects.filter(
            Exists(Grant.objects.filter(recipient=OuterRef("pk")))
        ).order_by("name", "pk")
        filters["responsible_officer"].queryset = User.objects.filter(
            Exists(Grant.objects.filter(responsible_officer=OuterRef("pk")))
        ).order_by("full_name", "email")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(title__icontains=value)
            | Q(recipient__name__icontains=value)
        )

    def by_financial_year(self, queryset, name, value):
        year = FinancialYear(int(value))
        return queryset.filter(start_date__gte=year.start, start_date__lte=year.end)
