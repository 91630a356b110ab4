"""The workstream list's filters (django-filter), rendered as a GOV.UK form."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

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

#: The most partner organisations the filter's select lists (issue 11).
PARTNER_CHOICES_CAP = 100


class _CappedChoiceIterator(forms.models.ModelChoiceIterator):
    """The first PARTNER_CHOICES_CAP organisations, plus the one chosen if it is not
    among them: a value from a link (``?partner=<pk>``) still shows as selected."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        shown = list(self.queryset[:PARTNER_CHOICES_CAP])
        chosen = self.field.chosen
        if chosen and str(chosen).isdigit() and all(str(o.pk) != str(chosen) for o in shown):
            shown += list(self.queryset.filter(pk=chosen))
        for obj in shown:
            yield self.choice(obj)


class CappedModelChoiceField(django_filters.fields.ModelChoiceField):
    """Validates against the whole queryset (one primary-key query) but renders at most
    PARTNER_CHOICES_CAP options. At national scale (5,000 partner organisations) the
    full select took most of the workstream list's 2 seconds to render."""

    iterator = _CappedChoiceIterator
    chosen = None


class CappedModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CappedModelChoiceField


class WorkstreamFilter(django_filters.FilterSet):
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

    @property
    def form(self):
        form = super().form
        if "partner" in form.fields:
            form.fields["partner"].chosen = self.data.get("partner")
        return form

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
