"""Forms for local allocations: the split an officer calculates and saves, and the
common details of the draft grants made from a saved allocation."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Submit
from django import forms

from commissioning.forms import PortalForm
from commissioning.models import EDITOR_ROLES, FundingStream, User
from workstreams.forms import DateLayoutMixin, UKDateField
from workstreams.models import Workstream, WorkstreamStatus

from .models import Area, AwardRoute, Programme

HUNDRED = Decimal(100)


def _decimal_input() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})


class AllocationForm(PortalForm):
    """What to split and how. Calculated with ``preview`` and saved with ``save``: both
    buttons submit the same form, so it works without JavaScript."""

    submit_label = ""
    field_widths = {"total": 10, "population_weight": 4, "crime_weight": 4}

    title = forms.CharField(
        label="Title",
        max_length=255,
        help_text="For example, Police and Crime Grant 2025/26.",
    )
    total = forms.DecimalField(
        label="Total to allocate (£)",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=_decimal_input(),
    )
    population_weight = forms.DecimalField(
        label="Population weight (%)",
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=HUNDRED,
        initial=Decimal(50),
        widget=_decimal_input(),
    )
    crime_weight = forms.DecimalField(
        label="Recorded crime weight (%)",
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=HUNDRED,
        initial=Decimal(50),
        widget=_decimal_input(),
        help_text="The two weights must add up to 100%.",
    )
    areas = forms.ModelMultipleChoiceField(
        label="Areas",
        queryset=Area.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Select the areas that share the total.",
    )
    funding_stream = forms.ModelChoiceField(
        label="Funding stream (optional)",
        queryset=FundingStream.objects.none(),
        required=False,
        help_text="Draft grants made from the allocation are charged to it.",
    )
    programme = forms.ModelChoiceField(
        label="Programme (optional)",
        queryset=Programme.objects.none(),
        required=False,
        help_text="Needed before draft grants can be made from the allocation.",
    )
    workstream = forms.ModelChoiceField(
        label="Workstream (optional)",
        queryset=Workstream.objects.none(),
        required=False,
        help_text="Needed before draft grants can be made from the allocation.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        areas = list(Area.objects.filter(is_active=True))
        self.fields["areas"].queryset = Area.objects.filter(is_active=True)
        self.fields["areas"].choices = [
            Choice(
                area.pk,
                area.name,
                hint=f"Population {area.population:,} ({area.population_year}), "
                f"recorded crime {area.recorded_crime:,} ({area.crime_year})",
            )
            for area in areas
        ]
        if not self.is_bound:
            self.initial.setdefault("areas", [area.pk for area in areas])
        self.fields["funding_stream"].queryset = FundingStream.objects.select_related("funder")
        self.fields["programme"].queryset = Programme.objects.filter(is_active=True)
        self.fields["workstream"].queryset = Workstream.objects.exclude(
            status__in=[WorkstreamStatus.CLOSED, WorkstreamStatus.DECLINED]
        ).order_by("title")
        self.fields["title"].error_messages["required"] = "Enter a title for the allocation"
        self.fields["total"].error_messages.update(
            {
                "required": "Enter the total to allocate",
                "invalid": "Enter the total in pounds, like 125000 or 125000.50",
                "min_value": "Enter a total greater than £0",
                "max_decimal_places": "Enter the total to the nearest penny",
                "max_digits": "Enter a total of less than £1,000,000,000,000",
                "max_whole_digits": "Enter a total of less than £1,000,000,000,000",
            }
        )
        for name, what in (("population_weight", "population"), ("crime_weight", "crime")):
            # Validators' messages are %-formatted: "%%" shows as "%".
            self.fields[name].error_messages.update(
                {
                    "required": f"Enter the {what} weight",
                    "invalid": f"Enter the {what} weight as a number, like 50 or 62.5",
                    "min_value": f"The {what} weight must be 0%% or more",
                    "max_value": f"The {what} weight must be 100%% or less",
                    "max_decimal_places": f"Enter the {what} weight to 2 decimal places at most",
                    "max_digits": f"The {what} weight must be 100%% or less",
                    "max_whole_digits": f"The {what} weight must be 100%% or less",
                }
            )
        self.fields["areas"].error_messages.update(
            {
                "required": "Select at least one area",
                "invalid_choice": "Select areas from the list",
                "invalid_pk_value": "Select areas from the list",
            }
        )
        self.helper.add_input(Submit("preview", "Calculate", css_class="govuk-button--secondary"))
        self.helper.add_input(Submit("save", "Save allocation"))

    def clean(self):
        data = super().clean()
        population, crime = data.get("population_weight"), data.get("crime_weight")
        if population is not None and crime is not None and population + crime != HUNDRED:
            self.add_error(
                "population_weight",
                f"The population and crime weights must add up to 100%: they add up to "
                f"{(population + crime).normalize():f}%",
            )
        return data


def _officers():
    return User.objects.filter(role__in=EDITOR_ROLES, is_active=True).order_by("full_name")


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name or obj.email


class AllocationGrantsForm(DateLayoutMixin, PortalForm):
    """What every draft grant made from an allocation has in common."""

    submit_label = "Create draft grants"

    purpose = forms.CharField(
        label="Purpose",
        widget=forms.Textarea,
        help_text="What the grants pay for. Each draft can be edited afterwards.",
    )
    start_date = UKDateField(label="Start date", what="the start date")
    end_date = UKDateField(label="End date", what="the end date")
    responsible_officer = OfficerChoiceField(
        label="Responsible officer", queryset=User.objects.none()
    )
    award_route = forms.ChoiceField(
        label="Award route", choices=AwardRoute.choices, widget=forms.RadioSelect
    )
    direct_award_justification = forms.CharField(
        label="Why is it a direct award?",
        required=False,
        widget=forms.Textarea,
        help_text="Needed for a direct award.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_officer"].queryset = _officers()
        self.fields["purpose"].error_messages["required"] = "Enter what the grants are for"
        self.fields["responsible_officer"].error_messages["required"] = (
            "Select the responsible officer"
        )
        self.fields["award_route"].error_messages["required"] = "Select the award route"

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be the same as or after the start date")
        if (
            data.get("award_route") == AwardRoute.DIRECT
            and not (data.get("direct_award_justification") or "").strip()
        ):
            self.add_error(
                "direct_award_justification", "Explain why the grants are a direct award"
            )
        return data
