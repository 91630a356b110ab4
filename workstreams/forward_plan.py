"""The forward plan: every milestone across the office by month, its filters, and the
iCalendar feed an officer can subscribe to."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from commissioning.access import Access, PortalAccessMixin
from commissioning.exports import Column
from commissioning.models import STAFF_ROLES
from commissioning.templatetags.portal import ukdate
from commissioning.views.base import PortalExportView, PortalListView

from . import selectors, services
from .calendar import build_calendar, calendar_name, feed_start
from .forward_plan_filters import ForwardPlanFilter
from .models import CalendarFeed, MilestoneKind
from .policies import milestone_policy

#: The GOV.UK tag colour for each kind of milestone.
KIND_TAG_CLASSES = {
    MilestoneKind.CONTRACT_END: "govuk-tag--red",
    MilestoneKind.FUNDING_END: "govuk-tag--orange",
    MilestoneKind.AGREEMENT_END: "govuk-tag--yellow",
    MilestoneKind.NEW_CONTRACT_DUE: "govuk-tag--green",
    MilestoneKind.NEW_FUNDING_DUE: "govuk-tag--turquoise",
    MilestoneKind.REVIEW: "govuk-tag--blue",
    MilestoneKind.ELECTION: "govuk-tag--purple",
    MilestoneKind.OTHER: "govuk-tag--grey",
}


def with_tags(milestones):
    """The milestones, each with ``tag_class`` set for its kind."""
    milestones = list(milestones)
    for milestone in milestones:
        milestone.tag_class = KIND_TAG_CLASSES.get(milestone.kind, "govuk-tag--grey")
    return milestones


class ForwardPlanRows:
    """The forward plan's milestones and filters: shared by the page and its download."""

    access = Access.STAFF
    policy = milestone_policy
    selector = staticmethod(selectors.milestone_list)
    filterset_class = ForwardPlanFilter
    http_method_names = ["get", "head", "options"]


#: Milestones a page of the forward plan lists. Unpaginated, the plan from this month
#: at national scale was ~850 rows and 650 KB, ~500 ms to build (issue 11).
PAGE_SIZE = 50
#: The most milestones the printable version lists (it is not paginated: it is printed
#: whole). Past it, the page says how many were left out and how to narrow them down.
PRINT_LIMIT = 500


class ForwardPlanPaginator(PortalListView.paginator_class):
    """Pages that know the milestone just before them (``page.previous``), fetched with
    the page's own rows, so a month that runs on from the page before is headed as
    continued without another query."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        page = self._get_page(self.object_list[max(bottom - 1, 0) : top], number, self)
        page.previous = None
        if bottom:
            rows = list(page.object_list)
            page.previous, page.object_list = rows[0], rows[1:]
        return page


class ForwardPlanView(ForwardPlanRows, PortalListView):
    paginate_by = PAGE_SIZE
    paginator_class = ForwardPlanPaginator
    template_name = "workstreams/forward_plan.html"

    def _printable(self) -> bool:
        return "print" in self.request.GET

    def get_paginate_by(self, queryset):
        # The printable version is the whole (filtered) plan, up to PRINT_LIMIT.
        return None if self._printable() else self.paginate_by

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        printable = query.pop("print", None) is not None
        querystring = query.urlencode()
        page = context["page_obj"]
        if printable:
            rows = list(context["object_list"][: PRINT_LIMIT + 1])
            total = len(rows) if len(rows) <= PRINT_LIMIT else context["object_list"].count()
            rows = rows[:PRINT_LIMIT]
            context.update(
                print_total=total, print_left_out=total - len(rows), print_limit=PRINT_LIMIT
            )
        else:
            rows = page.object_list
        months = selectors.forward_plan(with_tags(rows))
        if page is not None and page.previous is not None and months:
            months[0] = selectors.continued(months[0], page.previous)
        context.update(
            months=months,
            printable=printable,
            querystring=querystring,
            filters_applied=any(value for value in query.values()),
            print_url=f"?{querystring}&print=1" if querystring else "?print=1",
            screen_url=f"?{querystring}" if querystring else reverse("forward-plan"),
            past_url=f"?{_without_date_from(query)}",
            showing_past=not self.filterset.form.cleaned_data.get("date_from")
            if self.filterset.form.is_valid()
            else False,
            filter_summary=self._filter_summary(),
            today=timezone.localdate(),
        )
        return context

    def _filter_summary(self) -> list[tuple[str, str]]:
        """The filters in force, in words, for the printable version."""
        form = self.filterset.form
        if not form.is_valid():
            return []
        summary = []
        for name, field in form.fields.items():
            value = form.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if hasattr(value, "strftime"):
                text = ukdate(value)
            elif hasattr(field, "choices") and not hasattr(value, "pk"):
                text = str(dict(field.choices).get(value, value))
            else:
                text = str(value)
            summary.append((str(field.label), text))
        return summary


class ForwardPlanExportView(ForwardPlanRows, PortalExportView):
    """The filtered forward plan as CSV or XLSX (``?format=xlsx``), one milestone a row
    in date order; with no filters, like the page, from the start of this month."""

    export_stem = "forward-plan"
    export_columns = [
        Column("Date", lambda m: m.date),
        Column("Milestone", lambda m: m.title),
        Column("Kind", lambda m: m.get_kind_display()),
        Column("Workstream", lambda m: _of_workstream(m, lambda w: w.title, "Office-wide")),
        Column("Portfolio", lambda m: _of_workstream(m, lambda w: w.portfolio.name)),
        Column("Commissioning role", lambda m: _of_workstream(m, lambda w: w.get_role_display())),
        Column("Lead officer", lambda m: _of_workstream(m, lambda w: str(w.lead_officer))),
        Column("Note", lambda m: m.note),
    ]


def _of_workstream(milestone, value, office_wide: str = "") -> str:
    """A fact about the milestone's workstream; an office-wide milestone has none."""
    return value(milestone.workstream) if milestone.workstream_id else office_wide


def _without_date_from(query) -> str:
    """The query string with the "From" date cleared: past milestones are shown too."""
    query = query.copy()
    for part in ("date_from_0", "date_from_1", "date_from_2"):
        query[part] = ""
    return query.urlencode()


# --- The iCalendar feed -----------------------------------------------------------------


def _has_forward_plan(user) -> bool:
    return user.is_active and user.role in STAFF_ROLES


class CalendarFeedSettingsView(PortalAccessMixin, TemplateView):
    """How to subscribe, and the user's own secret address."""

    access = Access.STAFF
    template_name = "workstreams/calendar_feed_settings.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        feed = CalendarFeed.objects.filter(user=self.request.user).first()
        feed_url = (
            self.request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
            if feed
            else ""
        )
        return super().get_context_data(
            feed=feed,
            feed_url=feed_url,
            calendar_name=calendar_name(),
            breadcrumbs=[("Forward plan", reverse("forward-plan")), ("Calendar feed", None)],
            **kwargs,
        )


class _OwnFeedView(PortalAccessMixin, View):
    """A POST that changes the user's own subscription, not the office's records, so
    a viewer may make one; a provider has no forward plan and so no feed."""

    access = Access.ACCOUNT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not _has_forward_plan(request.user):
            raise Http404
        self.perform(request.user)
        return HttpResponseRedirect(reverse("calendar-feed-settings"))

    def perform(self, user):  # pragma: no cover - each view implements it
        raise NotImplementedError


class CalendarFeedCreateView(_OwnFeedView):
    def perform(self, user):
        services.calendar_feed_issue(user=user)
        messages.success(
            self.request,
            "Your calendar address is ready. Copy it into your calendar to subscribe.",
        )


class CalendarFeedRevokeView(_OwnFeedView):
    def perform(self, user):
        services.calendar_feed_revoke(user=user)
        messages.success(
            self.request,
            "Your calendar address has stopped working. Calendars subscribed to it will "
            "no longer update.",
        )


class CalendarFeedView(PortalAccessMixin, View):
    """The feed itself, fetched by a calendar app with no sign-in: the secret in the
    address is the key. An unknown or revoked secret, or one whose owner has left or
    no longer works in the office, answers 404."""

    access = Access.SECRET_LINK
    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, token: str = "", **kwargs):
        # Whatever the method, an address that does not work answers 404.
        self.feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
        if self.feed is None or not _has_forward_plan(self.feed.user):
            raise Http404
        return super().dispatch(request, *args, token=token, **kwargs)

    def get(self, request, token: str):
        feed = self.feed
        services.calendar_feed_record_use(feed=feed)
        milestones = selectors.milestone_list(
            queryset=milestone_policy.visible_to(feed.user)
        ).filter(date__gte=feed_start())
        calendar = build_calendar(milestones, absolute_url=request.build_absolute_uri)
        response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="forward-plan.ics"'
        response["Cache-Control"] = "private, no-cache"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response
