"""Dashboard panels of the workstreams app: contracts to re-commission and what is
coming up on the forward plan."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from commissioning.dashboard import register_panel
from commissioning.models import STAFF_ROLES, Role

from . import selectors
from .forward_plan_filters import NEEDS_RECOMMISSIONING, date_query
from .models import MilestoneKind

#: How each re-commissioning horizon is labelled and coloured.
HORIZONS = {
    6: ("Within 6 months", "govuk-tag--red"),
    12: ("Within 12 months", "govuk-tag--orange"),
    18: ("Within 18 months", "govuk-tag--yellow"),
}
#: Contract ends each horizon lists before "and N more". At national scale ~450
#: contract ends were listed, 500 table rows and most of the dashboard's HTML (issue 11).
WARNINGS_PER_HORIZON = 5
COMING_UP_DAYS = 90
COMING_UP_COUNT = 5


def _forward_plan_url(start: datetime.date, end: datetime.date) -> str:
    """The forward plan showing the contract ends between ``start`` and ``end`` that
    nothing re-commissions yet: where a horizon's "and N more" leads."""
    query = {
        "kind": MilestoneKind.CONTRACT_END,
        "recommissioning": NEEDS_RECOMMISSIONING,
        **date_query("date_from", start),
        **date_query("date_to", end),
    }
    return f"{reverse('forward-plan')}?{urlencode(query)}"


def _warnings_context(user) -> dict:
    groups = []
    for horizon in selectors.recommissioning_by_horizon(WARNINGS_PER_HORIZON):
        label, tag_class = HORIZONS[horizon.months]
        if horizon.rows:
            groups.append(
                {
                    "label": label,
                    "tag_class": tag_class,
                    "rows": horizon.rows,
                    "total": horizon.total,
                    "more": horizon.total - len(horizon.rows),
                    "more_url": _forward_plan_url(horizon.start, horizon.end),
                }
            )
    return {"groups": groups}


def _coming_up_context(user) -> dict:
    from .forward_plan import with_tags

    today = timezone.localdate()
    milestones = (
        selectors.milestone_list()
        .filter(date__gte=today, date__lte=today + datetime.timedelta(days=COMING_UP_DAYS))
        .select_related(None)
        .select_related("workstream")
        .only("kind", "date", "title", "workstream__title")[:COMING_UP_COUNT]
    )
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
