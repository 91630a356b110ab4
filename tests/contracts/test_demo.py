"""``manage.py load_demo``: the strategy's contracts, the Adults Service procurement behind
the victim services re-let, KPIs, meetings and one flagged risk, loaded once only."""

from __future__ import annotations

import datetime
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from commissioning.models import FundingStream, User
from contracts import services
from contracts.models import Contract, ContractCharge, Procurement, ProcurementStatus
from contracts.policies import contract_policy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_loaded")]

D = datetime.date
VICTIM_SERVICES = [
    "Victim services — Adults Service",
    "Victim services — Enhanced Adults Service",
    "Victim services — Children and Young People Service",
    "Victim services — Restorative Justice Service",
    "Victim services — Independent Sexual Violence Advisor Service",
]


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load the demo once for this module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_the_victim_services_are_re_let_from_april_2025_to_march_2028():
    contracts = Contract.objects.filter(title__in=VICTIM_SERVICES)
    assert contracts.count() == 5
    for contract in contracts:
        assert (contract.start_date, contract.end_date) == (D(2025, 4, 1), D(2028, 3, 31))
        assert contract.went_live_on == D(2025, 4, 1)
        assert contract.kpis.exists()


def test_the_adults_service_came_from_a_completed_procurement_awarded_to_the_top_bidder():
    adults = Contract.objects.get(title=VICTIM_SERVICES[0])
    procurement = adults.procurement
    assert procurement.status == ProcurementStatus.AWARDED
    results = services.evaluation_result(procurement)
    assert len(results) >= 2
    assert all(r.suitable for r in results)
    assert results[0].rank == 1
    assert results[0].bid.supplier == adults.supplier
    assert adults.supplier.name == "Severn Vale Victim Support"


def test_the_co_commissioned_contracts_name_the_lead_and_the_office_contribution():
    sarc = Contract.objects.get(title="Sexual Assault Referral Centre")
    therapies = Contract.objects.get(title="Sexual Violence Therapies")
    ascc = Contract.objects.get(title="Advice and Support at Custody and Court")
    assert sarc.end_date == D(2029, 9, 30)
    assert therapies.end_date == D(2029, 3, 31)
    for contract in (sarc, therapies):
        assert contract.lead_commissioner.name.startswith("NHS England")
    for contract in (sarc, therapies, ascc):
        assert contract.office_contribution > 0


def test_every_contract_over_5m_that_is_not_light_touch_has_three_kpis():
    big = [c for c in Contract.objects.annotate(n=Count("kpis")) if c.needs_three_kpis]
    assert big
    assert all(c.n >= 3 for c in big)


def test_meetings_have_been_held_with_minutes_and_a_rag_rating_and_one_risk_is_flagged():
    held = [m for c in Contract.objects.all() for m in c.meetings.filter(held_on__isnull=False)]
    assert len(held) >= 8
    assert all(m.minutes and m.rag for m in held)
    flagged = Contract.objects.filter(risk_flagged=True)
    assert flagged.count() == 1
    assert flagged.get().risk_note


def test_charges_never_take_a_funding_stream_below_zero():
    assert ContractCharge.objects.exists()
    for stream in FundingStream.objects.with_money():
        assert stream.headroom_total >= 0, stream


def test_the_provider_demo_user_sees_the_adults_service_contract():
    provider = User.objects.get(email__iexact="provider@example.org")
    visible = set(contract_policy.visible_to(provider).values_list("title", flat=True))
    assert VICTIM_SERVICES[0] in visible
    assert "Sexual Assault Referral Centre" not in visible


def test_running_twice_changes_nothing():
    before = table_counts()

    output = load_demo()

    assert table_counts() == before
    assert before["contracts.Contract"] >= 8
    assert before["contracts.Procurement"] == Procurement.objects.count() >= 1
    assert "contracts: created nothing" in output
