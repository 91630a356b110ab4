"""Forms of the public pages: an officer's opportunity, the withdrawal and publication
confirmations, and the stakeholder sign-up (an email address only)."""

from __future__ import annotations

from django import forms

from commissioning.forms import PortalForm, PortalModelForm
from grants.forms import ConfirmForm, MoneyField, MoneyFormMixin
from workstreams.forms import UKDateField

from .models import Opportunity


class OpportunityForm(MoneyFormMixin, PortalModelForm):
    estimated_value = MoneyField(
        label="Estimated value",
        what="the estimated value",
        required=False,
        help_text="The whole-life value in pounds. Leave blank if it is not yet known.",
    )
    closing_date = UKDateField(what="the closing date", label="Closing date")

    class Meta:
        model = Opportunity
        fields = ["title", "summary", "estimated_value", "closing_date", "how_to_take_part"]
        labels = {
            "title": "Title",
            "summary": "Summary",
            "how_to_take_part": "How to take part",
        }
        error_messages = {
            "title": {"required": "Enter the opportunity's title"},
            "summary": {"required": "Enter a summary of the opportunity"},
            "how_to_take_part": {"required": "Enter how to take part"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closing_date"].help_text = "The last day to take part. For example, 31 3 2027"

    @property
    def submit_label(self):  # type: ignore[override]
        return "Save changes" if self.instance.pk else "Save draft opportunity"

    def service_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class WithdrawOpportunityForm(PortalForm):
    submit_label = "Withdraw the opportunity"

    withdrawn_reason = forms.CharField(
        label="Why is the opportunity withdrawn?",
        widget=forms.Textarea,
        help_text="This is shown on the opportunity's public page.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_reason"].error_messages["required"] = (
            "Enter why the opportunity is withdrawn"
        )


class SubscribeForm(PortalForm):
    """Sign up for emails about new opportunities: an email address, nothing else."""

    submit_label = "Sign up"

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We will email you a link to confirm it is yours.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages.update(
            {
                "required": "Enter your email address",
                "invalid": "Enter an email address in the correct format, like name@example.com",
                "max_length": "Email address must be 254 characters or fewer",
            }
        )


__all__ = [
    "ConfirmForm",
    "OpportunityForm",
    "SubscribeForm",
    "WithdrawOpportunityForm",
]
