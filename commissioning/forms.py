"""The project's base forms (GOV.UK Design System through crispy-forms-gds) and the core
app's forms. Every form page renders ``{% error_summary form %}`` then ``{% crispy form %}``."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError

from .dates import financial_year_choices
from .freshness import cached
from .models import FundingStream, Organisation, OrganisationContact
from .services import check_identifier_free

#: GOV.UK-worded defaults; a form's own ``error_messages`` take precedence.
DEFAULT_ERROR_MESSAGES = {
    "required": "Enter %(label)s",
    "invalid": "Enter a valid %(label)s",
    "invalid_choice": "Select a valid %(label)s",
    "max_length": "%(label_cap)s must be %(limit_value)s characters or fewer",
    "max_digits": "Enter %(label)s with no more than %(max_digits)s digits",
    "max_decimal_places": "Enter %(label)s to the nearest penny (2 decimal places at most)",
}
CHOICE_REQUIRED = "Select %(label)s"


def _layout_object(name: str, field: forms.Field):
    widget = field.widget
    if isinstance(widget, forms.RadioSelect):
        return Field.radios(name, legend_size=Size.SMALL)
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return Field.checkboxes(name, legend_size=Size.SMALL)
    if isinstance(widget, forms.CheckboxInput):
        return Field.checkbox(name)
    if isinstance(widget, forms.Select):
        return Field.select(name)
    if isinstance(widget, forms.Textarea):
        return Field.textarea(name, rows=4)
    width = getattr(field, "gds_width", None)
    return Field.text(name, field_width=width)


class PortalFormMixin:
    """Sets up the FormHelper, GOV.UK error messages and the submit button.

    A form may set ``submit_label``, ``field_widths`` (field name -> GOV.UK width such as
    ``10`` or ``Fluid.ONE_HALF``) or override ``get_layout()``.
    """

    submit_label = "Save"
    field_widths: dict = {}
    form_method = "post"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            self._word_errors(field)
            if isinstance(field.widget, forms.RadioSelect) and hasattr(field, "choices"):
                # GOV.UK radios have no "---------" option: nothing chosen is the blank.
                field.choices = [(k, v) for k, v in field.choices if k not in ("", None)]
            if name in self.field_widths:
                field.gds_width = self.field_widths[name]
        self.helper = FormHelper()
        self.helper.form_method = self.form_method
        # The server validates and shows GOV.UK errors; the browser's own bubbles don't.
        self.helper.attrs = {"novalidate": ""}
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.SMALL
        self.helper.layout = self.get_layout()
        if self.submit_label:
            self.helper.add_input(Submit("submit", self.submit_label))

    def _word_errors(self, field: forms.Field) -> None:
        label = str(field.label or "").lower() or "a value"
        params = {
            "label": label,
            "label_cap": label[:1].upper() + label[1:],
            "limit_value": getattr(field, "max_length", ""),
            "max_digits": getattr(field, "max_digits", ""),
        }
        defaults = dict(DEFAULT_ERROR_MESSAGES)
        if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            defaults["required"] = CHOICE_REQUIRED
        for code, message in defaults.items():
            if code in field.error_messages:
                field.error_messages[code] = message % params

    def get_layout(self) -> Layout:
        return Layout(*(_layout_object(name, field) for name, field in self.fields.items()))


class PortalForm(PortalFormMixin, forms.Form):
    pass


class PortalModelForm(PortalFormMixin, forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form's Meta.error_messages win over the defaults.
        for name, messages in (getattr(self.Meta, "error_messages", None) or {}).items():
            if name in self.fields:
                self.fields[name].error_messages.update(messages)


class FilterChoiceIterator(forms.models.ModelChoiceIterator):
    """The options of a filter's select of records (officers, organisations, funding
    streams, programmes): read as a cached figure (``commissioning.freshness``), so a
    list page does not query each select's records on every request; at most
    ``field.cap`` of them if the field has a cap, plus the one chosen if it is not among
    them (a value from a link, ``?partner=<pk>``, still shows as selected)."""

    def _records(self) -> list:
        queryset = self.queryset
        cap = getattr(self.field, "cap", None)
        if cap is not None:
            queryset = queryset[:cap]
        return cached("filter-choices", partial(list, queryset), reads=[queryset])

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        shown = self._records()
        chosen = getattr(self.field, "chosen", None)
        if chosen and str(chosen).isdigit() and all(str(o.pk) != str(chosen) for o in shown):
            shown = [*shown, *self.queryset.filter(pk=chosen)]
        for obj in shown:
            yield self.choice(obj)

    def __len__(self):
        return len(self._records()) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self._records())


class FilterFormMixin:
    """Renders a django-filter form in the GOV.UK style, submitted with GET."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.SMALL
        self.helper.form_show_errors = True
        self.helper.layout = Layout(
            *(_layout_object(name, field) for name, field in self.fields.items())
        )
        self.helper.add_input(Submit("", "Apply filters", css_class="govuk-button--secondary"))
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.iterator = FilterChoiceIterator
                field.widget.choices = field.choices


class FilterForm(FilterFormMixin, forms.Form):
    pass


class ConfirmRemoveForm(PortalForm):
    submit_label = "Yes, remove it"


# --- Accounts ---------------------------------------------------------------------------


class SignInForm(PortalFormMixin, auth_forms.AuthenticationForm):
    submit_label = "Sign in"
    error_messages = {
        "invalid_login": "Enter a correct email address and password. Both are case-sensitive "
        "for the password.",
        "inactive": "This account has been deactivated. Contact the office to reopen it.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class PasswordResetForm(PortalFormMixin, auth_forms.PasswordResetForm):
    submit_label = "Send reset link"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["required"] = "Enter your email address"


class SetPasswordForm(PortalFormMixin, auth_forms.SetPasswordForm):
    submit_label = "Set password"


class PasswordChangeForm(PortalFormMixin, auth_forms.PasswordChangeForm):
    submit_label = "Change password"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].error_messages["required"] = "Enter your current password"


# --- Organisations and funding streams --------------------------------------------------


class OrganisationForm(PortalModelForm):
    field_widths = {"identifier": 20, "postcode": 10, "telephone": 20}

    website = forms.URLField(required=False, assume_scheme="https", label="Website")

    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "identifier",
            "website",
            "email",
            "telephone",
            "address",
            "postcode",
            "description",
            "is_active",
        ]
        widgets = {"kind": forms.RadioSelect}
        error_messages = {
            "name": {"required": "Enter the organisation's name"},
            "kind": {"required": "Select what kind of organisation this is"},
            "website": {"invalid": "Enter the website address in the form https://example.org"},
            "email": {"invalid": "Enter an email address in the form name@example.org"},
        }

    def clean_identifier(self):
        identifier = self.cleaned_data["identifier"].strip().upper()
        try:
            check_identifier_free(identifier, exclude_pk=self.instance.pk)
        except ValidationError as error:
            raise ValidationError(error.message_dict["identifier"]) from error
        return identifier


class OrganisationContactForm(PortalModelForm):
    field_widths = {"telephone": 20}

    class Meta:
        model = OrganisationContact
        fields = ["name", "job_title", "email", "telephone", "is_primary", "receives_reminders"]
        error_messages = {
            "name": {"required": "Enter the contact's name"},
            "email": {
                "required": "Enter the contact's email address",
                "invalid": "Enter an email address in the form name@example.org",
            },
        }


class FundingStreamForm(PortalModelForm):
    field_widths = {"reference": 20, "amount": 10}

    financial_year = forms.TypedChoiceField(
        coerce=int, choices=financial_year_choices, label="Financial year"
    )
    amount = forms.DecimalField(
        label="Amount (£)",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
    )

    class Meta:
        model = FundingStream
        fields = [
            "name",
            "reference",
            "source",
            "funder",
            "financial_year",
            "amount",
            "conditions",
            "reporting_requirements",
            "notes",
        ]
        widgets = {"source": forms.RadioSelect}
        error_messages = {
            "name": {"required": "Enter the funding stream's name"},
            "source": {"required": "Select where the money comes from"},
            "funder": {"required": "Select the funder"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = Organisation.objects.filter(is_active=True)
        self.fields["financial_year"].error_messages["required"] = "Select the financial year"
        self.fields["amount"].error_messages.update(
            {
                "required": "Enter the amount in pounds",
                "invalid": "Enter the amount in pounds, like 125000 or 125000.50",
                "min_value": "Enter an amount greater than £0",
            }
        )
