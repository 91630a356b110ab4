"""Forms of the report jobs: asking for a report (from a button on a record's page or
from the "Ask for a report" page), and the filter of the list of reports."""

from __future__ import annotations

import django_filters
from django import forms
from django.http import Http404
from django.urls import reverse

from commissioning.dates import FinancialYear
from commissioning.forms import FilterForm, PortalForm
from contracts.policies import contract_policy
from decisions.policies import assessment_policy
from workstreams.policies import workstream_policy

from .models import ReportJob, ReportKind, ReportStatus
from .pdf import REPORTS
from .selectors_pdf import report_years
from .services_jobs import ReportRequest

#: Reports about one financial year, asked for on the "Ask for a report" page.
YEAR_KINDS = (ReportKind.FUNDING_AWARDED, ReportKind.ANNUAL_REPORT)

#: The policy that says which records of each kind's subject a user may see.
SUBJECT_POLICIES = {
    "assessment": assessment_policy,
    "workstream": workstream_policy,
    "contract": contract_policy,
}


class ReportAskForm(forms.Form):
    """What a "Ask for this report" button posts: the kind of report and its subject
    (a record's id, or a financial year). Never shown as a form of its own."""

    kind = forms.ChoiceField(choices=ReportKind.choices)
    object = forms.IntegerField(required=False, min_value=1)
    year = forms.IntegerField(required=False, min_value=1900, max_value=9999)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind is None:
            return cleaned
        param = REPORTS[kind].param
        if param == "year" and cleaned.get("year") is None:
            self.add_error("year", "Select a financial year")
        elif param not in (None, "year") and cleaned.get("object") is None:
            self.add_error("object", "Say which record the report is about")
        return cleaned

    def report_request(self, user) -> ReportRequest:
        """The report asked for, with its title and the organisation it is about. A
        record the user may not see, or a year with nothing in it, answers 404."""
        kind = self.cleaned_data["kind"]
        spec = REPORTS[kind]
        if spec.param is None:
            return ReportRequest(kind, {}, spec.title(None))
        if spec.param == "year":
            year = self.cleaned_data["year"]
            if year not in report_years():
                raise Http404("The office has no figures for that financial year")
            return ReportRequest(kind, {"year": year}, spec.title(FinancialYear(year)))
        policy = SUBJECT_POLICIES[spec.param]
        subject = policy.visible_to(user).filter(pk=self.cleaned_data["object"]).first()
        if subject is None:
            raise Http404("No such record")
        organisation = subject.supplier if spec.param == "contract" else None
        return ReportRequest(
            kind, {spec.param: subject.pk}, spec.title(subject), organisation=organisation
        )


def _year_choices() -> list[tuple[int | str, str]]:
    return [("", "Select a year")] + [(year, FinancialYear(year).label) for year in report_years()]


class YearReportForm(PortalForm):
    """The "Ask for a report" page: the reports about a whole financial year."""

    submit_label = "Ask for this report"

    kind = forms.ChoiceField(
        label="Which report do you want?",
        choices=[(kind.value, kind.label) for kind in YEAR_KINDS],
        widget=forms.RadioSelect,
        error_messages={"required": "Select which report you want"},
    )
    year = forms.TypedChoiceField(
        label="Financial year",
        coerce=int,
        choices=_year_choices,
        help_text="April to March.",
        error_messages={
            "required": "Select a financial year",
            "invalid_choice": "Select a financial year",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.form_action = reverse("report-job-ask")
        self.fields["kind"].error_messages["required"] = "Select which report you want"
        self.fields["year"].error_messages["required"] = "Select a financial year"


class ReportJobFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label="Report", choices=ReportKind.choices, empty_label="Any report"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=ReportStatus.choices, empty_label="Any status"
    )

    class Meta:
        model = ReportJob
        fields = ["kind", "status"]
        form = FilterForm
