"""The procurement and contract rules: evaluation arithmetic, suitability, the award,
the £50k route rule, the £5m KPI rule, meeting cadence, extensions, notices, variations,
headroom, re-commissioning cover and what a provider may see."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commissioning.models import FundingStream
from contracts import services
from contracts.models import (
    Contract,
    ExtensionOption,
    NoticeKind,
    Procurement,
    ProcurementRoute,
    ProcurementStatus,
    SuitabilityCheck,
    SuitabilityGround,
)
from contracts.policies import contract_policy, procurement_policy
from decisions.services import assessment_decide
from tests.factories import (
    BidFactory,
    ContractFactory,
    FundingStreamFactory,
    KPIFactory,
    OrganisationFactory,
    ProcurementFactory,
    UserFactory,
    WorkstreamFactory,
    submitted_assessment,
)
from workstreams.selectors import recommissioning_warnings

pytestmark = pytest.mark.django_db

D = datetime.date
ALL_PASS = dict.fromkeys(SuitabilityGround.values, (True, ""))


def suitable_bid(procurement, officer, name, price, social=None, **fields):
    bid = BidFactory(
        procurement=procurement,
        supplier=OrganisationFactory(name=name),
        price=Decimal(price),
        social_value_score=None if social is None else Decimal(social),
        **fields,
    )
    return services.suitability_record(bid=bid, by=officer, results=ALL_PASS)


def moderate_all(procurement, bid, officer, scores):
    for question, score in zip(procurement.questions.all(), scores, strict=True):
        services.moderate(bid=bid, question=question, by=officer, score=Decimal(score))


def with_questions(procurement, officer, *weights):
    for weight in weights:
        services.question_add(
            procurement=procurement, by=officer, text="How will you reach victims?", weight=weight
        )
    return procurement


@pytest.fixture
def procurement(officer):
    # Quality 60, price 30, social value 10; scores from 0 to 5.
    return with_questions(ProcurementFactory(), officer, Decimal(60), Decimal(40))


def approved_award_decision(manager):
    assessment = submitted_assessment(decision_type="contract_award")
    return assessment_decide(
        assessment=assessment, by=manager, outcome="approved", reason="Better local reach."
    )


# --- Evaluation arithmetic --------------------------------------------------------------


def test_evaluation_scores_each_bid_by_hand_computed_figures(procurement, officer):
    a = suitable_bid(procurement, officer, "Avon Support", "100000", social="4")
    b = suitable_bid(procurement, officer, "Bristol Help", "80000", social="3")
    moderate_all(procurement, a, officer, ["4", "3"])
    moderate_all(procurement, b, officer, ["3", "3"])

    results = {r.bid.supplier.name: r for r in services.evaluation_result(procurement)}

    # A: quality 4/5×60%×60 + 3/5×40%×60 = 28.8 + 14.4; price 80,000 ÷ 100,000 × 30;
    # social value 4/5 × 10.
    a_result = results["Avon Support"]
    assert (a_result.quality, a_result.price, a_result.social_value) == (
        Decimal("43.20"),
        Decimal("24.00"),
        Decimal("8.00"),
    )
    assert a_result.total == Decimal("75.20")
    b_result = results["Bristol Help"]
    assert (b_result.quality, b_result.price, b_result.social_value, b_result.total) == (
        Decimal("36.00"),
        Decimal("30.00"),
        Decimal("6.00"),
        Decimal("72.00"),
    )
    assert (a_result.rank, b_result.rank) == (1, 2)


def test_an_unsuitable_bidder_is_unranked_and_does_not_set_the_lowest_price(procurement, officer):
    a = suitable_bid(procurement, officer, "Avon Support", "100000", social="4")
    b = suitable_bid(procurement, officer, "Bristol Help", "80000", social="3")
    cheap = BidFactory(
        procurement=procurement,
        supplier=OrganisationFactory(name="Cheap Ltd"),
        price=Decimal("40000"),
        social_value_score=Decimal("5"),
    )
    failed = dict(ALL_PASS, misrepresentation=(False, "Misstated its accounts"))
    services.suitability_record(bid=cheap, by=officer, results=failed)
    for bid, scores in ((a, ["4", "3"]), (b, ["3", "3"]), (cheap, ["5", "5"])):
        moderate_all(procurement, bid, officer, scores)

    results = {r.bid.supplier.name: r for r in services.evaluation_result(procurement)}

    assert results["Cheap Ltd"].rank is None
    assert results["Cheap Ltd"].suitable is False
    assert "Misrepresentation: failed" in results["Cheap Ltd"].problems
    # The lowest suitable price is still Bristol Help's £80,000.
    assert results["Bristol Help"].price == Decimal("30.00")
    assert results["Avon Support"].price == Decimal("24.00")
    assert [r.bid.supplier.name for r in services.evaluation_result(procurement)] == [
        "Avon Support",
        "Bristol Help",
        "Cheap Ltd",
    ]


def test_equal_totals_rank_the_lower_price_first(officer):
    procurement = with_questions(ProcurementFactory(), officer, Decimal(100))
    # Dearer: quality 36 + price 100,000/120,000×30 = 25 + social 4.5/5×10 = 9 → 70.
    dearer = suitable_bid(procurement, officer, "Aardvark Care", "120000", social="4.5")
    # Cheaper: quality 36 + price 30 + social 2/5×10 = 4 → 70.
    cheaper = suitable_bid(procurement, officer, "Zebra Care", "100000", social="2")
    moderate_all(procurement, dearer, officer, ["3"])
    moderate_all(procurement, cheaper, officer, ["3"])

    results = services.evaluation_result(procurement)

    assert [r.total for r in results] == [Decimal("70.00"), Decimal("70.00")]
    assert [(r.bid.supplier.name, r.rank) for r in results] == [
        ("Zebra Care", 1),
        ("Aardvark Care", 2),
    ]


def test_equal_totals_and_prices_rank_by_supplier_name(officer):
    procurement = with_questions(ProcurementFactory(), officer, Decimal(100))
    beta = suitable_bid(procurement, officer, "Beta Services", "90000", social="3")
    alpha = suitable_bid(procurement, officer, "Alpha Services", "90000", social="3")
    moderate_all(procurement, beta, officer, ["4"])
    moderate_all(procurement, alpha, officer, ["4"])

    ranks = {r.bid.supplier.name: r.rank for r in services.evaluation_result(procurement)}

    assert ranks == {"Alpha Services": 1, "Beta Services": 2}


def test_moderation_needs_a_reason_only_when_it_differs_from_the_panel_average(
    procurement, officer
):
    bid = suitable_bid(procurement, officer, "Avon Support", "100000", social="4")
    question = procurement.questions.first()
    services.panel_score_record(bid=bid, question=question, panel_member=officer, score=Decimal(3))
    services.panel_score_record(
        bid=bid, question=question, panel_member=UserFactory(), score=Decimal(4)
    )
    assert services.panel_average(bid, question) == Decimal("3.50")

    with pytest.raises(ValidationError) as refused:
        services.moderate(bid=bid, question=question, by=officer, score=Decimal(4))
    assert "3.50" in refused.value.message_dict["reason"][0]
    assert not bid.moderated_scores.exists()

    services.moderate(bid=bid, question=question, by=officer, score=Decimal("3.50"))
    assert bid.moderated_scores.get().score == Decimal("3.50")
    services.moderate(
        bid=bid, question=question, by=officer, score=Decimal(4), reason="Strong local links"
    )
    assert bid.moderated_scores.get().reason == "Strong local links"


def test_a_score_outside_the_scale_is_refused(procurement, officer):
    bid = suitable_bid(procurement, officer, "Avon Support", "100000")
    with pytest.raises(ValidationError) as refused:
        services.panel_score_record(
            bid=bid, question=procurement.questions.first(), panel_member=officer, score=6
        )
    assert refused.value.message_dict["score"] == ["Enter a score from 0 to 5"]
    assert not bid.panel_scores.exists()


# --- Suitability and award --------------------------------------------------------------


def scored_pair(procurement, officer):
    top = suitable_bid(procurement, officer, "Avon Support", "100000", social="4")
    second = suitable_bid(procurement, officer, "Bristol Help", "80000", social="3")
    moderate_all(procurement, top, officer, ["4", "3"])
    moderate_all(procurement, second, officer, ["3", "3"])
    return top, second


def test_award_goes_to_the_top_ranked_bidder(procurement, officer):
    top, _ = scored_pair(procurement, officer)

    services.procurement_award(
        procurement=procurement, bid=top, by=officer, award_date=D(2025, 2, 1)
    )

    procurement.refresh_from_db()
    assert procurement.status == ProcurementStatus.AWARDED
    assert procurement.award_date == D(2025, 2, 1)
    assert procurement.awarded_bid == top


def test_a_bidder_that_failed_a_ground_cannot_be_awarded(procurement, officer):
    top, _ = scored_pair(procurement, officer)
    services.suitability_record(
        bid=top,
        by=officer,
        results={SuitabilityGround.FINANCIAL_STANDING: (False, "Insolvent")},
    )

    with pytest.raises(ValidationError) as refused:
        services.procurement_award(procurement=procurement, bid=top, by=officer)

    assert "Economic and financial standing: failed" in refused.value.message_dict["bid"][0]
    procurement.refresh_from_db()
    assert procurement.status == ProcurementStatus.PLANNING


def test_a_missing_modern_slavery_statement_blocks_the_award(procurement, officer):
    bid = BidFactory(
        procurement=procurement,
        supplier=OrganisationFactory(name="Big Group plc"),
        price=Decimal("90000"),
        social_value_score=Decimal("4"),
        modern_slavery_applies=True,
    )
    SuitabilityCheck.objects.filter(bid=bid).update(passed=True)
    moderate_all(procurement, bid, officer, ["4", "4"])

    with pytest.raises(ValidationError) as refused:
        services.procurement_award(procurement=procurement, bid=bid, by=officer)

    assert "Modern slavery statement: missing" in refused.value.message_dict["bid"][0]


def test_recording_suitability_without_the_statement_where_s54_applies_saves_nothing(
    procurement, officer
):
    bid = BidFactory(procurement=procurement, modern_slavery_applies=True)

    with pytest.raises(ValidationError) as refused:
        services.suitability_record(bid=bid, by=officer, results=ALL_PASS)

    assert "modern_slavery_statement_url" in refused.value.message_dict
    assert not SuitabilityCheck.objects.filter(bid=bid, passed=True).exists()


def test_a_lower_ranked_bidder_needs_an_approved_contract_award_decision(
    procurement, officer, manager
):
    _, second = scored_pair(procurement, officer)

    with pytest.raises(ValidationError) as refused:
        services.procurement_award(procurement=procurement, bid=second, by=officer)
    assert "ranked 2" in refused.value.message_dict["bid"][0]
    assert "Avon Support" in refused.value.message_dict["bid"][0]

    unapproved = submitted_assessment(decision_type="contract_award")
    with pytest.raises(ValidationError):
        services.procurement_award(
            procurement=procurement, bid=second, by=officer, decision=unapproved
        )

    services.procurement_award(
        procurement=procurement, bid=second, by=officer, decision=approved_award_decision(manager)
    )
    procurement.refresh_from_db()
    assert procurement.status == ProcurementStatus.AWARDED


# --- Procurement route and weights ------------------------------------------------------


def route_fields(annual, **fields):
    return {
        "workstream": WorkstreamFactory(),
        "title": "Appropriate adults",
        "route": ProcurementRoute.FRAMEWORK,
        "estimated_annual_value": Decimal(annual),
        "estimated_whole_life_value": Decimal(annual) * 3,
        **fields,
    }


def test_a_framework_route_over_50k_a_year_is_refused_without_an_exception_decision(officer):
    with pytest.raises(ValidationError) as refused:
        services.procurement_create(by=officer, **route_fields("60000"))

    assert "procurement-service route is required" in refused.value.message_dict["route"][0]
    assert not Procurement.objects.exists()


def test_a_framework_route_over_50k_is_allowed_with_an_approved_exception(officer, manager):
    decision = approved_award_decision(manager)

    procurement = services.procurement_create(
        by=officer, **route_fields("60000", exception_decision=decision)
    )

    assert procurement.route == ProcurementRoute.FRAMEWORK


def test_a_framework_route_under_50k_needs_no_exception(officer):
    procurement = services.procurement_create(by=officer, **route_fields("45000"))
    assert Procurement.objects.filter(pk=procurement.pk).exists()


def test_weights_not_totalling_100_are_refused(officer):
    with pytest.raises(ValidationError) as refused:
        services.procurement_create(
            by=officer,
            **route_fields(
                "40000",
                quality_weight=Decimal(60),
                price_weight=Decimal(30),
                social_value_weight=Decimal(20),
            ),
        )

    assert refused.value.message_dict["quality_weight"] == [
        "The quality, price and social value weights add up to 110%: they must add up to 100%"
    ]
    assert not Procurement.objects.exists()


# --- KPIs and go-live -------------------------------------------------------------------


def test_a_contract_over_5m_cannot_go_live_with_fewer_than_three_kpis(officer):
    contract = ContractFactory(whole_life_value=Decimal("6000000"))
    KPIFactory.create_batch(2, contract=contract)

    with pytest.raises(ValidationError) as refused:
        services.contract_go_live(contract=contract, by=officer, went_live_on=D(2025, 4, 1))
    assert "needs at least three KPIs" in refused.value.messages[0]
    assert "it has 2" in refused.value.messages[0]
    contract.refresh_from_db()
    assert contract.went_live_on is None

    KPIFactory(contract=contract)
    services.contract_go_live(contract=contract, by=officer, went_live_on=D(2025, 4, 1))
    contract.refresh_from_db()
    assert contract.went_live_on == D(2025, 4, 1)


def test_a_light_touch_contract_over_5m_goes_live_without_kpis(officer):
    contract = ContractFactory(whole_life_value=Decimal("6000000"), light_touch=True)

    services.contract_go_live(contract=contract, by=officer, went_live_on=D(2025, 4, 1))

    contract.refresh_from_db()
    assert contract.went_live_on == D(2025, 4, 1)


def test_a_contract_under_5m_goes_live_without_kpis(officer):
    contract = ContractFactory(whole_life_value=Decimal("4900000"))
    services.contract_go_live(contract=contract, by=officer, went_live_on=D(2025, 4, 1))
    contract.refresh_from_db()
    assert contract.went_live_on == D(2025, 4, 1)


# --- Meetings ---------------------------------------------------------------------------


def due_dates(contract):
    return list(contract.meetings.values_list("due_date", flat=True))


def test_meetings_are_quarterly_in_the_first_year_then_six_monthly():
    contract = ContractFactory(start_date=D(2025, 4, 1), end_date=D(2028, 3, 31))

    assert due_dates(contract) == [
        D(2025, 7, 1),
        D(2025, 10, 1),
        D(2026, 1, 1),
        D(2026, 4, 1),
        D(2026, 10, 1),
        D(2027, 4, 1),
        D(2027, 10, 1),
    ]


def test_flagging_a_risk_makes_meetings_quarterly_from_today_and_clearing_it_six_monthly(
    officer, monkeypatch
):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 6, 1))
    contract = ContractFactory(start_date=D(2025, 4, 1), end_date=D(2028, 3, 31))
    earlier = [D(2025, 7, 1), D(2025, 10, 1), D(2026, 1, 1), D(2026, 4, 1)]

    services.contract_set_risk(contract=contract, by=officer, flagged=True, note="Staff gaps")
    assert due_dates(contract) == earlier + [
        D(2026, 9, 1),
        D(2026, 12, 1),
        D(2027, 3, 1),
        D(2027, 6, 1),
        D(2027, 9, 1),
        D(2027, 12, 1),
        D(2028, 3, 1),
    ]

    services.contract_set_risk(contract=contract, by=officer, flagged=False)
    assert due_dates(contract) == earlier + [
        D(2026, 9, 1),
        D(2027, 3, 1),
        D(2027, 9, 1),
        D(2028, 3, 1),
    ]


def test_flagging_a_risk_needs_a_description(officer):
    contract = ContractFactory()
    with pytest.raises(ValidationError) as refused:
        services.contract_set_risk(contract=contract, by=officer, flagged=True, note=" ")
    assert refused.value.message_dict["risk_note"] == ["Describe the service risk"]
    contract.refresh_from_db()
    assert contract.risk_flagged is False


# --- Extensions, notices, variations, termination ---------------------------------------


def notice_due(contract, key):
    return contract.notices.get(key=key).due_date


def test_exercising_an_extension_moves_the_end_the_forward_plan_and_the_termination_notice(
    officer, monkeypatch
):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 6, 1))
    contract = ContractFactory(start_date=D(2025, 4, 1), end_date=D(2028, 3, 31))
    option = ExtensionOption.objects.create(contract=contract, months=12)
    assert contract.end_milestone.date == D(2028, 3, 31)

    services.extension_exercise(option=option, by=officer, on=D(2027, 9, 1))

    contract.refresh_from_db()
    assert contract.end_date == D(2029, 3, 31)
    contract.end_milestone.refresh_from_db()
    assert contract.end_milestone.date == D(2029, 3, 31)
    assert notice_due(contract, "termination") == D(2029, 4, 30)
    assert notice_due(contract, "performance-3") == D(2028, 4, 1)
    assert max(due_dates(contract)) == D(2029, 3, 1)
    option.refresh_from_db()
    assert (option.exercised_on, option.new_end_date) == (D(2027, 9, 1), D(2029, 3, 31))


def test_an_extension_cannot_be_exercised_twice(officer):
    contract = ContractFactory(end_date=D(2028, 3, 31))
    option = ExtensionOption.objects.create(contract=contract, months=12)
    services.extension_exercise(option=option, by=officer, on=D(2027, 9, 1))

    with pytest.raises(ValidationError) as refused:
        services.extension_exercise(option=option, by=officer, on=D(2027, 10, 1))

    assert refused.value.messages == ["This extension was exercised on 1 September 2027"]
    contract.refresh_from_db()
    assert contract.end_date == D(2029, 3, 31)


def test_notices_fall_due_30_days_after_start_each_contract_year_and_after_the_end():
    contract = ContractFactory(start_date=D(2025, 4, 1), end_date=D(2028, 3, 31))

    assert {n.key: (n.kind, n.due_date) for n in contract.notices.all()} == {
        "contract-details": (NoticeKind.CONTRACT_DETAILS, D(2025, 5, 1)),
        "performance-1": (NoticeKind.PERFORMANCE, D(2026, 4, 1)),
        "performance-2": (NoticeKind.PERFORMANCE, D(2027, 4, 1)),
        "termination": (NoticeKind.TERMINATION, D(2028, 4, 30)),
    }


def test_the_contract_details_notice_falls_due_30_days_after_the_award(procurement, officer):
    top, _ = scored_pair(procurement, officer)
    services.procurement_award(
        procurement=procurement, bid=top, by=officer, award_date=D(2025, 2, 1)
    )
    procurement.refresh_from_db()

    contract = ContractFactory(procurement=procurement, supplier=top.supplier)

    assert notice_due(contract, "contract-details") == D(2025, 3, 3)


def test_terminating_early_moves_the_termination_notice_and_drops_later_meetings(officer):
    contract = ContractFactory(start_date=D(2025, 4, 1), end_date=D(2028, 3, 31))

    services.contract_terminate(
        contract=contract,
        by=officer,
        terminated_on=D(2027, 1, 15),
        reason="The provider withdrew",
        clause="12.1",
    )

    assert notice_due(contract, "termination") == D(2027, 2, 14)
    assert max(due_dates(contract)) == D(2026, 10, 1)


def test_a_variation_adds_its_value_and_a_change_notice_due_when_it_takes_effect(officer):
    contract = ContractFactory(whole_life_value=Decimal("900000"))

    variation = services.variation_record(
        contract=contract,
        by=officer,
        description="Extra caseworker for rural areas",
        value_effect=Decimal("50000"),
        effective_on=D(2026, 1, 1),
    )

    contract.refresh_from_db()
    assert contract.whole_life_value == Decimal("950000.00")
    notice = contract.notices.get(key=f"change-{variation.pk}")
    assert (notice.kind, notice.due_date) == (NoticeKind.CONTRACT_CHANGE, D(2026, 1, 1))


# --- Headroom, re-commissioning, provider scope -----------------------------------------


def headroom(stream):
    return FundingStream.objects.with_money().get(pk=stream.pk).headroom_total


def test_contract_charges_count_against_headroom_and_an_overcharge_is_refused():
    stream = FundingStreamFactory(amount=Decimal("500000"))
    ContractFactory(charges=[(stream, Decimal("300000"))])
    assert headroom(stream) == Decimal("200000")

    with pytest.raises(ValidationError) as refused:
        ContractFactory(title="Too dear", charges=[(stream, Decimal("250000"))])

    assert "£200,000.00 left" in refused.value.message_dict["charges"][0]
    assert not Contract.objects.filter(title="Too dear").exists()
    assert headroom(stream) == Decimal("200000")


def test_a_procurement_under_way_stops_the_recommissioning_warning():
    today = timezone.localdate()
    contract = ContractFactory(
        start_date=today - datetime.timedelta(days=700),
        end_date=today + datetime.timedelta(days=200),
    )

    def warned():
        return [w.milestone for w in recommissioning_warnings()]

    assert contract.end_milestone in warned()

    ProcurementFactory(workstream=contract.workstream, status=ProcurementStatus.CANCELLED)
    assert contract.end_milestone in warned()

    ProcurementFactory(workstream=contract.workstream)
    assert contract.end_milestone not in warned()


def test_a_provider_sees_only_their_own_contracts_and_no_procurements(provider):
    own = ContractFactory(supplier=provider.organisation)
    ContractFactory()
    ProcurementFactory()

    assert list(contract_policy.visible_to(provider)) == [own]
    assert not procurement_policy.visible_to(provider).exists()


def test_the_procurement_that_let_a_contract_does_not_cover_that_contracts_own_end(
    procurement, officer
):
    """The awarded procurement behind a running contract is not re-commissioning it:
    its end must still warn until a new procurement starts."""
    top, _ = scored_pair(procurement, officer)
    services.procurement_award(procurement=procurement, bid=top, by=officer)
    today = timezone.localdate()
    contract = ContractFactory(
        procurement=procurement,
        workstream=procurement.workstream,
        supplier=top.supplier,
        start_date=today - datetime.timedelta(days=700),
        end_date=today + datetime.timedelta(days=200),
    )

    assert contract.end_milestone in [w.milestone for w in recommissioning_warnings()]
