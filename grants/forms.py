"""Forms for grants: drafting one (with the funding streams it is charged to), its
payment schedule, the award, payments, underspends, withdrawal and onward grants."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import (
    HTML,
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Fieldset,
    Layout,
    Size,
)
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from commissioning.forms import PortalForm, PortalModelForm
from commissioning.locking import VersionedFormMixin
from commissioning.models import EDITOR_ROLES, FundingStream, Organisation, User
from commissioning.templatetags.portal import money
from commissioning.uploads import PDF, WORD, validate_upload
from decisions.models import DecisionAssessment, DecisionType
from workstreams.forms import DateLayoutMixin, UKDateField
from workstreams.models import Workstream, WorkstreamStatus

from .models import (
    Area,
    AwardRoute,
    FraudRisk,
    Grant,
    GrantCharge,
    OnwardGrant,
    PaymentTiming,
    Programme,
)

MONEY_FIELD_TEMPLATE = "grants/includes/money_field.html"
AGREEMENT_KINDS = (PDF, WORD)
FILE_ERRORS = {
    "invalid": "The selected file could not be read: choose it again",
    "empty": "The selected file is empty",
    "missing": "The selected file could not be read: choose it again",
    "max_length": "The selected file's name must be 255 characters or fewer",
}
#: Rows shown in the funding-stream charges table: filled rows plus empty ones, so
#: "add another" needs no JavaScript.
CHARGE_ROWS = 3

AWARD_ROUTE_HINTS = {
    AwardRoute.OPEN_CALL: "Organisations applied through an advertised call.",
    AwardRoute.DIRECT: "The grant goes to one organisation without a call: explain why.",
}
TIMING_HINTS = {
    PaymentTiming.ADVANCE: "Each instalment is due on the first day of its period.",
    PaymentTiming.ARREARS: "Each instalment is due on the last day of its period.",
}


def money_field(name: str) -> Field:
    """A GOV.UK text input with a £ prefix."""
    return Field(name, template=MONEY_FIELD_TEMPLATE)


class MoneyField(forms.DecimalField):
    """Pounds and pence, more than £0, with GOV.UK messages naming ``what``."""

    def __init__(self, *, what: str = "the amount", **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})
        )
        super().__init__(**kwargs)
        self.what = what
        self.word_errors()

    def word_errors(self) -> None:
        self.error_messages.update(
            {
                "required": f"Enter {self.what} in pounds",
                "invalid": f"Enter {self.what} in pounds, like 12500 or 12500.50",
                "min_value": "Enter an amount greater than £0",
                "max_digits": f"Enter {self.what} with no more than 12 digits before the point",
                "max_whole_digits": f"Enter {self.what} with no more than 12 digits before "
                "the point",
                "max_decimal_places": f"Enter {self.what} to the nearest penny",
            }
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").removeprefix("£").strip()
        return super().to_python(value)


class MoneyFormMixin(DateLayoutMixin):
    """Keeps the money fields' own messages after the base form words every field, and
    lays out dates as GOV.UK date inputs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, MoneyField):
                field.word_errors()

    def get_layout(self) -> Layout:
        return Layout(
            *(
                money_field(name) if isinstance(field, MoneyField) else item
                for (name, field), item in zip(
                    self.fields.items(), super().get_layout().fields, strict=True
                )
            )
        )


def _file_field(label: str, help_text: str) -> forms.FileField:
    field = forms.FileField(label=label, required=False, help_text=help_text)
    field.error_messages.update(FILE_ERRORS)
    return field


def _with_hints(choices, hints) -> list:
    return [Choice(value, label, hint=str(hints[value])) for value, label in choices]


# --- The grant ----------------------------------------------------------------------------


class GrantForm(VersionedFormMixin, MoneyFormMixin, PortalModelForm):
    """Adds a draft grant or edits one. Once a grant is awarded only its paperwork can
    change (``paperwork_only``): purpose, conditions, officer and signed agreement."""

    PAPERWORK = ("purpose", "conditions", "responsible_officer", "signed_agreement")

    amount = MoneyField(label="Amount of the grant", what="the amount of the grant")
    start_date = UKDateField(what="the start date", label="Start date")
    end_date = UKDateField(what="the end date", label="End date")
    dd_accounts_date = UKDateField(
        what="the date of the latest accounts seen",
        label="Date of the latest accounts seen (optional until award)",
        required=False,
    )
    signed_agreement = _file_field(
        "Signed grant agreement (optional)",
        "A PDF or Word document. Uploading a file replaces any agreement already attached.",
    )

    class Meta:
        model = Grant
        fields = [
            "title",
            "purpose",
            "workstream",
            "programme",
            "recipient",
            "beneficiary_area",
            "responsible_officer",
            "amount",
            "start_date",
            "end_date",
            "payment_timing",
            "instalments",
            "monitoring_frequency",
            "award_route",
            "direct_award_justification",
            "procurement_route_justification",
            "approving_decision",
            "conditions",
            "dd_organisation_checked",
            "dd_accounts_date",
            "dd_safeguarding_policy",
            "dd_fraud_risk",
        ]
        labels = {
            "title": "Title",
            "purpose": "Purpose",
            "workstream": "Workstream",
            "programme": "Programme",
            "recipient": "Recipient organisation",
            "beneficiary_area": "Area that benefits (optional)",
            "responsible_officer": "Responsible officer",
            "payment_timing": "When is each instalment paid?",
            "instalments": "Number of instalments",
            "monitoring_frequency": "How often does the recipient report?",
            "award_route": "How is the grant awarded?",
            "direct_award_justification": "Why is it a direct award?",
            "procurement_route_justification": "Why is this a grant rather than a contract "
            "procured through South West Police Procurement? (needed over "
            f"{money(settings.PROCUREMENT_SERVICE_THRESHOLD)} a year)",
            "approving_decision": "Approving decision",
            "conditions": "Conditions (optional)",
            "dd_organisation_checked": "The organisation's registration and status have been "
            "checked",
            "dd_safeguarding_policy": "The organisation's safeguarding policy has been seen",
            "dd_fraud_risk": "Fraud risk rating",
        }
        help_texts = {
            "purpose": "What the money is for, as the recipient and the public will read it.",
            "beneficiary_area": "Leave blank when the grant benefits the whole force area.",
            "instalments": "For example 4 for quarterly payments across a year.",
            "procurement_route_justification": "Over "
            f"{money(settings.PROCUREMENT_SERVICE_THRESHOLD)} a year the strategy expects "
            "the procurement-service route. Record why it is a grant instead.",
            "approving_decision": "Needed for grants over "
            f"{money(settings.DECISION_THRESHOLD)}: an approved funding-award decision.",
        }
        widgets = {
            "payment_timing": forms.RadioSelect,
            "monitoring_frequency": forms.RadioSelect,
            "award_route": forms.RadioSelect,
            "dd_fraud_risk": forms.RadioSelect,
            "instalments": forms.TextInput(attrs={"inputmode": "numeric"}),
        }
        error_messages = {
            "title": {"required": "Enter the grant's title"},
            "purpose": {"required": "Enter what the grant is for"},
            "workstream": {"required": "Select the workstream"},
            "programme": {"required": "Select the programme"},
            "recipient": {"required": "Select the recipient organisation"},
            "responsible_officer": {"required": "Select the responsible officer"},
            "payment_timing": {"required": "Select when each instalment is paid"},
            "monitoring_frequency": {"required": "Select how often the recipient reports"},
            "award_route": {"required": "Select how the grant is awarded"},
            "instalments": {
                "required": "Enter the number of instalments",
                "invalid": "Enter the number of instalments as a whole number, like 4",
                "min_value": "Enter at least 1 instalment",
                "max_value": "Enter 60 instalments or fewer",
            },
        }

    def __init__(self, *args, paperwork_only: bool = False, **kwargs):
        self.paperwork_only = paperwork_only
        super().__init__(*args, **kwargs)
        instance = self.instance
        fields = self.fields
        if paperwork_only:
            for name in list(fields):
                if name not in self.PAPERWORK:
                    del fields[name]
        else:
            fields["workstream"].queryset = Workstream.objects.filter(
                ~Q(status=WorkstreamStatus.DECLINED) | Q(pk=instance.workstream_id)
            ).order_by("title")
            fields["workstream"].empty_label = "Select a workstream"
            fields["programme"].queryset = Programme.objects.filter(
                Q(is_active=True) | Q(pk=instance.programme_id)
            )
            fields["programme"].empty_label = "Select a programme"
            fields["recipient"].queryset = Organisation.objects.filter(
                Q(is_active=True) | Q(pk=instance.recipient_id)
            ).order_by("name")
            fields["recipient"].empty_label = "Select an organisation"
            fields["beneficiary_area"].queryset = Area.objects.filter(
                Q(is_active=True) | Q(pk=instance.beneficiary_area_id)
            )
            fields["beneficiary_area"].empty_label = "The whole force area"
            fields["approving_decision"].queryset = DecisionAssessment.objects.filter(
                Q(decision_type=DecisionType.FUNDING_AWARD) | Q(pk=instance.approving_decision_id)
            ).order_by("-created_at")
            fields["approving_decision"].empty_label = "None yet"
            fields["award_route"].choices = _with_hints(AwardRoute.choices, AWARD_ROUTE_HINTS)
            fields["payment_timing"].choices = _with_hints(PaymentTiming.choices, TIMING_HINTS)
            fields["dd_fraud_risk"].choices = list(FraudRisk.choices)
            fields["dd_fraud_risk"].label = "Fraud risk rating (optional until award)"
            fields["start_date"].help_text = "For example, 1 4 2025"
            fields["end_date"].help_text = "For example, 31 3 2026"
            fields[
                "dd_accounts_date"
            ].help_text = "Accounts more than two years old are not enough to award the grant."
        fields["responsible_officer"].queryset = User.objects.filter(
            Q(is_active=True, role__in=EDITOR_ROLES) | Q(pk=instance.responsible_officer_id)
        ).order_by("full_name", "email")
        fields["responsible_officer"].empty_label = "Select an officer"
        self.helper.form_tag = False
        self.helper.inputs = []
        self.helper.layout = self.get_layout()

    def get_layout(self) -> Layout:
        if self.paperwork_only:
            return Layout(
                Field.textarea("purpose", rows=4),
                Field.textarea("conditions", rows=4),
                Field.select("responsible_officer"),
                Field("signed_agreement"),
            )
        return Layout(
            Fieldset(
                Field.text("title"),
                Field.textarea("purpose", rows=4),
                Field.select("workstream"),
                Field.select("programme"),
                Field.select("recipient"),
                Field.select("beneficiary_area"),
                Field.select("responsible_officer"),
                legend="About the grant",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                money_field("amount"),
                Field("start_date"),
                Field("end_date"),
                HTML('{% include "grants/includes/charges_formset.html" %}'),
                Field.radios("payment_timing", legend_size=Size.SMALL),
                Field.text("instalments", field_width=2),
                Field.radios("monitoring_frequency", legend_size=Size.SMALL),
                legend="Money and payments",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                ConditionalRadios(
                    "award_route",
                    ConditionalQuestion(AwardRoute.OPEN_CALL.label),
                    ConditionalQuestion(
                        AwardRoute.DIRECT.label,
                        Field.textarea("direct_award_justification", rows=3),
                    ),
                ),
                Field.textarea("procurement_route_justification", rows=3),
                Field.select("approving_decision"),
                Field.textarea("conditions", rows=4),
                legend="How it is awarded",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.checkbox("dd_organisation_checked"),
                Field("dd_accounts_date"),
                Field.checkbox("dd_safeguarding_policy"),
                Field.radios("dd_fraud_risk", legend_size=Size.SMALL),
                legend="Due diligence",
                legend_size=Size.MEDIUM,
            ),
            Field("signed_agreement"),
        )

    def clean_signed_agreement(self):
        upload = self.cleaned_data.get("signed_agreement")
        if upload:
            validate_upload(upload, kinds=AGREEMENT_KINDS)
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.paperwork_only:
            return cleaned
        if cleaned.get("award_route") != AwardRoute.DIRECT:
            cleaned["direct_award_justification"] = ""
        amount, start, end = (cleaned.get(k) for k in ("amount", "start_date", "end_date"))
        if amount and start and end and end >= start:
            annual = Grant(amount=amount, start_date=start, end_date=end).annual_value
            threshold = settings.PROCUREMENT_SERVICE_THRESHOLD
            justification = (cleaned.get("procurement_route_justification") or "").strip()
            if annual > threshold and not justification:
                self.add_error(
                    "procurement_route_justification",
                    f"At {money(annual)} a year this is over {money(threshold)}, where the "
                    "strategy expects the South West Police Procurement route: record why "
                    "it is a grant",
                )
        return cleaned

    def service_fields(self) -> dict:
        """The keyword arguments for grant_create / grant_update."""
        fields = {
            k: v for k, v in self.cleaned_data.items() if k not in ("signed_agreement", "version")
        }
        upload = self.cleaned_data.get("signed_agreement")
        if upload:
            fields["signed_agreement"] = upload
            fields["signed_agreement_name"] = upload.name[:255]
        return fields


class ChargeForm(PortalForm):
    """One row of the charges table: a funding stream and the amount charged to it."""

    submit_label = ""

    funding_stream = forms.ModelChoiceField(
        label="Funding stream", queryset=FundingStream.objects.none(), required=False
    )
    amount = MoneyField(label="Amount charged", what="the amount charged", required=False)

    def __init__(self, *args, streams=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["funding_stream"]
        field.queryset = FundingStream.objects.with_money().order_by("-financial_year", "name")
        field.empty_label = "Select a funding stream"
        if streams is not None:  # labels with headroom, worked out once for every row
            field.choices = [("", field.empty_label), *streams]
        self.fields["amount"].word_errors()

    def clean(self):
        cleaned = super().clean()
        stream, amount = cleaned.get("funding_stream"), cleaned.get("amount")
        if stream and amount is None and "amount" not in self.errors:
            self.add_error("amount", f"Enter the amount charged to {stream.name}")
        if amount is not None and not stream and "funding_stream" not in self.errors:
            self.add_error("funding_stream", "Select the funding stream this amount is charged to")
        return cleaned


class BaseChargeFormSet(forms.BaseFormSet):
    def __init__(self, *args, **kwargs):
        streams = FundingStream.objects.with_money().order_by("-financial_year", "name")
        self.stream_choices = [
            (s.pk, f"{s.name} ({s.year}): {money(s.headroom_total)} left") for s in streams
        ]
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "streams": self.stream_choices}

    def clean(self):
        if any(self.errors):
            return
        charges = self.charges()
        if not charges:
            raise forms.ValidationError("Charge the grant to at least one funding stream")
        streams = [stream.pk for stream, _ in charges]
        if len(set(streams)) != len(streams):
            raise forms.ValidationError("Charge each funding stream once")

    def charges(self) -> list[tuple[FundingStream, Decimal]]:
        return [
            (form.cleaned_data["funding_stream"], form.cleaned_data["amount"])
            for form in self.forms
            if form.cleaned_data.get("funding_stream") and form.cleaned_data.get("amount")
        ]


def charge_formset(data=None, *, charges=()) -> BaseChargeFormSet:
    """The charges table: one row per existing charge, then empty rows."""
    initial = [{"funding_stream": c.funding_stream_id, "amount": c.amount} for c in charges]
    factory = forms.formset_factory(
        ChargeForm,
        formset=BaseChargeFormSet,
        extra=max(CHARGE_ROWS - len(initial), 1),
        max_num=20,
        validate_max=True,
    )
    return factory(data=data, initial=initial or None, prefix="charges")


# --- Schedule, award, payments -----------------------------------------------------------


class ConfirmForm(PortalForm):
    """A button that confirms an action; ``submit_label`` names it."""

    def __init__(self, *args, submit_label: str = "Continue", **kwargs):
        self.submit_label = submit_label
        super().__init__(*args, **kwargs)


class PaymentForm(MoneyFormMixin, PortalForm):
    submit_label = "Save payment"

    due_date = UKDateField(what="the due date", label="Due date")
    amount = MoneyField(label="Amount", what="the amount")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_date"].help_text = "For example, 1 7 2025"


class AwardForm(DateLayoutMixin, PortalForm):
    submit_label = "Award the grant"

    award_date = UKDateField(what="the award date", label="Award date")

    def __init__(self, *args, **kwargs):
        # The view always passes ``initial``: add today to it rather than replace it.
        kwargs["initial"] = {"award_date": timezone.localdate(), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.fields["award_date"].help_text = "The date the grant was awarded, usually today."


class MarkPaidForm(DateLayoutMixin, PortalForm):
    submit_label = "Mark as paid"

    paid_date = UKDateField(what="the date it was paid", label="Date paid")
    payment_reference = forms.CharField(
        label="Payment reference",
        max_length=100,
        help_text="The reference on the finance system or the remittance advice.",
    )

    def __init__(self, *args, **kwargs):
        # The view always passes ``initial``: add today to it rather than replace it.
        kwargs["initial"] = {"paid_date": timezone.localdate(), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.fields["payment_reference"].error_messages["required"] = "Enter the payment reference"
        self.fields["paid_date"].help_text = "For example, 1 7 2025"

    def clean_paid_date(self):
        paid = self.cleaned_data.get("paid_date")
        if paid and paid > timezone.localdate():
            raise forms.ValidationError("The date it was paid must be today or in the past")
        return paid

    def clean_payment_reference(self):
        reference = self.cleaned_data.get("payment_reference", "").strip()
        if not reference:
            raise forms.ValidationError("Enter the payment reference")
        return reference


class WithdrawForm(PortalForm):
    submit_label = "Withdraw the grant"

    withdrawn_reason = forms.CharField(
        label="Why is the grant withdrawn?",
        widget=forms.Textarea,
        help_text="This is kept on the grant's record.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_reason"].error_messages["required"] = (
            "Enter why the grant is withdrawn"
        )


class UnderspendForm(MoneyFormMixin, PortalForm):
    submit_label = "Record the underspend"

    charge = forms.ModelChoiceField(
        label="Funding stream it goes back to",
        queryset=GrantCharge.objects.none(),
        widget=forms.RadioSelect,
    )
    amount = MoneyField(label="Amount returned", what="the amount returned")
    recorded_on = UKDateField(what="the date it was returned", label="Date returned")
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea)

    def __init__(self, *args, grant: Grant, **kwargs):
        # The view always passes ``initial``: add today to it rather than replace it.
        kwargs["initial"] = {"recorded_on": timezone.localdate(), **(kwargs.get("initial") or {})}
        self.grant = grant
        super().__init__(*args, **kwargs)
        field = self.fields["charge"]
        field.queryset = grant.charges.select_related("funding_stream").order_by(
            "funding_stream__name"
        )
        field.label_from_instance = lambda charge: (
            f"{charge.funding_stream} (charged {money(charge.amount)})"
        )
        field.choices = [(k, v) for k, v in field.choices if k not in ("", None)]
        field.error_messages["required"] = "Select the funding stream the money goes back to"
        if len(field.queryset) == 1:
            field.initial = field.queryset[0].pk


class OnwardGrantForm(MoneyFormMixin, PortalModelForm):
    submit_label = "Add onward grant"

    amount = MoneyField(label="Amount", what="the amount of the onward grant")
    award_date = UKDateField(what="the date it was awarded", label="Date awarded")

    class Meta:
        model = OnwardGrant
        fields = ["recipient_name", "recipient", "amount", "purpose", "area", "award_date"]
        labels = {
            "recipient_name": "Recipient's name",
            "recipient": "Recipient organisation on the portal (optional)",
            "purpose": "Purpose",
            "area": "Area that benefits (optional)",
        }
        help_texts = {
            "recipient_name": "As the intermediary reported it, for example a community "
            "group's name.",
            "recipient": "Link it when the recipient is an organisation the office knows.",
        }
        error_messages = {
            "recipient_name": {"required": "Enter the recipient's name"},
            "purpose": {"required": "Enter what the onward grant is for"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Organisation.objects.filter(is_active=True)
        self.fields["recipient"].empty_label = "Not on the portal"
        self.fields["area"].queryset = Area.objects.filter(is_active=True)
        self.fields["area"].empty_label = "The whole force area"
        self.fields["award_date"].help_text = "For example, 14 6 2025"
