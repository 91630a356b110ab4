"""The public pages (anyone, signed in or not): open data and its downloads, funding
awarded with its filters and export, open and closed commissioning opportunities, and
the stakeholder sign-up with its emailed confirm and unsubscribe links. Then the
officers' pages that draft, publish and withdraw opportunities.

The open-data downloads are a public interface: their addresses stay as they are. They
stream, reading the database a chunk at a time."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import DetailView, FormView, ListView, TemplateView

from commissioning.access import Access, PortalAccessMixin
from commissioning.exports import Column, csv_response, export_response
from commissioning.freshness import cached
from commissioning.notifications import absolute_url
from commissioning.paging import FreshPaginator
from commissioning.views.base import (
    PAGE_SIZE,
    PolicyObjectMixin,
    PortalListView,
    ServiceFormView,
    ServiceUpdateView,
)

from . import opendata, selectors_public, services_public
from .filters_public import FundingAwardedFilter, OpportunityFilter
from .forms_public import ConfirmForm, OpportunityForm, SubscribeForm, WithdrawOpportunityForm
from .models import Opportunity, OpportunityStatus, Subscriber, SubscriberStatus
from .selectors_public import CHUNK_SIZE, opportunity_policy

#: Public pages are cached by nobody's browser for long: the data changes during the day.
OPEN_DATA_CACHE = "public, max-age=300"


class PublicMixin(PortalAccessMixin):
    access = Access.PUBLIC


# --- Open data --------------------------------------------------------------------------


class OpenDataView(PublicMixin, TemplateView):
    template_name = "reports/public/open_data.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            summary=selectors_public.open_data_summary(),
            licence_name=opendata.LICENCE_NAME,
            licence_url=opendata.LICENCE_URL,
            grants_json=absolute_url(reverse("open-data-grants-json")),
            grants_csv=absolute_url(reverse("open-data-grants-csv")),
            contracts_json=absolute_url(reverse("open-data-contracts-json")),
            threesixty_prefix=settings.OPEN_DATA_360G_PREFIX,
            ocid_prefix=settings.OCDS_OCID_PREFIX,
        )
        return context


def _streaming_json(pieces, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(pieces, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = OPEN_DATA_CACHE
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


class GrantsJsonView(PublicMixin, View):
    """Every published grant as a 360Giving data package."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        summary = selectors_public.open_data_summary()
        metadata = opendata.threesixty_package(
            modified=summary.grants_updated,
            download_url=absolute_url(reverse("open-data-grants-json")),
            access_url=absolute_url(reverse("open-data")),
        )
        grants = selectors_public.open_data_grant_stream()
        pieces = opendata.json_package(metadata, "grants", opendata.grant_records(grants))
        return _streaming_json(pieces, "grants.json")


class GrantsCsvView(PublicMixin, View):
    """The same records as the 360Giving package, one row each, with the 360Giving
    spreadsheet's column titles."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        grants = selectors_public.open_data_grant_stream()
        response = csv_response(
            "grants", opendata.GRANT_CSV_COLUMNS, opendata.grant_records(grants)
        )
        response["Cache-Control"] = OPEN_DATA_CACHE
        response["Access-Control-Allow-Origin"] = "*"
        return response


class ContractsJsonView(PublicMixin, View):
    """Every contract as an OCDS 1.1 release package."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        summary = selectors_public.open_data_summary()
        metadata = opendata.ocds_package(
            published=summary.contracts_updated,
            uri=absolute_url(reverse("open-data-contracts-json")),
            policy_url=absolute_url(reverse("open-data")),
        )
        contracts = selectors_public.open_data_contracts().iterator(chunk_size=CHUNK_SIZE)
        today = timezone.localdate()
        pieces = opendata.json_package(
            metadata, "releases", opendata.contract_releases(contracts, today=today)
        )
        return _streaming_json(pieces, "contracts.json")


# --- Funding awarded --------------------------------------------------------------------


class FundingAwardedRows(PublicMixin):
    """The filtered grants and contracts, as the page and its export show them."""

    http_method_names = ["get", "head", "options"]

    def filtered(self):
        self.filterset = FundingAwardedFilter(
            self.request.GET or None,
            queryset=selectors_public.awarded_grants(),
            request=self.request,
        )
        grants = self.filterset.qs
        contracts = self.filterset.contracts()
        return grants, contracts


class FundingAwardedView(FundingAwardedRows, ListView):
    template_name = "reports/public/funding_awarded.html"
    paginate_by = 50
    page_cache = True
    context_object_name = "rows"
    # The same for every visitor, over every grant and contract awarded: the count,
    # the page of rows and the totals each took about 40-70 ms at national scale, so
    # they are cached until a grant or contract changes (issue 11).
    paginator_class = FreshPaginator

    def get_queryset(self):
        grants, contracts = self.filtered()
        self.totals = cached(
            "funding-awarded-totals",
            lambda: selectors_public.award_totals(grants=grants, contracts=contracts),
            reads=[grants, contracts],
        )
        return selectors_public.award_rows(grants=grants, contracts=contracts)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=self.filterset,
            totals=self.totals,
            querystring=query.urlencode(),
            filters_applied=any(value for value in query.values()),
            narrows_to_grants=self.filterset.narrows_to_grants,
            page_total=sum((row["value"] for row in context["rows"]), selectors_public.ZERO),
        )
        return context


AWARD_EXPORT_COLUMNS = [
    Column("Type", lambda r: r["kind"]),
    Column("Reference", lambda r: r["reference"]),
    Column("Title", lambda r: r["title"]),
    Column("Recipient or supplier", lambda r: r["recipient_name"]),
    Column("Recipient identifier", lambda r: r["recipient_identifier"]),
    Column("Programme", lambda r: r["programme_name"]),
    Column("Area", lambda r: r["area_name"]),
    Column("Awarded", lambda r: r["awarded_on"]),
    Column("Start date", lambda r: r["start_date"]),
    Column("End date", lambda r: r["end_date"]),
    Column("Value (£)", lambda r: r["value"]),
]


class FundingAwardedExportView(FundingAwardedRows, View):
    """The filtered table as CSV (default) or XLSX (``?format=xlsx``)."""

    def get(self, request, *args, **kwargs):
        grants, contracts = self.filtered()
        rows = selectors_public.award_rows(grants=grants, contracts=contracts)
        fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        return export_response(fmt, "funding-awarded", AWARD_EXPORT_COLUMNS, rows)


# --- Opportunities (public) -------------------------------------------------------------


class OpportunityListView(PublicMixin, ListView):
    """Published opportunities still open, soonest closing first."""

    template_name = "reports/public/opportunity_list.html"
    context_object_name = "opportunities"
    paginate_by = PAGE_SIZE
    http_method_names = ["get", "head", "options"]
    closed = False

    def get_queryset(self):
        if self.closed:
            return selectors_public.closed_opportunities()
        return selectors_public.open_opportunities()

    def get_context_data(self, **kwargs):
        return super().get_context_data(closed=self.closed, today=timezone.localdate(), **kwargs)


class ClosedOpportunityListView(OpportunityListView):
    closed = True


class OpportunityDetailView(PublicMixin, DetailView):
    """A published opportunity (open, closed or since withdrawn); a draft answers 404."""

    model = Opportunity
    template_name = "reports/public/opportunity_detail.html"
    context_object_name = "opportunity"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return selectors_public.public_opportunities()


# --- Sign up for opportunity emails -----------------------------------------------------


class SubscribeView(PublicMixin, FormView):
    """Email address only. Whatever the address (new, waiting, subscribed or not), the
    next page says the same thing, so nobody learns who is subscribed."""

    form_class = SubscribeForm
    template_name = "reports/public/subscribe.html"

    def form_valid(self, form):
        services_public.subscription_request(email=form.cleaned_data["email"])
        return HttpResponseRedirect(reverse("subscription-check-email"))


class SubscribeCheckEmailView(PublicMixin, TemplateView):
    template_name = "reports/public/subscribe_check_email.html"
    http_method_names = ["get", "head", "options"]


class SubscriberLinkMixin(PortalAccessMixin):
    """A page reached by the secret in an emailed link: an unknown secret answers 404."""

    access = Access.SECRET_LINK

    def dispatch(self, request, *args, token: str = "", **kwargs):
        self.subscriber = Subscriber.objects.filter(token=token).first()
        if self.subscriber is None:
            raise Http404
        return super().dispatch(request, *args, token=token, **kwargs)


class SubscriptionConfirmView(SubscriberLinkMixin, TemplateView):
    """The double opt-in: opening the emailed link confirms the address. A link from
    before an unsubscribe does not sign anyone up again: it says so."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        if self.subscriber.status == SubscriberStatus.UNSUBSCRIBED:
            return TemplateResponse(
                request, "reports/public/subscription_link_dead.html", status=410
            )
        subscriber = services_public.subscription_confirm(subscriber=self.subscriber)
        return TemplateResponse(
            request,
            "reports/public/subscription_confirmed.html",
            {"unsubscribe_url": subscriber.unsubscribe_url()},
        )


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(SubscriberLinkMixin, TemplateView):
    """One click from any email stops all of them. A mail program's own unsubscribe
    button POSTs here (RFC 8058), without a CSRF token; opening the link again says the
    address is unsubscribed."""

    template_name = "reports/public/unsubscribed.html"
    http_method_names = ["get", "post", "head", "options"]

    def get(self, request, *args, **kwargs):
        services_public.subscription_unsubscribe(subscriber=self.subscriber)
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)


# --- Managing opportunities (officers) --------------------------------------------------


def _manage_breadcrumbs() -> list[tuple[str, str]]:
    return [("Dashboard", reverse("dashboard")), ("Opportunities", reverse("opportunity-manage"))]


class OpportunityManageListView(PortalListView):
    access = Access.EDITORS
    policy = opportunity_policy
    selector = staticmethod(selectors_public.opportunities_for_staff)
    filterset_class = OpportunityFilter
    template_name = "reports/public/manage_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [("Dashboard", reverse("dashboard"))]
        context["today"] = timezone.localdate()
        return context


class OpportunityCreateView(ServiceFormView):
    access = Access.EDITORS
    form_class = OpportunityForm
    template_name = "reports/public/manage_form.html"
    success_message = "“%(object)s” has been saved as a draft. Publish it when it is ready."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            breadcrumbs=_manage_breadcrumbs(),
            heading="Add an opportunity",
            cancel_url=reverse("opportunity-manage"),
        )
        return context

    def perform(self, form):
        return services_public.opportunity_create(by=self.request.user, **form.service_fields())

    def get_success_url(self):
        return self.object.get_manage_url()


class OpportunityMixin(PolicyObjectMixin):
    policy = opportunity_policy
    context_object_name = "opportunity"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opportunity = self.get_object()
        context.update(
            breadcrumbs=[*_manage_breadcrumbs(), (opportunity.title, opportunity.get_manage_url())],
            caption=opportunity.title,
            cancel_url=opportunity.get_manage_url(),
        )
        return context

    def get_success_url(self):
        return self.get_object().get_manage_url()


class OpportunityManageDetailView(OpportunityMixin, PortalAccessMixin, TemplateView):
    access = Access.EDITORS
    template_name = "reports/public/manage_detail.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opportunity = self.get_object()
        context["breadcrumbs"] = [*_manage_breadcrumbs(), (opportunity.title, "")]
        context["emails_sent"] = opportunity.emails.filter(sent_at__isnull=False).count()
        context["is_draft"] = opportunity.status == OpportunityStatus.DRAFT
        context["is_withdrawn"] = opportunity.status == OpportunityStatus.WITHDRAWN
        context["today"] = timezone.localdate()
        return context


class OpportunityUpdateView(OpportunityMixin, ServiceUpdateView):
    access = Access.EDITORS
    form_class = OpportunityForm
    template_name = "reports/public/manage_form.html"
    success_message = "“%(object)s” has been changed"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opportunity = self.get_object()
        context["heading"] = "Edit the opportunity"
        if opportunity.status == OpportunityStatus.PUBLISHED:
            context["intro"] = (
                "This opportunity is published: changes show on its public page at once. "
                "Subscribers are not emailed again."
            )
        return context

    def get(self, request, *args, **kwargs):
        if self.get_object().status == OpportunityStatus.WITHDRAWN:
            messages.info(request, "This opportunity has been withdrawn, so it can't be changed")
            return HttpResponseRedirect(self.get_object().get_manage_url())
        return super().get(request, *args, **kwargs)

    def perform(self, form):
        return services_public.opportunity_update(
            opportunity=self.get_object(), by=self.request.user, **form.service_fields()
        )


class OpportunityActionView(OpportunityMixin, ServiceFormView):
    """A confirmation page about one opportunity. ``refusal()`` says why the action
    can't be taken now (the form is then not shown; a POST still asks the service,
    which refuses with the reason)."""

    access = Access.EDITORS
    template_name = "reports/public/manage_action.html"
    form_class = ConfirmForm
    heading = ""
    intro = ""
    submit_label = "Continue"

    def refusal(self) -> str:
        return ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.form_class is ConfirmForm:
            kwargs["submit_label"] = self.submit_label
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(heading=self.heading, intro=self.intro, refusal=self.refusal())
        return context


class OpportunityPublishView(OpportunityActionView):
    heading = "Publish the opportunity"
    intro = (
        "It will be listed on the public opportunities page straight away, and everyone "
        "signed up for opportunity emails will be emailed about it once."
    )
    submit_label = "Publish the opportunity"
    success_message = "“%(object)s” has been published"

    def refusal(self):
        opportunity = self.get_object()
        if opportunity.status != OpportunityStatus.DRAFT:
            return f"This opportunity is {opportunity.get_status_display().lower()}."
        if opportunity.closing_date < timezone.localdate():
            return "Its closing date has passed: edit it to today or a later date first."
        return ""

    def perform(self, form):
        return services_public.opportunity_publish(
            opportunity=self.get_object(), by=self.request.user
        )


class OpportunityWithdrawView(OpportunityActionView):
    form_class = WithdrawOpportunityForm
    heading = "Withdraw the opportunity"
    intro = (
        "A withdrawn opportunity is no longer listed. Its page stays, saying it was "
        "withdrawn and why, for anyone who follows an old link."
    )
    success_message = "“%(object)s” has been withdrawn"

    def refusal(self):
        if self.get_object().status == OpportunityStatus.WITHDRAWN:
            return "This opportunity has already been withdrawn."
        return ""

    def perform(self, form):
        return services_public.opportunity_withdraw(
            opportunity=self.get_object(),
            by=self.request.user,
            reason=form.cleaned_data["withdrawn_reason"],
        )


__all__ = [
    "ClosedOpportunityListView",
    "ContractsJsonView",
    "FundingAwardedExportView",
    "FundingAwardedView",
    "GrantsCsvView",
    "GrantsJsonView",
    "OpenDataView",
    "OpportunityCreateView",
    "OpportunityDetailView",
    "OpportunityListView",
    "OpportunityManageDetailView",
    "OpportunityManageListView",
    "OpportunityPublishView",
    "OpportunityUpdateView",
    "OpportunityWithdrawView",
    "SubscribeCheckEmailView",
    "SubscribeView",
    "SubscriptionConfirmView",
    "UnsubscribeView",
]
