"""Workstream pages: the list and its export, adding and editing, and the detail page's
tabs (each its own URL, so they work without JavaScript) with the forms behind them."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from commissioning.access import Access, PortalAccessMixin
from commissioning.exports import Column
from commissioning.forms import ConfirmRemoveForm
from commissioning.history import history_entries
from commissioning.uploads import attachment_response
from commissioning.views.base import (
    PolicyObjectMixin,
    PortalExportView,
    PortalListView,
    ServiceFormView,
    ServiceUpdateView,
)

from . import selectors, services
from .filters import WorkstreamFilter
from .forms import (
    ChecklistItemForm,
    ConfirmDeleteForm,
    MilestoneForm,
    PartnerForm,
    StageAdvanceForm,
    VoiceForm,
    WorkstreamForm,
)
from .models import (
    ChecklistItem,
    Milestone,
    Stage,
    Workstream,
    WorkstreamPartner,
    WorkstreamStatus,
)
from .policies import workstream_policy
from .sections import sections_for

# --- The list and its export ------------------------------------------------------------


def _stage_progress(workstream) -> str:
    return f"{workstream.stage_items_complete} of {workstream.stage_items} done"


EXPORT_COLUMNS = [
    Column("Title", lambda w: w.title),
    Column("Commissioning role", lambda w: w.get_role_display()),
    Column("Cycle stage", lambda w: w.get_stage_display()),
    Column("Stage checklist", _stage_progress),
    Column("Status", lambda w: w.get_status_display()),
    Column("Portfolio", lambda w: w.portfolio.name),
    Column("Lead officer", lambda w: str(w.lead_officer)),
    Column("Lead commissioner", lambda w: w.lead_commissioner.name if w.lead_commissioner else ""),
    Column("Next milestone", lambda w: w.next_milestone_date),
    Column("Description", lambda w: w.description),
]


def _list_breadcrumbs() -> list[tuple[str, str]]:
    return [("Dashboard", reverse("dashboard")), ("Workstreams", reverse("workstream-list"))]


class WorkstreamRows:
    access = Access.STAFF
    policy = workstream_policy
    selector = staticmethod(selectors.workstream_list)
    filterset_class = WorkstreamFilter


class WorkstreamListView(WorkstreamRows, PortalListView):
    template_name = "workstreams/workstream_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [("Dashboard", reverse("dashboard"))]
        return context


class WorkstreamExportView(WorkstreamRows, PortalExportView):
    """The filtered list as CSV or XLSX (``?format=xlsx``), with the list's filters."""

    export_stem = "workstreams"
    export_columns = EXPORT_COLUMNS


# --- One workstream ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url_name: str


TABS = [
    Tab("overview", "Overview", "workstream-detail"),
    Tab("checklist", "Cycle checklist", "workstream-checklist"),
    Tab("partners", "Partners", "workstream-partners"),
    Tab("milestones", "Milestones", "workstream-milestones"),
    Tab("decisions", "Decisions", "workstream-decisions"),
    Tab("money", "Money", "workstream-money"),
    Tab("documents", "Documents", "workstream-documents"),
    Tab("voice", "Service-user voice", "workstream-voice"),
    Tab("history", "History", "workstream-history"),
]
TAB_URL_NAMES = {tab.key: tab.url_name for tab in TABS}


def tab_url(workstream, key: str) -> str:
    return reverse(TAB_URL_NAMES[key], kwargs={"pk": workstream.pk})


class WorkstreamMixin(PolicyObjectMixin):
    """Loads the workstream named by the URL's ``pk`` (404 for anyone the policy hides
    it from) with the list's annotations, and gives every page its breadcrumbs and
    caption."""

    policy = workstream_policy
    context_object_name = "workstream"
    #: The tab this page belongs to (its breadcrumb trail links back to it).
    tab = "overview"

    def get_object(self):
        if not hasattr(self, "_object"):
            visible = self.policy.visible_to(self.request.user)
            self._object = get_object_or_404(
                selectors.workstream_list(queryset=visible), pk=self.kwargs["pk"]
            )
        return self._object

    def get_workstream(self) -> Workstream:
        return self.get_object()

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        workstream = self.get_workstream()
        return [*_list_breadcrumbs(), (workstream.title, workstream.get_absolute_url())]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workstream = self.get_workstream()
        context["breadcrumbs"] = self.get_breadcrumbs()
        context["workstream_caption"] = (
            f"{workstream.get_role_display()} · {workstream.get_status_display()}"
        )
        context["tab_url"] = tab_url(workstream, self.tab)
        return context


class WorkstreamFormPageMixin(WorkstreamMixin):
    """A form page about one workstream: its caption names the workstream too."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workstream = self.get_workstream()
        context["caption"] = f"{workstream.title} · {context['workstream_caption']}"
        context["cancel_url"] = context["tab_url"]
        return context


class WorkstreamTabView(WorkstreamMixin, PortalAccessMixin, TemplateView):
    access = Access.STAFF
    page_cache = True

    def get_breadcrumbs(self):
        if self.tab == "overview":
            return [*_list_breadcrumbs(), (self.get_workstream().title, "")]
        return super().get_breadcrumbs()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workstream = self.get_workstream()
        context["tabs"] = [
            {
                "label": tab.label,
                "url": reverse(tab.url_name, kwargs={"pk": workstream.pk}),
                "current": tab.key == self.tab,
            }
            for tab in TABS
        ]
        context["current_tab"] = next(tab for tab in TABS if tab.key == self.tab)
        return context


class WorkstreamDetailView(WorkstreamTabView):
    template_name = "workstreams/workstream_detail.html"
    tab = "overview"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workstream = self.get_workstream()
        context["outstanding"] = list(services.outstanding_items(workstream))
        context["partners"] = workstream.partners.select_related("organisation")
        context["next_milestones"] = workstream.milestones.filter(
            date__gte=timezone.localdate()
        ).order_by("date", "title")[:3]
        context["successors"] = workstream.successors.order_by("title")
        context["can_advance"] = (
            self.request.user.can_edit
            and workstream.next_stage is not None
            and workstream.status not in (WorkstreamStatus.CLOSED, WorkstreamStatus.DECLINED)
        )
        return context


class WorkstreamChecklistView(WorkstreamTabView):
    template_name = "workstreams/workstream_checklist.html"
    tab = "checklist"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stages"] = selectors.checklist_by_stage(self.get_workstream())
        return context


class WorkstreamPartnersView(WorkstreamTabView):
    template_name = "workstreams/workstream_partners.html"
    tab = "partners"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["partners"] = self.get_workstream().partners.select_related("organisation")
        return context


class WorkstreamMilestonesView(WorkstreamTabView):
    template_name = "workstreams/workstream_milestones.html"
    tab = "milestones"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["milestones"] = self.get_workstream().milestones.order_by("date", "title", "pk")
        context["today"] = timezone.localdate()
        return context


class WorkstreamSectionsView(WorkstreamTabView):
    """A tab that apps above this one fill (see workstreams/sections.py)."""

    template_name = "workstreams/workstream_sections.html"
    empty_text = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = sections_for(self.tab, self.get_workstream(), self.request.user)
        context["empty_text"] = self.empty_text
        return context


class WorkstreamDecisionsView(WorkstreamSectionsView):
    tab = "decisions"
    empty_text = "No decisions have been recorded for this workstream yet."


class WorkstreamMoneyView(WorkstreamSectionsView):
    tab = "money"
    empty_text = "No grants or contracts are charged to this workstream yet."


class WorkstreamDocumentsView(WorkstreamTabView):
    template_name = "workstreams/workstream_documents.html"
    tab = "documents"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["items"] = (
            self.get_workstream()
            .checklist_items.filter(~Q(evidence_file="") | ~Q(evidence_url=""))
            .select_related("completed_by")
            .order_by("order", "pk")
        )
        stage_order = {stage.value: index for index, stage in enumerate(Stage)}
        context["items"] = sorted(context["items"], key=lambda item: stage_order[item.stage])
        return context


class WorkstreamVoiceView(WorkstreamTabView):
    template_name = "workstreams/workstream_voice.html"
    tab = "voice"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entries"] = self.get_workstream().voice_entries.select_related("recorded_by")
        return context


# --- History ----------------------------------------------------------------------------


class WorkstreamHistoryView(WorkstreamTabView):
    template_name = "workstreams/workstream_history.html"
    tab = "history"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workstream = self.get_workstream()
        context["entries"] = history_entries(workstream)
        context["stage_changes"] = workstream.stage_changes.select_related("changed_by")
        return context


# --- Adding and editing -----------------------------------------------------------------


class WorkstreamCreateView(ServiceFormView):
    access = Access.EDITORS
    form_class = WorkstreamForm
    template_name = "workstreams/workstream_form.html"
    success_message = "%(object)s has been added"

    def get_initial(self):
        return {
            "lead_officer": self.request.user,
            "status": WorkstreamStatus.PROPOSED,
            "stage": Stage.UNDERSTAND,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(breadcrumbs=_list_breadcrumbs(), **kwargs)

    def perform(self, form):
        return services.workstream_create(by=self.request.user, **form.cleaned_data)


class WorkstreamUpdateView(WorkstreamFormPageMixin, ServiceUpdateView):
    access = Access.EDITORS
    form_class = WorkstreamForm
    template_name = "workstreams/workstream_form.html"
    success_message = "%(object)s has been updated"

    def perform(self, form):
        return services.workstream_update(
            workstream=self.get_object(), by=self.request.user, **form.cleaned_data
        )


class StageAdvanceView(WorkstreamFormPageMixin, ServiceFormView):
    """Confirms a move to the next stage, listing what is still to do; a manager may
    move the workstream on anyway, with a reason."""

    access = Access.EDITORS
    form_class = StageAdvanceForm
    template_name = "workstreams/workstream_advance.html"

    def get_outstanding(self) -> list[ChecklistItem]:
        if not hasattr(self, "_outstanding"):
            self._outstanding = list(services.outstanding_items(self.get_workstream()))
        return self._outstanding

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "next_stage": self.get_workstream().next_stage,
            "with_reason": self.request.user.is_manager and bool(self.get_outstanding()),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workstream = self.get_workstream()
        context["outstanding"] = self.get_outstanding()
        context["next_stage"] = workstream.next_stage
        context["closed"] = workstream.status in (
            WorkstreamStatus.CLOSED,
            WorkstreamStatus.DECLINED,
        )
        return context

    def perform(self, form):
        return services.workstream_advance_stage(
            workstream=self.get_workstream(),
            by=self.request.user,
            reason=form.cleaned_data.get("reason", ""),
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            change = self.object
            messages.success(
                self.request,
                f"{self.get_workstream().title} has moved to the "
                f"{change.get_to_stage_display()} stage",
            )
        return response

    def get_success_url(self):
        return self.get_workstream().get_absolute_url()


# --- Checklist --------------------------------------------------------------------------


class ChecklistItemMixin(WorkstreamFormPageMixin):
    url_models = {"item_pk": ChecklistItem}
    tab = "checklist"

    def get_item(self) -> ChecklistItem:
        if not hasattr(self, "_item"):
            self._item = get_object_or_404(
                ChecklistItem.objects.select_related("completed_by"),
                pk=self.kwargs["item_pk"],
                workstream=self.get_workstream(),
            )
        return self._item

    def get_success_url(self):
        return f"{tab_url(self.get_workstream(), 'checklist')}#item-{self.get_item().pk}"


class ChecklistItemUpdateView(ChecklistItemMixin, ServiceFormView):
    access = Access.EDITORS
    form_class = ChecklistItemForm
    template_name = "workstreams/checklist_item_form.html"
    success_message = "“%(object)s” has been updated"

    def get_initial(self):
        item = self.get_item()
        return {"status": item.status, "note": item.note, "evidence_url": item.evidence_url}

    def get_context_data(self, **kwargs):
        return super().get_context_data(item=self.get_item(), **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return services.checklist_item_update(
            item=self.get_item(),
            by=self.request.user,
            status=data["status"],
            note=data["note"],
            evidence_url=data["evidence_url"],
            evidence_file=data["evidence_file"] or None,
        )


class ChecklistEvidenceView(ChecklistItemMixin, PortalAccessMixin, View):
    """Streams a checklist item's evidence document as a download, never inline."""

    access = Access.STAFF

    def get(self, request, *args, **kwargs):
        item = self.get_item()
        if not item.evidence_file:
            # Nothing to download (the link was followed after the file was replaced
            # by a link, say): back to the checklist, saying so.
            messages.info(request, f"No document has been uploaded for “{item.title}”")
            return HttpResponseRedirect(self.get_success_url())
        return attachment_response(item.evidence_file, item.evidence_name)


# --- Partners ---------------------------------------------------------------------------


class PartnerCreateView(WorkstreamFormPageMixin, ServiceFormView):
    access = Access.EDITORS
    form_class = PartnerForm
    template_name = "workstreams/partner_form.html"
    tab = "partners"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "workstream": self.get_workstream()}

    def perform(self, form):
        return services.partner_add(
            workstream=self.get_workstream(), by=self.request.user, **form.cleaned_data
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            partner = self.object
            messages.success(
                self.request,
                f"{partner.organisation} has been added as {partner.get_part_display().lower()}",
            )
        return response

    def get_success_url(self):
        return tab_url(self.get_workstream(), "partners")


class PartnerRemoveView(WorkstreamFormPageMixin, ServiceFormView):
    access = Access.EDITORS
    url_models = {"partner_pk": WorkstreamPartner}
    form_class = ConfirmRemoveForm
    template_name = "workstreams/partner_confirm_remove.html"
    tab = "partners"
    success_message = "%(object)s has been removed from the workstream"

    def get_partner(self) -> WorkstreamPartner:
        if not hasattr(self, "_partner"):
            self._partner = get_object_or_404(
                WorkstreamPartner.objects.select_related("organisation"),
                pk=self.kwargs["partner_pk"],
                workstream=self.get_workstream(),
            )
        return self._partner

    def get_context_data(self, **kwargs):
        partner = self.get_partner()
        heading = f"Remove {partner.organisation.name} as {partner.get_part_display().lower()}?"
        return super().get_context_data(partner=partner, heading=heading, **kwargs)

    def perform(self, form):
        partner = self.get_partner()
        services.partner_remove(partner=partner, by=self.request.user)
        return partner

    def get_success_url(self):
        return tab_url(self.get_workstream(), "partners")


# --- Milestones -------------------------------------------------------------------------


class MilestoneCreateView(WorkstreamFormPageMixin, ServiceFormView):
    access = Access.EDITORS
    form_class = MilestoneForm
    template_name = "workstreams/milestone_form.html"
    tab = "milestones"
    success_message = "%(object)s has been added"

    def perform(self, form):
        return services.milestone_create(
            by=self.request.user, workstream=self.get_workstream(), **form.cleaned_data
        )

    def get_success_url(self):
        return tab_url(self.get_workstream(), "milestones")


class MilestoneMixin(WorkstreamFormPageMixin):
    url_models = {"milestone_pk": Milestone}
    tab = "milestones"

    def get_milestone(self) -> Milestone:
        if not hasattr(self, "_milestone"):
            self._milestone = get_object_or_404(
                Milestone, pk=self.kwargs["milestone_pk"], workstream=self.get_workstream()
            )
        return self._milestone

    def get_context_data(self, **kwargs):
        return super().get_context_data(milestone=self.get_milestone(), **kwargs)

    def get_success_url(self):
        return tab_url(self.get_workstream(), "milestones")


class MilestoneUpdateView(MilestoneMixin, ServiceFormView):
    access = Access.EDITORS
    form_class = MilestoneForm
    template_name = "workstreams/milestone_form.html"
    success_message = "%(object)s has been updated"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_milestone()}

    def perform(self, form):
        return services.milestone_update(
            milestone=self.get_milestone(), by=self.request.user, **form.cleaned_data
        )


class MilestoneDeleteView(MilestoneMixin, ServiceFormView):
    access = Access.EDITORS
    form_class = ConfirmDeleteForm
    template_name = "workstreams/milestone_confirm_delete.html"
    success_message = "%(object)s has been deleted"

    def perform(self, form):
        milestone = self.get_milestone()
        services.milestone_delete(milestone=milestone, by=self.request.user)
        return milestone


# --- Service-user voice -----------------------------------------------------------------


class VoiceCreateView(WorkstreamFormPageMixin, ServiceFormView):
    access = Access.EDITORS
    form_class = VoiceForm
    template_name = "workstreams/voice_form.html"
    tab = "voice"
    success_message = "“%(object)s” has been added to the service-user voice log"

    def perform(self, form):
        return services.voice_record(
            workstream=self.get_workstream(), by=self.request.user, **form.cleaned_data
        )

    def get_success_url(self):
        return tab_url(self.get_workstream(), "voice")
