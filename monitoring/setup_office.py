"""Registrations for the monitoring app's office part: the dashboard panels "Underspends
to act on" and "Returns overdue and to review", and the "Monitoring returns" section on
a grant's and a contract's page."""

from __future__ import annotations

from commissioning.dashboard import register_panel
from commissioning.models import Role
from commissioning.paging import first_rows
from commissioning.sections import register_section

#: Rows a dashboard panel lists before "and N more".
PANEL_LIMIT = 5
OFFICE_ROLES = {Role.OFFICER, Role.MANAGER, Role.VIEWER, Role.ADMIN}

#: What the panels' rows show of a return: only these columns are read, of a return's
#: ~30 (most of them long text the panels do not show).
RETURN_FIELDS = (
    "period_label",
    "status",
    "due_date",
    "submitted_at",
    "organisation__name",
    "schedule__grant__reference",
    "schedule__contract__reference",
)


def _underspends_context(user) -> dict:
    from django.urls import reverse

    from . import selectors
    from .policies import underspend_policy

    flags, total = first_rows(
        selectors.open_underspends(underspend_policy.visible_to(user)).only(
            "kind",
            "amount",
            "percentage",
            "flagged_at",
            *(f"monitoring_return__{name}" for name in RETURN_FIELDS),
        ),
        PANEL_LIMIT,
    )
    return {
        "flags": flags,
        "total": total,
        "more": total - len(flags),
        "list_url": reverse("underspend-list") + "?state=open",
        "can_edit": user.can_edit,
    }


def _returns_context(user) -> dict:
    from django.urls import reverse

    from . import selectors
    from .policies import return_policy

    # Each list's first rows are chosen by id and only they are joined to their
    # schedule, agreement and organisation (see commissioning.paging): counting and
    # joining all ~900 overdue returns to show five took ~100 ms at national scale.
    returns = selectors.with_yours(
        selectors.return_list(return_policy.visible_to(user)).only(*RETURN_FIELDS), user
    )
    overdue, overdue_total = first_rows(
        returns.filter(selectors.overdue_q()).order_by("-is_yours", "due_date", "pk"),
        PANEL_LIMIT,
    )
    to_review, review_total = first_rows(
        returns.filter(selectors.AWAITING_REVIEW).order_by("-is_yours", "submitted_at", "pk"),
        PANEL_LIMIT,
    )
    return {
        "overdue": overdue,
        "overdue_total": overdue_total,
        "overdue_more": overdue_total - len(overdue),
        "to_review": to_review,
        "review_total": review_total,
        "review_more": review_total - len(to_review),
        "queue_url": reverse("return-review-queue"),
        "overdue_url": reverse("return-list") + "?status=overdue",
        "can_edit": user.can_edit,
    }


def _agreement_section(agreement, user) -> dict:
    from . import selectors
    from .models import MonitoringReturn, ReturnSchedule

    # The returns with their schedule in one query; the schedule alone only when it has
    # no returns yet (the agreement's page stays within its query budget; issue 11).
    kind = agreement._meta.model_name
    returns = list(
        selectors.return_list(MonitoringReturn.objects.filter(**{f"schedule__{kind}": agreement}))
        .select_related("schedule__framework")
        .order_by("period_start")
    )
    schedule = (
        returns[0].schedule
        if returns
        else ReturnSchedule.objects.filter(**{kind: agreement}).select_related("framework").first()
    )
    return {
        "agreement": agreement,
        "kind": agreement._meta.model_name,
        "schedule": schedule,
        "returns": returns,
        "staff": user.is_staff_role,
    }


def register() -> None:
    register_panel(
        key="monitoring-underspends",
        title="Underspends to act on",
        template="monitoring/panels/office_underspends.html",
        roles=OFFICE_ROLES,
        context=_underspends_context,
        order=15,
    )
    register_panel(
        key="monitoring-returns",
        title="Returns overdue and to review",
        template="monitoring/panels/office_returns.html",
        roles=OFFICE_ROLES,
        context=_returns_context,
        order=14,
    )
    for page in ("grant", "contract"):
        register_section(
            page,
            key="monitoring-returns",
            title="Monitoring returns",
            template="monitoring/sections/agreement_returns.html",
            context=_agreement_section,
            order=30,
        )
