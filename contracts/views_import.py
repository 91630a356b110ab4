"""Importing an existing contracts register: the upload page with its row-by-row error
report, the template to fill in, and the error report as a CSV."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView

from commissioning import importing
from commissioning.access import Access, PortalAccessMixin
from commissioning.forms import PortalForm

from . import importer

ERRORS_SESSION_KEY = "contract_import_errors"
DONE_SESSION_KEY = "contract_import_done"
#: The page lists this many problems; the CSV has them all.
ERRORS_SHOWN = 500


class ContractImportForm(PortalForm):
    submit_label = "Import contracts"

    file = forms.FileField(
        label="Contracts register",
        help_text="A CSV file or an Excel spreadsheet (.xlsx) with the template's headings "
        "in its first row and one contract on each row below.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages.update(
            {
                "required": "Select the contracts register to import",
                "invalid": "The selected file could not be read: choose it again",
                "empty": "The selected file is empty",
                "missing": "The selected file could not be read: choose it again",
            }
        )

    def get_layout(self) -> Layout:
        return Layout(Field("file"))

    def clean_file(self):
        """The file's rows; a file that is not a CSV or spreadsheet, or whose headings
        are not the template's, is refused here."""
        return importer.read_table(self.cleaned_data["file"])


class ContractImportView(PortalAccessMixin, FormView):
    access = Access.EDITORS
    form_class = ContractImportForm
    template_name = "contracts/import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = importer.COLUMNS
        if self.request.method == "GET":
            context["imported"] = self.request.session.pop(DONE_SESSION_KEY, None)
        return context

    def form_valid(self, form):
        try:
            contracts = importer.import_contracts(
                table=form.cleaned_data["file"], by=self.request.user
            )
        except importing.ImportFailed as failed:
            errors = failed.errors
            self.request.session[ERRORS_SESSION_KEY] = importing.errors_as_dicts(errors)
            form.add_error("file", importing.failure_message(errors))
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    import_errors=errors[:ERRORS_SHOWN],
                    import_error_count=len(errors),
                )
            )
        self.request.session.pop(ERRORS_SESSION_KEY, None)
        self.request.session[DONE_SESSION_KEY] = len(contracts)
        return redirect("contract-import")


class ContractImportTemplateView(PortalAccessMixin, View):
    """The headings to fill in, as ``?format=csv`` (the default) or ``xlsx``."""

    access = Access.EDITORS

    def get(self, request, *args, **kwargs):
        return importing.template_response(
            request.GET.get("format"), "contracts-register-template", importer.COLUMNS
        )


class ContractImportErrorsView(PortalAccessMixin, View):
    """The last failed import's problems as a CSV."""

    access = Access.EDITORS

    def get(self, request, *args, **kwargs):
        errors = request.session.get(ERRORS_SESSION_KEY)
        if not errors:
            return redirect("contract-import")
        return importing.errors_response("contract-import-problems", errors)
