"""Dashboard panels of the workstreams app: contracts to re-commission and what is
coming up on the forward plan."""

from __future__ import annotations

import datetime

from django.utils import timezone

from commissioning.dashboard import register_panel
from commissioning.models import STAFF_ROLES, Role

from . import selectors

#: How each re-commissioning horizon is labelled and coloured.
HORIZONS = {
    6: ("Within 6 months", "govuk-tag--red"),
    12: ("Within 12 months", "govuk-tag--orange"),
    18: ("Within 18 months", "govuk-tag--yellow"),
}
COMING_UP_DAYS = 90
COMING_UP_COUNT = 5


def _warnings_context(user) -> dict:
    warnings = selectors.recommissioning_warnings()
    groups = []
    for months, (label, tag_class) in HORIZONS.items():
        in_horizon = [w for w in warnings if w.horizon_months == months]
        if in_horizon:
            groups.append({"label": label, "tag_class": tag_class, "warnings": in_horizon})
    return {"groups": groups}


def _coming_up_context(user) -> dict:
    from .forward_plan import with_tags

    today = timezone.localdate()
    milestones = selectors.milestone_list().filter(
        date__gte=today, date__lte=today + datetime.timedelta(days=COMING_UP_DAYS)
    )[:COMING_UP_COUNT]
    return {"milestones": with_tags(milestones), "days": COMING_UP_DAYS}


def register() -> None:
    register_panel(
        key="recommissioning-warnings",
        title="Contracts to re-commission",
        template="workstreams/panels/recommissioning_warnings.html",
        roles=STAFF_ROLES,
        context=_warnings_context,
        order=20,
    )
    register_panel(
        key="forward-plan-coming-up",
        title="Coming up on the forward plan",
        template="workstreams/panels/coming_up.html",
        roles={Role.OFFICER, Role.MANAGER},
        context=_coming_up_context,
        order=30,
    )
