"""Dashboard panels, navigation and workstream section of the contracts app: meetings
and notices overdue for the office, "Your contracts" for a supplier, and a workstream's
contracts on its Money tab."""

from __future__ import annotations

from django.utils import timezone

from commissioning.dashboard import register_panel
from commissioning.models import Role
from commissioning.navigation import register_nav
from commissioning.paging import first_rows
from workstreams.sections import register_workstream_section

from .models import Contract, ContractMeeting, ContractNotice
from .policies import contract_policy

OVERDUE_LIMIT = 10


#: What a row shows of its contract.
CONTRACT_FIELDS = ("contract__reference", "contract__supplier__name")


def _overdue_context(user) -> dict:
    # Each list's first rows are found through a partial index on due_date over the
    # meetings not held (the notices not published), and only those rows are joined to
    # their contract and supplier: at national scale (~1,600 overdue meetings and ~1,100
    # notices) joining every overdue one to count them cost ~20 ms a list (issue 11).
    today = timezone.localdate()
    meetings = (
        ContractMeeting.objects.filter(held_on__isnull=True, due_date__lt=today)
        # Not a meeting of a terminated contract: the few terminated ones are hashed once,
        # rather than all 5,000 contracts hashed to find the live ones (half of the
        # ~6 ms this list took at national scale).
        .exclude(contract__in=Contract.objects.filter(terminated_on__isnull=False))
        .select_related("contract__supplier")
        .only("due_date", *CONTRACT_FIELDS)
        .order_by("due_date", "pk")
    )
    notices = (
        ContractNotice.objects.filter(published_on__isnull=True, due_date__lt=today)
        .select_related("contract__supplier")
        .only("kind", "due_date", *CONTRACT_FIELDS)
        .order_by("due_date", "pk")
    )
    meetings, meetings_total = first_rows(meetings, OVERDUE_LIMIT)
    notices, notices_total = first_rows(notices, OVERDUE_LIMIT)
    return {
        "meetings": meetings,
        "meetings_total": meetings_total,
        "notices": notices,
        "notices_total": notices_total,
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
