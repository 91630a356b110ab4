"""The workstream list's filters (django-filter), rendered as a GOV.UK form."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q

from commissioning.filters import CappedChoicesMixin, CappedModelChoiceFilter
from commissioning.forms import FilterForm
from commissioning.models import STAFF_ROLES, Organisation, User

from .models import (
    CommissioningRole,
    Portfolio,
    Stage,
    Workstream,
    WorkstreamPartner,
    WorkstreamStatus,
)


class WorkstreamFilter(CappedChoicesMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(label="Title or description", method="search")
    role = django_filters.ChoiceFilter(
        label="Commissioning role", choices=CommissioningRole.choices, empty_label="Any role"
    )
    stage = django_filters.ChoiceFilter(
        label="Cycle stage", choices=Stage.choices, empty_label="Any stage"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=WorkstreamStatus.choices, empty_label="Any status"
    )
    portfolio = django_filters.ModelChoiceFilter(
        label="Portfolio", queryset=Portfolio.objects.all(), empty_label="Any portfolio"
    )
    # Only staff who lead a workstream: any other choice would list nothing, and at
    # national scale every staff user made the select slow to render (issue 11).
    lead_officer = django_filters.ModelChoiceFilter(
        label="Lead officer",
        queryset=User.objects.filter(
            Exists(Workstream.objects.filter(lead_officer=OuterRef("pk"))),
            role__in=STAFF_ROLES,
        ).order_by("full_name", "email"),
        empty_label="Any officer",
    )
    partner = CappedModelChoiceFilter(
        label="Partner organisation",
        queryset=Organisation.objects.filter(
            Exists(WorkstreamPartner.objects.filter(organisation=OuterRef("pk")))
        ).order_by("name", "pk"),
        empty_label="Any partner",
        method="filter_partner",
    )

    class Meta:
        model = Workstream
        fields = ["q", "role", "stage", "status", "portfolio", "lead_officer", "partner"]
        form = FilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_partner(self, queryset, name, value):
        # Exists, not a join: a join would multiply the list's checklist counts.
        return queryset.filter(
            Exists(WorkstreamPartner.objects.filter(workstream=OuterRef("pk"), organisation=value))
        )
