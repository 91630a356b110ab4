"""The grants app's read queries: what they return, and what they cost."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from grants import selectors, services
from grants.models import Grant, PaymentStatus
from tests.factories import FundingStreamFactory, GrantFactory, awardable, awarded_grant

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 10, 15)


def pay(grant, *, count=1, by=None):
    by = by or grant.responsible_officer
    for payment in grant.payments.filter(status=PaymentStatus.SCHEDULED).order_by("due_date")[
        :count
    ]:
        services.payment_mark_paid(
            payment=payment, by=by, paid_date=payment.due_date, payment_reference="BACS-1"
        )


def test_grant_list_annotates_money_paid_and_passed_on():
    grant = awarded_grant(amount=Decimal("20000.00"))
    pay(grant, count=2)
    services.onward_grant_add(
        parent=grant,
        by=grant.responsible_officer,
        recipient_name="Club",
        amount=Decimal("1200.00"),
        purpose="Kit",
        award_date=datetime.date(2025, 5, 1),
    )
    GrantFactory()  # nothing paid, nothing passed on

    rows = {g.pk: g for g in selectors.grant_list()}

    assert rows[grant.pk].paid_total == Decimal("10000.00")
    assert rows[grant.pk].passed_on_total == Decimal("1200.00")
    other = next(g for pk, g in rows.items() if pk != grant.pk)
    assert other.paid_total == Decimal("0.00")
    assert other.passed_on_total == Decimal("0.00")


def test_grant_totals_are_one_query_and_count_onward_grants_once(django_assert_num_queries):
    first = awarded_grant(amount=Decimal("20000.00"))
    GrantFactory(amount=Decimal("3000.50"))
    for amount in ("500.00", "700.00"):
        services.onward_grant_add(
            parent=first,
            by=first.responsible_officer,
            recipient_name="Club",
            amount=Decimal(amount),
            purpose="Kit",
            award_date=datetime.date(2025, 5, 1),
        )
    pay(first)

    with django_assert_num_queries(1):
        totals = selectors.grant_totals(selectors.grant_list())

    assert totals.count == 2
    assert totals.amount == Decimal("23000.50")
    assert totals.paid == Decimal("5000.00")
    assert totals.passed_on == Decimal("1200.00")


def test_grant_totals_of_nothing_are_zero():
    totals = selectors.grant_totals(selectors.grant_list(queryset=Grant.objects.none()))

    assert (totals.count, totals.amount, totals.paid) == (0, Decimal("0.00"), Decimal("0.00"))


def test_overdue_payments_are_scheduled_past_due_on_live_grants_oldest_first():
    late = awarded_grant(start_date=datetime.date(2025, 4, 1), end_date=datetime.date(2026, 3, 31))
    pay(late)  # April paid: July is the oldest still owed
    draft = awardable(GrantFactory(start_date=datetime.date(2025, 4, 1)))  # not awarded
    withdrawn = awarded_grant(start_date=datetime.date(2025, 4, 1))
    services.grant_withdraw(grant=withdrawn, by=withdrawn.responsible_officer, reason="Gone")

    overdue = list(selectors.overdue_payments(today=TODAY))

    assert [(p.grant, p.due_date) for p in overdue] == [
        (late, datetime.date(2025, 7, 1)),
        (late, datetime.date(2025, 10, 1)),
    ]
    assert draft.payments.exists()


def test_next_payment_is_the_earliest_still_scheduled():
    grant = awarded_grant(amount=Decimal("20000.00"))
    pay(grant)

    row = selectors.grants_with_next_payment(Grant.objects.filter(pk=grant.pk)).get()

    assert row.next_due == datetime.date(2025, 7, 1)
    assert row.next_amount == Decimal("5000.00")


def test_charges_with_headroom_show_each_streams_money_now():
    stream = FundingStreamFactory(amount=Decimal("100000.00"))
    awarded_grant(funding_stream=stream, amount=Decimal("24000.00"))
    draft = GrantFactory(funding_stream=stream, amount=Decimal("10000.00"))

    rows = selectors.charges_with_headroom(draft)

    assert [(row.charge.amount, row.stream.headroom_total) for row in rows] == [
        (Decimal("10000.00"), Decimal("76000.00"))
    ]


def test_payment_schedule_totals_and_whether_it_matches_the_award():
    grant = awarded_grant(amount=Decimal("20000.00"))
    pay(grant)

    schedule = selectors.payment_schedule(grant)

    assert len(schedule.payments) == 4
    assert schedule.total == Decimal("20000.00")
    assert schedule.paid == Decimal("5000.00")
    assert schedule.outstanding == Decimal("15000.00")
    assert schedule.matches_award
    assert not selectors.payment_schedule(GrantFactory()).matches_award  # no schedule


def test_funding_stream_charges_in_one_query_with_committed_less_underspends(
    django_assert_num_queries,
):
    stream = FundingStreamFactory(amount=Decimal("100000.00"))
    awarded = awarded_grant(funding_stream=stream, amount=Decimal("20000.00"))
    pay(awarded)
    services.underspend_record(
        grant=awarded,
        charge=awarded.charges.get(),
        by=awarded.responsible_officer,
        amount=Decimal("750.00"),
        recorded_on=datetime.date(2026, 4, 10),
    )
    GrantFactory(funding_stream=stream, amount=Decimal("5000.00"))  # a draft commits nothing

    with django_assert_num_queries(1):
        rows = selectors.funding_stream_charges(stream)
        statuses = [charge.grant.recipient.name for charge in rows.charges]

    assert len(statuses) == 2
    assert rows.total == Decimal("25000.00")
    assert rows.returned == Decimal("750.00")
    assert rows.committed == Decimal("19250.00")
    assert stream.committed == rows.committed  # the same figure as the stream's own


def test_a_closed_grants_unpaid_instalments_leave_the_streams_commitment():
    stream = FundingStreamFactory(amount=Decimal("100000.00"))
    grant = awarded_grant(funding_stream=stream, amount=Decimal("20000.00"))
    pay(grant, count=3)
    services.grant_close(grant=grant, by=grant.responsible_officer)

    rows = selectors.funding_stream_charges(stream)

    assert rows.committed == Decimal("15000.00")
    assert stream.committed == rows.committed
