"""The contract list's filters. Status is derived from the dates, so it is filtered by
dates in the query. A provider's filters offer nothing about other organisations."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from commissioning.dates import add_months
from commissioning.forms import FilterForm
from commissioning.models import Organisation, Role, User
from workstreams.models import Workstream

from .models import Contract

STATUS_CHOICES = [(key, label) for key, label in Contract.STATUS_LABELS.items()]


def status_q(status: str) -> Q:
    """The rows whose derived ``Contract.status`` is ``status``, as a query."""
    today = timezone.localdate()
    terminated = Q(terminated_on__isnull=False, terminated_on__lte=today)
    ended = Q(end_date__lt=today)
    mobilising = Q(went_live_on__isnull=True) | Q(start_date__gt=today)
    ending_soon = Q(end_date__lte=add_months(today, 6))
    if status == "terminated":
        return terminated
    if status == "ended":
        return ended & ~terminated
    if status == "mobilising":
        return mobilising & ~terminated & ~ended
    if status == "ending_soon":
        return ending_soon & ~mobilising & ~terminated & ~ended
    return ~ending_soon & ~mobilising & ~terminated & ~ended


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Reference, title or supplier", method="search")
    status = django_filters.ChoiceFilter(
        label="Status", choices=STATUS_CHOICES, empty_label="Any status", method="by_status"
    )
    supplier = django_filters.ModelChoiceFilter(
        label="Supplier", queryset=Organisation.objects.none(), empty_label="Any supplier"
    )
    workstream = django_filters.ModelChoiceFilter(
        label="Workstream", queryset=Workstream.objects.none(), empty_label="Any workstream"
    )
    responsible_officer = django_filters.ModelChoiceFilter(
        label="Responsible officer", queryset=User.objects.none(), empty_label="Any officer"
    )

    class Meta:
        model = Contract
        fields = ["q", "status", "supplier", "workstream", "responsible_officer"]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated and user.role == Role.PROVIDER:
            for name in ("supplier", "workstream", "responsible_officer"):
                del self.filters[name]
            return
        self.filters["supplier"].queryset = (
            Organisation.objects.filter(contracts__isnull=False).distinct().order_by("name")
        )
        self.filters["workstream"].queryset = (
            Workstream.objects.filter(contracts__isnull=False).distinct().order_by("title")
        )
        self.filters["responsible_officer"].queryset = (
            User.objects.filter(contracts__isnull=False).distinct().order_by("full_name", "email")
        )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(title__icontains=value)
            | Q(supplier__name__icontains=value)
        )

    def by_status(self, queryset, name, value):
        return queryset.filter(status_q(value)) if value else queryset
