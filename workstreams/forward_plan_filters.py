"""The forward plan's filters (django-filter), rendered as a GOV.UK form."""

from __future__ import annotations

import datetime

import django_filters
from crispy_forms_gds.fields import DateInputField
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils import timezone

from commissioning.forms import FilterForm

from .models import CommissioningRole, Milestone, MilestoneKind, Portfolio, Workstream
from .selectors import not_recommissioned


class FilterDateField(DateInputField):
    """A GOV.UK date input (day, month, year) whose messages name the field."""

    def __init__(self, *, label: str = "", **kwargs):
        kwargs.setdefault("require_all_fields", False)
        kwargs.setdefault("help_text", "For example, 1 3 2025")
        super().__init__(label=label, **kwargs)
        name = str(label)
        day, month, year = self.fields
        day.error_messages["incomplete"] = f"{name} date must include a day"
        month.error_messages["incomplete"] = f"{name} date must include a month"
        year.error_messages["incomplete"] = f"{name} date must include a year"
        for part, word in ((day, "day"), (month, "month"), (year, "year")):
            for validator in part.validators:
                validator.message = f"{name} date {word} must be a number"

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except ValidationError:
            raise ValidationError(
                f"{self.label} date must be a real date", code="invalid"
            ) from None


class FilterDateFilter(django_filters.DateFilter):
    field_class = FilterDateField


class ForwardPlanFilterForm(FilterForm):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "To date must be the same as or after the from date")
        return cleaned


def _officers(request):
    # EXISTS rather than a DISTINCT join over every workstream: at national scale the
    # join and the DISTINCT over whole user rows took ~30 ms; this is an index probe per
    # user (issue 11).
    return (
        get_user_model()
        .objects.filter(Exists(Workstream.objects.filter(lead_officer=OuterRef("pk"))))
        .order_by("full_name", "email")
    )


#: The "Re-commissioning" filter's one choice: the dashboard's "Contracts to
#: re-commission" panel links here for the contract ends it has no room to list.
NEEDS_RECOMMISSIONING = "needed"


class ForwardPlanFilter(django_filters.FilterSet):
    """Narrow the forward plan. Filtering by role, portfolio or officer leaves out the
    office-wide milestones (an election belongs to no workstream)."""

    role = django_filters.ChoiceFilter(
        field_name="workstream__role",
        label="Commissioning role",
        choices=CommissioningRole.choices,
        empty_label="Any role",
    )
    portfolio = django_filters.ModelChoiceFilter(
        field_name="workstream__portfolio",
        label="Portfolio",
        queryset=Portfolio.objects.all(),
        empty_label="Any portfolio",
    )
    lead_officer = django_filters.ModelChoiceFilter(
        field_name="workstream__lead_officer",
        label="Lead officer",
        queryset=_officers,
        empty_label="Any officer",
    )
    kind = django_filters.ChoiceFilter(
        label="Kind of milestone", choices=MilestoneKind.choices, empty_label="Any kind"
    )
    recommissioning = django_filters.ChoiceFilter(
        label="Re-commissioning",
        choices=[(NEEDS_RECOMMISSIONING, "Contract ends nothing re-commissions yet")],
        empty_label="Any milestone",
        method="by_recommissioning",
    )
    date_from = FilterDateFilter(field_name="date", lookup_expr="gte", label="From")
    date_to = FilterDateFilter(field_name="date", lookup_expr="lte", label="To")

    class Meta:
        model = Milestone
        fields = [
            "role",
            "portfolio",
            "lead_officer",
            "kind",
            "recommissioning",
            "date_from",
            "date_to",
        ]
        form = ForwardPlanFilterForm

    def __init__(self, data=None, *args, **kwargs):
        if not _has_filter_keys(data, self.base_filters):
            # A first visit shows what is still to come: from the start of this month.
            # Submitting the form with "From" cleared shows past milestones too.
            data = data.copy() if data is not None else QueryDict(mutable=True)
            for key, value in date_query("date_from", default_date_from()).items():
                data[key] = value
        super().__init__(data, *args, **kwargs)

    def by_recommissioning(self, queryset, name, value):
        return not_recommissioned(queryset) if value == NEEDS_RECOMMISSIONING else queryset


def date_query(prefix: str, day: datetime.date) -> dict[str, str]:
    """The query string parts of a date filter (day, month, year) for ``day``."""
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def default_date_from(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()).replace(day=1)


def _has_filter_keys(data, filters) -> bool:
    if not data:
        return False
    return any(key == name or key.startswith(f"{name}_") for key in data for name in filters)
