"""Grant pages: the list and its export, drafting a grant with its funding-stream
charges, the grant's page (a provider's read-only view of their own), its payment
schedule, the award, payments, activation, closure, withdrawal, underspends and onward
grants. Every change goes through grants/services.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from commissioning.access import Access, PortalAccessMixin
from commissioning.exports import Column
from commissioning.freshness import cached
from commissioning.history import history_entries
from commissioning.sections import sections_for
from commissioning.templatetags.portal import money, ukdate
from commissioning.uploads import attachment_response
from commissioning.views.base import (
    PolicyObjectMixin,
    PortalDetailView,
    PortalExportView,
    PortalListView,
    ServiceFormView,
)
from workstreams.policies import workstream_policy

from . import selectors, services
from .filters import GrantFilter
from .forms import (
    AwardForm,
    ConfirmForm,
    GrantForm,
    MarkPaidForm,
    OnwardGrantForm,
    PaymentForm,
    UnderspendForm,
    WithdrawForm,
    charge_formset,
)
from .models import GrantStatus, OnwardGrant, Payment, PaymentStatus
from .policies import grant_policy
from .selectors import PAYABLE_STATUSES

#: Where each award problem is put right: the grant form's field, or the schedule.
FIX_ANCHORS = {
    "approving_decision": ("edit", "div_id_approving_decision"),
    "charges": ("edit", "charges"),
    "procurement_route_justification": ("edit", "div_id_procurement_route_justification"),
    "dd_organisation_checked": ("edit", "div_id_dd_organisation_checked"),
    "dd_accounts_date": ("edit", "div_id_dd_accounts_date"),
    "dd_safeguarding_policy": ("edit", "div_id_dd_safeguarding_policy"),
    "dd_fraud_risk": ("edit", "div_id_dd_fraud_risk"),
    "schedule": ("detail", "schedule"),
}


def _url_or_path(name: str, path: str) -> str:
    """The named URL, or its known path while the page is still being built."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return path


def _list_breadcrumbs() -> list[tuple[str, str]]:
    return [("Dashboard", reverse("dashboard")), ("Grants", reverse("grant-list"))]


def _funding_streams(grant) -> str:
    return "; ".join(f"{c.funding_stream} {money(c.amount)}" for c in grant.charges.all())


# --- The list and its export ------------------------------------------------------------


class GrantRows:
    access = Access.SCOPED
    policy = grant_policy
    selector = staticmethod(selectors.grant_list)
    filterset_class = GrantFilter


class GrantListView(GrantRows, PortalListView):
    template_name = "grants/grant_list.html"

    # At 50,000 grants (issue 11) sorting every matching row with its five joins to show
    # 25 took about 150 ms. So the page is found by paging the matching grants' ids alone
    # (a narrow sort, about 15 ms), and only those rows are loaded with their joins,
    # charges and paid / passed-on sums. The totals, which cover every grant the filters
    # select (not just this page's), also give the paginator its count.

    def paginate_queryset(self, queryset, page_size):
        # The totals read every matching grant and payment (about 130 ms at 50,000
        # grants and 176,000 payments), the same for every officer with the same
        # filters: cached until a grant, payment or onward grant changes.
        self.totals = cached(
            "grant-list-totals",
            lambda: selectors.grant_totals(queryset),
            reads=[queryset, Payment, OnwardGrant],
        )
        ids = queryset.prefetch_related(None).values_list("pk", flat=True)
        paginator, page, _, is_paginated = super().paginate_queryset(ids, page_size)
        page.object_list = selectors.grant_rows(list(page.object_list))
        return paginator, page, page.object_list, is_paginated

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        paginator.count = self.totals.count  # already counted: no second COUNT query
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = self.totals
        context["breadcrumbs"] = [("Dashboard", reverse("dashboard"))]
        if self.request.user.is_staff_role:
            context["allocations_url"] = _url_or_path("allocation-list", "/grants/allocations/")
        if self.request.user.can_edit:
            context["import_url"] = _url_or_path("grant-import", "/grants/import/")
        return context


class GrantExportView(GrantRows, PortalExportView):
    """The filtered list as CSV or XLSX (``?format=xlsx``), with the list's filters."""

    export_stem = "grants"
    #: Office-only columns, left out of a provider's download.
    staff_columns = [
        Column("Responsible officer", lambda g: str(g.responsible_officer)),
        Column("Workstream", lambda g: g.workstream.title),
    ]

    @property
    def export_columns(self):  # type: ignore[override]
        columns = [
            Column("Reference", lambda g: g.reference),
            Column("Title", lambda g: g.title),
            Column("Recipient", lambda g: g.recipient.name),
            Column("Recipient identifier", lambda g: g.recipient.identifier),
            Column("Programme", lambda g: g.programme.name),
            Column("Funding streams", _funding_streams),
            Column("Amount (£)", lambda g: g.amount),
            Column("Paid (£)", lambda g: g.paid_total),
            Column("Passed on through onward grants (£)", lambda g: g.passed_on_total),
            Column("Status", lambda g: g.get_status_display()),
            Column("Award date", lambda g: g.award_date),
            Column("Start date", lambda g: g.start_date),
            Column("End date", lambda g: g.end_date),
            Column("Area", lambda g: g.beneficiary_area.name if g.beneficiary_area_id else ""),
            Column("Award route", lambda g: g.get_award_route_display()),
            Column("Purpose", lambda g: g.purpose),
        ]
        if self.request.user.is_staff_role:
            columns.extend(self.staff_columns)
        return columns


# --- One grant --------------------------------------------------------------------------


class GrantMixin(PolicyObjectMixin):
    """Loads the grant named by the URL's ``pk`` through the policy (a provider's
    another organisation's grant answers 404) and gives the page its breadcrumbs."""

    policy = grant_policy
    context_object_name = "grant"

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(
                self.policy.visible_to(self.request.user).select_related(
                    "recipient",
                    "programme",
                    "beneficiary_area",
                    "responsible_officer",
                    "workstream",
                    "approving_decision",
                    "allocation",
                ),
                pk=self.kwargs["pk"],
            )
        return self._object

    def get_grant(self):
        return self.get_object()

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        grant = self.get_grant()
        return [*_list_breadcrumbs(), (grant.reference, grant.get_absolute_url())]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        grant = self.get_grant()
        context["grant"] = grant
        context["breadcrumbs"] = self.get_breadcrumbs()
        context["caption"] = f"{grant.reference} · {grant.recipient.name}"
        context["cancel_url"] = grant.get_absolute_url()
        return context


class GrantDetailView(GrantMixin, PortalDetailView):
    access = Access.SCOPED
    template_name = "grants/grant_detail.html"

    def get_breadcrumbs(self):
        return [*_list_breadcrumbs(), (self.get_grant().reference, "")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        grant = self.object
        user = self.request.user
        staff = user.is_staff_role
        schedule = selectors.payment_schedule(grant)
        onward = list(grant.onward_grants.select_related("recipient", "area"))
        underspends = list(
            grant.underspends.select_related("charge__funding_stream", "recorded_by")
        )
        has_paid = any(p.status == PaymentStatus.PAID for p in schedule.payments)
        editor = user.can_edit
        context.update(
            {
                "sections": sections_for("grant", grant, user),
                "staff": staff,
                "today": timezone.localdate(),
                "schedule": schedule,
                "onward": onward,
                "onward_total": sum((g.amount for g in onward), services.ZERO),
                "underspends": underspends,
                "underspend_total": sum((u.amount for u in underspends), services.ZERO),
                "due_diligence_complete": (
                    grant.dd_organisation_checked
                    and grant.dd_accounts_date is not None
                    and grant.dd_safeguarding_policy
                    and bool(grant.dd_fraud_risk)
                ),
                "over_procurement_threshold": (
                    grant.annual_value > settings.PROCUREMENT_SERVICE_THRESHOLD
                ),
                "procurement_threshold": settings.PROCUREMENT_SERVICE_THRESHOLD,
                "can_edit": editor,
                "is_draft": grant.status == GrantStatus.DRAFT,
                "payable": grant.status in PAYABLE_STATUSES,
                "can_activate": editor and grant.status == GrantStatus.AWARDED,
                "can_close": editor and grant.status in PAYABLE_STATUSES,
                "can_withdraw": editor
                and grant.status not in (GrantStatus.CLOSED, GrantStatus.WITHDRAWN)
                and not has_paid,
                "can_record_underspend": editor and has_paid,
                "can_add_onward": editor
                and grant.status not in (GrantStatus.DRAFT, GrantStatus.WITHDRAWN),
            }
        )
        if staff:
            context["charges"] = selectors.charges_with_headroom(grant)
            context["charges_total"] = sum(
                (row.charge.amount for row in context["charges"]), services.ZERO
            )
            context["history"] = history_entries(grant)
            context["workstream_visible"] = (
                workstream_policy.visible_to(user).filter(pk=grant.workstream_id).exists()
            )
        return context


class AgreementDownloadView(GrantMixin, PortalAccessMixin, View):
    """Streams the signed agreement as a download, never inline."""

    access = Access.SCOPED

    def get(self, request, *args, **kwargs):
        grant = self.get_grant()
        if not grant.signed_agreement:
            messages.info(request, "No signed agreement has been uploaded for this grant")
            return HttpResponseRedirect(grant.get_absolute_url())
        return attachment_response(grant.signed_agreement, grant.signed_agreement_name)


# --- Drafting ----------------------------------------------------------------------------


class GrantFormViewMixin:
    """The grant form with its funding-stream charges table: both are checked, and
    a service's refusal is shown where it belongs (charges at the table)."""

    form_class = GrantForm
    template_name = "grants/grant_form.html"

    def existing_charges(self):
        return []

    def get_formset(self):
        if not hasattr(self, "_formset"):
            data = self.request.POST if self.request.method == "POST" else None
            self._formset = charge_formset(data, charges=self.existing_charges())
        return self._formset

    def uses_charges(self) -> bool:
        return True

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        form_ok = form.is_valid()
        formset_ok = self.get_formset().is_valid() if self.uses_charges() else True
        if form_ok and formset_ok:
            return self.form_valid(form)
        return self.form_invalid(form)

    def _add_service_errors(self, form, error: ValidationError) -> None:
        if hasattr(error, "error_dict") and "charges" in error.error_dict and self.uses_charges():
            formset = self.get_formset()
            rest = {}
            for field, errors in error.error_dict.items():
                if field == "charges":
                    for item in errors:
                        formset.non_form_errors().extend(item.messages)
                else:
                    rest[field] = errors
            if not rest:
                return
            error = ValidationError(rest)
        ServiceFormView._add_service_errors(form, error)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.uses_charges():
            context["formset"] = self.get_formset()
        context["procurement_threshold"] = settings.PROCUREMENT_SERVICE_THRESHOLD
        context["decision_threshold"] = settings.DECISION_THRESHOLD
        return context


class GrantCreateView(GrantFormViewMixin, ServiceFormView):
    access = Access.EDITORS

    def get_initial(self):
        initial = {}
        if self.request.user.can_edit:
            initial["responsible_officer"] = self.request.user
        workstream_pk = self.request.GET.get("workstream", "")
        if workstream_pk.isdigit():
            workstream = (
                workstream_policy.visible_to(self.request.user).filter(pk=workstream_pk).first()
            )
            if workstream is not None:
                initial["workstream"] = workstream
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = _list_breadcrumbs()
        context["heading"] = "Add a grant"
        context["cancel_url"] = reverse("grant-list")
        context["submit_label"] = "Save draft grant"
        return context

    def perform(self, form):
        return services.grant_create(
            by=self.request.user, charges=self.get_formset().charges(), **form.service_fields()
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            messages.success(
                self.request,
                f"{self.object.reference} has been saved as a draft. Generate its payment "
                "schedule, then award it.",
            )
        return response


#: What a draft's payment schedule is made from: change one and it needs making again.
SCHEDULE_FIELDS = ("amount", "start_date", "end_date", "payment_timing", "instalments")


class GrantUpdateView(GrantMixin, GrantFormViewMixin, ServiceFormView):
    """Edits a draft; once awarded, only its paperwork."""

    access = Access.EDITORS

    def get_object(self):
        first = not hasattr(self, "_object")
        grant = super().get_object()
        if first:  # the form changes the instance it is given: remember how it was
            self.before = {name: getattr(grant, name) for name in SCHEDULE_FIELDS}
        return grant

    def uses_charges(self) -> bool:
        return self.get_grant().is_editable

    def existing_charges(self):
        return list(self.get_grant().charges.order_by("funding_stream__name"))

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.get_grant(),
            "paperwork_only": not self.get_grant().is_editable,
            "version_of": self.get_grant(),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        grant = self.get_grant()
        context["heading"] = "Edit the grant" if grant.is_editable else "Edit the paperwork"
        context["submit_label"] = "Save changes"
        if not grant.is_editable:
            context["intro"] = (
                f"This grant is {grant.get_status_display().lower()}, so its money, dates "
                "and recipient can no longer change. Its purpose, conditions, responsible "
                "officer and signed agreement can."
            )
        return context

    def perform(self, form):
        grant = self.get_grant()
        user = self.request.user
        grant = services.grant_update(
            grant=grant, by=user, version=form.posted_version(), **form.service_fields()
        )
        self.schedule_cleared = self.schedule_stale = False
        if not self.uses_charges():
            return grant
        wanted = self.get_formset().charges()
        current = sorted((c.funding_stream_id, c.amount) for c in grant.charges.all())
        had_schedule = grant.payments.exists()
        if sorted((s.pk, a) for s, a in wanted) != current or grant.amount != self.before["amount"]:
            services.grant_set_charges(grant=grant, by=user, charges=wanted)
            self.schedule_cleared = had_schedule
        elif had_schedule and any(
            getattr(grant, name) != value for name, value in self.before.items()
        ):
            self.schedule_stale = True
        return grant

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            text = f"{self.object.reference} has been updated"
            if self.schedule_cleared:
                text += (
                    ". The amount or funding streams changed, so the payment schedule has "
                    "been cleared: generate it again"
                )
            elif self.schedule_stale:
                text += (
                    ". The dates or payment terms changed: generate the payment schedule "
                    "again so it matches"
                )
            messages.success(self.request, text)
        return response


# --- Small actions on a grant ------------------------------------------------------------


class GrantActionView(GrantMixin, ServiceFormView):
    """A small confirmation or form page about one grant. ``refusal()`` explains why the
    action can't be taken now (the form is then not shown; a POST still goes to the
    service, which says why it refuses)."""

    access = Access.EDITORS
    template_name = "grants/grant_action.html"
    form_class = ConfirmForm
    heading = ""
    intro = ""
    submit_label = "Continue"
    anchor = ""

    def refusal(self) -> str:
        return ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.form_class is ConfirmForm:
            kwargs["submit_label"] = self.submit_label
        return kwargs

    def get_intro(self) -> str:
        return self.intro

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = self.heading
        context["intro"] = self.get_intro()
        context["refusal"] = self.refusal()
        return context

    def get_success_url(self):
        url = self.get_grant().get_absolute_url()
        return f"{url}#{self.anchor}" if self.anchor else url


class ScheduleGenerateView(GrantActionView):
    heading = "Generate the payment schedule"
    submit_label = "Generate the payment schedule"
    anchor = "schedule"

    def refusal(self):
        grant = self.get_grant()
        if not grant.is_editable:
            return (
                f"This grant is {grant.get_status_display().lower()}, so its payment "
                "schedule can no longer be regenerated."
            )
        if not grant.charges.exists():
            return "Charge the grant to a funding stream before making its schedule."
        return ""

    def get_intro(self):
        grant = self.get_grant()
        dates = services.instalment_dates(
            grant.start_date, grant.end_date, grant.instalments, grant.payment_timing
        )
        intro = (
            f"{len(dates)} instalment{'s' if len(dates) != 1 else ''} "
            f"{grant.get_payment_timing_display().lower()} from {ukdate(grant.start_date)} "
            f"to {ukdate(grant.end_date)}, totalling {money(grant.amount)}, each split "
            "across the funding streams charged."
        )
        if grant.payments.exists():
            intro += " This replaces the schedule the grant has now."
        return intro

    def perform(self, form):
        services.schedule_generate(grant=self.get_grant(), by=self.request.user)
        return self.get_grant()

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            messages.success(self.request, "The payment schedule has been generated")
        return response


class AwardView(GrantActionView):
    """Lists what stops the award, each linked to where to put it right, or asks for
    the award date. A refused award names every problem in the error summary."""

    form_class = AwardForm
    template_name = "grants/grant_award.html"
    heading = "Award the grant"

    def problems(self) -> list[dict]:
        grant = self.get_grant()
        rows = []
        for field, texts in services.award_problems(grant).items():
            page, anchor = FIX_ANCHORS.get(field, (None, ""))
            url = ""
            if page == "edit":
                url = reverse("grant-edit", kwargs={"pk": grant.pk}) + f"#{anchor}"
            elif page == "detail":
                url = grant.get_absolute_url() + f"#{anchor}"
            rows.extend({"text": text, "url": url} for text in texts)
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        grant = self.get_grant()
        context["problems"] = self.problems()
        context["over_procurement_threshold"] = (
            grant.annual_value > settings.PROCUREMENT_SERVICE_THRESHOLD
        )
        context["procurement_threshold"] = settings.PROCUREMENT_SERVICE_THRESHOLD
        context["charges"] = selectors.charges_with_headroom(grant)
        return context

    def perform(self, form):
        return services.grant_award(
            grant=self.get_grant(),
            by=self.request.user,
            award_date=form.cleaned_data["award_date"],
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            messages.success(
                self.request,
                f"{self.object.reference} has been awarded: {money(self.object.amount)} is "
                "now committed from its funding streams",
            )
        return response


class ActivateView(GrantActionView):
    heading = "Mark the grant as active"
    intro = "The recipient has started delivering what the grant pays for."
    submit_label = "Mark as active"
    success_message = "%(object)s is now active"

    def refusal(self):
        if self.get_grant().status != GrantStatus.AWARDED:
            return "Only an awarded grant can become active."
        return ""

    def perform(self, form):
        return services.grant_activate(grant=self.get_grant(), by=self.request.user)


class CloseView(GrantActionView):
    heading = "Close the grant"
    intro = (
        "Close the grant when its period is over and its final report is in. Scheduled "
        "payments not yet made are cancelled. An underspend returned can still be recorded."
    )
    submit_label = "Close the grant"
    success_message = "%(object)s has been closed"

    def refusal(self):
        if self.get_grant().status not in PAYABLE_STATUSES:
            return "Only an awarded or active grant can be closed."
        return ""

    def perform(self, form):
        return services.grant_close(grant=self.get_grant(), by=self.request.user)


class WithdrawView(GrantActionView):
    form_class = WithdrawForm
    heading = "Withdraw the grant"
    intro = (
        "Withdraw a grant that will not go ahead. Its money goes back to the funding "
        "streams it was charged to, and its scheduled payments are cancelled."
    )
    success_message = "%(object)s has been withdrawn"

    def refusal(self):
        grant = self.get_grant()
        if grant.status in (GrantStatus.CLOSED, GrantStatus.WITHDRAWN):
            return f"This grant is already {grant.get_status_display().lower()}."
        return ""

    def perform(self, form):
        return services.grant_withdraw(
            grant=self.get_grant(),
            by=self.request.user,
            reason=form.cleaned_data["withdrawn_reason"],
        )


class UnderspendView(GrantActionView):
    form_class = UnderspendForm
    heading = "Record an underspend returned"
    intro = (
        "Money the recipient gives back goes back to the funding stream it came from: "
        "what the stream has committed and spent both fall."
    )
    anchor = "underspends"
    success_message = "The underspend has been recorded and credited to its funding stream"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "grant": self.get_grant()}

    def refusal(self):
        if not self.get_grant().payments.filter(status=PaymentStatus.PAID).exists():
            return "No payments have been made on this grant, so nothing can be returned."
        return ""

    def perform(self, form):
        return services.underspend_record(
            grant=self.get_grant(), by=self.request.user, **form.cleaned_data
        )


class OnwardGrantCreateView(GrantActionView):
    form_class = OnwardGrantForm
    heading = "Add an onward grant"
    intro = (
        "A grant the intermediary made from this one. It is part of this grant's amount, "
        "so it is counted once, as money passed on."
    )
    anchor = "onward"
    success_message = "The onward grant to %(object)s has been added"

    def perform(self, form):
        return services.onward_grant_add(
            parent=self.get_grant(), by=self.request.user, **form.cleaned_data
        )


# --- Payments ---------------------------------------------------------------------------


class PaymentActionView(GrantActionView):
    """A page about one payment of the grant."""

    #: The model behind each URL argument besides ``pk`` (read by the access-matrix test).
    url_models = {"payment_pk": Payment}
    template_name = "grants/payment_action.html"
    anchor = "schedule"

    def get_payment(self) -> Payment:
        if not hasattr(self, "_payment"):
            self._payment = get_object_or_404(
                Payment.objects.select_related("charge__funding_stream"),
                pk=self.kwargs["payment_pk"],
                grant=self.get_grant(),
            )
        return self._payment

    def get_context_data(self, **kwargs):
        return super().get_context_data(payment=self.get_payment(), **kwargs)


class PaymentEditView(PaymentActionView):
    form_class = PaymentForm
    heading = "Change a scheduled payment"
    intro = "The schedule must add up to the grant's amount before it can be awarded."
    success_message = "The payment has been changed"

    def refusal(self):
        grant = self.get_grant()
        if not grant.is_editable:
            return (
                f"This grant is {grant.get_status_display().lower()}, so its payment "
                "schedule can no longer be changed."
            )
        return ""

    def get_initial(self):
        payment = self.get_payment()
        return {"due_date": payment.due_date, "amount": payment.amount}

    def perform(self, form):
        return services.payment_update(
            payment=self.get_payment(), by=self.request.user, **form.cleaned_data
        )


class PaymentPaidView(PaymentActionView):
    form_class = MarkPaidForm
    heading = "Mark a payment as paid"
    success_message = "The payment has been marked as paid"

    def refusal(self):
        grant, payment = self.get_grant(), self.get_payment()
        if grant.status not in PAYABLE_STATUSES:
            return (
                "Payments are made only on awarded or active grants; this one is "
                f"{grant.get_status_display().lower()}."
            )
        if payment.status != PaymentStatus.SCHEDULED:
            return f"This payment is already {payment.get_status_display().lower()}."
        return ""

    def perform(self, form):
        return services.payment_mark_paid(
            payment=self.get_payment(), by=self.request.user, **form.cleaned_data
        )
