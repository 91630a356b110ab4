"""Forms for workstreams, their checklists, partners, milestones and voice log."""

from __future__ import annotations

import datetime

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from commissioning.forms import ConfirmRemoveForm, PortalForm, PortalModelForm, _layout_object
from commissioning.models import EDITOR_ROLES, Organisation, User
from commissioning.uploads import validate_upload

from .models import (
    ChecklistStatus,
    CommissioningRole,
    Milestone,
    Portfolio,
    ServiceUserVoice,
    Stage,
    Workstream,
    WorkstreamPartner,
    WorkstreamStatus,
)
from .services import STATUS_CHANGES

#: One line for each role, from the strategy's "Commissioning Roles".
ROLE_HINTS = {
    CommissioningRole.FACILITATING: "The office coordinates bids or allocations under rules "
    "set by someone else; the final decision often sits with another body, such as the "
    "Ministry of Justice or a community safety partnership.",
    CommissioningRole.LEAD: "The office has a clear mandate to lead the whole commissioning "
    "process, usually a contract procured with South West Police Procurement.",
    CommissioningRole.CO_COMMISSIONER: "Another body leads (NHS England, a local authority, "
    "an integrated care board); the office takes part throughout, on the board and the "
    "evaluation panel.",
    CommissioningRole.INFLUENCING: "The office does not necessarily contribute money but "
    "seeks influence over outcomes: boards, escalation, statements of support.",
}


class UKDateField(DateInputField):
    """A GOV.UK date input whose messages name the date: ``what`` is, for example,
    "the date of the milestone"."""

    def __init__(self, *, what: str, **kwargs):
        kwargs.setdefault("require_all_fields", False)
        super().__init__(**kwargs)
        self.what = what
        for part in self.fields:
            part.validators = []  # a non-number is reported as "must be a real date"
        self.word_errors()

    def word_errors(self) -> None:
        """Set the GOV.UK messages (again, after a base form has worded its fields)."""
        what = self.what
        capital = what[:1].upper() + what[1:]
        self.error_messages["required"] = f"Enter {what}"
        self.error_messages["incomplete"] = f"Enter {what}"
        self.error_messages["invalid"] = f"{capital} must be a real date"
        for part, name in zip(self.fields, ("a day", "a month", "a year"), strict=True):
            part.error_messages["incomplete"] = f"{capital} must include {name}"

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError as error:
            if getattr(error, "code", None) == "required":
                raise
            messages = error.messages
            if any("must include" in message for message in messages):
                raise ValidationError([m for m in messages if "must include" in m]) from error
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            return datetime.date(int(year), int(month), int(day))
        except (TypeError, ValueError) as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


def _date_layout(name: str, field: forms.Field):
    if isinstance(field, DateInputField):
        return Field(name)  # a fieldset; the helper sets the legend size
    return _layout_object(name, field)


class DateLayoutMixin:
    """Lays out GOV.UK date inputs as fieldsets, everything else as the base form does,
    and keeps the date fields' own messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, UKDateField):
                field.word_errors()

    def get_layout(self) -> Layout:
        return Layout(*(_date_layout(name, field) for name, field in self.fields.items()))


class ConfirmDeleteForm(ConfirmRemoveForm):
    submit_label = "Yes, delete it"


# --- Workstreams ------------------------------------------------------------------------


def _role_choices() -> list:
    return [
        Choice(value, label, hint=str(ROLE_HINTS[value]))
        for value, label in CommissioningRole.choices
    ]


class WorkstreamForm(PortalModelForm):
    """Adds a workstream (``instance`` is None) or edits one. Stage is set only when the
    workstream is added; after that it moves through the stage-advance page."""

    class Meta:
        model = Workstream
        fields = [
            "title",
            "description",
            "portfolio",
            "lead_officer",
            "role",
            "lead_commissioner",
            "predecessor",
            "status",
            "closed_reason",
            "stage",
        ]
        labels = {
            "title": "Title",
            "description": "Description",
            "portfolio": "Portfolio",
            "lead_officer": "Lead officer",
            "role": "Commissioning role",
            "lead_commissioner": "Lead commissioner",
            "predecessor": "Re-commissions (optional)",
            "status": "Status",
            "closed_reason": "Why is the workstream closing?",
            "stage": "Cycle stage",
        }
        help_texts = {
            "lead_commissioner": "Required for a co-commissioned workstream: the body that "
            "leads it (NHS England, a local authority, an integrated care board…).",
            "predecessor": "The earlier workstream this one re-commissions, if any.",
            "closed_reason": "Only needed when the workstream is closed.",
            "stage": "Where the work is in the Understand, Plan, Do, Review cycle.",
        }
        widgets = {
            "role": forms.RadioSelect,
            "status": forms.RadioSelect,
            "stage": forms.RadioSelect,
        }
        error_messages = {
            "title": {"required": "Enter the workstream's title"},
            "portfolio": {"required": "Select the portfolio"},
            "lead_officer": {"required": "Select the lead officer"},
            "role": {"required": "Select the office's commissioning role"},
            "status": {"required": "Select the status"},
            "stage": {"required": "Select the cycle stage"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        editing = instance.pk is not None
        fields = self.fields
        fields["portfolio"].queryset = Portfolio.objects.filter(
            Q(is_active=True) | Q(pk=instance.portfolio_id)
        )
        fields["portfolio"].empty_label = "Select a portfolio"
        fields["lead_officer"].queryset = User.objects.filter(
            Q(is_active=True, role__in=EDITOR_ROLES) | Q(pk=instance.lead_officer_id)
        ).order_by("full_name", "email")
        fields["lead_officer"].empty_label = "Select an officer"
        fields["lead_commissioner"].queryset = Organisation.objects.filter(
            Q(is_active=True) | Q(pk=instance.lead_commissioner_id)
        )
        fields["lead_commissioner"].empty_label = "Select an organisation"
        predecessors = Workstream.objects.order_by("title")
        if editing:
            predecessors = predecessors.exclude(pk=instance.pk)
        fields["predecessor"].queryset = predecessors
        fields["predecessor"].empty_label = "None"
        fields["role"].choices = _role_choices()
        if editing:
            del fields["stage"]
            current = WorkstreamStatus(instance.status)
            allowed = {current, *STATUS_CHANGES[current]}
            fields["status"].choices = [
                (value, label) for value, label in WorkstreamStatus.choices if value in allowed
            ]
        else:
            del fields["closed_reason"]
            fields["status"].choices = [
                (value, label)
                for value, label in WorkstreamStatus.choices
                if value in (WorkstreamStatus.PROPOSED, WorkstreamStatus.ACTIVE)
            ]
            fields["stage"].choices = list(Stage.choices)
        self.helper.layout = self.get_layout()

    @property
    def submit_label(self):  # type: ignore[override]
        return "Save changes" if self.instance.pk else "Add workstream"


# --- Checklist --------------------------------------------------------------------------


class ChecklistItemForm(PortalForm):
    submit_label = "Save"

    status = forms.ChoiceField(
        label="Status", choices=ChecklistStatus.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea)
    evidence_url = forms.URLField(
        label="Evidence link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="A link to where the evidence is published or kept, for example the "
        "needs assessment on the office's website.",
    )
    evidence_file = forms.FileField(
        label="Evidence document",
        required=False,
        help_text="A PDF, Word, Excel, OpenDocument, CSV, text or image file. Uploading a "
        "file replaces any document already attached.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].error_messages["required"] = "Select the item's status"
        self.fields["evidence_url"].error_messages["invalid"] = (
            "Enter the evidence link in the form https://example.org/document"
        )
        self.fields["evidence_file"].error_messages.update(
            {
                "invalid": "The selected file could not be read: choose it again",
                "empty": "The selected file is empty",
                "missing": "The selected file could not be read: choose it again",
                "max_length": "The selected file's name must be 255 characters or fewer",
            }
        )

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if upload:
            validate_upload(upload)
        return upload

    def get_layout(self) -> Layout:
        return Layout(
            Field.radios("status", legend_size=Size.SMALL),
            Field.textarea("note", rows=3),
            Field.text("evidence_url"),
            Field("evidence_file"),
        )


# --- Stage advance ----------------------------------------------------------------------


class StageAdvanceForm(PortalForm):
    """Confirms a move to the next stage; a manager may give a reason to move on with
    required items still to do."""

    reason = forms.CharField(
        label="Why should the workstream move on with these items still to do?",
        required=False,
        widget=forms.Textarea,
        help_text="This is recorded in the workstream's history.",
    )

    def __init__(self, *args, next_stage=None, with_reason: bool = False, **kwargs):
        self.next_stage = next_stage
        super().__init__(*args, **kwargs)
        if not with_reason:
            del self.fields["reason"]
            self.helper.layout = self.get_layout()

    @property
    def submit_label(self):  # type: ignore[override]
        label = Stage(self.next_stage).label if self.next_stage else "the next stage"
        return f"Move to {label}"


# --- Partners ---------------------------------------------------------------------------


class PartnerForm(PortalModelForm):
    submit_label = "Add partner"

    class Meta:
        model = WorkstreamPartner
        fields = ["organisation", "part", "note"]
        labels = {"organisation": "Organisation", "part": "Their part", "note": "Note"}
        widgets = {"part": forms.RadioSelect}
        error_messages = {
            "organisation": {"required": "Select the organisation"},
            "part": {"required": "Select the organisation's part in the workstream"},
        }

    def __init__(self, *args, workstream: Workstream, **kwargs):
        self.workstream = workstream
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True)
        self.fields["organisation"].empty_label = "Select an organisation"

    def clean(self):
        cleaned = super().clean()
        organisation, part = cleaned.get("organisation"), cleaned.get("part")
        if (
            organisation
            and part
            and self.workstream.partners.filter(organisation=organisation, part=part).exists()
        ):
            self.add_error(
                "organisation",
                f"{organisation} is already a {dict(self.fields['part'].choices)[part].lower()}"
                " in this workstream",
            )
        return cleaned


# --- Milestones -------------------------------------------------------------------------


class MilestoneForm(DateLayoutMixin, PortalModelForm):
    date = UKDateField(what="the date of the milestone", label="Date")

    class Meta:
        model = Milestone
        fields = ["title", "kind", "date", "note"]
        labels = {"title": "Title", "kind": "Kind of milestone", "note": "Note"}
        widgets = {"kind": forms.RadioSelect}
        error_messages = {
            "title": {"required": "Enter the milestone's title"},
            "kind": {"required": "Select the kind of milestone"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].help_text = "For example, 31 3 2027"

    @property
    def submit_label(self):  # type: ignore[override]
        return "Save changes" if self.instance.pk else "Add milestone"


# --- Service-user voice -----------------------------------------------------------------


class VoiceForm(DateLayoutMixin, PortalModelForm):
    submit_label = "Add to the log"
    field_widths = {"participants": 5}

    date = UKDateField(what="the date it happened", label="Date")

    class Meta:
        model = ServiceUserVoice
        fields = ["date", "kind", "title", "participants", "summary", "influence"]
        labels = {
            "kind": "Kind of engagement",
            "title": "Title",
            "participants": "Number of people who took part (optional)",
            "summary": "What we heard",
            "influence": "How it informed the work",
        }
        widgets = {"kind": forms.RadioSelect, "participants": forms.TextInput}
        error_messages = {
            "kind": {"required": "Select the kind of engagement"},
            "title": {"required": "Enter a title"},
            "summary": {"required": "Enter what you heard"},
            "participants": {
                "invalid": "Enter the number of people as a whole number, like 12",
                "min_value": "Enter a number of people of 0 or more",
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].help_text = "For example, 14 2 2025"
        self.fields["participants"].widget.attrs.update({"inputmode": "numeric"})
