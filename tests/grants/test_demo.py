"""``manage.py load_demo``: the five areas and the strategy's facilitating grants, with
their schedules, payments, onward grants, a withdrawal and an underspend, loaded once and
only once, with no funding stream over-committed."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from commissioning.models import FundingStream, Organisation, OrganisationKind
from decisions.models import AssessmentStatus, DecisionType
from grants.models import (
    Area,
    Grant,
    GrantStatus,
    LocalAllocation,
    OnwardGrant,
    Payment,
    PaymentStatus,
    PaymentTiming,
    UnderspendReturn,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_loaded")]

D = datetime.date

AREAS = {
    # name: (ONS code, mid-2022 population, council's identifier)
    "Bristol": ("E06000023", 472465, "GB-LAE-BST"),
    "Bath and North East Somerset": ("E06000022", 195618, "GB-LAE-BAS"),
    "North Somerset": ("E06000024", 216728, "GB-LAE-NSM"),
    "South Gloucestershire": ("E06000025", 293439, "GB-LAE-SGC"),
    "Somerset": ("E06000066", 576852, "GB-LAE-SOM"),
}


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load the demo once for this module, inside a transaction rolled back at the end;
    each test runs in a savepoint."""
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


# --- Areas -------------------------------------------------------------------------------


def test_the_five_areas_have_population_and_crime_figures_with_year_and_source():
    areas = {area.name: area for area in Area.objects.select_related("local_authority")}

    assert set(areas) == set(AREAS)
    for name, (code, population, council) in AREAS.items():
        area = areas[name]
        assert area.geo_code == code
        assert area.population == population
        assert area.population_year == 2022
        assert area.population_source == "ONS mid-year population estimates, mid-2022"
        assert area.recorded_crime > 1000
        assert area.crime_year == "2023/24"
        assert area.crime_source == "Police recorded crime (demo figures)"
        assert area.local_authority == Organisation.objects.get(identifier=council)
        assert area.allocation_recipient == area.local_authority
        assert area.local_authority.kind == OrganisationKind.LOCAL_AUTHORITY
    # The most crime where the most people live, as in the real figures.
    assert max(areas.values(), key=lambda a: a.recorded_crime).name == "Bristol"


# --- Police and Crime Grants -----------------------------------------------------------


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_each_years_police_and_crime_grant_is_split_across_the_five_areas(year):
    label = f"{year}/{(year + 1) % 100:02d}"
    allocation = LocalAllocation.objects.get(title=f"Police and Crime Grant {label}")

    assert (allocation.population_weight, allocation.crime_weight) == (Decimal(50), Decimal(50))
    assert allocation.funding_stream.financial_year == year
    shares = list(allocation.shares.select_related("area"))
    assert {s.area.name for s in shares} == set(AREAS)
    assert sum(s.amount for s in shares) == allocation.total
    grants = list(allocation.grants.select_related("recipient", "beneficiary_area"))
    assert len(grants) == 5
    for grant in grants:
        assert grant.status != GrantStatus.DRAFT
        assert grant.recipient == grant.beneficiary_area.allocation_recipient
        assert grant.start_date == D(year, 4, 1)
        assert grant.end_date == D(year + 1, 3, 31)
        assert grant.award_date < grant.start_date


def test_the_2024_25_grants_were_paid_quarterly_in_advance_and_closed():
    grants = Grant.objects.filter(title__startswith="Police and Crime Grant 2024/25")

    assert {g.status for g in grants} == {GrantStatus.CLOSED}
    for grant in grants:
        assert grant.payment_timing == PaymentTiming.ADVANCE
        payments = list(grant.payments.order_by("due_date"))
        assert [p.due_date for p in payments] == [
            D(2024, 4, 1),
            D(2024, 7, 1),
            D(2024, 10, 1),
            D(2025, 1, 1),
        ]
        assert {p.status for p in payments} == {PaymentStatus.PAID}


def test_paid_payments_have_a_date_and_a_bacs_reference():
    paid = Payment.objects.filter(status=PaymentStatus.PAID)

    assert paid.count() >= 40
    for payment in paid:
        assert re.fullmatch(r"BACS-\d{4}-\d{4}", payment.payment_reference)
        assert payment.paid_date >= payment.due_date
        assert payment.paid_date <= timezone.localdate()
        assert payment.paid_date.weekday() < 5


def test_one_payment_is_held_back_and_shows_as_overdue():
    overdue = Payment.objects.filter(
        status=PaymentStatus.SCHEDULED,
        due_date__lt=timezone.localdate(),
        grant__status__in=[GrantStatus.AWARDED, GrantStatus.ACTIVE],
    )

    assert overdue.count() == 1
    assert overdue.get().grant.title == "Police and Crime Grant 2026/27: Somerset"


# --- Grants of both years, and what happened to them -----------------------------------


@pytest.mark.parametrize("year", [2024, 2025])
@pytest.mark.parametrize("programme", ["police-and-crime-grant", "small-grants", "vru"])
def test_each_programme_has_grants_in_both_years(year, programme):
    grants = Grant.objects.filter(programme__code=programme, start_date__year=year)

    assert grants.exclude(status=GrantStatus.WITHDRAWN).exists()


def test_the_moj_allocations_are_granted_in_both_years():
    for year in (2024, 2025):
        codes = set(
            Grant.objects.filter(start_date__year=year).values_list("programme__code", flat=True)
        )
        assert {"moj-idva", "moj-da-sv"} <= codes


def test_one_grant_is_charged_to_two_funding_streams():
    grant = Grant.objects.get(
        title="MoJ IDVA allocation 2025/26: Safe Harbour Domestic Abuse Service"
    )

    charges = {c.funding_stream.reference: c.amount for c in grant.charges.all()}
    assert charges == {"MOJ-VG-2025": Decimal("150000.00"), "OPCC-CB-2025": Decimal("36000.00")}
    assert grant.payments.filter(instalment=1).count() == 2


def test_one_grant_was_withdrawn_with_its_reason_and_nothing_paid():
    withdrawn = Grant.objects.get(status=GrantStatus.WITHDRAWN)

    assert len(withdrawn.withdrawn_reason) > 40
    assert withdrawn.award_date is not None
    assert withdrawn.payments.exists()
    assert not withdrawn.payments.exclude(status=PaymentStatus.CANCELLED).exists()


def test_a_closed_grant_returned_an_underspend_to_its_stream():
    underspend = UnderspendReturn.objects.select_related("grant", "charge").get()
    grant = underspend.grant

    assert grant.status == GrantStatus.CLOSED
    assert grant.title == "Police and Crime Grant 2024/25: North Somerset"
    assert underspend.amount == Decimal("3180.50")
    assert underspend.note
    stream = FundingStream.objects.get(pk=underspend.charge.funding_stream_id)
    committed = sum(
        c.amount
        for c in stream.grant_charges.filter(
            grant__status__in=[GrantStatus.AWARDED, GrantStatus.ACTIVE, GrantStatus.CLOSED]
        )
    )
    assert stream.committed == committed - Decimal("3180.50")


def test_the_small_grants_fund_passes_money_on_to_small_local_groups():
    parent = Grant.objects.get(title="Small grants fund 2024/25: Quartet Community Foundation")

    onward = list(parent.onward_grants.select_related("area"))
    assert parent.recipient.kind == OrganisationKind.COMMUNITY_FOUNDATION
    assert 5 <= len(onward) <= 8
    assert sum(o.amount for o in onward) <= parent.amount
    assert len({o.area.name for o in onward}) == 4  # the four Avon areas
    for grant in onward:
        assert grant.recipient is None  # small groups: named, not in the organisations list
        assert grant.purpose and grant.award_date >= parent.start_date
    assert OnwardGrant.objects.count() > len(onward)


# --- Every award keeps the rules ----------------------------------------------------------


def test_every_grant_over_the_threshold_has_an_approved_funding_award_decision():
    over = Grant.objects.exclude(status=GrantStatus.DRAFT).filter(
        amount__gt=settings.DECISION_THRESHOLD
    )

    assert over.count() >= 20
    for grant in over.select_related("approving_decision"):
        decision = grant.approving_decision
        assert decision is not None, grant
        assert decision.decision_type == DecisionType.FUNDING_AWARD
        assert decision.status == AssessmentStatus.APPROVED
        assert decision.decided_by.email == "manager@example.org"


def test_grants_over_50k_a_year_record_why_they_are_not_procured():
    over = [
        g
        for g in Grant.objects.exclude(status=GrantStatus.DRAFT)
        if g.annual_value > settings.PROCUREMENT_SERVICE_THRESHOLD
    ]

    assert over
    assert all(len(g.procurement_route_justification) > 40 for g in over)
    assert Grant.objects.filter(
        amount__lte=settings.PROCUREMENT_SERVICE_THRESHOLD, procurement_route_justification=""
    ).exists()


def test_every_schedule_adds_up_to_its_grant_and_charges():
    for grant in Grant.objects.prefetch_related("payments", "charges"):
        payments = list(grant.payments.all())
        assert sum(p.amount for p in payments) == grant.amount, grant
        assert sum(c.amount for c in grant.charges.all()) == grant.amount, grant


def test_no_demo_funding_stream_is_over_committed():
    streams = list(FundingStream.objects.with_money())

    assert len(streams) >= 12
    for stream in streams:
        assert stream.headroom >= 0, stream
    committed = sum(s.committed for s in streams)
    spent = sum(s.spent for s in streams)
    assert Decimal("2500000") < committed
    assert Decimal("2000000") < spent < committed  # the current year is still being paid


# --- Idempotent -----------------------------------------------------------------------------


def test_running_twice_changes_nothing():
    before = table_counts()

    output = load_demo()

    assert table_counts() == before
    assert "grants: created nothing" in output
    for label in [
        "grants.Area",
        "grants.HistoricalGrant",
        "grants.HistoricalPayment",
        "grants.OnwardGrant",
        "grants.UnderspendReturn",
        "grants.AllocationShare",
    ]:
        assert before[label] > 0, label


def test_a_run_months_later_pays_nothing_more(monkeypatch):
    before = table_counts()
    later = timezone.localdate() + datetime.timedelta(days=120)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)

    load_demo()

    assert table_counts() == before
