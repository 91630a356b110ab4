"""Forms for a provider's return, one per section of the GOV.UK task list. Each ends with
"Have you completed this section?" and posts back the version of the return it was
opened at, so a save made from an out-of-date page is refused rather than overwriting.

Money inputs reuse the grants app's ``MoneyField`` (a £ prefix, commas and a typed £
allowed) with messages for amounts that may be £0.
"""

from __future__ import annotations

from decimal import Decimal

from crispy_forms_gds.layout import Field, Fieldset, Layout, Size, Submit
from django import forms
from django.core.exceptions import ValidationError

from commissioning.forms import PortalForm
from grants.forms import FILE_ERRORS, MONEY_FIELD_TEMPLATE, MoneyField, MoneyFormMixin

YES, NO = "yes", "no"
COMPLETE_CHOICES = [(YES, "Yes"), (NO, "No, I’ll come back to it later")]
#: The hidden version is missing or mangled: the page was not opened from the portal.
PAGE_OUT_OF_DATE = "This page is out of date. Open the section again and make your changes."


class AmountField(MoneyField):
    """Pounds and pence, £0 or more, optional while the section is a draft."""

    def __init__(self, *, what: str, **kwargs):
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("required", False)
        super().__init__(what=what, **kwargs)

    def word_errors(self) -> None:
        what = self.what
        what_cap = what[:1].upper() + what[1:]
        self.error_messages.update(
            {
                "required": f"Enter {what}",
                "invalid": f"Enter {what} as an amount in pounds, like 1250.50",
                "min_value": f"{what_cap} must be £0 or more",
                "max_decimal_places": f"Enter {what} to the nearest penny, like 1250.50",
                "max_digits": f"Enter {what} with no more than 12 digits before the point",
                "max_whole_digits": f"Enter {what} with no more than 12 digits before the point",
            }
        )


class FigureField(forms.DecimalField):
    """A reported figure (a KPI's actual, an outcome's count): 0 or more, optional while
    the section is a draft."""

    def __init__(self, *, what: str, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})
        )
        super().__init__(**kwargs)
        self.what = what
        self.word_errors()

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "")
        return super().to_python(value)

    def word_errors(self) -> None:
        what = self.what
        self.error_messages.update(
            {
                "required": f"Enter {what}",
                "invalid": f"Enter {what} as a number, like 85 or 85.5",
                "min_value": f"Enter {what} as 0 or more",
                "max_decimal_places": f"Enter {what} with no more than 2 decimal places",
                "max_digits": f"Enter {what} with no more than 10 digits before the point",
                "max_whole_digits": f"Enter {what} with no more than 10 digits before the point",
            }
        )


class VersionedForm(PortalForm):
    """Carries the version of the return the page was opened at (hidden)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, monitoring_return, **kwargs):
        self.monitoring_return = monitoring_return
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", monitoring_return.version)
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if "version" in self._errors:
            # A hidden field's error would show nowhere: say it at the top.
            del self._errors["version"]
            raise ValidationError(PAGE_OUT_OF_DATE, code="no_version")
        return cleaned


class SectionForm(MoneyFormMixin, VersionedForm):
    """A section of the return. ``add_fields()`` adds fields that depend on the return
    (one per KPI or outcome measure); "Have you completed this section?" comes last."""

    submit_label = "Save and continue"
    complete_legend = "Have you completed this section?"
    #: The section's own fields, in order (the dynamic ones are added to it).
    section_fields: tuple[str, ...] = ()

    complete = forms.ChoiceField(
        label="Have you completed this section?",
        choices=COMPLETE_CHOICES,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.section_fields = tuple(self.section_fields)
        added = self.add_fields()
        for name, field in added.items():
            self._word_errors(field)
            if hasattr(field, "word_errors"):
                field.word_errors()
            self.fields[name] = field
        self.section_fields += tuple(added)
        self.fields["complete"].label = self.complete_legend
        self.fields["complete"].error_messages["required"] = (
            "Select whether you have completed this section"
        )
        # The completion question and the version come after the section's own fields.
        for name in ("complete", "version"):
            self.fields[name] = self.fields.pop(name)
        self.helper.layout = self.get_layout()

    def add_fields(self) -> dict[str, forms.Field]:
        return {}

    def section_layout(self) -> list:
        items = []
        for name in self.section_fields:
            field = self.fields[name]
            if isinstance(field, MoneyField):
                items.append(
                    Field(name, template=MONEY_FIELD_TEMPLATE, css_class="govuk-input--width-10")
                )
            elif isinstance(field.widget, forms.Textarea):
                items.append(Field.textarea(name, rows=5))
            else:
                items.append(Field.text(name, field_width=10))
        return items

    def get_layout(self) -> Layout:
        return Layout(
            *self.section_layout(),
            Field.radios("complete", legend_size=Size.MEDIUM),
            Field("version"),
        )

    @property
    def is_complete(self) -> bool:
        return self.cleaned_data.get("complete") == YES


def _text(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Textarea, help_text=help_text)


class FinanceForm(SectionForm):
    section_fields = ("budget", "actual_spend", "forecast_year_end", "underspend_explanation")

    budget = AmountField(
        what="the budget for the period",
        label="Budget for the period",
        help_text="Filled in from the agreement. Change it only if the office agreed a "
        "different profile.",
    )
    actual_spend = AmountField(what="the actual spend", label="Actual spend in the period")
    forecast_year_end = AmountField(
        what="the forecast spend",
        label="Forecast spend for the whole financial year",
        help_text="What you expect to have spent by 31 March, including this period.",
    )
    underspend_explanation = _text(
        "Explain any underspend",
        "Needed when you spend noticeably less than the period’s budget, or forecast "
        "spending less than the year’s budget: say why, and what you will do about it.",
    )

    def service_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.section_fields} | {
            "underspend_explanation": (self.cleaned_data.get("underspend_explanation") or "")
        }


class NarrativeForm(SectionForm):
    section_fields = ("went_well", "challenges", "service_user_feedback", "equality_monitoring")

    went_well = _text("What went well", "Achievements and progress in the period.")
    challenges = _text("Challenges", "What got in the way, and what you are doing about it.")
    service_user_feedback = _text(
        "Service-user feedback (optional)",
        "What the people using the service told you. Do not include names.",
    )
    equality_monitoring = _text(
        "Equality monitoring (optional)",
        "Who used the service, by the protected characteristics you record.",
    )

    def service_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.section_fields}


class FiguresForm(SectionForm):
    """One figure and a note per item (a contract's KPIs or the outcome measures)."""

    prefix_name = ""

    def __init__(self, *args, items=(), **kwargs):
        self.items = list(items)
        super().__init__(*args, **kwargs)

    def item_label(self, item) -> str:
        return str(item)

    def item_hint(self, item) -> str:
        return ""

    def add_fields(self) -> dict[str, forms.Field]:
        fields = {}
        for item in self.items:
            name = f"{self.prefix_name}_{item.pk}"
            fields[name] = FigureField(
                what=f"the figure for {item.name}",
                label=self.item_label(item),
                help_text=self.item_hint(item),
            )
            fields[f"note_{name}"] = forms.CharField(
                label="Note (optional)",
                required=False,
                widget=forms.Textarea,
                max_length=2000,
            )
        return fields

    def section_layout(self) -> list:
        items = []
        for item in self.items:
            name = f"{self.prefix_name}_{item.pk}"
            items.append(
                Fieldset(
                    Field.text(name, field_width=10),
                    Field.textarea(f"note_{name}", rows=2),
                    legend=item.name,
                    legend_size=Size.MEDIUM,
                )
            )
        return items

    def figures(self) -> dict[int, tuple[Decimal | None, str]]:
        """``{item id: (figure, note)}`` as the services take them."""
        data = self.cleaned_data
        return {
            item.pk: (
                data.get(f"{self.prefix_name}_{item.pk}"),
                data.get(f"note_{self.prefix_name}_{item.pk}") or "",
            )
            for item in self.items
        }


def _figure(value: Decimal) -> str:
    return f"{value.normalize():f}"


class PerformanceForm(FiguresForm):
    """One actual and note per KPI of the contract."""

    prefix_name = "kpi"

    def item_label(self, kpi) -> str:
        return f"Actual ({kpi.unit})" if kpi.unit else "Actual"

    def item_hint(self, kpi) -> str:
        direction = "or less" if kpi.direction == "lower" else "or more"
        return f"{kpi.measure} Target: {_figure(kpi.target)} {kpi.unit} {direction}.".strip()


class OutcomesForm(FiguresForm):
    """One figure and note per outcome measure, with its target where one is set."""

    prefix_name = "measure"

    def __init__(self, *args, targets=None, **kwargs):
        self.targets = targets or {}
        super().__init__(*args, **kwargs)

    def item_label(self, measure) -> str:
        return f"Number of {measure.unit}" if measure.unit else "Figure"

    def item_hint(self, measure) -> str:
        parts = [measure.description.strip()] if measure.description.strip() else []
        target = self.targets.get(measure.pk)
        if target is not None:
            parts.append(f"Target for the period: {_figure(target)} {measure.unit}.")
        return " ".join(parts)


class EvidenceUploadForm(VersionedForm):
    submit_label = "Upload file"

    file = forms.FileField(
        label="Upload a file",
        help_text="A PDF, Excel spreadsheet (.xlsx), CSV, Word document (.docx) or "
        "OpenDocument spreadsheet (.ods). Spreadsheets must not contain macros.",
    )
    description = forms.CharField(
        label="Describe the file (optional)",
        required=False,
        max_length=255,
        help_text="For example, ‘Invoices for January to March’.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages.update(
            FILE_ERRORS | {"required": "Select a file to upload"}
        )
        self.fields["description"].error_messages["max_length"] = (
            "The description must be 255 characters or fewer"
        )

    def get_layout(self) -> Layout:
        return Layout(Field("file"), Field.text("description"), Field("version"))


class EvidenceCompleteForm(SectionForm):
    """Whether the provider has added all their evidence."""

    complete_legend = "Have you added all your evidence?"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Its button sits on the page below the upload form's: give it its own id.
        self.helper.inputs = [Submit("save", self.submit_label)]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("complete") == YES and not self.monitoring_return.evidence_files.exists():
            self.add_error(
                "complete",
                "Upload at least one file before you mark the evidence as complete, or "
                "choose ‘No, I’ll come back to it later’",
            )
        return cleaned


class ConfirmVersionForm(VersionedForm):
    """A button that confirms an action on the return as it was when the page opened."""

    def __init__(self, *args, submit_label: str = "Continue", **kwargs):
        self.submit_label = submit_label
        super().__init__(*args, **kwargs)

    def get_layout(self) -> Layout:
        return Layout(Field("version"))
