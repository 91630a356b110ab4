"""List filters (django-filter), rendered as GOV.UK forms."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from .dates import financial_year_choices
from .forms import FilterForm
from .models import FundingSource, FundingStream, Organisation, OrganisationKind

#: The most options a select of records (organisations, funding streams) lists in a
#: list's filters. At national scale (issue 11) a select of 5,000 organisations took
#: most of a list page's two seconds to render; the list's text search finds the rest.
SELECT_CHOICES_CAP = 100


class CappedModelChoiceField(django_filters.fields.ModelChoiceField):
    """Validates against the whole queryset (one primary-key query) but renders at most
    SELECT_CHOICES_CAP options."""

    chosen = None

    @property
    def cap(self) -> int:
        return SELECT_CHOICES_CAP


class CappedModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CappedModelChoiceField


class CappedChoicesMixin:
    """For a FilterSet with capped selects: tells each which value the request chose."""

    @property
    def form(self):
        form = super().form
        for name, field in form.fields.items():
            if isinstance(field, CappedModelChoiceField):
                field.chosen = self.data.get(name)
        return form


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name or identifier", method="search")
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=OrganisationKind.choices, empty_label="Any kind"
    )
    is_active = django_filters.ChoiceFilter(
        label="Status",
        choices=[("true", "Active"), ("false", "Inactive")],
        empty_label="Active and inactive",
        method="filter_active",
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "is_active"]
        form = FilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(identifier__icontains=value))

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")


class FundingStreamFilter(django_filters.FilterSet):
    financial_year = django_filters.ChoiceFilter(
        label="Financial year", choices=financial_year_choices, empty_label="Any year"
    )
    source = django_filters.ChoiceFilter(
        label="Source", choices=FundingSource.choices, empty_label="Any source"
    )
    funder = django_filters.ModelChoiceFilter(
        label="Funder",
        queryset=Organisation.objects.filter(funding_streams__isnull=False).distinct(),
        empty_label="Any funder",
    )

    class Meta:
        model = FundingStream
        fields = ["financial_year", "source", "funder"]
        form = FilterForm
