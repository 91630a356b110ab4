"""Procurement pages: the list, the route and evaluation design, the procurement's page
with its ranked evaluation and its export, and the small pages that record questions,
bids, suitability, panel scores, moderation and the award. Every change goes through
contracts/services.py; procurements are office-only (bids are confidential)."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse

from commissioning.access import Access
from commissioning.exports import Column, export_response
from commissioning.forms import FilterForm
from commissioning.history import history_entries
from commissioning.views.base import (
    PolicyObjectMixin,
    PortalDetailView,
    PortalExportView,
    PortalListView,
    ServiceFormView,
    ServiceUpdateView,
)

from . import services
from .forms_procurement import (
    TIMETABLE,
    AwardForm,
    BidForm,
    ModerationForm,
    PanelScoreForm,
    ProcurementForm,
    QuestionForm,
    SuitabilityForm,
)
from .models import Bid, Procurement, ProcurementRoute, ProcurementStatus
from .policies import procurement_policy


def _list_breadcrumbs() -> list[tuple[str, str]]:
    return [("Dashboard", reverse("dashboard")), ("Procurements", reverse("procurement-list"))]


def _procurement_rows(queryset):
    return queryset.select_related("workstream")


class ProcurementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label="Status", choices=ProcurementStatus.choices, empty_label="Any status"
    )
    route = django_filters.ChoiceFilter(
        label="Route", choices=ProcurementRoute.choices, empty_label="Any route"
    )

    class Meta:
        model = Procurement
        fields = ["status", "route"]
        form = FilterForm


class ProcurementRows:
    """The list's rows: shared by the page and its download."""

    access = Access.STAFF
    policy = procurement_policy
    selector = staticmethod(_procurement_rows)
    filterset_class = ProcurementFilter


class ProcurementListView(ProcurementRows, PortalListView):
    template_name = "contracts/procurement_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [("Dashboard", reverse("dashboard"))]
        return context


class ProcurementExportView(ProcurementRows, PortalExportView):
    """The filtered list as CSV or XLSX (``?format=xlsx``). Bids stay confidential: only
    the procurement's own route, values, status and timetable are written."""

    export_stem = "procurements"
    export_columns = [
        Column("Procurement", lambda p: p.title),
        Column("Workstream", lambda p: p.workstream.title),
        Column("Route", lambda p: p.get_route_display()),
        Column("Light-touch", lambda p: p.light_touch),
        Column("Estimated annual value (£)", lambda p: p.estimated_annual_value),
        Column("Estimated whole-life value (£)", lambda p: p.estimated_whole_life_value),
        Column("Status", lambda p: p.get_status_display()),
        Column("Tender notice", lambda p: p.tender_notice_date),
        Column("Submission deadline", lambda p: p.submission_deadline),
        Column("Award", lambda p: p.award_date),
        Column("Go-live", lambda p: p.go_live_date),
    ]


class ProcurementCreateView(ServiceFormView):
    access = Access.EDITORS
    form_class = ProcurementForm
    template_name = "contracts/procurement_form.html"
    success_message = "Procurement saved"

    def perform(self, form):
        return services.procurement_create(by=self.request.user, **form.cleaned_data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            breadcrumbs=_list_breadcrumbs(),
            heading="Add a procurement",
            cancel_url=reverse("procurement-list"),
        )
        return context


class ProcurementMixin(PolicyObjectMixin):
    """The procurement named by the URL's ``pk``, through the policy."""

    policy = procurement_policy
    context_object_name = "procurement"

    def get_procurement(self):
        return self.get_object()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        procurement = self.get_procurement()
        context.update(
            procurement=procurement,
            breadcrumbs=[*_list_breadcrumbs(), (procurement.title, procurement.get_absolute_url())],
            caption=procurement.title,
            cancel_url=procurement.get_absolute_url(),
        )
        return context


class ProcurementUpdateView(ProcurementMixin, ServiceUpdateView):
    access = Access.EDITORS
    form_class = ProcurementForm
    template_name = "contracts/procurement_form.html"
    success_message = "Procurement saved"

    def perform(self, form):
        fields = {name: form.cleaned_data[name] for name in form.fields}
        return services.procurement_update(
            procurement=self.get_object(), by=self.request.user, **fields
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = "Edit procurement"
        return context


class ProcurementDetailView(ProcurementMixin, PortalDetailView):
    access = Access.STAFF
    template_name = "contracts/procurement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        procurement = self.object
        context["breadcrumbs"] = [*_list_breadcrumbs(), (procurement.title, "")]
        context["questions"] = list(procurement.questions.all())
        context["timetable"] = [
            (label[:1].upper() + label[1:], getattr(procurement, name))
            for name, label in (
                (name, str(Procurement._meta.get_field(name).verbose_name))
                for name, _what in TIMETABLE
            )
        ]
        context["results"] = services.evaluation_result(procurement)
        context["problems"] = services.evaluation_problems(procurement)
        context["can_edit"] = self.request.user.can_edit
        context["can_award"] = context["can_edit"] and procurement.status not in (
            ProcurementStatus.AWARDED,
            ProcurementStatus.CANCELLED,
        )
        context["history"] = history_entries(procurement)
        return context


EVALUATION_COLUMNS = [
    Column("Rank", lambda r: r.rank),
    Column("Supplier", lambda r: r.bid.supplier.name),
    Column("Bid price (£)", lambda r: r.bid.price),
    Column("Suitable", lambda r: r.suitable),
    Column("Why not suitable", lambda r: "; ".join(r.problems)),
    Column("Quality score", lambda r: r.quality),
    Column("Price score", lambda r: r.price if r.suitable else None),
    Column("Social value score", lambda r: r.social_value),
    Column("Total", lambda r: r.total),
]


class EvaluationExportView(ProcurementMixin, PortalDetailView):
    """The evaluation as a sheet for the procurement file (XLSX)."""

    access = Access.STAFF

    def render_to_response(self, context, **response_kwargs):
        procurement = self.object
        return export_response(
            "xlsx",
            f"evaluation-{procurement.pk}",
            EVALUATION_COLUMNS,
            services.evaluation_result(procurement),
        )


# --- The small pages ---------------------------------------------------------------------


class ProcurementFormView(ProcurementMixin, ServiceFormView):
    """A form about one procurement; on success back to its page."""

    access = Access.EDITORS
    template_name = "contracts/procurement_action.html"
    heading = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = self.heading
        return context

    def get_success_url(self):
        return self.get_procurement().get_absolute_url()


class QuestionAddView(ProcurementFormView):
    form_class = QuestionForm
    heading = "Add a quality question"
    success_message = "Question added"

    def perform(self, form):
        return services.question_add(
            procurement=self.get_procurement(), by=self.request.user, **form.cleaned_data
        )


class BidAddView(ProcurementFormView):
    form_class = BidForm
    heading = "Add a bid"
    success_message = "Bid added"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "procurement": self.get_procurement()}

    def perform(self, form):
        return services.bid_add(
            procurement=self.get_procurement(), by=self.request.user, **form.cleaned_data
        )


class BidMixin:
    """The bid named by ``bid_pk``, which must belong to the URL's procurement."""

    url_models = {"bid_pk": Bid}

    def get_bid(self):
        if not hasattr(self, "_bid"):
            self._bid = get_object_or_404(
                Bid.objects.select_related("supplier", "procurement"),
                pk=self.kwargs["bid_pk"],
                procurement=self.get_procurement(),
            )
        return self._bid

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "bid": self.get_bid()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bid"] = self.get_bid()
        context["caption"] = f"{self.get_procurement().title} · {self.get_bid().supplier.name}"
        return context


class SuitabilityView(BidMixin, ProcurementFormView):
    form_class = SuitabilityForm
    heading = "Supplier suitability"
    success_message = "Suitability saved"

    def perform(self, form):
        return services.suitability_record(
            bid=self.get_bid(),
            by=self.request.user,
            results=form.results(),
            modern_slavery_applies=form.cleaned_data["modern_slavery_applies"],
            modern_slavery_statement_url=form.cleaned_data["modern_slavery_statement_url"],
            modern_slavery_statement_date=form.cleaned_data["modern_slavery_statement_date"],
        )


def _at_field(error: ValidationError, mapping: dict[str, str]) -> ValidationError:
    """The service's error moved to this form's field names."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {mapping.get(field, field): errors for field, errors in error.error_dict.items()}
    )


class PanelScoreView(BidMixin, ProcurementFormView):
    form_class = PanelScoreForm
    heading = "Record a panel member's scores"
    success_message = "Scores saved"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "questions": self.get_procurement().questions.all(),
            "initial": {"panel_member": self.request.user.pk},
        }

    def perform(self, form):
        for question in form.questions:
            name = f"score_{question.pk}"
            try:
                services.panel_score_record(
                    bid=self.get_bid(),
                    question=question,
                    panel_member=form.cleaned_data["panel_member"],
                    score=form.cleaned_data[name],
                )
            except ValidationError as error:
                raise _at_field(error, {"score": name}) from error
        return self.get_bid()


class ModerationView(BidMixin, ProcurementFormView):
    form_class = ModerationForm
    heading = "Moderate the scores"
    success_message = "Moderated scores saved"

    def averages(self) -> dict:
        bid = self.get_bid()
        return {
            q.pk: services.panel_average(bid, q) for q in self.get_procurement().questions.all()
        }

    def get_form_kwargs(self):
        bid = self.get_bid()
        averages = self.averages()
        moderated = {m.question_id: m for m in bid.moderated_scores.all()}
        initial = {"social_value_score": bid.social_value_score}
        for question_pk, average in averages.items():
            row = moderated.get(question_pk)
            initial[f"score_{question_pk}"] = row.score if row else average
            initial[f"reason_{question_pk}"] = row.reason if row else ""
        return {
            **super().get_form_kwargs(),
            "questions": self.get_procurement().questions.all(),
            "averages": averages,
            "initial": initial,
        }

    def perform(self, form):
        bid = self.get_bid()
        for question in form.questions:
            score_name, reason_name = f"score_{question.pk}", f"reason_{question.pk}"
            try:
                services.moderate(
                    bid=bid,
                    question=question,
                    by=self.request.user,
                    score=form.cleaned_data[score_name],
                    reason=form.cleaned_data[reason_name],
                )
            except ValidationError as error:
                raise _at_field(error, {"score": score_name, "reason": reason_name}) from error
        if form.cleaned_data["social_value_score"] != bid.social_value_score:
            services.bid_social_value_record(
                bid=bid, by=self.request.user, score=form.cleaned_data["social_value_score"]
            )
        return bid


class AwardView(ProcurementFormView):
    form_class = AwardForm
    template_name = "contracts/procurement_award.html"
    heading = "Award the contract"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "procurement": self.get_procurement()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        procurement = self.get_procurement()
        context["results"] = services.evaluation_result(procurement)
        context["awarded"] = procurement.status == ProcurementStatus.AWARDED
        context["contract_url"] = f"{reverse('contract-create')}?procurement={procurement.pk}"
        return context

    def perform(self, form):
        return services.procurement_award(
            procurement=self.get_procurement(),
            bid=form.cleaned_data["bid"],
            by=self.request.user,
            award_date=form.cleaned_data["award_date"],
            decision=form.cleaned_data["decision"],
        )

    def get_success_url(self):
        return reverse("procurement-award", kwargs={"pk": self.get_procurement().pk})
