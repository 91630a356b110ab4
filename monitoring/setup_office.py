"""Registrations for the monitoring app's office part: the dashboard panels "Underspends
to act on" and "Returns overdue and to review", and the "Monitoring returns" section on
a grant's and a contract's page."""

from __future__ import annotations

from commissioning.dashboard import register_panel
from commissioning.models import Role
from commissioning.sections import register_section

#: Rows a dashboard panel lists before "and N more".
PANEL_LIMIT = 5
OFFICE_ROLES = {Role.OFFICER, Role.MANAGER, Role.VIEWER, Role.ADMIN}


def _bounded(queryset, limit: int = PANEL_LIMIT) -> tuple[list, int]:
    """The first ``limit`` rows and how many there are in all (counted only when the
    page of rows is full)."""
    rows = list(queryset[:limit])
    total = len(rows) if len(rows) < limit else queryset.count()
    return rows, total


def _underspends_context(user) -> dict:
    from django.urls import reverse

    from . import selectors
    from .policies import underspend_policy

    flags, total = _bounded(selectors.open_underspends(underspend_policy.visible_to(user)))
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

    visible = return_policy.visible_to(user)
    overdue, overdue_total = _bounded(
        selectors.with_yours(selectors.return_list(selectors.overdue(visible)), user).order_by(
            "-is_yours", "due_date", "pk"
        )
    )
    to_review, review_total = _bounded(selectors.review_queue(visible, user))
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
    from .models import ReturnSchedule

    schedule = (
        ReturnSchedule.objects.filter(**{agreement._meta.model_name: agreement})
        .select_related("framework")
        .first()
    )
    returns = (
        list(selectors.return_list(schedule.returns.all()).order_by("period_start"))
        if schedule
        else []
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
