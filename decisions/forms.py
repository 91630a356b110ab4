"""Forms for decision assessments: starting one, answering the six questions and
recommending, deciding, and confirming a supersede."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Layout,
    Size,
)
from django import forms

from commissioning.forms import PortalForm
from commissioning.locking import VersionedFormMixin
from commissioning.models import EDITOR_ROLES, Organisation, User
from commissioning.uploads import validate_upload
from workstreams.forms import ROLE_HINTS
from workstreams.models import CommissioningRole, Portfolio, Workstream, WorkstreamStatus

from .models import DecisionType, Rating, Recommendation
from .services import answer_field

EXISTING, NEW = "existing", "new"
ABOUT_CHOICES = [
    (EXISTING, "An existing workstream"),
    (NEW, "A new proposed workstream"),
]
#: The new-workstream fields of the start form, by the workstream field each fills.
NEW_WORKSTREAM_FIELDS = {
    "title": "new_title",
    "portfolio": "new_portfolio",
    "role": "new_role",
    "lead_officer": "new_lead_officer",
    "lead_commissioner": "new_lead_commissioner",
}

DECISION_TYPE_HINTS = {
    DecisionType.NEW_WORKSTREAM: "Whether the office should take part in a new piece of "
    "work, and in which commissioning role.",
    DecisionType.FUNDING_AWARD: "Awarding a grant or other funding.",
    DecisionType.CONTRACT_AWARD: "Awarding a contract after a procurement.",
    DecisionType.VARIATION: "Changing or extending an existing grant or contract.",
    DecisionType.TERMINATION: "Ending a grant or contract early.",
}
RECOMMENDATION_HINTS = {
    Recommendation.PROCEED: "The office should go ahead.",
    Recommendation.DECLINE: "The office should say no. A declined decision stays on the "
    "record with its reasons.",
}
DECISION_OUTCOMES = [
    ("approved", "Approve"),
    ("declined", "Decline"),
    ("returned", "Return for changes"),
]
DECISION_OUTCOME_HINTS = {
    "approved": "The recommendation is accepted.",
    "declined": "The office will not go ahead.",
    "returned": "The author changes the assessment and submits it again.",
}

FILE_ERRORS = {
    "invalid": "The selected file could not be read: choose it again",
    "empty": "The selected file is empty",
    "missing": "The selected file could not be read: choose it again",
    "max_length": "The selected file's name must be 255 characters or fewer",
}


class RevealingRadios(ConditionalRadios):
    """ConditionalRadios whose fieldset carries the field's id (for the error summary)."""

    template = "decisions/includes/conditional_radios.html"


def _money_field(name: str):
    """A GOV.UK text input with a £ prefix."""
    return Field(name, template="decisions/includes/money_field.html")


def _with_hints(choices, hints) -> list:
    return [Choice(value, label, hint=str(hints[value])) for value, label in choices]


# --- Starting an assessment -------------------------------------------------------------


class AssessmentStartForm(PortalForm):
    """What the decision is and which workstream it is about: an existing one, or a new
    proposed one created with the assessment. Both groups of questions show without
    JavaScript; only the chosen one must be complete."""

    submit_label = "Start the assessment"

    title = forms.CharField(
        label="Title of the decision",
        max_length=255,
        help_text="For example, “Lead the re-commissioning of the domestic abuse "
        "outreach service”.",
    )
    decision_type = forms.ChoiceField(
        label="What kind of decision is it?", widget=forms.RadioSelect, choices=[]
    )
    amount = forms.DecimalField(
        label="Amount involved (optional)",
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text="For a funding award, contract award or variation: the money the office "
        "would commit, in pounds.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
    )
    about = forms.ChoiceField(
        label="Which workstream is it about?",
        widget=forms.RadioSelect,
        choices=ABOUT_CHOICES,
    )
    workstream = forms.ModelChoiceField(
        label="Workstream", queryset=Workstream.objects.none(), required=False
    )
    new_title = forms.CharField(label="Title of the new workstream", max_length=255, required=False)
    new_portfolio = forms.ModelChoiceField(
        label="Portfolio", queryset=Portfolio.objects.none(), required=False
    )
    new_role = forms.ChoiceField(
        label="Commissioning role being considered",
        widget=forms.RadioSelect,
        choices=[],
        required=False,
    )
    new_lead_commissioner = forms.ModelChoiceField(
        label="Lead commissioner (for a co-commissioned workstream)",
        queryset=Organisation.objects.none(),
        required=False,
        help_text="The body that leads it: NHS England, a local authority, an integrated "
        "care board…",
    )
    new_lead_officer = forms.ModelChoiceField(
        label="Lead officer", queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["decision_type"].choices = _with_hints(DecisionType.choices, DECISION_TYPE_HINTS)
        fields["new_role"].choices = _with_hints(CommissioningRole.choices, ROLE_HINTS)
        fields["workstream"].queryset = (
            Workstream.objects.exclude(status=WorkstreamStatus.DECLINED)
            .select_related("portfolio")
            .order_by("title")
        )
        fields["workstream"].empty_label = "Select a workstream"
        fields["new_portfolio"].queryset = Portfolio.objects.filter(is_active=True)
        fields["new_portfolio"].empty_label = "Select a portfolio"
        fields["new_lead_officer"].queryset = User.objects.filter(
            is_active=True, role__in=EDITOR_ROLES
        ).order_by("full_name", "email")
        fields["new_lead_officer"].empty_label = "Select an officer"
        fields["new_lead_commissioner"].queryset = Organisation.objects.filter(is_active=True)
        fields["new_lead_commissioner"].empty_label = "Select an organisation"
        messages = {
            "title": "Enter the title of the decision",
            "decision_type": "Select what kind of decision it is",
            "about": "Select whether the decision is about an existing workstream or a new one",
        }
        for name, message in messages.items():
            fields[name].error_messages["required"] = message
        fields["amount"].error_messages.update(
            {
                "invalid": "Enter the amount in pounds, like 125000 or 125000.50",
                "min_value": "Enter an amount of £0 or more",
            }
        )
        self.helper.layout = self.get_layout()

    def get_layout(self) -> Layout:
        return Layout(
            Field.text("title"),
            Field.radios("decision_type", legend_size=Size.SMALL),
            _money_field("amount"),
            RevealingRadios(
                "about",
                ConditionalQuestion(ABOUT_CHOICES[0][1], Field.select("workstream")),
                ConditionalQuestion(
                    ABOUT_CHOICES[1][1],
                    Field.text("new_title"),
                    Field.select("new_portfolio"),
                    Field.radios("new_role", legend_size=Size.SMALL),
                    Field.select("new_lead_commissioner"),
                    Field.select("new_lead_officer"),
                ),
            ),
        )

    def clean(self):
        cleaned = super().clean()
        about = cleaned.get("about")
        if about == EXISTING:
            if not cleaned.get("workstream") and "workstream" not in self.errors:
                self.add_error("workstream", "Select the workstream the decision is about")
        elif about == NEW:
            required = {
                "new_title": "Enter the title of the new workstream",
                "new_portfolio": "Select the new workstream's portfolio",
                "new_role": "Select the commissioning role being considered",
                "new_lead_officer": "Select the new workstream's lead officer",
            }
            for name, message in required.items():
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
            if (
                cleaned.get("new_role") == CommissioningRole.CO_COMMISSIONER
                and not cleaned.get("new_lead_commissioner")
                and "new_lead_commissioner" not in self.errors
            ):
                self.add_error(
                    "new_lead_commissioner",
                    "Select the lead commissioner: a co-commissioned workstream is led by "
                    "another body",
                )
        return cleaned

    def service_arguments(self) -> dict:
        """The keyword arguments for services.assessment_create."""
        data = self.cleaned_data
        arguments = {
            "decision_type": data["decision_type"],
            "title": data["title"].strip(),
            "amount": data["amount"],
        }
        if data["about"] == EXISTING:
            arguments["workstream"] = data["workstream"]
        else:
            arguments["new_workstream"] = {
                "title": data["new_title"].strip(),
                "portfolio": data["new_portfolio"],
                "role": data["new_role"],
                "lead_officer": data["new_lead_officer"],
                "lead_commissioner": data["new_lead_commissioner"],
            }
        return arguments


# --- Answering the questions ------------------------------------------------------------


class AssessmentForm(VersionedFormMixin, PortalForm):
    """The six questions of the assessment's own question set, then the recommendation.
    Nothing is required here: saving a draft keeps whatever has been typed, and the
    submission check (services.missing_for_submission) says what is still missing, keyed
    by these same field names."""

    submit_label = ""  # the page has its own two buttons

    recommendation = forms.ChoiceField(
        label="What do you recommend?", widget=forms.RadioSelect, required=False, choices=[]
    )
    recommended_role = forms.ChoiceField(
        label="Which commissioning role should the office take?",
        widget=forms.RadioSelect,
        required=False,
        choices=[],
        help_text="Needed when you recommend that the office goes ahead with a new workstream.",
    )
    summary = forms.CharField(
        label="Summary of the recommendation", widget=forms.Textarea, required=False
    )
    justification = forms.CharField(
        label="Why should the office proceed although a question is not met?",
        widget=forms.Textarea,
        required=False,
        help_text="Needed only when you recommend proceeding while any question is rated "
        "“not met”: explain why the office should go ahead anyway.",
    )

    def __init__(self, *args, assessment, questions, **kwargs):
        self.assessment = assessment
        self.questions = list(questions)
        super().__init__(*args, **kwargs)
        fields = self.fields
        for question in self.questions:
            n = question.number
            where = f"question {n}, {question.heading}"
            fields[answer_field(n, "rating")] = forms.ChoiceField(
                label="Rating",
                widget=forms.RadioSelect,
                required=False,
                choices=Rating.choices,
                error_messages={"invalid_choice": f"Select a rating for {where}"},
            )
            fields[answer_field(n, "narrative")] = forms.CharField(
                label="Your answer",
                widget=forms.Textarea,
                required=False,
                help_text="The reasons for your rating, with the facts behind them.",
            )
            fields[answer_field(n, "evidence_url")] = forms.URLField(
                label="Evidence link (optional)",
                required=False,
                max_length=500,
                assume_scheme="https",
                error_messages={
                    "invalid": f"Enter the evidence link for {where} in the form "
                    "https://example.org/document",
                    "max_length": f"The evidence link for {where} must be 500 characters or fewer",
                },
            )
            fields[answer_field(n, "evidence_file")] = forms.FileField(
                label="Evidence document (optional)",
                required=False,
                help_text="A PDF, Word, Excel, OpenDocument, CSV, text or image file. "
                "Uploading a file replaces any document already attached.",
                error_messages=FILE_ERRORS,
            )
        fields["recommendation"].choices = _with_hints(Recommendation.choices, RECOMMENDATION_HINTS)
        fields["recommended_role"].choices = _with_hints(CommissioningRole.choices, ROLE_HINTS)
        if assessment.decision_type != DecisionType.NEW_WORKSTREAM:
            del fields["recommended_role"]
        # Re-ordered so the error summary lists problems in page order.
        order = [name for name in fields if name.startswith("q")]
        order += [name for name in fields if not name.startswith("q")]
        self.order_fields(order)
        self.helper.layout = self.get_layout()
        self.blocks = [self._block(question) for question in self.questions]
        self.recommendation_helper = self._helper(
            Field.radios("recommendation", legend_size=Size.SMALL),
            *(
                [Field.radios("recommended_role", legend_size=Size.SMALL)]
                if "recommended_role" in self.fields
                else []
            ),
            Field.textarea("summary", rows=5),
            Field.textarea("justification", rows=5),
            *([Field("version")] if self.is_versioned else []),
        )

    def _helper(self, *fields) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.label_size = Size.SMALL
        helper.legend_size = Size.SMALL
        helper.layout = Layout(*fields)
        return helper

    def _block(self, question) -> dict:
        n = question.number
        return {
            "question": question,
            "helper": self._helper(
                Field(
                    answer_field(n, "rating"),
                    template="decisions/includes/rating_field.html",
                    context={"legend_size": Size.for_legend(Size.SMALL)},
                ),
                Field.textarea(answer_field(n, "narrative"), rows=6),
                Field.text(answer_field(n, "evidence_url")),
            ),
            "file_helper": self._helper(Field(answer_field(n, "evidence_file"))),
        }

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            name = answer_field(question.number, "evidence_file")
            upload = cleaned.get(name)
            if upload:
                try:
                    validate_upload(upload)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def answers(self) -> dict[int, dict]:
        """The answers for services.assessment_update, by question number."""
        data = self.cleaned_data
        return {
            question.number: {
                "rating": data.get(answer_field(question.number, "rating"), ""),
                "narrative": data.get(answer_field(question.number, "narrative"), ""),
                "evidence_url": data.get(answer_field(question.number, "evidence_url"), ""),
                "evidence_file": data.get(answer_field(question.number, "evidence_file")) or None,
            }
            for question in self.questions
        }

    def assessment_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            "recommendation": data.get("recommendation", ""),
            "summary": data.get("summary", ""),
            "justification": data.get("justification", ""),
        }
        if "recommended_role" in self.fields:
            fields["recommended_role"] = data.get("recommended_role", "")
        return fields


def initial_for(assessment, answers) -> dict:
    """The edit form's initial values from the saved draft."""
    initial = {
        "recommendation": assessment.recommendation,
        "recommended_role": assessment.recommended_role,
        "summary": assessment.summary,
        "justification": assessment.justification,
    }
    for answer in answers:
        n = answer.question.number
        initial[answer_field(n, "rating")] = answer.rating
        initial[answer_field(n, "narrative")] = answer.narrative
        initial[answer_field(n, "evidence_url")] = answer.evidence_url
    return initial


# --- Deciding ---------------------------------------------------------------------------


class DecideForm(PortalForm):
    submit_label = "Record the decision"

    outcome = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect, choices=[])
    reason = forms.CharField(
        label="Reason for your decision",
        widget=forms.Textarea,
        help_text="The author is told this, and it stays on the record with the decision.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = _with_hints(DECISION_OUTCOMES, DECISION_OUTCOME_HINTS)
        self.fields["outcome"].error_messages["required"] = (
            "Select approve, decline or return for changes"
        )
        self.fields["reason"].error_messages["required"] = "Enter the reason for your decision"
        self.helper.layout = self.get_layout()

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter the reason for your decision")
        return reason


class SupersedeForm(PortalForm):
    submit_label = "Yes, start a new assessment"
