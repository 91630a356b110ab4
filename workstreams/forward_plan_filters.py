"""The forward plan's filters (django-filter), rendered as a GOV.UK form."""

from __future__ import annotations

import datetime

import django_filters
from crispy_forms_gds.fields import DateInputField
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone

from commissioning.forms import FilterForm

from .models import CommissioningRole, Milestone, MilestoneKind, Portfolio


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
    return (
        get_user_model()
        .objects.filter(led_workstreams__isnull=False)
        .distinct()
        .order_by("full_name", "email")
    )


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
    date_from = FilterDateFilter(field_name="date", lookup_expr="gte", label="From")
    date_to = FilterDateFilter(field_name="date", lookup_expr="lte", label="To")

    class Meta:
        model = Milestone
        fields = ["role", "portfolio", "lead_officer", "kind", "date_from", "date_to"]
        form = ForwardPlanFilterForm

    def __init__(self, data=None, *args, **kwargs):
        if not _has_filter_keys(data, self.base_filters):
            # A first visit shows what is still to come: from the start of this month.
            # Submitting the form with "From" cleared shows past milestones too.
            data = data.copy() if data is not None else QueryDict(mutable=True)
            start = default_date_from()
            data["date_from_0"] = str(start.day)
            data["date_from_1"] = str(start.month)
            data["date_from_2"] = str(start.year)
        super().__init__(data, *args, **kwargs)


def default_date_from(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()).replace(day=1)


def _has_filter_keys(data, filters) -> bool:
    if not data:
        return False
    return any(key == name or key.startswith(f"{name}_") for key in data for name in filters)
