"""Forms for contracts: entering one directly (with the funding stream it is charged
to) and the small actions on it. Each is checked by a service; its refusal shows at the
field it is about."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from commissioning.forms import PortalForm, PortalModelForm
from commissioning.locking import VersionedFormMixin
from commissioning.models import EDITOR_ROLES, FundingStream, Organisation, User
from commissioning.templatetags.portal import ukdate
from workstreams.forms import DateLayoutMixin, UKDateField

from .models import (
    KPI,
    RAG,
    Contract,
    ContractMeeting,
    ContractNotice,
    ExtensionOption,
    MeetingAction,
    NoticeKind,
    PerformanceRating,
    Variation,
)


def money_input(what: str, *, required: bool = True, min_value=Decimal("0.01")):
    field = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=min_value,
        required=required,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
    )
    field.what = what
    return field


class MoneyMessagesMixin:
    """GOV.UK messages for the money fields, naming what each amount is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            what = getattr(field, "what", None)
            if what is None:
                continue
            field.error_messages.update(
                {
                    "required": f"Enter {what}",
                    "invalid": f"Enter {what} as a number, like 1500 or 1500.50",
                    "min_value": f"Enter {what} greater than £0",
                    "max_decimal_places": f"Enter {what} to the nearest penny",
                    "max_digits": f"Enter {what} with no more than 14 digits",
                }
            )
            field.gds_width = 10


class ContractForm(MoneyMessagesMixin, DateLayoutMixin, PortalModelForm):
    """Enter an existing or co-commissioned contract directly."""

    submit_label = "Save contract"

    start_date = UKDateField(what="the start date", label="Start date")
    end_date = UKDateField(what="the end date", label="End date")
    annual_value = money_input("the annual value")
    whole_life_value = money_input("the whole-life value")
    office_contribution = money_input("the office's contribution", required=False)
    funding_stream = forms.ModelChoiceField(
        label="Funding stream charged", queryset=FundingStream.objects.none()
    )
    charge_amount = money_input("the amount charged to the funding stream")

    class Meta:
        model = Contract
        fields = [
            "reference",
            "title",
            "supplier",
            "workstream",
            "annual_value",
            "whole_life_value",
            "start_date",
            "end_date",
            "light_touch",
            "lead_commissioner",
            "office_contribution",
            "responsible_officer",
            "monitoring_frequency",
        ]
        widgets = {"monitoring_frequency": forms.RadioSelect}
        labels = {
            "reference": "Reference (optional)",
            "title": "Title",
            "supplier": "Supplier",
            "workstream": "Workstream",
            "annual_value": "Annual value (£)",
            "whole_life_value": "Whole-life value (£)",
            "light_touch": "This is a light-touch contract",
            "lead_commissioner": "Lead commissioner (co-commissioned contracts only)",
            "office_contribution": "The office's contribution (£, co-commissioned only)",
            "responsible_officer": "Responsible officer",
            "monitoring_frequency": "How often does the supplier send monitoring returns?",
        }
        help_texts = {
            "reference": "Leave blank to give it the next CT- reference.",
        }
        error_messages = {
            "title": {"required": "Enter the contract's title"},
            "supplier": {"required": "Select the supplier"},
            "workstream": {"required": "Select the workstream"},
            "responsible_officer": {"required": "Select the responsible officer"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reference"].required = False
        self.fields["supplier"].queryset = Organisation.objects.order_by("name")
        self.fields["lead_commissioner"].queryset = Organisation.objects.order_by("name")
        self.fields["lead_commissioner"].required = False
        self.fields["responsible_officer"].queryset = User.objects.filter(
            role__in=EDITOR_ROLES, is_active=True
        ).order_by("full_name", "email")
        self.fields["funding_stream"].queryset = FundingStream.objects.order_by(
            "-financial_year", "name"
        )
        self.fields["funding_stream"].error_messages["required"] = "Select the funding stream"
        for name in ("start_date", "end_date"):
            self.fields[name].help_text = "For example, 1 4 2025"

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        stream, amount = data.pop("funding_stream"), data.pop("charge_amount")
        return {"charges": [(stream, amount)], **data}


class KPIForm(PortalModelForm):
    submit_label = "Add KPI"
    field_widths = {"target": 5, "unit": 10}

    class Meta:
        model = KPI
        fields = ["name", "measure", "target", "unit", "direction", "frequency"]
        labels = {
            "name": "Name",
            "measure": "How it is measured",
            "target": "Target",
            "unit": "Unit",
            "direction": "Which way is better",
            "frequency": "How often it is reported",
        }
        widgets = {"direction": forms.RadioSelect, "frequency": forms.RadioSelect}
        error_messages = {
            "name": {"required": "Enter the KPI's name"},
            "measure": {"required": "Enter how the KPI is measured"},
            "target": {"required": "Enter the target", "invalid": "Enter the target as a number"},
            "unit": {"required": "Enter the unit, for example %"},
            "direction": {"required": "Select which way is better"},
            "frequency": {"required": "Select how often it is reported"},
        }


class GoLiveForm(VersionedFormMixin, DateLayoutMixin, PortalForm):
    submit_label = "Mark as live"

    went_live_on = UKDateField(what="the date it went live", label="Date it went live")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"went_live_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class RiskForm(VersionedFormMixin, PortalForm):
    flagged = forms.TypedChoiceField(
        label="Is there a service risk?",
        choices=[("yes", "Yes: meet quarterly until it is cleared"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    risk_note = forms.CharField(label="Describe the risk", widget=forms.Textarea, required=False)
    submit_label = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flagged"].error_messages["required"] = "Select whether there is a risk"


def _meeting_label(meeting: ContractMeeting) -> str:
    return f"Due {ukdate(meeting.due_date)}"


class MeetingForm(DateLayoutMixin, PortalForm):
    submit_label = "Record the meeting"

    meeting = forms.ModelChoiceField(
        label="Which scheduled meeting was it?",
        queryset=ContractMeeting.objects.none(),
        widget=forms.RadioSelect,
    )
    held_on = UKDateField(what="the date it was held", label="Date held")
    minutes = forms.CharField(label="Minutes", widget=forms.Textarea)
    rag = forms.ChoiceField(label="RAG rating", choices=RAG.choices, widget=forms.RadioSelect)

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        field.queryset = contract.meetings.filter(held_on__isnull=True).order_by("due_date")
        field.label_from_instance = _meeting_label
        field.error_messages["required"] = "Select the scheduled meeting"
        self.fields["minutes"].error_messages["required"] = "Enter the minutes"
        self.fields["rag"].error_messages["required"] = "Select the RAG rating"


class ExtensionForm(VersionedFormMixin, DateLayoutMixin, PortalForm):
    submit_label = "Exercise the extension"

    option = forms.ModelChoiceField(
        label="Which extension?", queryset=ExtensionOption.objects.none(), widget=forms.RadioSelect
    )
    on = UKDateField(what="the date it was exercised", label="Date exercised")

    def __init__(self, *args, contract: Contract, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field = self.fields["option"]
        field.queryset = contract.extensions.filter(exercised_on__isnull=True)
        field.label_from_instance = lambda option: f"{option.months} months"
        field.error_messages["required"] = "Select the extension"


class ExtensionOptionForm(PortalForm):
    submit_label = "Add the extension option"

    months = forms.IntegerField(
        label="Length of the extension (months)", min_value=1, max_value=120
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["months"].error_messages.update(
            {
                "required": "Enter the length of the extension in months",
                "invalid": "Enter the length of the extension as a whole number of months",
                "min_value": "The extension must be at least 1 month",
                "max_value": "The extension must be 120 months or fewer",
            }
        )


class MeetingActionForm(DateLayoutMixin, PortalForm):
    submit_label = "Add the action"

    meeting = forms.ModelChoiceField(
        label="Which meeting agreed it?",
        queryset=ContractMeeting.objects.none(),
        widget=forms.RadioSelect,
    )
    description = forms.CharField(label="What is to be done", widget=forms.Textarea)
    owner = forms.CharField(label="Who owns it", max_length=200)
    due_date = UKDateField(what="the due date", label="Due by")

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        field.queryset = contract.meetings.filter(held_on__isnull=False).order_by("-held_on")
        field.label_from_instance = lambda m: f"Held {ukdate(m.held_on)}"
        field.error_messages["required"] = "Select the meeting that agreed the action"
        self.fields["description"].error_messages["required"] = "Enter what is to be done"
        self.fields["owner"].error_messages["required"] = "Enter who owns the action"


class MeetingActionDoneForm(DateLayoutMixin, PortalForm):
    submit_label = "Mark as done"

    action = forms.ModelChoiceField(
        label="Which action is done?",
        queryset=MeetingAction.objects.none(),
        widget=forms.RadioSelect,
    )
    done_on = UKDateField(what="the date it was done", label="Date done")

    def __init__(self, *args, contract: Contract, **kwargs):
        kwargs.setdefault("initial", {"done_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        field.queryset = MeetingAction.objects.filter(
            meeting__contract=contract, done_on__isnull=True
        ).order_by("due_date")
        field.label_from_instance = lambda a: (
            f"{a.description[:80]} ({a.owner}, due {ukdate(a.due_date)})"
        )
        field.error_messages["required"] = "Select the action that is done"


class VariationForm(VersionedFormMixin, MoneyMessagesMixin, DateLayoutMixin, PortalModelForm):
    submit_label = "Record the variation"

    effective_on = UKDateField(what="the date it takes effect", label="Date it takes effect")
    value_effect = money_input("the effect on the whole-life value", min_value=None)

    class Meta:
        model = Variation
        fields = ["description", "value_effect", "effective_on", "approving_decision"]
        labels = {
            "description": "What changed",
            "value_effect": "Effect on the whole-life value (£)",
            "approving_decision": "Approving decision (optional)",
        }
        help_texts = {"value_effect": "Use a minus sign for a reduction; 0 if none."}
        error_messages = {"description": {"required": "Enter what changed"}}


class TerminateForm(VersionedFormMixin, DateLayoutMixin, PortalForm):
    submit_label = "Terminate the contract"

    terminated_on = UKDateField(what="the termination date", label="Termination date")
    termination_reason = forms.CharField(label="Why is it terminated?", widget=forms.Textarea)
    termination_clause = forms.CharField(
        label="Contract clause relied on (optional)", max_length=100, required=False
    )
    notice_given_on = UKDateField(
        what="the date notice was given", label="Date notice was given (optional)", required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["termination_reason"].error_messages["required"] = (
            "Enter why the contract is terminated"
        )


def _notice_label(notice: ContractNotice) -> str:
    return f"{notice.get_kind_display()}, due {ukdate(notice.due_date)}"


class NoticeForm(DateLayoutMixin, PortalForm):
    submit_label = "Record as published"

    notice = forms.ModelChoiceField(
        label="Which notice?", queryset=ContractNotice.objects.none(), widget=forms.RadioSelect
    )
    published_on = UKDateField(what="the date it was published", label="Date published")
    rating = forms.ChoiceField(
        label="Performance rating (performance assessments only)",
        choices=[("", "Not a performance assessment"), *PerformanceRating.choices],
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, contract: Contract, **kwargs):
        kwargs.setdefault("initial", {"published_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field = self.fields["notice"]
        field.queryset = contract.notices.filter(published_on__isnull=True).order_by("due_date")
        field.label_from_instance = _notice_label
        field.error_messages["required"] = "Select the notice"
        # GOV.UK radios have no blank option: no choice means "not an assessment".
        self.fields["rating"].choices = PerformanceRating.choices

    def clean(self):
        data = super().clean()
        notice = data.get("notice")
        if notice is not None and notice.kind != NoticeKind.PERFORMANCE:
            data["rating"] = ""
        return data
