"""Decision pages: the register and its export, starting and answering an assessment,
the record of one assessment, a manager's decision, superseding, and evidence downloads.
Every change goes through decisions/services.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View

from commissioning.access import Access, PortalAccessMixin
from commissioning.exports import Column
from commissioning.uploads import attachment_response
from commissioning.views.base import (
    PolicyObjectMixin,
    PortalDetailView,
    PortalExportView,
    PortalListView,
    ServiceFormView,
)
from workstreams.models import WorkstreamStatus
from workstreams.policies import workstream_policy

from . import selectors, services
from .filters import AssessmentFilter
from .forms import (
    EXISTING,
    NEW_WORKSTREAM_FIELDS,
    AssessmentForm,
    AssessmentStartForm,
    DecideForm,
    SupersedeForm,
    initial_for,
)
from .models import Answer, AssessmentStatus, DecisionType, Recommendation
from .policies import assessment_policy


def _register_breadcrumbs() -> list[tuple[str, str]]:
    return [("Dashboard", reverse("dashboard")), ("Decisions", reverse("assessment-list"))]


def recommendation_text(assessment) -> str:
    """ "Proceed as lead commissioner", "Decline", or "" when not made yet."""
    if assessment.recommendation == Recommendation.PROCEED:
        if assessment.recommended_role:
            return f"Proceed as {assessment.get_recommended_role_display().lower()}"
        return "Proceed"
    if assessment.recommendation == Recommendation.DECLINE:
        return "Decline"
    return ""


def editing_refusal(assessment) -> str:
    """Why the assessment can no longer be edited (the service's own words), or ""."""
    try:
        services.refuse_if_not_editable(assessment)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


# --- The register and its export --------------------------------------------------------


class AssessmentRows:
    access = Access.STAFF
    policy = assessment_policy
    selector = staticmethod(selectors.assessment_list)
    filterset_class = AssessmentFilter


class AssessmentListView(AssessmentRows, PortalListView):
    template_name = "decisions/assessment_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [("Dashboard", reverse("dashboard"))]
        for assessment in context["object_list"]:
            assessment.recommendation_text = recommendation_text(assessment)
        return context


def _decided_by(assessment):
    return str(assessment.decided_by) if assessment.decided_by_id else ""


class AssessmentExportView(AssessmentRows, PortalExportView):
    """The register's filtered rows as CSV or XLSX (``?format=xlsx``)."""

    export_stem = "decisions"
    export_columns = [
        Column("Reference", lambda a: a.reference),
        Column("Title", lambda a: a.title),
        Column("Decision type", lambda a: a.get_decision_type_display()),
        Column("Workstream", lambda a: a.workstream.title),
        Column("Workstream lead officer", lambda a: str(a.workstream.lead_officer)),
        Column("Amount (£)", lambda a: a.amount),
        Column("Author", lambda a: str(a.author)),
        Column("Started", lambda a: a.created_at.date()),
        Column("Submitted", lambda a: a.submitted_at.date() if a.submitted_at else None),
        Column("Status", lambda a: a.get_status_display()),
        Column("Recommendation", recommendation_text),
        Column("Summary", lambda a: a.summary),
        Column("Decided by", _decided_by),
        Column("Decided on", lambda a: a.decided_at.date() if a.decided_at else None),
        Column("Reason for the decision", lambda a: a.decision_reason),
        Column("Supersedes", lambda a: a.supersedes.reference if a.supersedes_id else ""),
        Column(
            "Superseded by",
            lambda a: a.superseded_by.reference if hasattr(a, "superseded_by") else "",
        ),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("supersedes")


# --- Starting an assessment -------------------------------------------------------------


class AssessmentCreateView(ServiceFormView):
    access = Access.EDITORS
    form_class = AssessmentStartForm
    template_name = "decisions/assessment_start.html"

    def get_initial(self):
        initial = {"new_lead_officer": self.request.user}
        workstream_pk = self.request.GET.get("workstream", "")
        if workstream_pk.isdigit():
            workstream = (
                workstream_policy.visible_to(self.request.user).filter(pk=workstream_pk).first()
            )
            if workstream is not None:
                initial.update({"about": EXISTING, "workstream": workstream})
                if workstream.status == WorkstreamStatus.PROPOSED:
                    initial["decision_type"] = DecisionType.NEW_WORKSTREAM
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(breadcrumbs=_register_breadcrumbs(), **kwargs)

    def perform(self, form):
        return services.assessment_create(by=self.request.user, **form.service_arguments())

    @staticmethod
    def _add_service_errors(form, error: ValidationError) -> None:
        # A proposed workstream's own checks name its fields; show them at ours.
        if hasattr(error, "error_dict") and form.cleaned_data.get("about") != EXISTING:
            error = ValidationError(
                {
                    NEW_WORKSTREAM_FIELDS.get(field, field): errors
                    for field, errors in error.error_dict.items()
                }
            )
        ServiceFormView._add_service_errors(form, error)

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            messages.success(
                self.request,
                f"{self.object.reference} has been started. Answer the six questions, then "
                "submit it for a decision.",
            )
        return response

    def get_success_url(self):
        return reverse("assessment-edit", kwargs={"pk": self.object.pk})


# --- One assessment ---------------------------------------------------------------------


class AssessmentMixin(PolicyObjectMixin):
    policy = assessment_policy
    context_object_name = "assessment"

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(
                selectors.assessment_list(
                    queryset=self.policy.visible_to(self.request.user)
                ).select_related("question_set", "supersedes"),
                pk=self.kwargs["pk"],
            )
        return self._object

    def forget_object(self) -> None:
        """Load the assessment afresh (after a service refused, say)."""
        self.__dict__.pop("_object", None)

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        assessment = self.get_object()
        return [
            *_register_breadcrumbs(),
            (assessment.reference, assessment.get_absolute_url()),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment = self.get_object()
        context["assessment"] = assessment
        context["breadcrumbs"] = self.get_breadcrumbs()
        context["caption"] = f"{assessment.reference} · {assessment.title}"
        return context


class AssessmentDetailView(AssessmentMixin, PortalDetailView):
    access = Access.STAFF
    template_name = "decisions/assessment_detail.html"

    def get_breadcrumbs(self):
        return [*_register_breadcrumbs(), (self.get_object().reference, "")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment = self.object
        user = self.request.user
        context["answers"] = assessment.answers.select_related("question").order_by(
            "question__number"
        )
        context["events"] = assessment.events.select_related("by")
        context["recommendation_text"] = recommendation_text(assessment)
        context["successor"] = getattr(assessment, "superseded_by", None)
        context["can_edit"] = user.can_edit and assessment.is_editable
        waiting = assessment.status == AssessmentStatus.SUBMITTED
        context["can_decide"] = user.is_manager and waiting and assessment.author_id != user.pk
        context["own_waiting"] = user.is_manager and waiting and assessment.author_id == user.pk
        context["can_supersede"] = (
            user.can_edit and assessment.is_decided and context["successor"] is None
        )
        return context


class AssessmentEditView(AssessmentMixin, ServiceFormView):
    """The six questions and the recommendation on one page. "Save as draft" keeps what
    has been typed; "Save and submit for decision" saves it too, then submits: when
    answers are missing the draft is kept and each missing answer is listed."""

    access = Access.EDITORS
    form_class = AssessmentForm
    template_name = "decisions/assessment_edit.html"

    def get_questions(self):
        return self.get_object().question_set.questions.order_by("number")

    def get_answers(self):
        return self.get_object().answers.select_related("question").order_by("question__number")

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "assessment": self.get_object(),
            "questions": self.get_questions(),
            "version_of": self.get_object(),
        }

    def get_initial(self):
        return initial_for(self.get_object(), self.get_answers())

    def get(self, request, *args, **kwargs):
        refusal = editing_refusal(self.get_object())
        if refusal:
            return self._locked(refusal, refused=False)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        refusal = editing_refusal(self.get_object())
        if refusal:
            return self._locked(refusal, refused=True)
        return super().post(request, *args, **kwargs)

    def _locked(self, message: str, *, refused: bool):
        context = {
            "assessment": self.get_object(),
            "breadcrumbs": self.get_breadcrumbs(),
            "message": message,
            "refused": refused,
        }
        return self.response_class(
            request=self.request,
            template="decisions/assessment_locked.html",
            context=context,
            using=self.template_engine,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment = self.get_object()
        answers = {answer.question.number: answer for answer in self.get_answers()}
        form = context["form"]
        for block in form.blocks:
            block["answer"] = answers.get(block["question"].number)
        context["budget"] = selectors.budget_context()
        context["capacity"] = selectors.capacity_context(assessment.workstream.lead_officer)
        return context

    def form_valid(self, form):
        assessment = self.get_object()
        user = self.request.user
        try:
            with transaction.atomic():
                services.assessment_update(
                    assessment=assessment,
                    by=user,
                    version=form.posted_version(),
                    answers=form.answers(),
                    **form.assessment_fields(),
                )
        except ValidationError as error:
            self._add_service_errors(form, error)
            return self.form_invalid(form)
        if self.request.POST.get("action") != "submit":
            messages.success(self.request, f"Your draft of {assessment.reference} has been saved")
            return HttpResponseRedirect(reverse("assessment-edit", kwargs={"pk": assessment.pk}))
        # The draft above is kept whatever happens next: only the submission is undone.
        try:
            with transaction.atomic():
                services.assessment_submit(assessment=assessment, by=user)
        except ValidationError as error:
            self._add_service_errors(form, error)
            self.forget_object()
            return self.render_to_response(self.get_context_data(form=form, draft_saved=True))
        messages.success(
            self.request,
            f"{assessment.reference} has been submitted. The managers have been told it is "
            "waiting for their decision.",
        )
        return HttpResponseRedirect(assessment.get_absolute_url())


class AssessmentDecideView(AssessmentMixin, ServiceFormView):
    """A manager approves, declines or returns a submitted assessment, with a reason.
    Never the author: they are told another manager must decide it."""

    access = Access.MANAGERS
    form_class = DecideForm
    template_name = "decisions/assessment_decide.html"

    def refusal(self) -> str:
        assessment = self.get_object()
        if assessment.author_id == self.request.user.pk:
            return "You wrote this assessment, so another manager must decide it"
        return ""

    def post(self, request, *args, **kwargs):
        refusal = self.refusal()
        if refusal:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, refusal)
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment = self.get_object()
        context["refusal"] = self.refusal()
        context["waiting"] = assessment.status == AssessmentStatus.SUBMITTED
        context["answers"] = assessment.answers.select_related("question").order_by(
            "question__number"
        )
        context["recommendation_text"] = recommendation_text(assessment)
        return context

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = services.assessment_decide(
                    assessment=self.get_object(),
                    by=self.request.user,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                )
        except ValidationError as error:
            self._add_service_errors(form, error)
            self.forget_object()  # someone else may have decided it: show how it stands
            return self.form_invalid(form)
        verb = {
            AssessmentStatus.APPROVED: "approved",
            AssessmentStatus.DECLINED: "declined",
            AssessmentStatus.RETURNED: "returned for changes",
        }[self.object.status]
        messages.success(
            self.request,
            f"{self.object.reference} has been {verb}. {self.object.author} has been told.",
        )
        return HttpResponseRedirect(self.object.get_absolute_url())


class AssessmentSupersedeView(AssessmentMixin, ServiceFormView):
    """Confirms starting a new assessment that replaces a decided one."""

    access = Access.EDITORS
    form_class = SupersedeForm
    template_name = "decisions/assessment_supersede.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment = self.get_object()
        context["successor"] = getattr(assessment, "superseded_by", None)
        return context

    def perform(self, form):
        return services.assessment_supersede(assessment=self.get_object(), by=self.request.user)

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            messages.success(
                self.request,
                f"{self.object.reference} has been started to supersede "
                f"{self.get_object().reference}. Its answers have been copied: change what "
                "needs changing, then submit it for a decision.",
            )
        else:
            self.forget_object()
        return response

    def get_success_url(self):
        return reverse("assessment-edit", kwargs={"pk": self.object.pk})


class AnswerEvidenceView(AssessmentMixin, PortalAccessMixin, View):
    """Streams an answer's evidence document as a download, never inline."""

    access = Access.STAFF
    url_models = {"answer_pk": Answer}

    def get(self, request, *args, **kwargs):
        assessment = self.get_object()
        answer = get_object_or_404(
            Answer.objects.select_related("question"),
            pk=self.kwargs["answer_pk"],
            assessment=assessment,
        )
        if not answer.evidence_file:
            messages.info(
                request,
                f"No document has been uploaded for question {answer.question.number}, "
                f"{answer.question.heading}",
            )
            return HttpResponseRedirect(assessment.get_absolute_url())
        return attachment_response(answer.evidence_file, answer.evidence_name)
