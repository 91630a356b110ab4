"""Building blocks for the portal's class-based views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from ..access import PortalAccessMixin
from ..exports import export_response
from ..paging import FreshPaginator

PAGE_SIZE = 25


class PortalListView(PortalAccessMixin, FilterView):
    """A filtered, paginated list. ``selector`` builds the queryset (with its joins and
    annotations); ``policy`` narrows it to what the user may see."""

    policy = None
    selector = None
    paginate_by = PAGE_SIZE
    # The count and each page's rows are cached until a table they read changes.
    paginator_class = FreshPaginator
    page_cache = True
    strict = False

    def get_queryset(self):
        queryset = type(self).selector(queryset=self.policy.visible_to(self.request.user))
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        context["filters_applied"] = any(value for key, value in query.items())
        return context


class PortalDetailView(PortalAccessMixin, DetailView):
    policy = None
    page_cache = True

    def get_queryset(self):
        return self.policy.visible_to(self.request.user)


class ServiceFormView(PortalAccessMixin, FormView):
    """Shows a form; on a valid POST calls ``perform(form)`` (a service call). A
    ValidationError from the service is shown at its field and nothing is saved."""

    success_message = ""

    def perform(self, form):  # pragma: no cover - each view implements it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = self.perform(form)
        except ValidationError as error:
            self._add_service_errors(form, error)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return HttpResponseRedirect(self.get_success_url())

    @staticmethod
    def _add_service_errors(form, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)

    def get_success_url(self):
        return self.object.get_absolute_url()


class PolicyObjectMixin:
    """Loads the record named by the URL's ``pk`` through ``policy``: a record the user
    may not see answers 404, exactly like one that does not exist."""

    policy = None
    context_object_name = "object"

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(
                self.policy.visible_to(self.request.user), pk=self.kwargs["pk"]
            )
        return self._object

    def get_context_data(self, **kwargs):
        kwargs.setdefault(self.context_object_name, self.get_object())
        return super().get_context_data(**kwargs)


class ServiceUpdateView(PolicyObjectMixin, ServiceFormView):
    """Edits the record named by the URL with a ModelForm; ``perform`` calls the service."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_object()}


class PortalExportView(PortalListView):
    """The list's filtered rows as a download: ``?format=csv`` (default) or ``xlsx``,
    through the shared exporter. Same filters, policy and selector as the list page."""

    paginate_by = None
    page_cache = False  # a download, not a page
    export_stem = "export"
    export_columns: list = []

    def render_to_response(self, context, **response_kwargs):
        fmt = "xlsx" if self.request.GET.get("format") == "xlsx" else "csv"
        return export_response(fmt, self.export_stem, self.export_columns, self.object_list)
