"""Pages that list rows cost the same number of queries for 2 rows as for 12: a query
per row (N+1) on any of them fails here."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.models import Role
from contracts import services as contract_services
from tests.factories import (
    BidFactory,
    ContractFactory,
    KPIFactory,
    LocalAllocationFactory,
    ProcurementFactory,
    awarded_grant,
    submitted_assessment,
)

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _contracts(n, **kwargs):
    for _ in range(n):
        contract = ContractFactory(**kwargs)
        KPIFactory(contract=contract)


def _procurements(n):
    for _ in range(n):
        BidFactory(procurement=ProcurementFactory())


def _allocations(n):
    for _ in range(n):
        LocalAllocationFactory()


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("contract-list", _contracts),
        ("procurement-list", _procurements),
        ("allocation-list", _allocations),
    ],
)
def test_list_pages_cost_the_same_for_2_and_12_rows(officer_client, url_name, make):
    url = reverse(url_name)
    make(2)
    few = _queries(officer_client, url)
    make(10)
    assert _queries(officer_client, url) == few


@pytest.mark.parametrize("role", [Role.OFFICER, Role.MANAGER, Role.VIEWER])
def test_staff_dashboards_cost_the_same_with_more_work_on_them(client, make_user, role):
    user = make_user(role)
    client.force_login(user)
    url = reverse("dashboard")

    def more_work():
        _contracts(1)
        awarded_grant()
        submitted_assessment()

    # Start past the panels' display limits (a full panel adds one "and N more"
    # count), so what is measured is growth with the number of rows.
    for _ in range(3):
        more_work()
    few = _queries(client, url)
    for _ in range(7):
        more_work()
    assert _queries(client, url) == few


def test_provider_dashboard_costs_the_same_with_more_contracts(client, make_user):
    provider = make_user(Role.PROVIDER)
    client.force_login(provider)
    url = reverse("dashboard")
    _contracts(2, supplier=provider.organisation)
    few = _queries(client, url)
    _contracts(10, supplier=provider.organisation)
    assert _queries(client, url) == few


def test_contract_detail_costs_the_same_with_more_kpis_meetings_and_variations(
    officer_client, officer
):
    contract = ContractFactory(end_date=datetime.date(2026, 3, 31))
    KPIFactory(contract=contract)
    url = contract.get_absolute_url()
    few = _queries(officer_client, url)
    for _ in range(10):
        KPIFactory(contract=contract)
        contract_services.variation_record(
            contract=contract,
            by=officer,
            description="More hours",
            value_effect=0,
            effective_on=datetime.date(2025, 6, 1),
        )
    contract.end_date = datetime.date(2030, 3, 31)
    contract.save()
    contract_services._refresh_meetings(contract, by=officer)
    assert _queries(officer_client, url) == few
