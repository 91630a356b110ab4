"""Report job pages: the list of reports asked for, the "Ask for a report" page, asking
(from that page or a record's "Ask for this report" button), one job's page (which
shows the report's progress: a "check again" button, and with JavaScript an update in
place once it is ready) and the download.

Office staff ask for and download every report; a provider downloads only the reports
about their own organisation (their contract's review pack) and never asks for one.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from commissioning.access import Access, PortalAccessMixin
from commissioning.templatetags.portal import ukdatetime
from commissioning.uploads import attachment_response
from commissioning.views.base import PolicyObjectMixin, PortalDetailView, PortalListView

from . import services_jobs
from .forms_jobs import YEAR_KINDS, ReportAskForm, ReportJobFilter, YearReportForm
from .models import ReportStatus
from .pdf import REPORTS
from .policies import report_job_policy


def _list_breadcrumbs() -> list[tuple[str, str]]:
    return [("Dashboard", reverse("dashboard")), ("Reports", reverse("report-job-list"))]


def report_job_list(*, queryset):
    return queryset.select_related("requested_by", "organisation").order_by("-requested_at", "-pk")


class ReportJobListView(PortalListView):
    """Every report asked for, newest first; a provider sees their organisation's."""

    access = Access.SCOPED
    policy = report_job_policy
    selector = staticmethod(report_job_list)
    filterset_class = ReportJobFilter
    template_name = "reports/jobs/job_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [("Dashboard", reverse("dashboard"))]
        context["can_ask"] = self.request.user.is_staff_role
        return context


class ReportNewView(PortalAccessMixin, TemplateView):
    """The "Ask for a report" page: funding awarded or the annual report for a year.
    Its form posts to ``report-job-ask``."""

    access = Access.STAFF
    template_name = "reports/jobs/job_new.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", YearReportForm())
        return super().get_context_data(
            breadcrumbs=[*_list_breadcrumbs(), ("Ask for a report", "")], **kwargs
        )


class ReportAskView(PortalAccessMixin, View):
    """Asks for a report and goes to its job's page (the one already being prepared, if
    the same report was asked for a moment ago).

    Asking for a report reads the office's records and changes none of them, so viewers
    may ask too: this is declared ``ACCOUNT`` (any signed-in user may POST) and the view
    itself refuses everyone who is not office staff. A record the user may not see, or
    a year with no figures, answers 404.
    """

    access = Access.ACCOUNT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not request.user.is_staff_role:
            raise PermissionDenied
        form = ReportAskForm(request.POST)
        if not form.is_valid():
            # From the "Ask for a report" page, nothing chosen or no year: say so there.
            if request.POST.get("kind", "") in ("", *YEAR_KINDS):
                return self._show_year_form_errors(request)
            raise Http404("The report asked for is not one the portal makes")
        report = form.report_request(request.user)
        job, created = services_jobs.report_job_request(request=report, by=request.user)
        if not created:
            messages.info(
                request,
                f"{job.title} is already being prepared: it was asked for on "
                f"{ukdatetime(job.requested_at)}, so this is the same report.",
            )
        return HttpResponseRedirect(job.get_absolute_url())

    def _show_year_form_errors(self, request):
        """The "Ask for a report" page again, with what needs putting right."""
        return TemplateResponse(
            request,
            ReportNewView.template_name,
            {
                "form": YearReportForm(request.POST),
                "breadcrumbs": [*_list_breadcrumbs(), ("Ask for a report", "")],
            },
        )


class ReportJobMixin(PolicyObjectMixin):
    policy = report_job_policy
    context_object_name = "job"

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(
                report_job_list(queryset=self.policy.visible_to(self.request.user)),
                pk=self.kwargs["pk"],
            )
        return self._object


class ReportJobDetailView(ReportJobMixin, PortalDetailView):
    """One report: preparing (the person checks again with a button; the page's script
    updates it in place when ready), ready to download, or failed with what to do next."""

    access = Access.SCOPED
    template_name = "reports/jobs/job_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        spec = REPORTS[job.kind]
        context.update(
            breadcrumbs=[*_list_breadcrumbs(), (job.title, "")],
            can_ask=self.request.user.is_staff_role,
            subject_param=spec.param,
            subject_value=job.params.get(spec.param) if spec.param else None,
            failed=job.status == ReportStatus.FAILED,
        )
        return context


class ReportJobDownloadView(ReportJobMixin, PortalAccessMixin, View):
    """The PDF as a download. Only a ready job has one: any other answers 404, so a
    half-built or failed report can never be fetched."""

    access = Access.SCOPED
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        job = self.get_object()
        if not job.is_ready:
            raise Http404("This report is not ready")
        return attachment_response(job.file, job.file_name)
