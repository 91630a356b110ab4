"""Importing an existing grants register: the upload page with its row-by-row error
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
from workstreams.models import Workstream

from . import importer

ERRORS_SESSION_KEY = "grant_import_errors"
DONE_SESSION_KEY = "grant_import_done"
#: The page lists this many problems; the CSV has them all.
ERRORS_SHOWN = 500


class GrantImportForm(PortalForm):
    submit_label = "Import grants"

    workstream = forms.ModelChoiceField(
        label="Workstream",
        queryset=Workstream.objects.none(),
        help_text="Every grant in the file is recorded under this workstream. Import a "
        "separate file for each workstream.",
    )
    file = forms.FileField(
        label="Grants register",
        help_text="A CSV file or an Excel spreadsheet (.xlsx) with the template's headings "
        "in its first row and one grant on each row below.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workstream"].queryset = Workstream.objects.order_by("title")
        self.fields["workstream"].error_messages["required"] = (
            "Select the workstream the grants belong to"
        )
        self.fields["file"].error_messages.update(
            {
                "required": "Select the grants register to import",
                "invalid": "The selected file could not be read: choose it again",
                "empty": "The selected file is empty",
                "missing": "The selected file could not be read: choose it again",
            }
        )

    def get_layout(self) -> Layout:
        return Layout(Field.select("workstream"), Field("file"))

    def clean_file(self):
        """The file's rows; a file that is not a CSV or spreadsheet, or whose headings
        are not the template's, is refused here."""
        return importer.read_table(self.cleaned_data["file"])


class GrantImportView(PortalAccessMixin, FormView):
    access = Access.EDITORS
    form_class = GrantImportForm
    template_name = "grants/import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = importer.COLUMNS
        if self.request.method == "GET":
            context["imported"] = self.request.session.pop(DONE_SESSION_KEY, None)
        return context

    def form_valid(self, form):
        try:
            grants = importer.import_grants(
                table=form.cleaned_data["file"],
                by=self.request.user,
                workstream=form.cleaned_data["workstream"],
            )
        except importer.ImportFailed as failed:
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
        self.request.session[DONE_SESSION_KEY] = len(grants)
        return redirect("grant-import")


class GrantImportTemplateView(PortalAccessMixin, View):
    """The headings to fill in, as ``?format=csv`` (the default) or ``xlsx``."""

    access = Access.EDITORS

    def get(self, request, *args, **kwargs):
        return importing.template_response(
            request.GET.get("format"), "grants-register-template", importer.COLUMNS
        )


class GrantImportErrorsView(PortalAccessMixin, View):
    """The last failed import's problems as a CSV (through the shared exporter, so a
    cell that looks like a formula is never run)."""

    access = Access.EDITORS

    def get(self, request, *args, **kwargs):
        errors = request.session.get(ERRORS_SESSION_KEY)
        if not errors:
            return redirect("grant-import")
        return importing.errors_response("grant-import-problems", errors)
