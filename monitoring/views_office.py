"""The office's side of monitoring: reviewing submitted returns (one return's review and
the queue of returns awaiting review), an agreement's return schedule and its targets,
and the underspends to act on. Every change goes through monitoring/services.py."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse

from commissioning.access import Access
from commissioning.templatetags.portal import ukdate
from commissioning.views.base import (
    PolicyObjectMixin,
    PortalDetailView,
    PortalListView,
    ServiceFormView,
)

from . import selectors, services
from .forms_office import (
    ACCEPT,
    ReviewForm,
    ReviewQueueFilter,
    ScheduleForm,
    TargetsForm,
    UnderspendFilter,
    UnderspendResolveForm,
)
from .policies import return_policy, schedule_policy, underspend_policy

NOT_TEAM = "Only the agreement's officers or a manager can review this return"


def agreement_list_crumb(agreement) -> tuple[str, str]:
    if agreement._meta.model_name == "grant":
        return ("Grants", reverse("grant-list"))
    return ("Contracts", reverse("contract-list"))


# --- Review -----------------------------------------------------------------------------


class ReturnReviewView(PolicyObjectMixin, ServiceFormView):
    """Accept a submitted return or ask for changes. The form is also shown on the
    return's own page (review_panel.html); a refused or invalid decision comes back here
    with its message and the reviewer's words kept."""

    access = Access.EDITORS
    policy = return_policy
    form_class = ReviewForm
    template_name = "monitoring/review/review.html"
    context_object_name = "monitoring_return"

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(
                selectors.return_detail(self.policy.visible_to(self.request.user)),
                pk=self.kwargs["pk"],
            )
        return self._object

    def get_initial(self):
        return {"version": self.get_object().version}

    def perform(self, form):
        data = form.cleaned_data
        common = {
            "monitoring_return": self.get_object(),
            "by": self.request.user,
            "comments": data["comments"] or "",
            "version": data["version"],
        }
        if data["decision"] == ACCEPT:
            self.success_message = "The return has been accepted and the provider told"
            return services.return_accept(**common)
        self.success_message = "Changes have been asked for and the provider told"
        return services.return_request_changes(**common)

    def form_invalid(self, form):
        refused = any(error.code == "not_team" for error in form.non_field_errors().as_data())
        stale = any(error.code == "stale" for error in form.non_field_errors().as_data())
        if stale or refused:
            # Show the return as it is now; the reviewer's words stay on the page, and
            # the form now carries the version they have seen, so sending it again is a
            # decision made on the current return.
            self.get_object().refresh_from_db()
            data = form.data.copy()
            data["version"] = str(self.get_object().version)
            form.data = data
        response = super().form_invalid(form)
        if refused:
            response.status_code = 403
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        monitoring_return = self.get_object()
        agreement = monitoring_return.schedule.agreement
        context.update(
            {
                "object": monitoring_return,
                "review_form": context["form"],
                "can_review": services.can_review(self.request.user, monitoring_return),
                "not_team_message": NOT_TEAM,
                "agreement": agreement,
                "breadcrumbs": [
                    ("Dashboard", reverse("dashboard")),
                    ("Returns to review", reverse("return-review-queue")),
                    (monitoring_return.period_label, monitoring_return.get_absolute_url()),
                ],
            }
        )
        return context

    def get_success_url(self):
        return self.object.get_absolute_url()


class ReviewQueueView(PortalListView):
    access = Access.STAFF
    policy = return_policy
    filterset_class = ReviewQueueFilter
    template_name = "monitoring/office/review_queue.html"

    def get_queryset(self):
        return selectors.review_queue(self.policy.visible_to(self.request.user), self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [("Dashboard", reverse("dashboard"))]
        context["underspends_url"] = reverse("underspend-list")
        return context


# --- Schedules --------------------------------------------------------------------------


class ScheduleMixin(PolicyObjectMixin):
    policy = schedule_policy
    context_object_name = "schedule"

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(
                self.policy.visible_to(self.request.user).select_related(
                    "grant", "contract", "organisation", "framework"
                ),
                pk=self.kwargs["pk"],
            )
        return self._object

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        schedule = self.get_object()
        agreement = schedule.agreement
        context["schedule"] = schedule
        context["agreement"] = agreement
        context["caption"] = f"{agreement.reference} · {schedule.organisation.name}"
        context["cancel_url"] = reverse("schedule-detail", kwargs={"pk": schedule.pk})
        context["breadcrumbs"] = [
            ("Dashboard", reverse("dashboard")),
            agreement_list_crumb(agreement),
            (agreement.reference, agreement.get_absolute_url()),
            ("Monitoring returns", context["cancel_url"]),
        ]
        return context


class ScheduleDetailView(ScheduleMixin, PortalDetailView):
    access = Access.STAFF
    template_name = "monitoring/office/schedule_detail.html"

    def get_object(self, queryset=None):
        return ScheduleMixin.get_object(self)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        schedule = self.object
        context["breadcrumbs"][-1] = ("Monitoring returns", "")
        targets = {t.measure_id: t.target for t in schedule.targets.all()}
        measures = list(schedule.framework.measures.all()) if schedule.framework_id else []
        context["measures"] = [(m, targets.get(m.pk)) for m in measures]
        context["returns"] = list(
            selectors.return_list(schedule.returns.all()).order_by("period_start")
        )
        return context


class ScheduleEditView(ScheduleMixin, ServiceFormView):
    access = Access.EDITORS
    form_class = ScheduleForm
    template_name = "monitoring/office/schedule_form.html"
    success_message = "The return schedule has been changed"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_object()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = "Change when returns are due"
        return context

    def perform(self, form):
        return services.schedule_update(
            schedule=self.get_object(),
            by=self.request.user,
            due_days=form.cleaned_data["due_days"],
            framework=form.cleaned_data["framework"],
        )

    def get_success_url(self):
        return reverse("schedule-detail", kwargs={"pk": self.object.pk})


class ScheduleTargetsView(ScheduleMixin, ServiceFormView):
    access = Access.EDITORS
    form_class = TargetsForm
    template_name = "monitoring/office/schedule_form.html"
    success_message = "The targets have been saved"

    def measures(self):
        schedule = self.get_object()
        if not schedule.framework_id:
            return []
        return list(schedule.framework.measures.filter(is_active=True))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "measures": self.measures()}

    def get_initial(self):
        return {f"measure_{t.measure_id}": t.target for t in self.get_object().targets.all()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = "Targets for each period"
        if not context["form"].measures:
            context["refusal"] = (
                "This agreement reports no outcome measures. Choose an outcome framework "
                "for it first."
            )
        else:
            context["intro"] = (
                "The figure the agreement aims for on each measure in every period. "
                "Leave a target blank to remove it."
            )
        return context

    def perform(self, form):
        schedule = self.get_object()
        for measure, target in form.targets():
            try:
                services.target_set(
                    schedule=schedule, by=self.request.user, measure=measure, target=target
                )
            except ValidationError as error:
                raise ValidationError({f"measure_{measure.pk}": error.messages}) from error
        return schedule

    def get_success_url(self):
        return reverse("schedule-detail", kwargs={"pk": self.object.pk})


# --- Underspends ------------------------------------------------------------------------


class UnderspendListView(PortalListView):
    access = Access.STAFF
    policy = underspend_policy
    selector = staticmethod(selectors.underspend_list)
    filterset_class = UnderspendFilter
    template_name = "monitoring/office/underspend_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [("Dashboard", reverse("dashboard"))]
        context["review_queue_url"] = reverse("return-review-queue")
        context["tolerance"] = settings.UNDERSPEND_TOLERANCE_PERCENT
        return context


class UnderspendResolveView(PolicyObjectMixin, ServiceFormView):
    access = Access.EDITORS
    policy = underspend_policy
    form_class = UnderspendResolveForm
    template_name = "monitoring/office/underspend_resolve.html"
    context_object_name = "flag"
    success_message = "What was done about the underspend has been recorded"

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(
                selectors.underspend_list(self.policy.visible_to(self.request.user)),
                pk=self.kwargs["pk"],
            )
        return self._object

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "flag": self.get_object()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        flag = self.get_object()
        monitoring_return = flag.monitoring_return
        context.update(
            {
                "monitoring_return": monitoring_return,
                "agreement": monitoring_return.schedule.agreement,
                "heading": "Deal with an underspend",
                "refusal": (
                    f"This underspend was dealt with on {ukdate(flag.resolved_at)}."
                    if flag.resolved_at
                    else ""
                ),
                "cancel_url": reverse("underspend-list"),
                "breadcrumbs": [
                    ("Dashboard", reverse("dashboard")),
                    ("Underspends", reverse("underspend-list")),
                ],
            }
        )
        return context

    def perform(self, form):
        data = form.cleaned_data
        try:
            return services.underspend_resolve(
                flag=self.get_object(),
                by=self.request.user,
                resolution=data["resolution"],
                charge=data.get("charge"),
                amount_to_return=data.get("amount_to_return"),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "amount" in error.error_dict:
                # The grants app names the amount "amount"; here it is the money to return.
                errors = dict(error.error_dict)
                errors["amount_to_return"] = errors.pop("amount")
                raise ValidationError(errors) from error
            raise

    def get_success_url(self):
        return reverse("underspend-list")
