"""Forms and list filters for the office's side of monitoring: reviewing a return, a
return schedule and its targets, and resolving an underspend."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django import forms

from commissioning.forms import FilterForm, PortalForm, PortalModelForm
from commissioning.templatetags.portal import money
from grants.forms import MoneyField, MoneyFormMixin
from grants.models import GrantCharge

from .models import MonitoringReturn, OutcomeFramework, ReturnSchedule, UnderspendFlag
from .selectors import your_schedules

ACCEPT, CHANGES = "accept", "changes"


class ReviewForm(PortalForm):
    """Accept a submitted return, or send it back with what needs to change. The page
    renders it by hand (templates/monitoring/review/review_panel.html) so the return's
    own page can include it without a form in its context."""

    submit_label = ""

    decision = forms.ChoiceField(
        label="Your decision",
        choices=[(ACCEPT, "Accept the return"), (CHANGES, "Ask for changes")],
        widget=forms.RadioSelect,
    )
    comments = forms.CharField(
        label="Comments",
        required=False,
        widget=forms.Textarea,
        help_text="Required if you ask for changes: say what needs to change. "
        "The provider sees these comments.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].error_messages["required"] = (
            "Select whether to accept the return or ask for changes"
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == CHANGES and not (cleaned.get("comments") or "").strip():
            self.add_error("comments", "Enter what needs to change")
        return cleaned


class ScheduleForm(PortalModelForm):
    submit_label = "Save changes"
    field_widths = {"due_days": 3}

    due_days = forms.IntegerField(
        label="Days after each period ends that a return is due",
        min_value=0,
        max_value=180,
        help_text="From 0 to 180. Returns not yet submitted move to the new due date.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )

    class Meta:
        model = ReturnSchedule
        fields = ["due_days", "framework"]
        labels = {"framework": "Outcome framework"}
        help_texts = {"framework": "The outputs and outcomes this agreement reports each period."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = OutcomeFramework.objects.order_by("name")
        self.fields["framework"].empty_label = "None"
        self.fields["due_days"].error_messages.update(
            {
                "required": "Enter the number of days after each period that a return is due",
                "invalid": "Enter the number of days as a whole number, like 28",
                "min_value": "Enter a number of days from 0 to 180",
                "max_value": "Enter a number of days from 0 to 180",
            }
        )


def measure_field_name(measure) -> str:
    return f"measure_{measure.pk}"


def _target_field(measure) -> forms.DecimalField:
    field = forms.DecimalField(
        label=f"{measure.name} ({measure.unit})",
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text=measure.description,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
    )
    field.gds_width = 5
    field.error_messages.update(
        {
            "invalid": f"Enter the target for {measure.name} as a number, like 40",
            "min_value": f"Enter a target for {measure.name} of 0 or more",
            "max_digits": f"Enter a target for {measure.name} with no more than 10 digits "
            "before the point",
            "max_whole_digits": f"Enter a target for {measure.name} with no more than 10 "
            "digits before the point",
            "max_decimal_places": f"Enter a target for {measure.name} with no more than 2 "
            "decimal places",
        }
    )
    return field


class TargetsForm(PortalForm):
    """One optional target per outcome measure of the schedule's framework; a blank
    target clears it."""

    submit_label = "Save targets"

    def __init__(self, *args, measures, **kwargs):
        super().__init__(*args, **kwargs)
        self.measures = list(measures)
        for measure in self.measures:
            self.fields[measure_field_name(measure)] = _target_field(measure)
        self.helper.layout = self.get_layout()

    def targets(self):
        """(measure, target or None) for each measure."""
        return [
            (measure, self.cleaned_data.get(measure_field_name(measure)))
            for measure in self.measures
        ]


class UnderspendResolveForm(MoneyFormMixin, PortalForm):
    """What the office did about an underspend; for a grant, optionally the money to be
    returned at year end and the funding stream it goes back to."""

    submit_label = "Record what was done"

    resolution = forms.CharField(
        label="What was done about the underspend",
        widget=forms.Textarea,
        help_text="For example: agreed to carry the money into the next quarter; "
        "agreed a revised spend profile; the money will be returned at year end.",
    )

    def __init__(self, *args, flag: UnderspendFlag, **kwargs):
        self.flag = flag
        self.grant = flag.monitoring_return.schedule.grant
        super().__init__(*args, **kwargs)
        self.fields["resolution"].error_messages["required"] = (
            "Enter what was done about the underspend"
        )
        if self.grant is not None:
            self.fields["amount_to_return"] = MoneyField(
                label="Money to be returned at year end (optional)",
                what="the money to be returned",
                required=False,
                help_text="Leave blank if no money is to be returned. It is recorded "
                "against the grant and credited to its funding stream.",
            )
            self.fields["charge"] = self._charge_field()
            self.helper.layout = self.get_layout()

    def _charge_field(self) -> forms.ModelChoiceField:
        field = forms.ModelChoiceField(
            label="Funding stream it goes back to",
            queryset=GrantCharge.objects.filter(grant=self.grant)
            .select_related("funding_stream")
            .order_by("funding_stream__name"),
            widget=forms.RadioSelect,
            required=False,
            help_text="Needed only if money is to be returned.",
        )
        field.label_from_instance = lambda charge: (
            f"{charge.funding_stream} (charged {money(charge.amount)})"
        )
        field.choices = [(k, v) for k, v in field.choices if k not in ("", None)]
        if len(field.queryset) == 1:
            field.initial = field.queryset[0].pk
        return field

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amount_to_return") and not cleaned.get("charge"):
            self.add_error("charge", "Select the funding stream the money goes back to")
        return cleaned


# --- List filters -----------------------------------------------------------------------


class ReviewQueueFilter(django_filters.FilterSet):
    whose = django_filters.ChoiceFilter(
        label="Whose returns",
        choices=[("mine", "Only the agreements I look after")],
        empty_label="Every return awaiting review",
        method="by_whose",
    )

    class Meta:
        model = MonitoringReturn
        fields = ["whose"]
        form = FilterForm

    def by_whose(self, queryset, name, value):
        if value == "mine":
            # Through the officer's few schedules (indexed), not an OR across four joins.
            return queryset.filter(schedule__in=your_schedules(self.request.user))
        return queryset


class UnderspendFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label="State",
        choices=[("open", "To act on"), ("resolved", "Dealt with")],
        empty_label="To act on and dealt with",
        method="by_state",
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=UnderspendFlag._meta.get_field("kind").choices, empty_label="Any"
    )

    class Meta:
        model = UnderspendFlag
        fields = ["state", "kind"]
        form = FilterForm

    def by_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(resolved_at__isnull=True)
        if value == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset
