"""A provider's returns (and an office editor filling one in on their behalf): the list
and its export, the return's page (the GOV.UK task list while it can be changed, a
read-only summary once submitted), one page per section, evidence files, and "Check
your answers" with the submit button. Every change goes through monitoring/services.py
and carries the version of the return the page was opened at."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, IntegerField, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from commissioning.access import Access, PortalAccessMixin
from commissioning.exports import Column
from commissioning.history import history_entries
from commissioning.uploads import attachment_response
from commissioning.views.base import (
    PolicyObjectMixin,
    PortalExportView,
    PortalListView,
    ServiceFormView,
)

from . import selectors, services
from .filters import ReturnFilter
from .forms_returns import (
    NO,
    YES,
    ConfirmVersionForm,
    EvidenceCompleteForm,
    EvidenceUploadForm,
    FinanceForm,
    NarrativeForm,
    OutcomesForm,
    PerformanceForm,
)
from .models import OUTSTANDING_STATUSES, EvidenceFile, MonitoringReturn, Section
from .policies import return_policy

#: The page of each section of the task list.
SECTION_URLS = {
    Section.FINANCE: "return-finance",
    Section.PERFORMANCE: "return-performance",
    Section.OUTCOMES: "return-outcomes",
    Section.NARRATIVE: "return-narrative",
    Section.EVIDENCE: "return-evidence",
}
NOT_STARTED, IN_PROGRESS, COMPLETED = "Not yet started", "In progress", "Completed"


def _list_breadcrumbs() -> list[tuple[str, str]]:
    return [("Dashboard", reverse("dashboard")), ("Returns", reverse("return-list"))]


def agreement_label(monitoring_return: MonitoringReturn) -> str:
    agreement = monitoring_return.schedule.agreement
    return f"{agreement.reference}: {agreement.title}"


def section_url(monitoring_return: MonitoringReturn, section: str) -> str:
    return reverse(SECTION_URLS[section], kwargs={"pk": monitoring_return.pk})


def section_started(monitoring_return: MonitoringReturn, section: str) -> bool:
    """Whether anything has been saved in a section (its budget is filled in for the
    provider, so it doesn't count)."""
    r = monitoring_return
    if section == Section.FINANCE:
        return (
            r.actual_spend is not None
            or r.forecast_year_end is not None
            or bool(r.underspend_explanation)
        )
    if section == Section.PERFORMANCE:
        return any(result.actual is not None or result.note for result in r.kpi_results.all())
    if section == Section.OUTCOMES:
        return any(result.value is not None or result.note for result in r.outcome_results.all())
    if section == Section.NARRATIVE:
        return any(getattr(r, name) for name in services.NARRATIVE_FIELDS)
    return bool(r.evidence_files.all())


def task_list(monitoring_return: MonitoringReturn) -> list[dict]:
    tasks = []
    for section in services.sections_for(monitoring_return):
        if monitoring_return.section_complete(section):
            status = COMPLETED
        elif section_started(monitoring_return, section):
            status = IN_PROGRESS
        else:
            status = NOT_STARTED
        tasks.append(
            {
                "key": section,
                "label": Section(section).label,
                "url": section_url(monitoring_return, section),
                "status": status,
            }
        )
    return tasks


def figure(value) -> str:
    """A reported figure as a reader writes it: 90, 85.5, 1,250."""
    if value is None:
        return ""
    text = f"{value:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _figure_row(name: str, value, unit: str, target, note: str, met=None) -> dict:
    return {
        "name": name,
        "value": f"{figure(value)} {unit}".strip() if value is not None else "",
        "target": f"{figure(target)} {unit}".strip() if target is not None else "",
        "met": met,
        "note": note,
    }


def answers(monitoring_return: MonitoringReturn) -> dict:
    """What the return says, section by section, for "Check your answers" and the
    read-only summary of a submitted return."""
    r = monitoring_return
    sections = services.sections_for(r)
    kpi_results = {result.kpi_id: result for result in r.kpi_results.all()}
    outcome_results = {result.measure_id: result for result in r.outcome_results.all()}
    targets = {target.measure_id: target.target for target in r.schedule.targets.all()}
    performance = []
    for kpi in services.kpis_for(r):
        result = kpi_results.get(kpi.pk)
        performance.append(
            _figure_row(
                kpi.name,
                result.actual if result else None,
                kpi.unit,
                kpi.target,
                result.note if result else "",
                result.met if result else None,
            )
        )
    outcomes = []
    for measure in services.measures_for(r):
        result = outcome_results.get(measure.pk)
        target = result.target if result and result.target is not None else None
        outcomes.append(
            _figure_row(
                measure.name,
                result.value if result else None,
                measure.unit,
                target if target is not None else targets.get(measure.pk),
                result.note if result else "",
            )
        )
    return {
        "cards": [
            {"key": section, "label": Section(section).label, "url": section_url(r, section)}
            for section in sections
        ],
        "cumulative_spend": selectors.cumulative_spend(r),
        "performance_rows": performance,
        "outcome_rows": outcomes,
        "evidence_files": list(r.evidence_files.all()),
    }


# --- The list and its export ------------------------------------------------------------


class ReturnRows:
    access = Access.SCOPED
    policy = return_policy
    selector = staticmethod(selectors.return_list)
    filterset_class = ReturnFilter

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.user.is_provider:
            # What the provider still owes comes first, soonest due first; then what
            # they have sent, newest first.
            outstanding = When(status__in=OUTSTANDING_STATUSES, then=0)
            queryset = queryset.order_by(
                Case(outstanding, default=1, output_field=IntegerField()),
                Case(When(status__in=OUTSTANDING_STATUSES, then=F("due_date"))).asc(),
                "-due_date",
                "pk",
            )
        return queryset


class ReturnListView(ReturnRows, PortalListView):
    template_name = "monitoring/returns/return_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [("Dashboard", reverse("dashboard"))]
        context["counts"] = selectors.status_counts(self.object_list)
        return context


class ReturnExportView(ReturnRows, PortalExportView):
    export_stem = "monitoring-returns"
    export_columns = [
        Column("Agreement", lambda r: r.schedule.agreement.reference),
        Column("Agreement title", lambda r: r.schedule.agreement.title),
        Column("Agreement type", lambda r: r.schedule.agreement_kind.capitalize()),
        Column("Organisation", lambda r: r.organisation.name),
        Column("Period", lambda r: r.period_label),
        Column("Period start", lambda r: r.period_start),
        Column("Period end", lambda r: r.period_end),
        Column("Due date", lambda r: r.due_date),
        Column("Status", lambda r: r.display_status),
        Column("Budget for the period (£)", lambda r: r.budget),
        Column("Actual spend (£)", lambda r: r.actual_spend),
        Column("Variance (£)", lambda r: r.variance),
        Column("Forecast spend for the year (£)", lambda r: r.forecast_year_end),
        Column("Forecast underspend (£)", lambda r: r.forecast_underspend),
        Column(
            "Submitted",
            lambda r: timezone.localtime(r.submitted_at).date() if r.submitted_at else None,
        ),
    ]


# --- One return ---------------------------------------------------------------------------


class ReturnMixin(PolicyObjectMixin):
    """Loads the return named by the URL's ``pk`` through the policy: another
    organisation's return answers 404, exactly like one that does not exist."""

    policy = return_policy
    context_object_name = "monitoring_return"
    selector = staticmethod(selectors.return_list)

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(
                type(self).selector(self.policy.visible_to(self.request.user)),
                pk=self.kwargs["pk"],
            )
        return self._object

    def detail_url(self) -> str:
        return self.get_object().get_absolute_url()

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        r = self.get_object()
        return [*_list_breadcrumbs(), (f"{r.period_label} return", self.detail_url())]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        r = self.get_object()
        context["breadcrumbs"] = self.get_breadcrumbs()
        context["caption"] = f"{agreement_label(r)} · {r.organisation.name}"
        context["agreement"] = r.schedule.agreement
        return context


class ReturnDetailView(ReturnMixin, PortalAccessMixin, TemplateView):
    """The task list while the return can be changed; what was sent, its history,
    reminders and evidence; the office's review panel for those who may review."""

    access = Access.SCOPED
    template_name = "monitoring/returns/return_detail.html"
    page_cache = True
    selector = staticmethod(selectors.return_detail)

    def get_breadcrumbs(self):
        return [*_list_breadcrumbs(), (f"{self.get_object().period_label} return", "")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        r = self.get_object()
        user = self.request.user
        staff = user.is_staff_role
        can_change = r.is_editable and (user.is_provider or user.can_edit)
        tasks = task_list(r)
        completed = sum(1 for task in tasks if task["status"] == COMPLETED)
        context.update(
            {
                "staff": staff,
                "can_change": can_change,
                "tasks": tasks,
                "completed_count": completed,
                "all_complete": completed == len(tasks),
                "answers": answers(r),
                "submissions": list(r.submissions.all()),
                "reminders": list(r.reminders.all()),
                "can_review": services.can_review(user, r),
            }
        )
        if staff:
            context["underspend_flags"] = list(r.underspend_flags.all())
            context["history"] = history_entries(r)
        return context


# --- The sections -------------------------------------------------------------------------


class ReturnEditMixin(ReturnMixin):
    """A page that changes the return: a provider's own, or any for an office editor.
    Once the return is submitted (or accepted) it is read-only: the page sends the user
    back to the return with a message, and nothing is saved."""

    access = Access.PROVIDER_EDIT
    section: str | None = None

    def locked_response(self):
        r = self.get_object()
        user = self.request.user
        if not (user.is_provider or user.can_edit):
            messages.info(self.request, "You can read this return but not change it")
            return HttpResponseRedirect(self.detail_url())
        if not r.is_editable:
            messages.error(
                self.request,
                f"This return has been {r.get_status_display().lower()}, so it can no "
                "longer be changed",
            )
            return HttpResponseRedirect(self.detail_url())
        if self.section and self.section not in services.sections_for(r):
            messages.info(
                self.request,
                f"This return has no {Section(self.section).label.lower()} section",
            )
            return HttpResponseRedirect(self.detail_url())
        return None

    def get(self, request, *args, **kwargs):
        return self.locked_response() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.locked_response() or super().post(request, *args, **kwargs)

    def get_breadcrumbs(self):
        crumbs = super().get_breadcrumbs()
        if self.section:
            crumbs.append((Section(self.section).label, ""))
        return crumbs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        context["stale"] = form is not None and any(
            error.code == "stale" for error in form.non_field_errors().as_data()
        )
        context["cancel_url"] = self.detail_url()
        return context


class SectionView(ReturnEditMixin, ServiceFormView):
    """One section of the return; "Yes" asks the service to check it is complete, "No"
    saves it as a draft. Either way the user goes back to the task list."""

    template_name = "monitoring/returns/section_form.html"
    heading = ""
    intro = ""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "monitoring_return": self.get_object()}

    def get_initial(self):
        r = self.get_object()
        initial = {"version": r.version}
        if r.section_complete(self.section):
            initial["complete"] = YES
        elif section_started(r, self.section):
            initial["complete"] = NO
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = self.heading or Section(self.section).label
        context["intro"] = self.intro
        context["section"] = self.section
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            label = Section(self.section).label
            if form.is_complete:
                messages.success(self.request, f"{label} section completed")
            else:
                messages.success(
                    self.request, f"{label} section saved. You can come back to it later."
                )
        return response

    def get_success_url(self):
        return self.detail_url()

    def service_kwargs(self, form) -> dict:
        return {
            "monitoring_return": self.get_object(),
            "by": self.request.user,
            "version": form.cleaned_data["version"],
            "complete": form.is_complete,
        }


class FinanceView(SectionView):
    section = Section.FINANCE
    form_class = FinanceForm
    heading = "Finance"
    template_name = "monitoring/returns/finance_form.html"

    def get_initial(self):
        r = self.get_object()
        initial = super().get_initial()
        for name in services.FINANCE_FIELDS:
            initial[name] = getattr(r, name)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        r = self.get_object()
        context["cumulative_spend"] = selectors.cumulative_spend(r)
        return context

    def perform(self, form):
        return services.return_save_finance(**self.service_kwargs(form), **form.service_fields())


class PerformanceView(SectionView):
    section = Section.PERFORMANCE
    form_class = PerformanceForm
    heading = "Performance against targets"
    intro = (
        "Give the actual figure for each of the contract’s key performance indicators in "
        "this period."
    )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "items": services.kpis_for(self.get_object())}

    def get_initial(self):
        initial = super().get_initial()
        for result in self.get_object().kpi_results.all():
            initial[f"kpi_{result.kpi_id}"] = result.actual
            initial[f"note_kpi_{result.kpi_id}"] = result.note
        return initial

    def perform(self, form):
        return services.return_save_kpis(**self.service_kwargs(form), actuals=form.figures())


class OutcomesView(SectionView):
    section = Section.OUTCOMES
    form_class = OutcomesForm
    heading = "Outputs and outcomes"
    intro = "Give the figure for each output and outcome measure in this period."

    def get_form_kwargs(self):
        r = self.get_object()
        targets = {target.measure_id: target.target for target in r.schedule.targets.all()}
        return {
            **super().get_form_kwargs(),
            "items": services.measures_for(r),
            "targets": targets,
        }

    def get_initial(self):
        initial = super().get_initial()
        for result in self.get_object().outcome_results.all():
            initial[f"measure_{result.measure_id}"] = result.value
            initial[f"note_measure_{result.measure_id}"] = result.note
        return initial

    def perform(self, form):
        return services.return_save_outcomes(**self.service_kwargs(form), values=form.figures())


class NarrativeView(SectionView):
    section = Section.NARRATIVE
    form_class = NarrativeForm
    heading = "Narrative"
    intro = "Tell the office about the period in your own words."

    def get_initial(self):
        r = self.get_object()
        initial = super().get_initial()
        for name in services.NARRATIVE_FIELDS:
            initial[name] = getattr(r, name)
        return initial

    def perform(self, form):
        return services.return_save_narrative(**self.service_kwargs(form), **form.service_fields())


# --- Evidence -----------------------------------------------------------------------------

COMPLETE_PREFIX = "done"


class EvidenceView(ReturnEditMixin, PortalAccessMixin, TemplateView):
    """Upload files (checked from their content, not their name), remove them, and say
    when all the evidence is there. A refused upload changes nothing else."""

    access = Access.PROVIDER_EDIT
    section = Section.EVIDENCE
    template_name = "monitoring/returns/evidence.html"

    def upload_form(self, data=None, files=None):
        return EvidenceUploadForm(data, files, monitoring_return=self.get_object())

    def complete_form(self, data=None):
        r = self.get_object()
        initial = {}
        if r.evidence_complete:
            initial["complete"] = YES
        elif r.evidence_files.exists():
            initial["complete"] = NO
        return EvidenceCompleteForm(
            data, monitoring_return=r, prefix=COMPLETE_PREFIX, initial=initial
        )

    def get_context_data(self, **kwargs):
        kwargs.setdefault("upload_form", self.upload_form())
        kwargs.setdefault("complete_form", self.complete_form())
        context = super().get_context_data(**kwargs)
        context["heading"] = "Evidence"
        context["max_size"] = settings.EVIDENCE_MAX_BYTES
        context["evidence_files"] = list(
            self.get_object().evidence_files.select_related("uploaded_by")
        )
        context["stale"] = any(
            error.code == "stale"
            for form in (context["upload_form"], context["complete_form"])
            for error in form.non_field_errors().as_data()
        )
        return context

    def post(self, request, *args, **kwargs):
        locked = self.locked_response()
        if locked:
            return locked
        if f"{COMPLETE_PREFIX}-version" in request.POST:
            return self.post_complete(request)
        return self.post_upload(request)

    def _attempt(self, form, action):
        """Run ``action`` (a service call) in a savepoint; a refusal goes to the form."""
        try:
            with transaction.atomic():
                return action()
        except ValidationError as error:
            ServiceFormView._add_service_errors(form, error)
            return None

    def post_upload(self, request):
        form = self.upload_form(request.POST, request.FILES)
        evidence = None
        if form.is_valid():
            evidence = self._attempt(
                form,
                lambda: services.evidence_add(
                    monitoring_return=self.get_object(),
                    by=request.user,
                    upload=form.cleaned_data["file"],
                    description=form.cleaned_data["description"],
                    version=form.cleaned_data["version"],
                ),
            )
        if evidence is None:
            return self.render_to_response(self.get_context_data(upload_form=form))
        messages.success(request, f"{evidence.original_name} has been uploaded")
        return HttpResponseRedirect(section_url(self.get_object(), Section.EVIDENCE))

    def post_complete(self, request):
        form = self.complete_form(request.POST)
        saved = None
        if form.is_valid():
            saved = self._attempt(
                form,
                lambda: services.return_mark_evidence(
                    monitoring_return=self.get_object(),
                    by=request.user,
                    version=form.cleaned_data["version"],
                    complete=form.is_complete,
                ),
            )
        if saved is None:
            return self.render_to_response(self.get_context_data(complete_form=form))
        if form.is_complete:
            messages.success(request, "Evidence section completed")
        else:
            messages.success(request, "Evidence section saved. You can come back to it later.")
        return HttpResponseRedirect(self.detail_url())


class EvidenceMixin(ReturnMixin):
    """The evidence file named by the URL, looked up within the return the user may
    see: a file of another return answers 404 even under a return of their own."""

    url_models = {"evidence_pk": EvidenceFile}

    def get_evidence(self) -> EvidenceFile:
        if not hasattr(self, "_evidence"):
            self._evidence = get_object_or_404(
                self.get_object().evidence_files.all(), pk=self.kwargs["evidence_pk"]
            )
        return self._evidence


class EvidenceDownloadView(EvidenceMixin, PortalAccessMixin, View):
    """Streams an evidence file as a download. Stored files are never served directly."""

    access = Access.SCOPED

    def get(self, request, *args, **kwargs):
        evidence = self.get_evidence()
        return attachment_response(evidence.file, evidence.original_name)


class EvidenceRemoveView(EvidenceMixin, ReturnEditMixin, ServiceFormView):
    template_name = "monitoring/returns/evidence_remove.html"
    form_class = ConfirmVersionForm

    def get(self, request, *args, **kwargs):
        self.get_evidence()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.get_evidence()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "monitoring_return": self.get_object(),
            "submit_label": "Yes, remove it",
        }

    def get_breadcrumbs(self):
        r = self.get_object()
        return [
            *_list_breadcrumbs(),
            (f"{r.period_label} return", self.detail_url()),
            ("Evidence", section_url(r, Section.EVIDENCE)),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["evidence"] = self.get_evidence()
        context["cancel_url"] = section_url(self.get_object(), Section.EVIDENCE)
        return context

    def perform(self, form):
        evidence = self.get_evidence()
        services.evidence_remove(
            evidence=evidence, by=self.request.user, version=form.cleaned_data["version"]
        )
        return evidence

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            messages.success(self.request, f"{self.object.original_name} has been removed")
        return response

    def get_success_url(self):
        return section_url(self.get_object(), Section.EVIDENCE)


# --- Check your answers and submit --------------------------------------------------------


class CheckAnswersView(ReturnEditMixin, ServiceFormView):
    """Every answer with a link to change it, then "Submit return". A refusal (a section
    not complete, a stale page) is listed in the error summary."""

    template_name = "monitoring/returns/check_answers.html"
    form_class = ConfirmVersionForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "monitoring_return": self.get_object(),
            "submit_label": "Submit return",
        }

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Check your answers", "")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        r = self.get_object()
        context["answers"] = answers(r)
        # Each "complete the … section" problem links to that section's page.
        incomplete = [
            section_url(r, section)
            for section in services.sections_for(r)
            if not r.section_complete(section)
        ]
        links = dict(zip(services.submit_problems(r), incomplete, strict=True))
        form = context["form"]
        context["error_links"] = [
            (message, links.get(message, "#submit-return")) for message in form.non_field_errors()
        ]
        context["incomplete"] = [
            (message, links[message]) for message in services.submit_problems(r)
        ]
        return context

    def perform(self, form):
        return services.return_submit(
            monitoring_return=self.get_object(),
            by=self.request.user,
            version=form.cleaned_data["version"],
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            messages.success(
                self.request,
                "Return submitted. The office will review it and tell you if anything "
                "needs to change.",
            )
        return response

    def get_success_url(self):
        return self.detail_url()
