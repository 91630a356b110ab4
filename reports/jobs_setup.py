"""Navigation, panels and sections of the reports app's jobs part: the "Reports" item
for office staff, the review packs on a contract's page, and a provider's dashboard
panel of the reports about their organisation."""

from __future__ import annotations

from commissioning.dashboard import register_panel
from commissioning.models import STAFF_ROLES, Role
from commissioning.navigation import register_nav
from commissioning.sections import register_section

#: How many reports a page section or panel lists (the rest are under Reports).
LISTED = 5


def _contract_packs(contract, user) -> dict:
    from .models import ReportKind, ReportStatus, params_hash
    from .policies import report_job_policy

    jobs = (
        report_job_policy.visible_to(user)
        .filter(
            kind=ReportKind.CONTRACT_REVIEW_PACK,
            params_hash=params_hash(ReportKind.CONTRACT_REVIEW_PACK, {"contract": contract.pk}),
            status=ReportStatus.READY,
        )
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")
    )
    return {"contract": contract, "jobs": list(jobs[:LISTED]), "can_ask": user.is_staff_role}


def _provider_documents(user) -> dict:
    from .models import ReportStatus
    from .policies import report_job_policy

    jobs = (
        report_job_policy.visible_to(user)
        .filter(status=ReportStatus.READY)
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")
    )
    return {"jobs": list(jobs[:LISTED]), "organisation": user.organisation}


def register() -> None:
    register_nav(label="Reports", url_name="report-job-list", roles=STAFF_ROLES, order=90)
    register_section(
        "contract",
        key="review-packs",
        title="Contract review packs",
        template="reports/jobs/sections/contract_packs.html",
        context=_contract_packs,
        order=50,
    )
    register_panel(
        key="reports-provider-documents",
        title="Reports about your organisation",
        template="reports/jobs/panels/provider_documents.html",
        roles={Role.PROVIDER},
        context=_provider_documents,
        order=60,
    )
