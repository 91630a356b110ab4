"""The figures behind the PDF reports (reports/selectors_pdf.py): what each report
counts and totals, and that each costs the same number of queries however much data
there is."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissioning.dates import FinancialYear
from commissioning.models import FundingSource, FundingStream, Role
from contracts.models import MeetingAction
from contracts.services import contract_go_live, meeting_action_add
from decisions.models import AssessmentStatus, DecisionType
from grants.models import Programme
from grants.services import grant_withdraw
from monitoring.models import ReturnStatus
from monitoring.services import return_save_finance, return_save_kpis
from reports import selectors_pdf
from tests.factories import (
    AreaFactory,
    ContractFactory,
    FundingStreamFactory,
    GrantFactory,
    KPIFactory,
    MilestoneFactory,
    OrganisationFactory,
    WorkstreamFactory,
    submitted_assessment,
)
from tests.reports.factories_jobs import decided, grant_awarded_on
from workstreams.models import CommissioningRole, MilestoneKind

pytestmark = pytest.mark.django_db

JUNE_2025 = datetime.date(2025, 6, 1)


def _queries(function, *args) -> int:
    with CaptureQueriesContext(connection) as captured:
        function(*args)
    return len(captured)


# --- Funding awarded --------------------------------------------------------------------


def test_funding_awarded_counts_grants_awarded_in_the_year_by_programme_area_and_recipient():
    small = Programme.objects.get(code="small-grants")
    vru = Programme.objects.get(code="vru")
    bristol = AreaFactory(name="Bristol")
    charity = OrganisationFactory(name="Safe Haven Trust")
    grant_awarded_on(JUNE_2025, programme=small, amount=Decimal("10000.50"), recipient=charity)
    grant_awarded_on(
        datetime.date(2026, 3, 31), programme=small, amount=Decimal("5000.25"), recipient=charity
    )
    grant_awarded_on(JUNE_2025, programme=vru, amount=Decimal("20000.00"), beneficiary_area=bristol)
    # Not counted: awarded the year before, withdrawn, or never awarded.
    grant_awarded_on(datetime.date(2025, 3, 31), programme=vru, amount=Decimal("999.00"))
    withdrawn = grant_awarded_on(JUNE_2025, programme=vru, amount=Decimal("888.00"))
    grant_withdraw(grant=withdrawn, by=withdrawn.responsible_officer, reason="Service closed.")
    GrantFactory(amount=Decimal("777.00"))

    report = selectors_pdf.funding_awarded(2025)

    assert report.year == FinancialYear(2025)
    assert (report.count, report.amount, report.recipients) == (3, Decimal("35000.75"), 2)
    assert [(r.label, r.count, r.amount) for r in report.by_programme] == [
        ("Violence Reduction Unit", 1, Decimal("20000.00")),
        ("Small Grants", 2, Decimal("15000.75")),
    ]
    assert [(r.label, r.amount) for r in report.by_area] == [
        ("Bristol", Decimal("20000.00")),
        (selectors_pdf.WHOLE_AREA, Decimal("15000.75")),
    ]
    assert report.by_recipient[-1] == selectors_pdf.GroupRow(
        "Safe Haven Trust", 2, Decimal("15000.75"), Decimal("42.9")
    )
    assert sum(row.share for row in report.by_programme) == Decimal("100.0")


def test_funding_awarded_in_a_year_with_no_grants_is_empty():
    report = selectors_pdf.funding_awarded(2019)

    assert (report.count, report.amount, report.by_programme) == (0, Decimal("0.00"), [])


def test_report_years_are_the_years_with_streams_or_awards():
    FundingStreamFactory(financial_year=2023)
    grant_awarded_on(JUNE_2025)  # its stream is 2025/26 too

    assert selectors_pdf.report_years() == [2025, 2023]


# --- Annual report ----------------------------------------------------------------------


def test_annual_report_money_by_source_matches_the_funding_streams():
    moj = FundingStreamFactory(source=FundingSource.MOJ_VICTIMS_FORMULA, amount=Decimal("300000"))
    opcc = FundingStreamFactory(source=FundingSource.OPCC_BUDGET, amount=Decimal("200000"))
    FundingStreamFactory(financial_year=2024, amount=Decimal("123456"))  # another year
    grant_awarded_on(JUNE_2025, funding_stream=moj, amount=Decimal("20000.00"))
    contract = ContractFactory(workstream=WorkstreamFactory(role=CommissioningRole.LEAD))
    contract.charges.create(funding_stream=opcc, amount=Decimal("150000.00"))

    report = selectors_pdf.annual_report(2025)

    streams = FundingStream.objects.filter(financial_year=2025).with_money()
    assert report.budget == sum(s.amount for s in streams) == Decimal("500000.00")
    assert report.committed == sum(s.committed for s in streams) == Decimal("170000.00")
    assert report.spent == sum(s.spent for s in streams)
    assert report.headroom == report.budget - report.committed
    by_source = {row.source: row for row in report.by_source}
    assert by_source["Ministry of Justice victims grant (formula)"].committed == Decimal("20000")
    assert by_source["OPCC commissioning budget"].committed == Decimal("150000")

    roles = {row.label: (row.grants, row.contracts) for row in report.by_role}
    assert roles == {
        "Facilitating commissioner": (Decimal("20000.00"), Decimal("0.00")),
        "Lead commissioner": (Decimal("0.00"), Decimal("150000.00")),
    }
    assert report.charged == Decimal("170000.00")
    assert [row.label for row in report.by_programme] == ["Contracts", "Police and Crime Grant"]
    assert [row.label for row in report.by_area] == [selectors_pdf.WHOLE_AREA]
    assert (report.grants_awarded, report.grants_awarded_amount) == (1, Decimal("20000.00"))


def test_annual_report_counts_decisions_taken_and_declined_in_the_year(make_user):
    manager = make_user(Role.MANAGER)
    in_year = datetime.datetime(2025, 9, 1, 10, tzinfo=datetime.UTC)
    approved = submitted_assessment(decision_type=DecisionType.FUNDING_AWARD)
    decided(approved, outcome=AssessmentStatus.APPROVED, by=manager, on=in_year)
    declined = submitted_assessment(title="A hub we cannot staff")
    decided(
        declined,
        outcome=AssessmentStatus.DECLINED,
        by=manager,
        on=in_year,
        reason="No capacity this year.",
    )
    later = submitted_assessment()
    decided(
        later,
        outcome=AssessmentStatus.DECLINED,
        by=manager,
        on=datetime.datetime(2026, 4, 1, 9, tzinfo=datetime.UTC),
    )
    submitted_assessment()  # not decided

    report = selectors_pdf.annual_report(2025)

    assert (report.approved, report.declined) == (1, 1)
    assert [(r.decision_type, r.approved, r.declined) for r in report.decision_counts] == [
        ("New workstream", 0, 1),
        ("Funding award", 1, 0),
    ]
    assert [(r.reference, r.reason) for r in report.declined_list] == [
        (declined.reference, "No capacity this year.")
    ]


def test_annual_report_looks_ahead_to_the_next_year():
    MilestoneFactory(kind=MilestoneKind.CONTRACT_END, date=datetime.date(2026, 9, 30))
    MilestoneFactory(kind=MilestoneKind.REVIEW, date=datetime.date(2026, 5, 1))
    MilestoneFactory(kind=MilestoneKind.CONTRACT_END, date=datetime.date(2027, 4, 1))

    report = selectors_pdf.annual_report(2025)

    assert report.next_year == FinancialYear(2026)
    assert report.forward_by_kind == [("Contract ends", 1), ("Review", 1)]
    assert report.forward_by_quarter == [
        ("Contract ends", [0, 1, 0, 0], 1),
        ("Review", [1, 0, 0, 0], 1),
    ]
    assert [m.date for m in report.forward_endings] == [datetime.date(2026, 9, 30)]
    assert report.forward_endings_total == 1


def test_annual_report_lists_only_the_nearest_endings_and_counts_them_all():
    for day in range(selectors_pdf.FORWARD_LISTED + 3):
        MilestoneFactory(
            kind=MilestoneKind.FUNDING_END, date=datetime.date(2026, 4, 1) + datetime.timedelta(day)
        )

    report = selectors_pdf.annual_report(2025)

    assert len(report.forward_endings) == selectors_pdf.FORWARD_LISTED
    assert report.forward_endings_total == selectors_pdf.FORWARD_LISTED + 3
    assert report.forward_endings[0].date == datetime.date(2026, 4, 1)


def test_annual_report_costs_the_same_queries_with_more_data(make_user):
    grant_awarded_on(JUNE_2025)
    few = _queries(selectors_pdf.annual_report, 2025)
    manager = make_user(Role.MANAGER)
    for _ in range(4):
        grant_awarded_on(JUNE_2025, beneficiary_area=AreaFactory())
        ContractFactory().charges.create(
            funding_stream=FundingStreamFactory(), amount=Decimal("1000")
        )
        decided(submitted_assessment(), outcome=AssessmentStatus.DECLINED, by=manager)
        MilestoneFactory(kind=MilestoneKind.CONTRACT_END, date=datetime.date(2026, 6, 1))

    assert _queries(selectors_pdf.annual_report, 2025) == few


def test_funding_awarded_costs_the_same_queries_with_more_grants():
    grant_awarded_on(JUNE_2025)
    few = _queries(selectors_pdf.funding_awarded, 2025)
    for _ in range(5):
        grant_awarded_on(JUNE_2025, beneficiary_area=AreaFactory())

    assert _queries(selectors_pdf.funding_awarded, 2025) == few


# --- Contract review pack ---------------------------------------------------------------


@pytest.fixture
def live_contract(officer):
    contract = ContractFactory(annual_value=Decimal("120000"), whole_life_value=Decimal("360000"))
    KPIFactory(contract=contract, name="Contact within two days", target=Decimal("90"))
    KPIFactory(
        contract=contract,
        name="Days to first appointment",
        target=Decimal("10"),
        direction="lower",
        unit="days",
    )
    return contract_go_live(contract=contract, by=officer, went_live_on=contract.start_date)


def _report(contract, number, by, *, spend, kpis, status=ReturnStatus.ACCEPTED):
    monitoring_return = contract.return_schedule.returns.order_by("period_start")[number]
    return_save_finance(
        monitoring_return=monitoring_return,
        by=by,
        version=None,
        complete=False,
        actual_spend=spend,
    )
    return_save_kpis(
        monitoring_return=monitoring_return,
        by=by,
        version=None,
        complete=False,
        actuals={
            kpi.pk: (value, "")
            for kpi, value in zip(contract.kpis.order_by("pk"), kpis, strict=True)
        },
    )
    monitoring_return.__class__.objects.filter(pk=monitoring_return.pk).update(status=status)
    return monitoring_return


def test_contract_review_pack_has_kpis_over_time_spend_against_profile_and_returns(
    live_contract, officer
):
    contract = live_contract
    _report(contract, 0, officer, spend=Decimal("25000.00"), kpis=[Decimal("85"), Decimal("12")])
    _report(contract, 1, officer, spend=Decimal("31000.00"), kpis=[Decimal("93"), Decimal("9")])
    meeting = contract.meetings.order_by("due_date").first()
    meeting_action_add(
        meeting=meeting,
        by=officer,
        description="Send the waiting-list plan",
        owner="Supplier",
        due_date=datetime.date(2025, 7, 1),
    )

    pack = selectors_pdf.contract_review_pack(contract.pk, today=datetime.date(2025, 11, 15))

    returns = list(contract.return_schedule.returns.order_by("period_start"))
    contact, days = pack.kpis
    assert contact.actuals == [
        (returns[0].period_label, Decimal("85.00")),
        (returns[1].period_label, Decimal("93.00")),
    ]
    assert (contact.latest, contact.on_target) == (Decimal("93.00"), True)
    assert (days.latest, days.on_target) == (Decimal("9.00"), True)  # lower is better
    profiles = [r.budget for r in returns[:3]]
    assert [(row.profile, row.actual) for row in pack.spend] == [
        (profiles[0], Decimal("25000.00")),
        (profiles[1], Decimal("31000.00")),
        (profiles[2], None),  # Q3 has begun, nothing reported yet
    ]
    assert pack.spend_actual_total == Decimal("56000.00")
    assert pack.spend_profile_total == sum(profiles)
    assert [row.status for row in pack.returns[:3]] == ["Accepted", "Accepted", "Not started"]
    assert [a.description for a in pack.open_actions] == ["Send the waiting-list plan"]
    assert pack.open_actions[0].overdue


def test_contract_review_pack_costs_the_same_queries_with_more_returns_and_actions(
    live_contract, officer
):
    contract = live_contract
    _report(contract, 0, officer, spend=Decimal("1000"), kpis=[Decimal("1"), Decimal("1")])
    few = _queries(selectors_pdf.contract_review_pack, contract.pk)
    for number in (1, 2, 3):
        _report(contract, number, officer, spend=Decimal("1000"), kpis=[Decimal("1")] * 2)
    KPIFactory(contract=contract)
    for meeting in contract.meetings.all()[:3]:
        MeetingAction.objects.create(
            meeting=meeting, description="Act", owner="Us", due_date=meeting.due_date
        )

    assert _queries(selectors_pdf.contract_review_pack, contract.pk) == few


# --- Records and the plan --------------------------------------------------------------


def test_decision_record_has_every_answer_and_the_outcome(make_user):
    manager = make_user(Role.MANAGER, full_name="Marcus Bell")
    assessment = submitted_assessment(amount=Decimal("1234.56"))
    decided(assessment, outcome=AssessmentStatus.APPROVED, by=manager, reason="Good value.")

    record = selectors_pdf.decision_record(assessment.pk)

    assert [a.number for a in record.answers] == [1, 2, 3, 4, 5, 6]
    assert {a.rating for a in record.answers} == {"Met"}
    assert record.rating_counts == [("Met", 6), ("Partly met", 0), ("Not met", 0)]
    assert record.recommendation == "Proceed as lead commissioner"
    assert (record.status, record.decided_by, record.decision_reason) == (
        "Approved",
        "Marcus Bell",
        "Good value.",
    )
    assert record.amount == Decimal("1234.56")
    assert [e.what for e in record.events][-1] == "Submitted to approved"


def test_workstream_summary_counts_the_checklist_and_totals_the_money():
    workstream = WorkstreamFactory(role=CommissioningRole.FACILITATING)
    grant_awarded_on(JUNE_2025, workstream=workstream, amount=Decimal("12000.00"))
    GrantFactory(workstream=workstream, amount=Decimal("5000.00"))  # a draft: not committed
    ContractFactory(workstream=workstream, whole_life_value=Decimal("90000.00"))

    summary = selectors_pdf.workstream_summary(workstream.pk)

    items = workstream.checklist_items.all()
    assert sum(stage.total for stage in summary.stages) == items.count()
    assert [stage.stage for stage in summary.stages] == ["Understand", "Plan", "Do", "Review"]
    assert summary.stages[0].current
    assert summary.grants_committed == Decimal("12000.00")
    assert len(summary.grants) == 2
    assert summary.contracts_whole_life == Decimal("90000.00")


def test_forward_plan_groups_the_next_24_months_by_month():
    today = datetime.date(2025, 11, 15)
    MilestoneFactory(date=datetime.date(2025, 11, 1), title="Start of the month")
    MilestoneFactory(date=datetime.date(2027, 10, 31), title="Last day", kind="contract_end")
    MilestoneFactory(date=datetime.date(2025, 10, 31), title="Before")
    MilestoneFactory(date=datetime.date(2027, 11, 1), title="After")

    plan = selectors_pdf.forward_plan(today)

    assert (plan.start, plan.end) == (datetime.date(2025, 11, 1), datetime.date(2027, 10, 31))
    assert [m.title for month in plan.months for m in month.milestones] == [
        "Start of the month",
        "Last day",
    ]
    assert plan.total == 2
    assert plan.by_kind == [("Contract ends", 1), ("Review", 1)]
    assert len(plan.month_starts) == 24
    assert [sum(counts) for _label, counts in plan.kind_series] == [1, 1]
