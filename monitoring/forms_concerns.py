"""The concerns log: the form to record or update a concern or complaint, and the
list's filters."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone

from commissioning.forms import FilterForm, PortalForm
from workstreams.forms import DateLayoutMixin, UKDateField

from .models import Concern, ConcernKind, Escalation

FIELDS = (
    "kind",
    "received_on",
    "raised_by",
    "summary",
    "escalated_to",
    "escalated_on",
    "outcome",
    "closed_on",
)


class ConcernForm(DateLayoutMixin, PortalForm):
    submit_label = "Save"

    kind = forms.ChoiceField(
        label="Is it a concern or a complaint?",
        choices=ConcernKind.choices,
        widget=forms.RadioSelect,
    )
    received_on = UKDateField(what="the date it was received", label="Date received")
    raised_by = forms.CharField(
        label="From whom",
        max_length=200,
        help_text="A role or organisation, for example ‘service user’ or ‘Somerset "
        "Community Safety Partnership’. Avoid recording a private individual’s name.",
    )
    summary = forms.CharField(label="Summary", widget=forms.Textarea)
    escalated_to = forms.ChoiceField(
        label="Escalated to",
        choices=[("none", "Not escalated")] + [c for c in Escalation.choices if c[0]],
        widget=forms.RadioSelect,
        initial="none",
    )
    escalated_on = UKDateField(
        what="the date it was escalated", label="Date escalated", required=False
    )
    outcome = forms.CharField(
        label="Outcome",
        widget=forms.Textarea,
        required=False,
        help_text="What was done, and what the person who raised it was told.",
    )
    closed_on = UKDateField(what="the date it was closed", label="Date closed", required=False)

    def __init__(self, *args, concern: Concern | None = None, **kwargs):
        if concern is not None:
            initial = {name: getattr(concern, name) for name in FIELDS}
            initial["escalated_to"] = concern.escalated_to or "none"
            kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.fields["kind"].error_messages["required"] = (
            "Select whether it is a concern or a complaint"
        )
        self.fields["raised_by"].error_messages["required"] = "Enter who raised it"
        self.fields["summary"].error_messages["required"] = "Enter a summary"
        self.fields["escalated_to"].error_messages["required"] = (
            "Select whether it has been escalated"
        )
        self.fields["received_on"].help_text = "For example, 27 3 2026"
        self.fields["escalated_on"].help_text = "Leave blank if it has not been escalated."
        self.fields["closed_on"].help_text = "Leave blank while it is still open."

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        received = cleaned.get("received_on")
        for name, what in (("escalated_on", "escalated"), ("closed_on", "closed")):
            day = cleaned.get(name)
            if day is None:
                continue
            if day > today:
                self.add_error(name, f"The date it was {what} must be today or in the past")
            elif received and day < received:
                self.add_error(
                    name, f"The date it was {what} must be on or after the date it was received"
                )
        if cleaned.get("escalated_to") == "none" and cleaned.get("escalated_on"):
            self.add_error("escalated_to", "Select who it was escalated to, or clear the date")
        return cleaned

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in FIELDS}
        if data["escalated_to"] == "none":
            data["escalated_to"] = Escalation.NONE
        for name in ("raised_by", "summary", "outcome"):
            data[name] = (data[name] or "").strip()
        return data


class ConcernFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label="Open or closed",
        choices=[("open", "Open"), ("closed", "Closed")],
        empty_label="Open and closed",
        method="by_state",
    )
    escalated = django_filters.ChoiceFilter(
        label="Escalated",
        choices=[("yes", "Escalated"), ("pcc", "Escalated to the PCC"), ("no", "Not escalated")],
        empty_label="Escalated or not",
        method="by_escalation",
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=ConcernKind.choices, empty_label="Concerns and complaints"
    )

    class Meta:
        model = Concern
        fields = ["state", "escalated", "kind"]
        form = FilterForm

    def by_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(closed_on__isnull=True)
        if value == "closed":
            return queryset.filter(closed_on__isnull=False)
        return queryset

    def by_escalation(self, queryset, name, value):
        if value == "yes":
            return queryset.exclude(escalated_to="")
        if value == "pcc":
            return queryset.filter(escalated_to=Escalation.PCC)
        if value == "no":
            return queryset.filter(escalated_to="")
        return queryset
