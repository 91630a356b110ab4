"""Dashboard panels, navigation and workstream section of the contracts app: meetings
and notices overdue for the office, "Your contracts" for a supplier, and a workstream's
contracts on its Money tab."""

from __future__ import annotations

from django.utils import timezone

from commissioning.dashboard import register_panel
from commissioning.models import Role
from commissioning.navigation import register_nav
from workstreams.sections import register_workstream_section

from .models import ContractMeeting, ContractNotice
from .policies import contract_policy

OVERDUE_LIMIT = 10


def _overdue_context(user) -> dict:
    today = timezone.localdate()
    meetings = ContractMeeting.objects.filter(
        held_on__isnull=True, due_date__lt=today, contract__terminated_on__isnull=True
    ).select_related("contract__supplier")
    notices = ContractNotice.objects.filter(
        published_on__isnull=True, due_date__lt=today
    ).select_related("contract__supplier")
    return {
        "meetings": list(meetings.order_by("due_date")[:OVERDUE_LIMIT]),
        "meetings_total": meetings.count(),
        "notices": list(notices.order_by("due_date")[:OVERDUE_LIMIT]),
        "notices_total": notices.count(),
    }


def _provider_context(user) -> dict:
    contracts = contract_policy.visible_to(user).select_related("supplier")
    return {"contracts": list(contracts), "organisation": user.organisation}


def _workstream_context(workstream, user) -> dict:
    contracts = contract_policy.visible_to(user, workstream.contracts.all()).select_related(
        "supplier"
    )
    return {"workstream": workstream, "contracts": list(contracts), "can_add": user.can_edit}


def register() -> None:
    register_nav(label="Contracts", url_name="contract-list", roles=set(Role), order=45)
    register_panel(
        key="contracts-overdue",
        title="Contract meetings and notices overdue",
        template="contracts/panels/overdue.html",
        roles={Role.OFFICER, Role.MANAGER},
        context=_overdue_context,
        order=25,
    )
    register_panel(
        key="contracts-provider",
        title="Your contracts",
        template="contracts/panels/your_contracts.html",
        roles={Role.PROVIDER},
        context=_provider_context,
        order=25,
    )
    register_workstream_section(
        key="money",
        label="Contracts",
        template="contracts/sections/workstream_contracts.html",
        context=_workstream_context,
        order=20,
    )
