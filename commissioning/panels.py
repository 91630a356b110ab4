"""The core's dashboard panels: the year's funding, the office's partners and, for a
provider, their own organisation."""

from __future__ import annotations

from django.db.models import Count

from .dashboard import register_panel
from .dates import FinancialYear
from .freshness import cached
from .models import STAFF_ROLES, Organisation, OrganisationKind, Role
from .selectors import funding_summary_for_year


def _funding_context(user) -> dict:
    # Committed and spent money summed over every grant, contract and payment charged to
    # the year's streams (about 50 ms at national scale): the same for every officer, so
    # a cached figure until one of those tables changes (issue 11).
    year = FinancialYear.current()
    totals = cached(
        "funding-summary", lambda: funding_summary_for_year(year), vary=[year.start_year]
    )
    return {"year": year, "totals": totals}


def _partners_context(user) -> dict:
    labels = dict(OrganisationKind.choices)
    counts = (
        Organisation.objects.filter(is_active=True)
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by("kind")
    )
    rows = sorted((labels[row["kind"]], row["kind"], row["n"]) for row in counts)
    return {"rows": rows, "total": sum(row[2] for row in rows)}


def _provider_context(user) -> dict:
    return {"organisation": user.organisation}


def register() -> None:
    register_panel(
        key="funding",
        title="Funding this financial year",
        template="commissioning/panels/funding.html",
        roles=STAFF_ROLES,
        context=_funding_context,
        order=10,
    )
    register_panel(
        key="partners",
        title="Partners and providers",
        template="commissioning/panels/partners.html",
        roles=STAFF_ROLES,
        context=_partners_context,
        order=90,
    )
    register_panel(
        key="provider-organisation",
        title="Your organisation",
        template="commissioning/panels/provider_organisation.html",
        roles={Role.PROVIDER},
        context=_provider_context,
        order=10,
    )
