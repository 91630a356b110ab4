"""Forms for procurements: the route, timetable and evaluation design, quality questions,
bids, supplier suitability, panel scores, moderation and the award."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from commissioning.forms import PortalForm, PortalModelForm
from commissioning.models import STAFF_ROLES, Organisation, User
from decisions.models import AssessmentStatus, DecisionAssessment, DecisionType
from workstreams.forms import DateLayoutMixin, UKDateField

from .models import Bid, Procurement, SuitabilityGround

NUMBER_ATTRS = {"inputmode": "decimal", "spellcheck": "false"}
TIMETABLE = [
    ("engagement_date", "the early market engagement date"),
    ("tender_notice_date", "the tender notice date"),
    ("clarification_deadline", "the clarification deadline"),
    ("submission_deadline", "the submission deadline"),
    ("evaluation_date", "the evaluation date"),
    ("award_date", "the award date"),
    ("standstill_end", "the end of standstill"),
    ("mobilisation_start", "the mobilisation date"),
    ("go_live_date", "the go-live date"),
]


class PoundsField(forms.DecimalField):
    """Pounds and pence; "£125,000.50" is read as 125000.50."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").removeprefix("£").strip()
        return super().to_python(value)


def _pounds(label: str, what: str) -> forms.DecimalField:
    field = PoundsField(
        label=label,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs=NUMBER_ATTRS),
    )
    field.what = what
    return field


def _number(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=5,
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(attrs={**NUMBER_ATTRS, "class": "govuk-input--width-5"}),
    )


def approved_decisions(decision_type: str | None = None):
    decisions = DecisionAssessment.objects.filter(status=AssessmentStatus.APPROVED)
    if decision_type:
        decisions = decisions.filter(decision_type=decision_type)
    return decisions.order_by("title")


class ProcurementForm(DateLayoutMixin, PortalModelForm):
    submit_label = "Save procurement"

    estimated_annual_value = _pounds("Estimated annual value (£)", "the estimated annual value")
    estimated_whole_life_value = _pounds(
        "Estimated whole-life value (£)", "the estimated whole-life value"
    )
    quality_weight = _number("Quality weight (%)")
    price_weight = _number("Price weight (%)")
    social_value_weight = _number("Social value weight (%)")

    class Meta:
        model = Procurement
        fields = [
            "workstream",
            "title",
            "route",
            "direct_award_justification",
            "light_touch",
            "estimated_annual_value",
            "estimated_whole_life_value",
            "exception_decision",
            "early_market_engagement",
            *(name for name, _what in TIMETABLE),
            "quality_weight",
            "price_weight",
            "social_value_weight",
            "score_scale_max",
        ]
        widgets = {"route": forms.RadioSelect}
        labels = {
            "direct_award_justification": "Why is this a direct award?",
            "light_touch": "This is a light-touch contract (Light Touch Regime)",
            "exception_decision": "Approved decision recording an exception to the route",
        }
        error_messages = {
            "workstream": {"required": "Select the workstream"},
            "title": {"required": "Enter the procurement's title"},
            "route": {"required": "Select the procurement route"},
            "score_scale_max": {"required": "Enter the highest score on the scale"},
        }

    def __init__(self, *args, **kwargs):
        # Per-instance copy: the class's own base_fields are never changed.
        self.base_fields = dict(self.base_fields)
        for name, what in TIMETABLE:
            label = Procurement._meta.get_field(name).verbose_name
            self.base_fields[name] = UKDateField(
                what=what, label=label[:1].upper() + label[1:], required=False
            )
        super().__init__(*args, **kwargs)
        self.fields["exception_decision"].queryset = approved_decisions()
        self.fields["exception_decision"].help_text = (
            "Only needed over the annual threshold when the route is not the "
            "procurement service. Only approved decisions are listed."
        )
        self.fields["direct_award_justification"].help_text = "Needed for a direct award."
        for name in ("estimated_annual_value", "estimated_whole_life_value"):
            what = self.fields[name].what
            self.fields[name].error_messages.update(
                {
                    "required": f"Enter {what} in pounds",
                    "invalid": f"Enter {what} in pounds, like 125000 or 125000.50",
                    "min_value": "Enter an amount greater than £0",
                }
            )
        for name, what in (
            ("quality_weight", "the quality weight"),
            ("price_weight", "the price weight"),
            ("social_value_weight", "the social value weight"),
        ):
            self.fields[name].error_messages.update(
                {
                    "required": f"Enter {what} as a percentage",
                    "invalid": f"Enter {what} as a number, like 60",
                }
            )


class QuestionForm(PortalForm):
    submit_label = "Add question"

    text = forms.CharField(label="Question", widget=forms.Textarea)
    weight = _number(
        "Weight within quality (%)",
        help_text="The quality questions' weights must add up to 100%.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages["required"] = "Enter the question"
        self.fields["weight"].error_messages.update(
            {
                "required": "Enter the question's weight as a percentage",
                "invalid": "Enter the question's weight as a number, like 25",
            }
        )

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight <= 0 or weight > 100:
            raise forms.ValidationError("Enter a weight from more than 0 up to 100")
        return weight


class BidForm(PortalForm):
    submit_label = "Add bid"

    supplier = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Supplier")
    price = _pounds("Bid price (£)", "the bid price")

    def __init__(self, *args, procurement: Procurement, **kwargs):
        self.procurement = procurement
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Organisation.objects.filter(is_active=True).order_by(
            "name"
        )
        self.fields["supplier"].error_messages["required"] = "Select the supplier"
        self.fields["price"].help_text = "The whole-life price the supplier bid."
        self.fields["price"].error_messages.update(
            {
                "required": "Enter the bid price in pounds",
                "invalid": "Enter the bid price in pounds, like 125000 or 125000.50",
                "min_value": "Enter an amount greater than £0",
            }
        )

    def clean_supplier(self):
        supplier = self.cleaned_data["supplier"]
        if Bid.objects.filter(procurement=self.procurement, supplier=supplier).exists():
            raise forms.ValidationError(f"{supplier} has already bid in this procurement")
        return supplier


RESULT_CHOICES = [("pass", "Pass"), ("fail", "Fail"), ("", "Not assessed yet")]
RESULT_VALUES = {"pass": True, "fail": False, "": None}


class SuitabilityForm(DateLayoutMixin, PortalForm):
    submit_label = "Save suitability"

    def __init__(self, *args, bid: Bid, **kwargs):
        self.bid = bid
        self.base_fields = dict(self.base_fields)
        checks = {check.ground: check for check in bid.suitability.all()}
        initial = kwargs.setdefault("initial", {})
        for ground, label in SuitabilityGround.choices:
            check = checks.get(ground)
            self.base_fields[f"result_{ground}"] = forms.ChoiceField(
                label=label,
                choices=RESULT_CHOICES,
                required=False,
                widget=forms.RadioSelect,
            )
            self.base_fields[f"note_{ground}"] = forms.CharField(
                label=f"Note on {label[:1].lower() + label[1:]}",
                required=False,
                widget=forms.Textarea,
            )
            if check is not None:
                initial.setdefault(
                    f"result_{ground}",
                    {True: "pass", False: "fail", None: ""}[check.passed],
                )
                initial.setdefault(f"note_{ground}", check.note)
        self.base_fields["modern_slavery_applies"] = forms.BooleanField(
            label="Section 54 of the Modern Slavery Act applies to this supplier",
            required=False,
            help_text=Bid._meta.get_field("modern_slavery_applies").help_text,
        )
        self.base_fields["modern_slavery_statement_url"] = forms.URLField(
            label="Address of the modern slavery statement",
            required=False,
            assume_scheme="https",
        )
        self.base_fields["modern_slavery_statement_date"] = UKDateField(
            what="the date of the statement", label="Date of the statement", required=False
        )
        initial.setdefault("modern_slavery_applies", bid.modern_slavery_applies)
        initial.setdefault("modern_slavery_statement_url", bid.modern_slavery_statement_url)
        initial.setdefault("modern_slavery_statement_date", bid.modern_slavery_statement_date)
        super().__init__(*args, **kwargs)
        self.fields["modern_slavery_statement_url"].error_messages["invalid"] = (
            "Enter the statement's address in the form https://example.org/statement"
        )
        # A radio left on "not assessed" is a real answer, so keep its option.
        for ground, _label in SuitabilityGround.choices:
            self.fields[f"result_{ground}"].choices = RESULT_CHOICES

    def results(self) -> dict[str, tuple[bool | None, str]]:
        return {
            ground: (
                RESULT_VALUES[self.cleaned_data[f"result_{ground}"]],
                self.cleaned_data[f"note_{ground}"].strip(),
            )
            for ground in SuitabilityGround.values
        }


def _score_field(label: str, scale: int, *, required: bool = True, help_text: str = ""):
    field = _number(label, required=required, help_text=help_text)
    field.error_messages.update(
        {
            "required": f"Enter a score from 0 to {scale}",
            "invalid": f"Enter a score from 0 to {scale}, like 3",
        }
    )
    return field


class PanelScoreForm(PortalForm):
    submit_label = "Save scores"

    panel_member = forms.ModelChoiceField(queryset=User.objects.none(), label="Panel member")

    def __init__(self, *args, bid: Bid, questions, **kwargs):
        self.bid = bid
        self.questions = list(questions)
        self.base_fields = dict(self.base_fields)
        scale = bid.procurement.score_scale_max
        for question in self.questions:
            self.base_fields[f"score_{question.pk}"] = _score_field(
                f"Question {question.number}: {question.text}", scale
            )
        super().__init__(*args, **kwargs)
        self.fields["panel_member"].queryset = User.objects.filter(
            role__in=STAFF_ROLES, is_active=True
        ).order_by("full_name", "email")
        self.fields["panel_member"].error_messages["required"] = "Select the panel member"
        for question in self.questions:
            field = self.fields[f"score_{question.pk}"]
            field.error_messages.update(_score_field("", scale).error_messages)
            field.help_text = f"Weight {question.weight}% of quality. Score from 0 to {scale}."


class ModerationForm(PortalForm):
    submit_label = "Save moderated scores"

    def __init__(self, *args, bid: Bid, questions, averages: dict, **kwargs):
        self.bid = bid
        self.questions = list(questions)
        self.base_fields = dict(self.base_fields)
        scale = bid.procurement.score_scale_max
        for question in self.questions:
            average = averages.get(question.pk)
            shown = "no panel scores yet" if average is None else f"panel average {average}"
            self.base_fields[f"score_{question.pk}"] = _score_field(
                f"Question {question.number}: consensus score",
                scale,
                help_text=f"{question.text} ({shown}; score from 0 to {scale})",
            )
            self.base_fields[f"reason_{question.pk}"] = forms.CharField(
                label=f"Question {question.number}: reason for any change from the average",
                required=False,
                widget=forms.Textarea,
            )
        self.base_fields["social_value_score"] = _score_field(
            "Social value: moderated score",
            scale,
            required=False,
            help_text=f"Score from 0 to {scale}.",
        )
        super().__init__(*args, **kwargs)
        for question in self.questions:
            self.fields[f"score_{question.pk}"].error_messages.update(
                _score_field("", scale).error_messages
            )
        self.fields["social_value_score"].error_messages.update(
            _score_field("", scale).error_messages
        )

    def clean_social_value_score(self):
        score = self.cleaned_data["social_value_score"]
        scale = self.bid.procurement.score_scale_max
        if score is not None and (score < 0 or score > scale):
            raise forms.ValidationError(f"Enter a score from 0 to {scale}")
        return score


class AwardForm(DateLayoutMixin, PortalForm):
    submit_label = "Award the contract"

    bid = forms.ModelChoiceField(
        queryset=Bid.objects.none(), label="Which bid wins?", widget=forms.RadioSelect
    )
    decision = forms.ModelChoiceField(
        queryset=DecisionAssessment.objects.none(),
        label="Approved contract-award decision",
        required=False,
        help_text="Needed only when the award does not go to the top-ranked bidder.",
    )
    award_date = UKDateField(what="the award date", label="Award date", required=False)

    def __init__(self, *args, procurement: Procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bid"].queryset = procurement.bids.select_related("supplier")
        self.fields["bid"].label_from_instance = lambda bid: bid.supplier.name
        self.fields["bid"].error_messages["required"] = "Select the bid that wins"
        self.fields["decision"].queryset = approved_decisions(DecisionType.CONTRACT_AWARD)
        self.fields["award_date"].help_text = "Leave blank for today."
