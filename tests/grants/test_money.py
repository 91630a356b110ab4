"""A funding stream's money as grants move through their lives: what is committed
(awarded grants, less underspends returned), spent (payments made, less underspends) and
left (headroom), derived in one query however many grants there are."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.models import FundingStream
from commissioning.services import funding_stream_update
from grants import services
from grants.models import Grant, PaymentStatus
from tests.factories import FundingStreamFactory, GrantFactory, awardable, awarded_grant

pytestmark = pytest.mark.django_db

D = datetime.date


def money_of(stream: FundingStream) -> tuple[Decimal, Decimal, Decimal]:
    """(committed, spent, headroom), read afresh through ``with_money()``."""
    fresh = FundingStream.objects.with_money().get(pk=stream.pk)
    return fresh.committed, fresh.spent, fresh.headroom


def properties_of(stream: FundingStream) -> tuple[Decimal, Decimal, Decimal]:
    """The same three through the model's properties on a freshly loaded row."""
    fresh = FundingStream.objects.get(pk=stream.pk)
    return fresh.committed, fresh.spent, fresh.headroom


@pytest.fixture
def stream():
    return FundingStreamFactory(
        name="Community safety fund", amount=Decimal("100000.00"), financial_year=2025
    )


def pay(grant: Grant, by, instalments: int = 1) -> None:
    for payment in grant.payments.order_by("instalment", "pk")[:instalments]:
        services.payment_mark_paid(
            payment=payment, by=by, paid_date=payment.due_date, payment_reference="BACS-2025-0401"
        )


def test_a_draft_grant_commits_nothing(stream):
    awardable(GrantFactory(amount=Decimal("20000.00"), funding_stream=stream))

    assert money_of(stream) == (Decimal("0.00"), Decimal("0.00"), Decimal("100000.00"))
    assert properties_of(stream) == money_of(stream)


def test_an_award_commits_exactly_the_charge(stream, officer):
    grant = awardable(GrantFactory(amount=Decimal("20000.37"), funding_stream=stream))

    services.grant_award(grant=grant, by=officer)

    assert money_of(stream) == (Decimal("20000.37"), Decimal("0.00"), Decimal("79999.63"))
    assert properties_of(stream) == money_of(stream)


def test_active_and_closed_grants_stay_committed(stream, officer):
    grant = awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)
    services.grant_activate(grant=grant, by=officer)
    assert money_of(stream)[0] == Decimal("20000.00")

    pay(grant, officer, instalments=4)
    services.grant_close(grant=grant, by=officer)

    assert money_of(stream) == (Decimal("20000.00"), Decimal("20000.00"), Decimal("80000.00"))


def test_withdrawing_a_grant_gives_its_money_back(stream, officer):
    grant = awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)
    awarded_grant(amount=Decimal("5000.00"), funding_stream=stream)
    assert money_of(stream)[2] == Decimal("75000.00")

    services.grant_withdraw(grant=grant, by=officer, reason="The project did not start.")

    assert money_of(stream) == (Decimal("5000.00"), Decimal("0.00"), Decimal("95000.00"))


def test_payments_made_count_as_spent(stream, officer):
    grant = awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)

    pay(grant, officer, instalments=2)

    assert money_of(stream) == (Decimal("20000.00"), Decimal("10000.00"), Decimal("80000.00"))
    assert grant.payments.filter(status=PaymentStatus.SCHEDULED).count() == 2


def test_an_underspend_returned_lowers_committed_and_spent(stream, officer):
    grant = awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)
    pay(grant, officer, instalments=4)
    services.grant_close(grant=grant, by=officer)

    services.underspend_record(
        grant=grant,
        charge=grant.charges.get(),
        by=officer,
        amount=Decimal("1234.56"),
        recorded_on=D(2026, 4, 30),
        note="Post vacant for two months.",
    )

    assert money_of(stream) == (Decimal("18765.44"), Decimal("18765.44"), Decimal("81234.56"))
    assert properties_of(stream) == money_of(stream)


def test_closing_early_releases_the_instalments_that_will_never_be_paid(stream, officer):
    """Closed after two of four payments: the two cancelled instalments are not spent
    and never will be, so they go back to the stream's headroom."""
    grant = awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)
    pay(grant, officer, instalments=2)

    services.grant_close(grant=grant, by=officer)

    assert grant.payments.filter(status=PaymentStatus.CANCELLED).count() == 2
    assert money_of(stream) == (Decimal("10000.00"), Decimal("10000.00"), Decimal("90000.00"))


def test_a_grant_charged_to_two_streams_counts_on_each_by_its_charge(stream, officer):
    other = FundingStreamFactory(name="Victims grant", amount=Decimal("50000.00"))
    grant = GrantFactory(amount=Decimal("20000.00"), funding_stream=stream)
    services.grant_set_charges(
        grant=grant,
        by=officer,
        charges=[(stream, Decimal("15000.00")), (other, Decimal("5000.00"))],
    )
    awardable(grant)
    services.grant_award(grant=grant, by=officer)
    pay(grant, officer, instalments=2)  # instalment 1, from each stream

    assert money_of(stream) == (Decimal("15000.00"), Decimal("3750.00"), Decimal("85000.00"))
    assert money_of(other) == (Decimal("5000.00"), Decimal("1250.00"), Decimal("45000.00"))


def test_onward_grants_are_not_counted_a_second_time(stream, officer):
    parent = awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)
    for name, amount in [("Hartcliffe Community Garden", "6000.00"), ("Lockleaze Boxing", "4000")]:
        services.onward_grant_add(
            parent=parent,
            by=officer,
            recipient_name=name,
            amount=Decimal(amount),
            purpose="Diversionary activities.",
            award_date=D(2025, 6, 1),
        )

    assert money_of(stream) == (Decimal("20000.00"), Decimal("0.00"), Decimal("80000.00"))


def test_an_award_beyond_the_headroom_is_refused_and_commits_nothing(stream, officer):
    awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)
    funding_stream_update(funding_stream=stream, by=officer, amount=Decimal("30000.00"))
    grant = awardable(GrantFactory(amount=Decimal("10000.01"), funding_stream=stream))

    with pytest.raises(ValidationError) as excinfo:
        services.grant_award(grant=grant, by=officer)

    assert excinfo.value.message_dict == {
        "charges": [f"{stream} has £10,000.00 left, not enough for the £10,000.01 charged to it"]
    }
    assert money_of(stream) == (Decimal("20000.00"), Decimal("0.00"), Decimal("10000.00"))


# --- Lowering a stream's amount ----------------------------------------------------------


def test_a_stream_cannot_be_lowered_below_what_is_committed(stream, officer):
    awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)

    with pytest.raises(ValidationError) as excinfo:
        funding_stream_update(funding_stream=stream, by=officer, amount=Decimal("19999.99"))

    assert excinfo.value.message_dict == {
        "amount": [
            "The amount cannot be less than the £20,000.00 already committed from this "
            "funding stream."
        ]
    }
    stream.refresh_from_db()
    assert stream.amount == Decimal("100000.00")


def test_a_stream_can_be_lowered_to_exactly_what_is_committed(stream, officer):
    awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)
    GrantFactory(amount=Decimal("50000.00"), funding_stream=stream)  # a draft: not committed

    funding_stream_update(funding_stream=stream, by=officer, amount=Decimal("20000.00"))

    assert money_of(stream)[2] == Decimal("0.00")


# --- One query, and the pages ------------------------------------------------------------


def test_streams_with_money_cost_one_query_however_many_grants(django_assert_num_queries):
    streams = [FundingStreamFactory(amount=Decimal("500000.00")) for _ in range(3)]
    for index in range(6):
        awarded_grant(amount=Decimal("1000.00"), funding_stream=streams[index % 3])

    with django_assert_num_queries(1):
        rows = list(FundingStream.objects.filter(pk__in=[s.pk for s in streams]).with_money())
        totals = [(s.committed, s.spent, s.headroom) for s in rows]

    assert totals == [(Decimal("2000.00"), Decimal("0.00"), Decimal("498000.00"))] * 3


def list_page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("funding-stream-list"))
    assert response.status_code == 200
    return len(queries)


def test_the_funding_stream_list_costs_the_same_for_2_and_20_grants(officer_client, officer):
    streams = [FundingStreamFactory(amount=Decimal("500000.00")) for _ in range(2)]
    for stream in streams:
        pay(awarded_grant(amount=Decimal("1000.00"), funding_stream=stream), officer)
    list_page_queries(officer_client)  # warm the session and caches
    few = list_page_queries(officer_client)

    for index in range(18):
        grant = awarded_grant(amount=Decimal("1000.00"), funding_stream=streams[index % 2])
        pay(grant, officer)

    assert Grant.objects.count() == 20
    assert list_page_queries(officer_client) == few


def cells(html: str, row_header: str) -> list[str]:
    """The money cells of the table row that starts with ``row_header``."""
    rows = re.findall(r"<tr class=\"govuk-table__row[^\"]*\">(.*?)</tr>", html, re.S)
    row = next(r for r in rows if row_header in r)
    return re.findall(r"portal-money\">([^<]*)<", row)


def test_the_list_page_shows_each_streams_money_and_the_years_totals(
    officer_client, officer, stream
):
    other = FundingStreamFactory(
        name="Victims fund", amount=Decimal("50000.00"), financial_year=2025
    )
    grant = awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)
    pay(grant, officer, instalments=1)
    awarded_grant(amount=Decimal("12345.67"), funding_stream=other)

    html = officer_client.get(reverse("funding-stream-list")).content.decode()

    assert cells(html, "Community safety fund") == [
        "£100,000.00",
        "£20,000.00",
        "£5,000.00",
        "£80,000.00",
    ]
    assert cells(html, "Victims fund") == ["£50,000.00", "£12,345.67", "£0.00", "£37,654.33"]
    assert cells(html, "Total 2025/26") == ["£150,000.00", "£32,345.67", "£117,654.33"]


def test_the_detail_page_shows_committed_spent_and_headroom(officer_client, officer, stream):
    grant = awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)
    pay(grant, officer, instalments=4)
    services.grant_close(grant=grant, by=officer)
    services.underspend_record(
        grant=grant,
        charge=grant.charges.get(),
        by=officer,
        amount=Decimal("500.25"),
        recorded_on=D(2026, 4, 30),
    )

    html = officer_client.get(stream.get_absolute_url()).content.decode()

    assert 'id="money-amount">£100,000.00<' in html
    assert 'id="money-committed">£19,499.75<' in html
    assert 'id="money-spent">£19,499.75<' in html
    assert 'id="money-headroom">£80,500.25<' in html
