"""The funder-return form: which funding stream, which quarter of its financial year.
Sent with GET, so the figures page and its downloads can be bookmarked and shared."""

from __future__ import annotations

from django import forms

from commissioning.forms import PortalForm
from commissioning.models import FundingStream

QUARTER_CHOICES = [
    (1, "Quarter 1 (April to June)"),
    (2, "Quarter 2 (July to September)"),
    (3, "Quarter 3 (October to December)"),
    (4, "Quarter 4 (January to March)"),
]


class FunderReturnForm(PortalForm):
    form_method = "get"
    submit_label = "Show the figures"

    stream = forms.ModelChoiceField(
        label="Funding stream",
        queryset=FundingStream.objects.none(),
        empty_label="Select a funding stream",
        help_text="Each funding stream is for one financial year.",
    )
    quarter = forms.TypedChoiceField(
        label="Quarter of the stream’s financial year",
        coerce=int,
        choices=QUARTER_CHOICES,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stream"].queryset = FundingStream.objects.select_related("funder").order_by(
            "-financial_year", "name"
        )
        self.fields["stream"].error_messages.update(
            {
                "required": "Select a funding stream",
                "invalid_choice": "Select a funding stream from the list",
            }
        )
        self.fields["quarter"].error_messages.update(
            {
                "required": "Select a quarter",
                "invalid_choice": "Select a quarter from 1 to 4",
            }
        )
