"""Registrations for the monitoring app's returns part: the "Returns" navigation item
for everyone signed in, and a provider's "Returns due" dashboard panel."""

from __future__ import annotations

from commissioning.dashboard import register_panel
from commissioning.models import Role
from commissioning.navigation import register_nav

#: How many of the organisation's next returns the panel lists.
PANEL_LIMIT = 5


def _provider_returns_context(user) -> dict:
    from . import selectors
    from .policies import return_policy

    mine = return_policy.visible_to(user)
    upcoming = selectors.return_list(selectors.outstanding(mine))[:PANEL_LIMIT]
    return {
        "returns": list(upcoming),
        "counts": selectors.status_counts(mine),
        "organisation": user.organisation,
    }


def register() -> None:
    register_nav(label="Returns", url_name="return-list", roles=set(Role), order=55)
    register_panel(
        key="monitoring-provider-returns",
        title="Returns due",
        template="monitoring/panels/provider_returns.html",
        roles={Role.PROVIDER},
        context=_provider_returns_context,
        order=15,
    )
