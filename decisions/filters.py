"""The decision register's filters (django-filter), rendered as a GOV.UK form."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from commissioning.forms import FilterForm
from commissioning.models import User
from workstreams.forward_plan_filters import FilterDateFilter
from workstreams.models import CommissioningRole

from .models import DECIDED_STATUSES, AssessmentStatus, DecisionAssessment, DecisionType

OUTCOME_CHOICES = [
    (AssessmentStatus.APPROVED.value, "Approved"),
    (AssessmentStatus.DECLINED.value, "Declined"),
    ("undecided", "Not decided yet"),
]


class AssessmentFilterForm(FilterForm):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and end < start:
            self.add_error(
                "created_to", "Started to date must be the same as or after the from date"
            )
        return cleaned


def _authors(request):
    return (
        User.objects.filter(authored_assessments__isnull=False)
        .distinct()
        .order_by("full_name", "email")
    )


def _lead_officers(request):
    return (
        User.objects.filter(led_workstreams__assessments__isnull=False)
        .distinct()
        .order_by("full_name", "email")
    )


class AssessmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Reference or title", method="search")
    decision_type = django_filters.ChoiceFilter(
        label="Decision type", choices=DecisionType.choices, empty_label="Any type"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=AssessmentStatus.choices, empty_label="Any status"
    )
    outcome = django_filters.ChoiceFilter(
        label="Outcome", choices=OUTCOME_CHOICES, empty_label="Any outcome", method="by_outcome"
    )
    recommended_role = django_filters.ChoiceFilter(
        label="Recommended role", choices=CommissioningRole.choices, empty_label="Any role"
    )
    author = django_filters.ModelChoiceFilter(
        label="Officer (author)", queryset=_authors, empty_label="Any officer"
    )
    lead_officer = django_filters.ModelChoiceFilter(
        field_name="workstream__lead_officer",
        label="Workstream lead officer",
        queryset=_lead_officers,
        empty_label="Any lead officer",
    )
    created_from = FilterDateFilter(
        field_name="created_at", lookup_expr="date__gte", label="Started from"
    )
    created_to = FilterDateFilter(
        field_name="created_at", lookup_expr="date__lte", label="Started to"
    )

    class Meta:
        model = DecisionAssessment
        fields = [
            "q",
            "decision_type",
            "status",
            "outcome",
            "recommended_role",
            "author",
            "lead_officer",
            "created_from",
            "created_to",
        ]
        form = AssessmentFilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(reference__icontains=value) | Q(title__icontains=value))

    def by_outcome(self, queryset, name, value):
        if value == "undecided":
            return queryset.exclude(status__in=DECIDED_STATUSES)
        return queryset.filter(status=value)
