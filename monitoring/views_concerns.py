"""The concerns and complaints log: the office's record of concerns about funded
services, what was escalated (to a manager or the PCC) and what came of them. Providers
never see it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse

from commissioning.access import Access
from commissioning.exports import Column
from commissioning.history import history_entries
from commissioning.views.base import (
    PolicyObjectMixin,
    PortalDetailView,
    PortalExportView,
    PortalListView,
    ServiceFormView,
)
from contracts.models import Contract
from contracts.policies import contract_policy
from grants.models import Grant
from grants.policies import grant_policy

from . import selectors, services
from .forms_concerns import ConcernFilter, ConcernForm
from .policies import concern_policy


def _breadcrumbs(*extra) -> list[tuple[str, str]]:
    return [
        ("Dashboard", reverse("dashboard")),
        ("Concerns and complaints", reverse("concern-list")),
        *extra,
    ]


def _organisation(concern) -> str:
    agreement = concern.agreement
    return (agreement.recipient if concern.grant_id else agreement.supplier).name


class ConcernRows:
    access = Access.STAFF
    policy = concern_policy
    selector = staticmethod(selectors.concern_list)
    filterset_class = ConcernFilter


class ConcernListView(ConcernRows, PortalListView):
    template_name = "monitoring/concerns/concern_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [("Dashboard", reverse("dashboard"))]
        context["total"] = (
            context["paginator"].count if context.get("paginator") else len(context["object_list"])
        )
        return context


class ConcernExportView(ConcernRows, PortalExportView):
    export_stem = "concerns"
    export_columns = [
        Column("Kind", lambda c: c.get_kind_display()),
        Column("Received", lambda c: c.received_on),
        Column("From whom", lambda c: c.raised_by),
        Column("Agreement", lambda c: c.agreement.title),
        Column("Agreement reference", lambda c: c.agreement.reference),
        Column("Organisation", _organisation),
        Column("Summary", lambda c: c.summary),
        Column("Escalated to", lambda c: c.get_escalated_to_display() if c.escalated_to else ""),
        Column("Escalated on", lambda c: c.escalated_on),
        Column("Outcome", lambda c: c.outcome),
        Column("Closed on", lambda c: c.closed_on),
        Column("Recorded by", lambda c: str(c.recorded_by)),
    ]


class ConcernDetailView(PortalDetailView):
    access = Access.STAFF
    policy = concern_policy
    context_object_name = "concern"
    template_name = "monitoring/concerns/concern_detail.html"

    def get_queryset(self):
        return selectors.concern_list(super().get_queryset())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        concern = self.object
        context.update(
            {
                "breadcrumbs": _breadcrumbs((str(concern), "")),
                "organisation": _organisation(concern),
                "history": history_entries(concern),
                "can_edit": self.request.user.can_edit,
            }
        )
        return context


class ConcernFormMixin:
    form_class = ConcernForm
    template_name = "monitoring/concerns/concern_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreement = self.get_agreement()
        context.update(
            {
                "agreement": agreement,
                "caption": f"{agreement.reference} · {agreement.title}",
                "cancel_url": self.cancel_url(),
            }
        )
        return context


class ConcernCreateView(ConcernFormMixin, ServiceFormView):
    """Records a concern about the grant or contract named by the URL (loaded through
    its policy, so one the user may not see answers 404)."""

    access = Access.EDITORS
    kwarg = ""
    policy = None

    def get_agreement(self):
        if not hasattr(self, "_agreement"):
            self._agreement = get_object_or_404(
                self.policy.visible_to(self.request.user), pk=self.kwargs[self.kwarg]
            )
        return self._agreement

    def cancel_url(self) -> str:
        return self.get_agreement().get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreement = self.get_agreement()
        context["heading"] = "Record a concern or complaint"
        context["breadcrumbs"] = _breadcrumbs(
            (agreement.reference, agreement.get_absolute_url()), ("Record a concern", "")
        )
        return context

    def perform(self, form):
        return services.concern_record(
            agreement=self.get_agreement(), by=self.request.user, **form.service_fields()
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            escalated = (
                " Managers have been told it was escalated." if self.object.escalated_to else ""
            )
            messages.success(
                self.request,
                f"The {self.object.get_kind_display().lower()} has been recorded.{escalated}",
            )
        return response


class GrantConcernCreateView(ConcernCreateView):
    kwarg = "grant_pk"
    policy = grant_policy
    url_models = {"grant_pk": Grant}


class ContractConcernCreateView(ConcernCreateView):
    kwarg = "contract_pk"
    policy = contract_policy
    url_models = {"contract_pk": Contract}


class ConcernUpdateView(ConcernFormMixin, PolicyObjectMixin, ServiceFormView):
    access = Access.EDITORS
    policy = concern_policy
    context_object_name = "concern"

    def get_agreement(self):
        return self.get_object().agreement

    def cancel_url(self) -> str:
        return self.get_object().get_absolute_url()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "concern": self.get_object()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        concern = self.get_object()
        context["heading"] = f"Update the {concern.get_kind_display().lower()}"
        context["breadcrumbs"] = _breadcrumbs(
            (str(concern), concern.get_absolute_url()), ("Update", "")
        )
        return context

    def perform(self, form):
        return services.concern_update(
            concern=self.get_object(), by=self.request.user, **form.service_fields()
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            messages.success(self.request, "The log has been updated.")
        return response
