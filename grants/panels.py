"""Dashboard panels and page sections of the grants app: overdue payments for the
office, "Your grants" for a provider, a funding stream's grants and a workstream's
grants on its Money tab."""

from __future__ import annotations

from commissioning.dashboard import register_panel
from commissioning.models import Role
from commissioning.paging import first_rows
from commissioning.sections import register_section
from workstreams.sections import register_workstream_section

from . import selectors
from .policies import grant_policy

OVERDUE_LIMIT = 10


def _overdue_context(user) -> dict:
    # Only what a row shows: the payment, its grant's reference and recipient, and the
    # stream it is charged to; the rows are chosen before they are joined to those.
    payments, total = first_rows(
        selectors.overdue_payments().only(
            "instalment",
            "due_date",
            "amount",
            "grant__reference",
            "grant__recipient__name",
            "charge__funding_stream__name",
        ),
        OVERDUE_LIMIT,
    )
    return {"payments": payments, "total": total}


def _provider_grants_context(user) -> dict:
    grants = selectors.grants_with_next_payment(grant_policy.visible_to(user))
    return {"grants": list(grants), "organisation": user.organisation}


def _funding_stream_context(stream, user) -> dict:
    return {"stream": stream, "rows": selectors.funding_stream_charges(stream)}


def _workstream_context(workstream, user) -> dict:
    grants = selectors.grant_list(queryset=grant_policy.visible_to(user, workstream.grants.all()))
    return {
        "workstream": workstream,
        "grants": list(grants),
        "totals": selectors.grant_totals(grants),
        "can_add": user.can_edit,
    }


def register() -> None:
    register_panel(
        key="grants-overdue-payments",
        title="Overdue grant payments",
        template="grants/panels/overdue_payments.html",
        roles={Role.OFFICER, Role.MANAGER, Role.ADMIN},
        context=_overdue_context,
        order=20,
    )
    register_panel(
        key="grants-provider",
        title="Your grants",
        template="grants/panels/your_grants.html",
        roles={Role.PROVIDER},
        context=_provider_grants_context,
        order=20,
    )
    register_section(
        "funding-stream",
        key="grants",
        title="Grants charged to this stream",
        template="grants/sections/funding_stream_grants.html",
        context=_funding_stream_context,
        order=10,
    )
    register_workstream_section(
        key="money",
        label="Grants",
        template="grants/sections/workstream_grants.html",
        context=_workstream_context,
        order=10,
    )
