"""Contract pages: the list and its export, a contract's page (a supplier's read-only
view of their own), entering a contract directly and the small actions on one. Every
change goes through contracts/services.py."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from commissioning.access import Access
from commissioning.exports import Column
from commissioning.history import history_entries
from commissioning.locking import is_stale
from commissioning.sections import sections_for
from commissioning.views.base import (
    PolicyObjectMixin,
    PortalDetailView,
    PortalExportView,
    PortalListView,
    ServiceFormView,
)

from . import services
from .filters import ContractFilter
from .forms import (
    ContractForm,
    ExtensionForm,
    ExtensionOptionForm,
    GoLiveForm,
    KPIForm,
    MeetingActionDoneForm,
    MeetingActionForm,
    MeetingForm,
    NoticeForm,
    RiskForm,
    TerminateForm,
    VariationForm,
)
from .models import Contract, Procurement, ProcurementStatus
from .policies import contract_policy, procurement_policy


def contract_rows(queryset):
    return queryset.select_related("supplier", "workstream", "responsible_officer")


def _list_breadcrumbs() -> list[tuple[str, str]]:
    return [("Dashboard", reverse("dashboard")), ("Contracts", reverse("contract-list"))]


def _procurement_url(contract) -> str:
    """The procurement's page, once its pages exist."""
    if not contract.procurement_id:
        return ""
    try:
        return contract.procurement.get_absolute_url()
    except NoReverseMatch:
        return ""


class ContractRows:
    access = Access.SCOPED
    policy = contract_policy
    selector = staticmethod(contract_rows)
    filterset_class = ContractFilter


class ContractListView(ContractRows, PortalListView):
    template_name = "contracts/contract_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [("Dashboard", reverse("dashboard"))]
        return context


class ContractExportView(ContractRows, PortalExportView):
    export_stem = "contracts"
    staff_columns = [
        Column("Workstream", lambda c: c.workstream.title),
        Column("Responsible officer", lambda c: str(c.responsible_officer)),
        Column("Service risk flagged", lambda c: "Yes" if c.risk_flagged else "No"),
    ]

    @property
    def export_columns(self):  # type: ignore[override]
        columns = [
            Column("Reference", lambda c: c.reference),
            Column("Title", lambda c: c.title),
            Column("Supplier", lambda c: c.supplier.name),
            Column("Annual value (£)", lambda c: c.annual_value),
            Column("Whole-life value (£)", lambda c: c.whole_life_value),
            Column("Start date", lambda c: c.start_date),
            Column("End date", lambda c: c.end_date),
            Column("Status", lambda c: c.status_label),
            Column("Light-touch contract", lambda c: "Yes" if c.light_touch else "No"),
        ]
        if self.request.user.is_staff_role:
            columns.extend(self.staff_columns)
        return columns


# --- One contract -----------------------------------------------------------------------


class ContractMixin(PolicyObjectMixin):
    """Loads the contract named by the URL through the policy: another supplier's
    contract answers 404, for a GET and a POST alike."""

    policy = contract_policy
    context_object_name = "contract"

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(
                contract_rows(self.policy.visible_to(self.request.user)).select_related(
                    "procurement", "lead_commissioner", "end_milestone"
                ),
                pk=self.kwargs["pk"],
            )
        return self._object

    def get_contract(self) -> Contract:
        return self.get_object()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self.get_contract()
        context["contract"] = contract
        context["caption"] = f"{contract.reference} · {contract.supplier.name}"
        context["cancel_url"] = contract.get_absolute_url()
        context["breadcrumbs"] = [
            *_list_breadcrumbs(),
            (contract.reference, contract.get_absolute_url()),
        ]
        return context


class ContractDetailView(ContractMixin, PortalDetailView):
    access = Access.SCOPED
    template_name = "contracts/contract_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self.object
        user = self.request.user
        staff = user.is_staff_role
        today = timezone.localdate()
        context["breadcrumbs"] = [*_list_breadcrumbs(), (contract.reference, "")]
        context["today"] = today
        context["staff"] = staff
        context["can_edit"] = user.can_edit and contract.status not in ("terminated", "ended")
        context["kpis"] = list(contract.kpis.all())
        context["sections"] = sections_for("contract", contract, user)
        meetings = contract.meetings.all()
        if staff:
            meetings = meetings.prefetch_related("actions")
        context["meetings"] = list(meetings)
        if staff:
            context["charges"] = list(contract.charges.select_related("funding_stream"))
            context["notices"] = list(contract.notices.all())
            context["variations"] = list(
                contract.variations.select_related("approving_decision", "recorded_by")
            )
            context["extensions"] = list(contract.extensions.all())
            context["history"] = history_entries(contract)
            context["procurement_url"] = _procurement_url(contract)
            context["kpi_shortfall"] = (
                contract.needs_three_kpis and not contract.went_live_on and len(context["kpis"]) < 3
            )
        return context


class ContractCreateView(ServiceFormView):
    access = Access.EDITORS
    form_class = ContractForm
    template_name = "contracts/contract_form.html"

    def get_procurement(self) -> Procurement | None:
        """The awarded procurement the contract comes from (``?procurement=<pk>``)."""
        pk = self.request.GET.get("procurement", "")
        if not pk.isdigit():
            return None
        return get_object_or_404(
            procurement_policy.visible_to(self.request.user).select_related("awarded_bid"),
            pk=pk,
            status=ProcurementStatus.AWARDED,
        )

    def get_initial(self):
        initial = {"responsible_officer": self.request.user}
        procurement = self.get_procurement()
        if procurement is not None:
            initial.update(
                title=procurement.title,
                workstream=procurement.workstream,
                light_touch=procurement.light_touch,
                annual_value=procurement.estimated_annual_value,
                whole_life_value=procurement.estimated_whole_life_value,
            )
            if procurement.awarded_bid is not None:
                initial["supplier"] = procurement.awarded_bid.supplier
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "breadcrumbs": _list_breadcrumbs(),
                "heading": "Enter a contract",
                "intro": "An existing or co-commissioned contract the office pays towards. "
                "Its end date goes on the forward plan, and its meetings and Procurement "
                "Act notices are scheduled from its dates.",
                "cancel_url": reverse("contract-list"),
            }
        )
        return context

    def perform(self, form):
        return services.contract_create(
            by=self.request.user, procurement=self.get_procurement(), **form.service_fields()
        )

    def _add_service_errors(self, form, error):
        if hasattr(error, "error_dict") and "charges" in error.error_dict:
            error = ValidationError(
                {
                    ("charge_amount" if key == "charges" else key): value
                    for key, value in error.error_dict.items()
                }
            )
        super()._add_service_errors(form, error)

    success_message = "%(object)s has been saved"


class ContractActionView(ContractMixin, ServiceFormView):
    """A small form about one contract; ``perform`` calls the service."""

    access = Access.EDITORS
    template_name = "contracts/contract_action.html"
    heading = ""
    intro = ""
    anchor = ""
    contract_form = False  # whether the form takes the contract
    #: Whether the form changes the contract itself: then it carries the version the
    #: page was opened at, and a save over someone else's newer change is refused.
    versioned = False

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.contract_form:
            kwargs["contract"] = self.get_contract()
        if self.versioned:
            kwargs["version_of"] = self.get_contract()
        return kwargs

    def form_invalid(self, form):
        if is_stale(form):
            self.__dict__.pop("_object", None)  # show the contract as it now stands
        return super().form_invalid(form)

    def get_intro(self) -> str:
        return self.intro

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = self.heading
        context["intro"] = self.get_intro()
        return context

    def get_success_url(self):
        url = self.get_contract().get_absolute_url()
        return f"{url}#{self.anchor}" if self.anchor else url


class KPIAddView(ContractActionView):
    form_class = KPIForm
    heading = "Add a KPI"
    anchor = "kpis"
    success_message = "The KPI %(object)s has been added"

    def perform(self, form):
        return services.kpi_add(
            contract=self.get_contract(), by=self.request.user, **form.cleaned_data
        )


class GoLiveView(ContractActionView):
    form_class = GoLiveForm
    versioned = True
    heading = "Mark the contract as live"
    success_message = "%(object)s is now live"

    def get_intro(self):
        contract = self.get_contract()
        if contract.needs_three_kpis:
            return (
                "This contract is over £5 million and not a light-touch contract, so it "
                f"needs at least three KPIs before it goes live. It has {contract.kpis.count()}."
            )
        return "Meetings are rescheduled from the date it went live."

    def perform(self, form):
        return services.contract_go_live(
            contract=self.get_contract(),
            by=self.request.user,
            went_live_on=form.cleaned_data["went_live_on"],
            version=form.posted_version(),
        )


class RiskView(ContractActionView):
    form_class = RiskForm
    versioned = True
    heading = "Flag or clear a service risk"
    intro = (
        "While a service risk is flagged, contract meetings are held quarterly. The meetings "
        "not yet held are rescheduled when you save."
    )
    success_message = "The service risk has been updated"

    def get_initial(self):
        contract = self.get_contract()
        return {
            "flagged": "yes" if contract.risk_flagged else "no",
            "risk_note": contract.risk_note,
        }

    def perform(self, form):
        return services.contract_set_risk(
            contract=self.get_contract(),
            by=self.request.user,
            flagged=form.cleaned_data["flagged"],
            note=form.cleaned_data["risk_note"],
            version=form.posted_version(),
        )


class MeetingRecordView(ContractActionView):
    form_class = MeetingForm
    contract_form = True
    heading = "Record a contract meeting"
    anchor = "meetings"

    def get_initial(self):
        meeting = self.request.GET.get("meeting", "")
        return {"meeting": meeting} if meeting.isdigit() else {}

    def perform(self, form):
        services.meeting_record(
            meeting=form.cleaned_data["meeting"],
            by=self.request.user,
            held_on=form.cleaned_data["held_on"],
            minutes=form.cleaned_data["minutes"],
            rag=form.cleaned_data["rag"],
        )
        return self.get_contract()

    success_message = "The meeting has been recorded"


class ExtensionView(ContractActionView):
    form_class = ExtensionForm
    contract_form = True
    versioned = True
    heading = "Exercise an extension"
    intro = (
        "The contract's end date moves on by the extension, and the forward plan, the "
        "meetings and the termination notice follow it."
    )

    def perform(self, form):
        return services.extension_exercise(
            option=form.cleaned_data["option"],
            by=self.request.user,
            on=form.cleaned_data["on"],
            version=form.posted_version(),
        )

    success_message = "The extension has been exercised"


class ExtensionOptionAddView(ContractActionView):
    form_class = ExtensionOptionForm
    heading = "Add an extension option"
    intro = "An extension the contract allows, exercised later if the office chooses to."
    anchor = "extensions"
    success_message = "The extension option has been added"

    def perform(self, form):
        services.extension_option_add(
            contract=self.get_contract(), by=self.request.user, months=form.cleaned_data["months"]
        )
        return self.get_contract()


class MeetingActionAddView(ContractActionView):
    form_class = MeetingActionForm
    contract_form = True
    heading = "Add a meeting action"
    anchor = "meetings"
    success_message = "The action has been added"

    def perform(self, form):
        data = form.cleaned_data
        services.meeting_action_add(
            meeting=data["meeting"],
            by=self.request.user,
            description=data["description"],
            owner=data["owner"],
            due_date=data["due_date"],
        )
        return self.get_contract()


class MeetingActionDoneView(ContractActionView):
    form_class = MeetingActionDoneForm
    contract_form = True
    heading = "Mark a meeting action as done"
    anchor = "meetings"
    success_message = "The action has been marked as done"

    def perform(self, form):
        services.meeting_action_done(
            action=form.cleaned_data["action"],
            by=self.request.user,
            done_on=form.cleaned_data["done_on"],
        )
        return self.get_contract()


class VariationView(ContractActionView):
    form_class = VariationForm
    versioned = True
    heading = "Record a variation"
    intro = (
        "The change is logged, its value effect changes the whole-life value, and a "
        "contract change notice falls due on the date it takes effect."
    )
    anchor = "variations"
    success_message = "The variation has been recorded"

    def perform(self, form):
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        return services.variation_record(
            contract=self.get_contract(),
            by=self.request.user,
            version=form.posted_version(),
            **fields,
        )


class TerminateView(ContractActionView):
    form_class = TerminateForm
    versioned = True
    heading = "Terminate the contract"
    intro = (
        "Meetings after the termination date are cancelled, and the termination notice "
        "falls due 30 days after it."
    )
    success_message = "%(object)s has been terminated"

    def perform(self, form):
        return services.contract_terminate(
            contract=self.get_contract(),
            by=self.request.user,
            terminated_on=form.cleaned_data["terminated_on"],
            reason=form.cleaned_data["termination_reason"],
            clause=form.cleaned_data["termination_clause"],
            notice_given_on=form.cleaned_data["notice_given_on"],
            version=form.posted_version(),
        )


class NoticePublishView(ContractActionView):
    form_class = NoticeForm
    contract_form = True
    heading = "Record a notice as published"
    intro = "A contract performance assessment needs its rating against the KPIs."
    anchor = "notices"
    success_message = "The notice has been recorded as published"

    def get_initial(self):
        initial = super().get_initial()
        notice = self.request.GET.get("notice", "")
        return {**initial, "notice": notice} if notice.isdigit() else initial

    def perform(self, form):
        services.notice_publish(
            notice=form.cleaned_data["notice"],
            by=self.request.user,
            published_on=form.cleaned_data["published_on"],
            rating=form.cleaned_data["rating"],
        )
        return self.get_contract()
