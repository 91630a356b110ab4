"""Grant services: the award and each of its preconditions, payment schedules, payments,
withdrawal and closure, underspends, onward grants and local allocations. Money is
Decimal pounds to the penny throughout."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commissioning.dates import add_months
from commissioning.history import history_entries
from decisions.models import AssessmentStatus, DecisionType
from decisions.services import assessment_decide
from grants import services
from grants.models import (
    AllocationShare,
    Area,
    FraudRisk,
    Grant,
    GrantStatus,
    LocalAllocation,
    OnwardGrant,
    Payment,
    PaymentStatus,
    PaymentTiming,
    Programme,
)
from tests.factories import (
    FundingStreamFactory,
    GrantFactory,
    OrganisationFactory,
    WorkstreamFactory,
    awardable,
    awarded_grant,
    submitted_assessment,
)

pytestmark = pytest.mark.django_db

D = datetime.date
PENNY = Decimal("0.01")
ADVANCE, ARREARS = PaymentTiming.ADVANCE, PaymentTiming.ARREARS


# --- Helpers ---------------------------------------------------------------------------


def reload(grant: Grant) -> Grant:
    return Grant.objects.get(pk=grant.pk)


def approved_decision(manager, decision_type=DecisionType.FUNDING_AWARD):
    assessment = submitted_assessment(decision_type=decision_type)
    return assessment_decide(
        assessment=assessment,
        by=manager,
        outcome=AssessmentStatus.APPROVED,
        reason="Approved at the commissioning board.",
    )


def refusal(grant: Grant, by) -> dict[str, list[str]]:
    """Try to award ``grant``; return the messages it was refused with, after checking
    that nothing about the grant changed."""
    before = reload(grant)
    history = grant.history.count()
    with pytest.raises(ValidationError) as excinfo:
        services.grant_award(grant=grant, by=by)
    after = reload(grant)
    assert after.status == GrantStatus.DRAFT
    assert after.award_date is None
    assert after.updated_at == before.updated_at
    assert grant.history.count() == history
    return excinfo.value.message_dict


def schedule(grant: Grant) -> list[Payment]:
    return list(grant.payments.order_by("instalment", "charge__funding_stream__name"))


def two_stream_grant(second_amount=Decimal("500000.00"), **kwargs):
    """A £20,000 draft charged £8,000 to one stream and £12,000 to another."""
    first = FundingStreamFactory(name="OPCC commissioning budget", amount=Decimal("500000.00"))
    second = FundingStreamFactory(name="Victims grant", amount=second_amount)
    grant = GrantFactory(amount=Decimal("20000.00"), funding_stream=first, **kwargs)
    services.grant_set_charges(
        grant=grant,
        by=None,
        charges=[(first, Decimal("8000.00")), (second, Decimal("12000.00"))],
    )
    return grant, first, second


# --- The award: a grant that meets every precondition ----------------------------------


def test_a_grant_meeting_every_precondition_is_awarded_on_the_day(officer):
    grant = awardable(GrantFactory(amount=Decimal("20000.00")))
    assert services.award_problems(grant) == {}

    services.grant_award(grant=grant, by=officer)

    grant = reload(grant)
    assert grant.status == GrantStatus.AWARDED
    assert grant.award_date == timezone.localdate()
    assert grant.history.first().history_user == officer


def test_the_award_date_can_be_given(officer):
    grant = awardable(GrantFactory())

    services.grant_award(grant=grant, by=officer, award_date=D(2025, 3, 14))

    assert reload(grant).award_date == D(2025, 3, 14)


def test_an_awarded_grant_cannot_be_awarded_again(officer):
    grant = awarded_grant()

    with pytest.raises(ValidationError) as excinfo:
        services.grant_award(grant=grant, by=officer)

    assert excinfo.value.message_dict == {"status": ["The grant is already awarded"]}


# --- The award: each precondition broken on its own ------------------------------------


def test_over_the_threshold_without_a_decision_the_award_is_refused(officer):
    grant = awardable(GrantFactory(amount=Decimal("25000.01")))

    assert refusal(grant, officer) == {
        "approving_decision": [
            "Grants over £25,000.00 need an approved funding-award decision: link one"
        ]
    }


def test_at_the_threshold_no_decision_is_needed(officer):
    grant = awardable(GrantFactory(amount=Decimal("25000.00")))

    services.grant_award(grant=grant, by=officer)

    assert reload(grant).status == GrantStatus.AWARDED


def test_a_decision_of_the_wrong_type_does_not_approve_an_award(officer, manager):
    decision = approved_decision(manager, DecisionType.NEW_WORKSTREAM)
    grant = awardable(GrantFactory(amount=Decimal("30000.00")))
    services.grant_update(grant=grant, by=officer, approving_decision=decision)

    assert refusal(grant, officer) == {
        "approving_decision": [
            f"{decision.reference} is a new workstream decision: a funding-award decision is needed"
        ]
    }


def test_a_funding_award_decision_not_yet_approved_holds_the_award_until_a_manager_approves(
    officer, manager
):
    decision = submitted_assessment(decision_type=DecisionType.FUNDING_AWARD)
    grant = awardable(GrantFactory(amount=Decimal("30000.00")))
    services.grant_update(grant=grant, by=officer, approving_decision=decision)

    assert refusal(grant, officer) == {
        "approving_decision": [f"{decision.reference} is submitted, not approved"]
    }

    assessment_decide(
        assessment=decision,
        by=manager,
        outcome=AssessmentStatus.APPROVED,
        reason="Within budget and in line with the plan.",
    )
    services.grant_award(grant=grant, by=officer)

    assert reload(grant).status == GrantStatus.AWARDED


def test_a_declined_decision_does_not_approve_an_award(officer, manager):
    decision = submitted_assessment(decision_type=DecisionType.FUNDING_AWARD)
    assessment_decide(
        assessment=decision, by=manager, outcome=AssessmentStatus.DECLINED, reason="No budget."
    )
    grant = awardable(GrantFactory(amount=Decimal("30000.00")))
    services.grant_update(grant=grant, by=officer, approving_decision=decision)

    assert refusal(grant, officer) == {
        "approving_decision": [f"{decision.reference} is declined, not approved"]
    }


def test_not_enough_headroom_in_one_of_two_streams_names_that_stream_and_its_headroom(
    officer,
):
    grant, first, second = two_stream_grant(second_amount=Decimal("30000.00"))
    # Another award leaves £10,000 of the second stream: less than the £12,000 charged.
    awarded_grant(amount=Decimal("20000.00"), funding_stream=second)
    awardable(grant)

    assert refusal(grant, officer) == {
        "charges": [f"{second} has £10,000.00 left, not enough for the £12,000.00 charged to it"]
    }


def test_headroom_exactly_equal_to_the_charge_is_enough(officer):
    stream = FundingStreamFactory(amount=Decimal("40000.00"))
    awarded_grant(amount=Decimal("20000.00"), funding_stream=stream)
    grant = awardable(GrantFactory(amount=Decimal("20000.00"), funding_stream=stream))

    services.grant_award(grant=grant, by=officer)

    assert reload(grant).status == GrantStatus.AWARDED


def test_without_a_payment_schedule_the_award_is_refused(officer):
    grant = GrantFactory()
    services.grant_update(
        grant=grant,
        by=officer,
        dd_organisation_checked=True,
        dd_accounts_date=timezone.localdate(),
        dd_safeguarding_policy=True,
        dd_fraud_risk=FraudRisk.LOW,
    )

    assert refusal(grant, officer) == {"schedule": ["Make the payment schedule"]}


def test_a_schedule_edited_so_it_no_longer_adds_up_holds_the_award(officer):
    grant = awardable(GrantFactory(amount=Decimal("20000.00")))
    first = schedule(grant)[0]
    services.payment_update(payment=first, by=officer, amount=Decimal("4999.00"))

    assert refusal(grant, officer) == {
        "schedule": ["The payment schedule adds up to £19,999.00, not the £20,000.00 awarded"]
    }


def test_a_schedule_edited_so_it_still_adds_up_is_accepted(officer):
    grant = awardable(GrantFactory(amount=Decimal("20000.00")))
    first, second, *_ = schedule(grant)
    services.payment_update(payment=first, by=officer, amount=Decimal("6000.00"))
    services.payment_update(
        payment=second, by=officer, amount=Decimal("4000.00"), due_date=D(2025, 7, 15)
    )

    services.grant_award(grant=grant, by=officer)

    assert reload(grant).status == GrantStatus.AWARDED
    assert Payment.objects.get(pk=second.pk).due_date == D(2025, 7, 15)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("dd_organisation_checked", False, "Check the organisation's registration and status"),
        ("dd_accounts_date", None, "Record the date of the latest accounts seen"),
        ("dd_safeguarding_policy", False, "See the organisation's safeguarding policy"),
        ("dd_fraud_risk", "", "Rate the fraud risk"),
    ],
)
def test_each_due_diligence_check_left_undone_is_named(officer, field, value, message):
    grant = awardable(GrantFactory())
    services.grant_update(grant=grant, by=officer, **{field: value})

    assert refusal(grant, officer) == {field: [message]}


def test_accounts_more_than_two_years_old_hold_the_award(officer):
    too_old = add_months(timezone.localdate(), -24) - datetime.timedelta(days=1)
    grant = awardable(GrantFactory(), dd_accounts_date=too_old)

    assert refusal(grant, officer) == {
        "dd_accounts_date": ["The latest accounts seen are more than two years old"]
    }


def test_accounts_exactly_two_years_old_are_recent_enough(officer):
    grant = awardable(GrantFactory(), dd_accounts_date=add_months(timezone.localdate(), -24))

    services.grant_award(grant=grant, by=officer)

    assert reload(grant).status == GrantStatus.AWARDED


def test_over_50k_a_year_needs_a_procurement_route_justification(officer, manager):
    grant = awardable(
        GrantFactory(
            amount=Decimal("60000.00"),
            start_date=D(2025, 4, 1),
            end_date=D(2026, 3, 31),
            approving_decision=approved_decision(manager),
        )
    )

    assert refusal(grant, officer) == {
        "procurement_route_justification": [
            "At £60,000.00 a year this is over £50,000.00, where the strategy expects the "
            "South West Police Procurement route: record why it is a grant"
        ]
    }

    services.grant_update(
        grant=grant,
        by=officer,
        procurement_route_justification="The MoJ funding terms require a grant agreement.",
    )
    services.grant_award(grant=grant, by=officer)
    assert reload(grant).status == GrantStatus.AWARDED


def test_the_same_amount_over_two_years_is_under_50k_a_year(officer, manager):
    grant = awardable(
        GrantFactory(
            amount=Decimal("60000.00"),
            start_date=D(2025, 4, 1),
            end_date=D(2027, 3, 31),
            approving_decision=approved_decision(manager),
        )
    )
    assert grant.annual_value == Decimal("30000.00")

    services.grant_award(grant=grant, by=officer)

    assert reload(grant).status == GrantStatus.AWARDED


def test_exactly_50k_a_year_needs_no_justification(officer, manager):
    grant = awardable(
        GrantFactory(amount=Decimal("50000.00"), approving_decision=approved_decision(manager))
    )

    assert services.award_problems(grant) == {}


def test_a_year_from_the_middle_of_a_month_counts_as_twelve_months(officer, manager):
    """£54,000 for the year from 15 April is £54,000 a year, over the £50,000 rule."""
    grant = awardable(
        GrantFactory(
            amount=Decimal("54000.00"),
            start_date=D(2025, 4, 15),
            end_date=D(2026, 4, 14),
            approving_decision=approved_decision(manager),
        )
    )

    assert grant.months == 12
    assert grant.annual_value == Decimal("54000.00")
    assert "procurement_route_justification" in services.award_problems(grant)


def test_every_problem_is_reported_at_once(officer):
    grant = GrantFactory(amount=Decimal("30000.00"))

    problems = refusal(grant, officer)

    assert set(problems) == {
        "approving_decision",
        "schedule",
        "dd_organisation_checked",
        "dd_accounts_date",
        "dd_safeguarding_policy",
        "dd_fraud_risk",
    }


# --- Payment schedules -----------------------------------------------------------------


@pytest.mark.parametrize(
    "timing, expected",
    [
        (ADVANCE, [D(2025, 4, 1), D(2025, 7, 1), D(2025, 10, 1), D(2026, 1, 1)]),
        (ARREARS, [D(2025, 6, 30), D(2025, 9, 30), D(2025, 12, 31), D(2026, 3, 31)]),
    ],
    ids=["in advance", "in arrears"],
)
def test_quarterly_payments_across_a_financial_year(timing, expected):
    grant = GrantFactory(
        amount=Decimal("20000.00"), instalments=4, payment_timing=timing
    )  # 1 April 2025 to 31 March 2026

    payments = services.schedule_generate(grant=grant, by=None)

    assert [p.due_date for p in payments] == expected
    assert [p.instalment for p in payments] == [1, 2, 3, 4]
    assert [p.amount for p in payments] == [Decimal("5000.00")] * 4
    assert {p.status for p in payments} == {PaymentStatus.SCHEDULED}
    assert [p.due_date for p in schedule(grant)] == expected


@pytest.mark.parametrize(
    "timing, expected",
    [
        (
            ADVANCE,
            [
                D(2024, 10, 1),
                D(2025, 1, 1),
                D(2025, 4, 1),
                D(2025, 7, 1),
                D(2025, 10, 1),
                D(2026, 1, 1),
                D(2026, 4, 1),
                D(2026, 7, 1),
            ],
        ),
        (
            ARREARS,
            [
                D(2024, 12, 31),
                D(2025, 3, 31),
                D(2025, 6, 30),
                D(2025, 9, 30),
                D(2025, 12, 31),
                D(2026, 3, 31),
                D(2026, 6, 30),
                D(2026, 9, 30),
            ],
        ),
    ],
    ids=["in advance", "in arrears"],
)
def test_quarterly_payments_across_two_financial_years(timing, expected):
    grant = GrantFactory(
        amount=Decimal("80000.00"),
        start_date=D(2024, 10, 1),
        end_date=D(2026, 9, 30),
        instalments=8,
        payment_timing=timing,
    )

    payments = services.schedule_generate(grant=grant, by=None)

    assert [p.due_date for p in payments] == expected
    assert sum(p.amount for p in payments) == Decimal("80000.00")


def test_monthly_payments_fall_on_the_first_of_each_month():
    grant = GrantFactory(amount=Decimal("12000.00"), instalments=12, payment_timing=ADVANCE)

    payments = services.schedule_generate(grant=grant, by=None)

    assert [p.due_date for p in payments] == [add_months(D(2025, 4, 1), n) for n in range(12)]
    assert {p.amount for p in payments} == {Decimal("1000.00")}


@pytest.mark.parametrize(
    "timing, due", [(ADVANCE, D(2025, 4, 1)), (ARREARS, D(2026, 3, 31))], ids=["advance", "arrears"]
)
def test_a_single_instalment_falls_at_the_start_or_the_end(timing, due):
    grant = GrantFactory(amount=Decimal("7500.00"), instalments=1, payment_timing=timing)

    payments = services.schedule_generate(grant=grant, by=None)

    assert [(p.due_date, p.amount) for p in payments] == [(due, Decimal("7500.00"))]


def test_a_quarterly_schedule_from_the_middle_of_a_month_is_three_months_apart():
    dates = services.instalment_dates(D(2025, 4, 15), D(2026, 4, 14), 4, ADVANCE)

    assert dates == [D(2025, 4, 15), D(2025, 7, 1), D(2025, 10, 1), D(2026, 1, 1)]


def test_amounts_split_to_the_penny_with_the_leftover_pennies_first():
    grant = GrantFactory(amount=Decimal("20000.03"), instalments=4)

    payments = services.schedule_generate(grant=grant, by=None)

    assert [p.amount for p in payments] == [
        Decimal("5000.01"),
        Decimal("5000.01"),
        Decimal("5000.01"),
        Decimal("5000.00"),
    ]
    assert sum(p.amount for p in payments) == grant.amount


def test_a_grant_charged_to_two_streams_has_each_instalment_split_between_them():
    grant, first, second = two_stream_grant()

    services.schedule_generate(grant=grant, by=None)

    payments = schedule(grant)
    assert len(payments) == 8
    by_instalment = {}
    for payment in payments:
        by_instalment.setdefault(payment.instalment, {})[payment.charge.funding_stream] = (
            payment.amount
        )
    assert by_instalment == {
        n: {first: Decimal("2000.00"), second: Decimal("3000.00")} for n in range(1, 5)
    }
    assert sum(p.amount for p in payments) == grant.amount


def test_regenerating_the_schedule_replaces_the_old_one(officer):
    grant = GrantFactory(amount=Decimal("20000.00"), instalments=4)
    old = {p.pk for p in services.schedule_generate(grant=grant, by=None)}
    services.grant_update(grant=grant, by=officer, instalments=2, payment_timing=ARREARS)

    new = services.schedule_generate(grant=grant, by=officer)

    assert [(p.due_date, p.amount) for p in schedule(grant)] == [
        (D(2025, 9, 30), Decimal("10000.00")),
        (D(2026, 3, 31), Decimal("10000.00")),
    ]
    assert not Payment.objects.filter(pk__in=old).exists()
    assert {p.pk for p in new} == {p.pk for p in schedule(grant)}


def test_the_schedule_cannot_be_regenerated_or_edited_once_awarded(officer):
    grant = awarded_grant()
    before = [(p.pk, p.due_date, p.amount) for p in schedule(grant)]

    with pytest.raises(ValidationError) as regenerate:
        services.schedule_generate(grant=grant, by=officer)
    with pytest.raises(ValidationError) as edit:
        services.payment_update(payment=schedule(grant)[0], by=officer, amount=Decimal("1.00"))

    assert regenerate.value.messages == [
        "This grant is awarded, so you can no longer regenerate its payment schedule"
    ]
    assert edit.value.messages == [
        "This grant is awarded, so you can no longer edit its payment schedule"
    ]
    assert [(p.pk, p.due_date, p.amount) for p in schedule(grant)] == before


def test_a_schedule_needs_a_funding_stream_to_charge():
    grant = GrantFactory()
    grant.charges.all().delete()

    with pytest.raises(ValidationError) as excinfo:
        services.schedule_generate(grant=grant, by=None)

    assert excinfo.value.message_dict == {
        "charges": ["Charge the grant to a funding stream before making its schedule"]
    }


def test_a_payment_cannot_be_edited_to_zero(officer):
    grant = awardable(GrantFactory())

    with pytest.raises(ValidationError) as excinfo:
        services.payment_update(payment=schedule(grant)[0], by=officer, amount=Decimal("0.00"))

    assert excinfo.value.message_dict == {"amount": ["Enter an amount greater than £0"]}


# --- Decimal money -----------------------------------------------------------------------


def is_pennies(value) -> bool:
    return isinstance(value, Decimal) and value.as_tuple().exponent == -2


def test_money_is_decimal_pounds_to_the_penny_after_every_service(officer):
    grant, first, second = two_stream_grant()
    payments = services.schedule_generate(grant=grant, by=None)
    grant = awardable(grant)
    services.grant_award(grant=grant, by=officer)
    paid = schedule(grant)[0]
    services.payment_mark_paid(
        payment=paid, by=officer, paid_date=D(2025, 4, 2), payment_reference="BACS-1"
    )
    services.underspend_record(
        grant=grant,
        charge=paid.charge,
        by=officer,
        amount=Decimal("150.50"),
        recorded_on=D(2026, 4, 30),
    )
    onward = services.onward_grant_add(
        parent=grant,
        by=officer,
        recipient_name="Knowle West Youth Club",
        amount=Decimal("2500.00"),
        purpose="Summer activities.",
        award_date=D(2025, 5, 1),
    )

    assert all(is_pennies(p.amount) for p in payments)
    grant = reload(grant)
    values = [
        grant.amount,
        grant.annual_value,
        onward.amount,
        *(c.amount for c in grant.charges.all()),
        *(p.amount for p in grant.payments.all()),
        *(u.amount for u in grant.underspends.all()),
        *(o.amount for o in OnwardGrant.objects.filter(parent=grant)),
    ]
    assert all(is_pennies(value) for value in values), values
    for stream in (first, second):
        stream.refresh_from_db()
        for value in (stream.committed, stream.spent, stream.headroom):
            assert isinstance(value, Decimal)
            assert value == value.quantize(PENNY)


def test_an_amount_with_a_fraction_of_a_penny_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        GrantFactory(amount=Decimal("100.005"))

    assert "amount" in excinfo.value.message_dict
    assert not Grant.objects.exists()


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("-100.00")])
def test_a_grant_of_nothing_or_less_is_refused_with_a_clear_message(amount):
    with pytest.raises(ValidationError) as excinfo:
        GrantFactory(amount=amount)

    assert excinfo.value.message_dict["amount"] == ["Enter an amount greater than £0"]
    assert not Grant.objects.exists()


def test_a_float_amount_is_never_stored():
    with pytest.raises((ValidationError, TypeError)):
        GrantFactory(amount=0.1 + 0.2)

    assert not Grant.objects.exists()


def test_charges_must_add_up_to_the_grant(officer):
    grant, first, second = two_stream_grant()

    with pytest.raises(ValidationError) as excinfo:
        services.grant_set_charges(
            grant=grant,
            by=officer,
            charges=[(first, Decimal("8000.00")), (second, Decimal("11999.99"))],
        )

    assert excinfo.value.message_dict == {
        "charges": [
            "The amounts charged to funding streams add up to £19,999.99 but the grant is "
            "£20,000.00: they must be equal"
        ]
    }
    assert sorted(c.amount for c in grant.charges.all()) == [
        Decimal("8000.00"),
        Decimal("12000.00"),
    ]


def test_a_zero_charge_to_a_stream_is_refused_with_a_clear_message(officer):
    grant, first, second = two_stream_grant()

    with pytest.raises(ValidationError) as excinfo:
        services.grant_set_charges(
            grant=grant,
            by=officer,
            charges=[(first, Decimal("20000.00")), (second, Decimal("0.00"))],
        )

    assert "charges" in excinfo.value.message_dict
    assert "Constraint" not in " ".join(excinfo.value.messages)
    assert grant.charges.count() == 2


# --- Payments ----------------------------------------------------------------------------


def test_marking_a_payment_paid_records_the_date_and_reference(officer):
    grant = awarded_grant()
    payment = schedule(grant)[0]

    services.payment_mark_paid(
        payment=payment, by=officer, paid_date=D(2025, 4, 3), payment_reference=" BACS-2025-0403 "
    )

    payment = Payment.objects.get(pk=payment.pk)
    assert payment.status == PaymentStatus.PAID
    assert payment.paid_date == D(2025, 4, 3)
    assert payment.payment_reference == "BACS-2025-0403"


def test_marking_a_payment_paid_needs_the_payment_reference(officer):
    grant = awarded_grant()
    payment = schedule(grant)[0]

    with pytest.raises(ValidationError) as excinfo:
        services.payment_mark_paid(
            payment=payment, by=officer, paid_date=D(2025, 4, 3), payment_reference="  "
        )

    assert excinfo.value.message_dict == {"payment_reference": ["Enter the payment reference"]}
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SCHEDULED


def test_a_payment_cannot_be_paid_twice(officer):
    grant = awarded_grant()
    payment = schedule(grant)[0]
    services.payment_mark_paid(
        payment=payment, by=officer, paid_date=D(2025, 4, 3), payment_reference="BACS-1"
    )

    with pytest.raises(ValidationError) as excinfo:
        services.payment_mark_paid(
            payment=payment, by=officer, paid_date=D(2025, 4, 9), payment_reference="BACS-2"
        )

    assert excinfo.value.messages == ["This payment is already paid"]
    payment = Payment.objects.get(pk=payment.pk)
    assert (payment.paid_date, payment.payment_reference) == (D(2025, 4, 3), "BACS-1")


def test_a_draft_grant_cannot_be_paid(officer):
    grant = awardable(GrantFactory())

    with pytest.raises(ValidationError) as excinfo:
        services.payment_mark_paid(
            payment=schedule(grant)[0], by=officer, paid_date=D(2025, 4, 3), payment_reference="B1"
        )

    assert excinfo.value.messages == [
        "Payments are made only on awarded or active grants; this one is draft"
    ]
    assert not grant.payments.filter(status=PaymentStatus.PAID).exists()


def test_a_withdrawn_grant_cannot_be_paid(officer):
    grant = awarded_grant()
    services.grant_withdraw(grant=grant, by=officer, reason="The project did not start.")

    with pytest.raises(ValidationError) as excinfo:
        services.payment_mark_paid(
            payment=schedule(grant)[0], by=officer, paid_date=D(2025, 4, 3), payment_reference="B1"
        )

    assert excinfo.value.messages == [
        "Payments are made only on awarded or active grants; this one is withdrawn"
    ]


def test_an_active_grant_can_be_paid(officer):
    grant = awarded_grant()
    services.grant_activate(grant=grant, by=officer)

    services.payment_mark_paid(
        payment=schedule(grant)[0], by=officer, paid_date=D(2025, 4, 3), payment_reference="B1"
    )

    assert reload(grant).status == GrantStatus.ACTIVE
    assert grant.payments.filter(status=PaymentStatus.PAID).count() == 1


# --- Withdrawal and closure --------------------------------------------------------------


def test_withdrawing_cancels_the_scheduled_payments_and_keeps_the_reason(officer):
    grant = awarded_grant()

    services.grant_withdraw(grant=grant, by=officer, reason="  The venue closed.  ")

    grant = reload(grant)
    assert grant.status == GrantStatus.WITHDRAWN
    assert grant.withdrawn_reason == "The venue closed."
    assert {p.status for p in schedule(grant)} == {PaymentStatus.CANCELLED}


def test_withdrawing_needs_a_reason(officer):
    grant = awarded_grant()

    with pytest.raises(ValidationError) as excinfo:
        services.grant_withdraw(grant=grant, by=officer, reason=" ")

    assert excinfo.value.message_dict == {"withdrawn_reason": ["Enter why the grant is withdrawn"]}
    assert reload(grant).status == GrantStatus.AWARDED


def test_a_grant_with_a_payment_made_cannot_be_withdrawn(officer):
    grant = awarded_grant()
    services.payment_mark_paid(
        payment=schedule(grant)[0], by=officer, paid_date=D(2025, 4, 3), payment_reference="B1"
    )

    with pytest.raises(ValidationError) as excinfo:
        services.grant_withdraw(grant=grant, by=officer, reason="Changed our minds.")

    assert excinfo.value.messages == [
        "Payments have been made on this grant, so it can't be withdrawn: close it and "
        "record any underspend to be returned instead"
    ]
    assert reload(grant).status == GrantStatus.AWARDED
    assert grant.payments.filter(status=PaymentStatus.SCHEDULED).count() == 3


def test_a_withdrawn_grant_cannot_be_withdrawn_again(officer):
    grant = awarded_grant()
    services.grant_withdraw(grant=grant, by=officer, reason="The project did not start.")

    with pytest.raises(ValidationError) as excinfo:
        services.grant_withdraw(grant=grant, by=officer, reason="Again.")

    assert excinfo.value.messages == ["This grant is already withdrawn"]
    assert reload(grant).withdrawn_reason == "The project did not start."


def test_closing_cancels_the_payments_still_scheduled(officer):
    grant = awarded_grant()
    first, *rest = schedule(grant)
    services.payment_mark_paid(
        payment=first, by=officer, paid_date=D(2025, 4, 3), payment_reference="B1"
    )

    services.grant_close(grant=grant, by=officer)

    assert reload(grant).status == GrantStatus.CLOSED
    statuses = [p.status for p in schedule(grant)]
    assert statuses == [PaymentStatus.PAID] + [PaymentStatus.CANCELLED] * 3


def test_a_draft_cannot_be_closed_or_activated(officer):
    grant = GrantFactory()

    with pytest.raises(ValidationError, match="Only an awarded or active grant can be closed"):
        services.grant_close(grant=grant, by=officer)
    with pytest.raises(ValidationError, match="Only an awarded grant can become active"):
        services.grant_activate(grant=grant, by=officer)

    assert reload(grant).status == GrantStatus.DRAFT


# --- Underspends -------------------------------------------------------------------------


def paid_grant(officer, instalments_paid=2) -> Grant:
    grant = awarded_grant(amount=Decimal("20000.00"))
    for payment in schedule(grant)[:instalments_paid]:
        services.payment_mark_paid(
            payment=payment, by=officer, paid_date=payment.due_date, payment_reference="B1"
        )
    return grant


def test_an_underspend_is_recorded_against_the_charge(officer):
    grant = paid_grant(officer)
    charge = grant.charges.get()

    underspend = services.underspend_record(
        grant=grant,
        charge=charge,
        by=officer,
        amount=Decimal("1250.75"),
        recorded_on=D(2026, 4, 30),
        note="Post vacant for two months.",
    )

    assert underspend.recorded_by == officer
    assert list(grant.underspends.values_list("amount", flat=True)) == [Decimal("1250.75")]


def test_an_underspend_cannot_exceed_what_was_paid_and_not_returned(officer):
    grant = paid_grant(officer)  # £10,000 paid
    charge = grant.charges.get()
    services.underspend_record(
        grant=grant, charge=charge, by=officer, amount=Decimal("4000.00"), recorded_on=D(2026, 4, 1)
    )

    with pytest.raises(ValidationError) as excinfo:
        services.underspend_record(
            grant=grant,
            charge=charge,
            by=officer,
            amount=Decimal("6000.01"),
            recorded_on=D(2026, 4, 2),
        )

    assert excinfo.value.message_dict == {
        "amount": ["Only £6,000.00 has been paid from this funding stream and not returned"]
    }
    services.underspend_record(
        grant=grant, charge=charge, by=officer, amount=Decimal("6000.00"), recorded_on=D(2026, 4, 2)
    )
    assert sum(grant.underspends.values_list("amount", flat=True)) == Decimal("10000.00")


def test_an_underspend_is_counted_per_charge(officer):
    grant, first, second = two_stream_grant()
    awardable(grant)
    services.grant_award(grant=grant, by=officer)
    for payment in schedule(grant)[:2]:  # instalment 1: £2,000 from first, £3,000 from second
        services.payment_mark_paid(
            payment=payment, by=officer, paid_date=D(2025, 4, 1), payment_reference="B1"
        )
    first_charge = grant.charges.get(funding_stream=first)

    with pytest.raises(ValidationError) as excinfo:
        services.underspend_record(
            grant=grant,
            charge=first_charge,
            by=officer,
            amount=Decimal("2500.00"),
            recorded_on=D(2026, 4, 1),
        )

    assert excinfo.value.message_dict == {
        "amount": ["Only £2,000.00 has been paid from this funding stream and not returned"]
    }


def test_an_underspend_must_be_more_than_nothing_and_on_the_grants_own_charge(officer):
    grant = paid_grant(officer)
    other = paid_grant(officer)

    with pytest.raises(ValidationError) as zero:
        services.underspend_record(
            grant=grant,
            charge=grant.charges.get(),
            by=officer,
            amount=Decimal("0.00"),
            recorded_on=D(2026, 4, 1),
        )
    with pytest.raises(ValidationError) as elsewhere:
        services.underspend_record(
            grant=grant,
            charge=other.charges.get(),
            by=officer,
            amount=Decimal("10.00"),
            recorded_on=D(2026, 4, 1),
        )

    assert zero.value.message_dict == {"amount": ["Enter an amount greater than £0"]}
    assert elsewhere.value.message_dict == {
        "charge": ["Choose one of this grant's funding streams"]
    }
    assert not grant.underspends.exists() and not other.underspends.exists()


# --- Onward grants -----------------------------------------------------------------------


def onward(parent, officer, amount, name="Hartcliffe Community Garden"):
    return services.onward_grant_add(
        parent=parent,
        by=officer,
        recipient_name=name,
        amount=amount,
        purpose="Diversionary activities for young people.",
        award_date=D(2025, 6, 1),
    )


def test_onward_grants_can_add_up_to_the_parent_but_not_beyond(officer):
    parent = awarded_grant(amount=Decimal("20000.00"))
    onward(parent, officer, Decimal("12000.00"))
    onward(parent, officer, Decimal("7999.99"), name="Lockleaze Boxing Club")

    with pytest.raises(ValidationError) as excinfo:
        onward(parent, officer, Decimal("0.02"), name="Southmead Youth Forum")

    assert excinfo.value.message_dict == {
        "amount": [
            "Onward grants would total £20,000.01, more than the £20,000.00 grant they come from"
        ]
    }
    onward(parent, officer, Decimal("0.01"), name="Southmead Youth Forum")
    assert sum(parent.onward_grants.values_list("amount", flat=True)) == Decimal("20000.00")


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("-50.00")])
def test_an_onward_grant_of_nothing_or_less_is_refused_with_a_clear_message(officer, amount):
    parent = awarded_grant()

    with pytest.raises(ValidationError) as excinfo:
        onward(parent, officer, amount)

    assert "amount" in excinfo.value.message_dict
    assert "Constraint" not in " ".join(excinfo.value.messages)
    assert not parent.onward_grants.exists()


# --- Editing an awarded grant ------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"amount": Decimal("25000.00")},
        {"end_date": D(2026, 9, 30)},
        {"instalments": 2},
    ],
    ids=["amount", "end date", "instalments"],
)
def test_an_awarded_grants_money_and_dates_cannot_be_edited(officer, change):
    grant = awarded_grant(amount=Decimal("20000.00"))

    with pytest.raises(ValidationError) as excinfo:
        services.grant_update(grant=grant, by=officer, **change)

    assert excinfo.value.messages == [
        "This grant is awarded: its money, dates and recipient can no longer change. "
        "Record a variation instead."
    ]
    grant = reload(grant)
    assert (grant.amount, grant.end_date, grant.instalments) == (
        Decimal("20000.00"),
        D(2026, 3, 31),
        4,
    )


def test_an_awarded_grants_paperwork_can_still_be_edited(officer):
    grant = awarded_grant()

    services.grant_update(grant=grant, by=officer, conditions="Quarterly returns by the 15th.")

    assert reload(grant).conditions == "Quarterly returns by the 15th."


def test_the_charges_of_an_awarded_grant_cannot_change(officer):
    grant = awarded_grant(amount=Decimal("20000.00"))
    other = FundingStreamFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.grant_set_charges(grant=grant, by=officer, charges=[(other, Decimal("20000.00"))])

    assert excinfo.value.messages == [
        "This grant is awarded, so you can no longer change the funding streams it is charged to"
    ]
    assert grant.charges.get().funding_stream != other


def test_a_reference_is_made_from_the_financial_year_of_the_start():
    grant = GrantFactory(start_date=D(2025, 3, 1), end_date=D(2025, 9, 30))

    assert grant.reference == f"GR-2024-{grant.pk:04d}"


# --- Local allocations -------------------------------------------------------------------


def area(name, population, crime, recipient=True) -> Area:
    return Area.objects.create(
        name=name,
        population=population,
        population_year=2022,
        population_source="ONS mid-year population estimates, mid-2022",
        recorded_crime=crime,
        crime_year="2023/24",
        crime_source="Police recorded crime",
        allocation_recipient=OrganisationFactory(name=f"{name} Council") if recipient else None,
    )


@pytest.fixture
def areas():
    return [
        area("Bristol", 472465, 58000),
        area("Bath and North East Somerset", 195618, 13500),
        area("Somerset", 576852, 41200),
    ]


def make_allocation(officer, areas, total=Decimal("100000.00")):
    return services.allocation_create(
        by=officer,
        title="Police and Crime Grant 2025/26",
        total=total,
        areas=areas,
        population_weight=Decimal("50"),
        crime_weight=Decimal("50"),
        funding_stream=FundingStreamFactory(amount=Decimal("500000.00")),
        programme=Programme.objects.get(code="police-and-crime-grant"),
        workstream=WorkstreamFactory(),
    )


def test_an_allocation_keeps_each_areas_share_and_the_figures_behind_it(officer, areas):
    allocation = make_allocation(officer, areas)

    shares = list(allocation.shares.order_by("area__name"))
    assert [s.area.name for s in shares] == [
        "Bath and North East Somerset",
        "Bristol",
        "Somerset",
    ]
    assert sum(s.amount for s in shares) == Decimal("100000.00")
    assert all(is_pennies(s.amount) for s in shares)
    bristol = next(s for s in shares if s.area.name == "Bristol")
    assert (bristol.population, bristol.population_year) == (472465, 2022)
    assert (bristol.recorded_crime, bristol.crime_year) == (58000, "2023/24")
    # Bristol: half of 472,465 / 1,244,935 plus half of 58,000 / 112,700.
    expected = Decimal("0.5") * (Decimal(472465) / 1244935 + Decimal(58000) / 112700)
    assert abs(bristol.weight - expected) < Decimal("0.0000000001")
    assert abs(bristol.amount - Decimal("100000") * expected) <= PENNY


def test_figures_changed_later_do_not_change_an_allocation(officer, areas):
    allocation = make_allocation(officer, areas)
    Area.objects.filter(name="Bristol").update(population=1, recorded_crime=1)

    bristol = allocation.shares.get(area__name="Bristol")
    assert bristol.population == 472465


def test_creating_grants_from_an_allocation_makes_one_draft_per_area(officer, areas):
    allocation = make_allocation(officer, areas)

    grants = services.allocation_create_grants(
        allocation=allocation,
        by=officer,
        purpose="Local crime reduction priorities.",
        start_date=D(2025, 4, 1),
        end_date=D(2026, 3, 31),
        award_route="direct",
        direct_award_justification="A grant to each community safety partnership.",
        responsible_officer=officer,
    )

    assert len(grants) == 3
    shares = {s.area_id: s for s in allocation.shares.all()}
    for grant in grants:
        grant = reload(grant)
        share = shares[grant.beneficiary_area_id]
        assert grant.status == GrantStatus.DRAFT
        assert grant.allocation == allocation
        assert grant.recipient == share.area.allocation_recipient
        assert grant.amount == share.amount
        assert grant.title == f"Police and Crime Grant 2025/26: {share.area.name}"
        assert [(c.funding_stream, c.amount) for c in grant.charges.all()] == [
            (allocation.funding_stream, share.amount)
        ]
    assert sum(g.amount for g in grants) == allocation.total
    assert allocation.funding_stream.committed == Decimal("0.00")  # drafts commit nothing


def test_grants_are_made_from_an_allocation_only_once(officer, areas):
    allocation = make_allocation(officer, areas)
    common = {
        "purpose": "Local priorities.",
        "start_date": D(2025, 4, 1),
        "end_date": D(2026, 3, 31),
        "award_route": "open_call",
        "responsible_officer": officer,
    }
    services.allocation_create_grants(allocation=allocation, by=officer, **common)

    with pytest.raises(ValidationError) as excinfo:
        services.allocation_create_grants(allocation=allocation, by=officer, **common)

    assert excinfo.value.messages == ["Draft grants have already been made from this allocation"]
    assert Grant.objects.filter(allocation=allocation).count() == 3


def test_no_grants_are_made_when_an_area_has_no_recipient(officer, areas):
    allocation = make_allocation(officer, [*areas, area("North Somerset", 216728, 16800, False)])

    with pytest.raises(ValidationError) as excinfo:
        services.allocation_create_grants(
            allocation=allocation,
            by=officer,
            purpose="Local priorities.",
            start_date=D(2025, 4, 1),
            end_date=D(2026, 3, 31),
            award_route="open_call",
            responsible_officer=officer,
        )

    assert "North Somerset" in excinfo.value.messages[0]
    assert not Grant.objects.exists()


def test_weights_that_do_not_add_up_to_100_are_refused(officer, areas):
    with pytest.raises(ValidationError) as excinfo:
        services.allocation_create(
            by=officer,
            title="Bad weights",
            total=Decimal("1000.00"),
            areas=areas,
            population_weight=Decimal("60"),
            crime_weight=Decimal("50"),
        )

    assert excinfo.value.messages == ["The population and crime weights must add up to 100%"]
    assert not LocalAllocation.objects.exists()
    assert not AllocationShare.objects.exists()


@pytest.mark.django_db
def test_a_new_grants_reference_never_shows_a_placeholder_in_its_history(officer):
    grant = GrantFactory(responsible_officer=officer)
    services.grant_update(grant=grant, by=officer, title="Renamed grant")

    entries = history_entries(Grant.objects.get(pk=grant.pk))

    assert grant.reference.startswith("GR-2025-")
    changed = [change["label"] for entry in entries for change in entry["changes"]]
    assert changed == ["Title"]
    assert all(record.reference == grant.reference for record in grant.history.all())
