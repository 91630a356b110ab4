"""The reports about one record, printed: the decision record, the workstream summary
and the contract review pack. Each PDF's text carries its headings and its selector's
figures."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from commissioning.models import Role
from commissioning.templatetags.portal import money
from contracts.services import contract_go_live, contract_set_risk, meeting_action_add
from decisions.models import AssessmentStatus, Rating
from monitoring.models import MonitoringReturn, ReturnStatus
from monitoring.services import return_save_finance, return_save_kpis
from reports import selectors_pdf
from reports.models import ReportKind
from reports.pdf import REPORTS, render_report
from tests.factories import (
    ContractFactory,
    DecisionAssessmentFactory,
    KPIFactory,
    MilestoneFactory,
    OrganisationFactory,
    WorkstreamFactory,
    WorkstreamPartnerFactory,
    complete_answers,
)
from tests.reports.factories_jobs import decided, grant_awarded_on, pdf_text
from workstreams.models import CommissioningRole

pytestmark = pytest.mark.django_db


def _print(kind, subject):
    spec = REPORTS[kind]
    return render_report(kind, {spec.param: subject.pk}, title=spec.title(subject))


def test_decision_record_pdf_has_the_six_questions_ratings_recommendation_and_outcome(
    make_user,
):
    from decisions.services import assessment_submit

    author = make_user(Role.OFFICER, full_name="Olivia Okafor")
    manager = make_user(Role.MANAGER, full_name="Marcus Bell")
    assessment = DecisionAssessmentFactory(
        author=author, title="Join the national referral hub", amount=Decimal("48250.75")
    )
    complete_answers(assessment, rating=Rating.PARTLY_MET)
    assessment = assessment_submit(assessment=assessment, by=author)
    decided(
        assessment,
        outcome=AssessmentStatus.DECLINED,
        by=manager,
        reason="No capacity before the re-commissioning is done.",
    )

    rendered = _print(ReportKind.DECISION_RECORD, assessment)
    text = pdf_text(rendered.content)
    record = selectors_pdf.decision_record(assessment.pk)

    assert f"Decision record: {assessment.reference} Join the national referral hub" in text
    for heading in (
        "About the decision",
        "Outcome",
        "The six questions",
        "Recommendation",
        "Timeline",
    ):
        assert heading in text
    for answer in record.answers:
        assert f"{answer.number}. {answer.heading} {answer.rating}" in text  # at a glance
        assert answer.narrative in text
    assert "Partly met: 6" in text
    assert f"Amount involved {money(record.amount)}" in text
    assert "£48,250.75" in text
    assert f"Recommendation {record.recommendation}" in text
    assert "Status Declined" in text
    assert "Decided by Marcus Bell" in text
    assert "No capacity before the re-commissioning is done." in text
    assert "Submitted to declined" in text
    assert "Author Olivia Okafor" in text


def test_workstream_summary_pdf_has_the_checklist_partners_and_money():
    workstream = WorkstreamFactory(
        title="Victim services",
        role=CommissioningRole.FACILITATING,
        description="Commissioning support for victims of crime.",
    )
    WorkstreamPartnerFactory(
        workstream=workstream, organisation=OrganisationFactory(name="Bristol City Council")
    )
    MilestoneFactory(workstream=workstream, title="Grants end", date=datetime.date(2026, 3, 31))
    grant_awarded_on(datetime.date(2025, 6, 1), workstream=workstream, amount=Decimal("15000.10"))
    ContractFactory(workstream=workstream, whole_life_value=Decimal("450000.00"))

    text = pdf_text(_print(ReportKind.WORKSTREAM_SUMMARY, workstream).content)
    summary = selectors_pdf.workstream_summary(workstream.pk)

    assert "Workstream summary: Victim services" in text
    for heading in (
        "Overview",
        "Cycle checklist",
        "Partners",
        "Milestones",
        "Decisions",
        "Grants",
        "Contracts",
        "Service-user voice",
    ):
        assert heading in text
    for stage in summary.stages:
        assert f"{stage.stage} {stage.done} {stage.total}" in text
        for item in stage.items:
            assert item.title in text
    assert "Bristol City Council Delivery partner" in text
    assert "31 March 2026 Grants end" in text
    assert f"Grants committed {money(summary.grants_committed)}" in text
    assert "£15,000.10" in text
    assert f"Total whole-life value {money(summary.contracts_whole_life)}" in text


@pytest.fixture
def reviewed_contract(officer):
    contract = ContractFactory(
        title="Adult victim support",
        supplier=OrganisationFactory(name="Safe Haven Trust"),
        whole_life_value=Decimal("363000.00"),
    )
    KPIFactory(contract=contract, name="Contact within two days", target=Decimal("90"))
    contract = contract_go_live(contract=contract, by=officer, went_live_on=contract.start_date)
    contract_set_risk(contract=contract, by=officer, flagged=True, note="Staff shortages inside")
    returns = list(contract.return_schedule.returns.order_by("period_start")[:2])
    for monitoring_return, spend, actual in zip(
        returns,
        (Decimal("29000.25"), Decimal("31500.00")),
        (Decimal("84"), Decimal("95")),
        strict=True,
    ):
        return_save_finance(
            monitoring_return=monitoring_return,
            by=officer,
            version=None,
            complete=False,
            actual_spend=spend,
        )
        return_save_kpis(
            monitoring_return=monitoring_return,
            by=officer,
            version=None,
            complete=False,
            actuals={contract.kpis.get().pk: (actual, "")},
        )
    MonitoringReturn.objects.filter(pk__in=[r.pk for r in returns]).update(
        status=ReturnStatus.ACCEPTED
    )
    meeting_action_add(
        meeting=contract.meetings.order_by("due_date").first(),
        by=officer,
        description="Share the recruitment plan",
        owner="Safe Haven Trust",
        due_date=datetime.date(2030, 1, 31),
    )
    return contract


def test_contract_review_pack_pdf_has_kpis_spend_returns_and_open_actions(reviewed_contract):
    contract = reviewed_contract

    rendered = _print(ReportKind.CONTRACT_REVIEW_PACK, contract)
    text = pdf_text(rendered.content)
    pack = rendered.figures

    assert f"Contract review pack: {contract.reference} Adult victim support" in text
    for heading in (
        "The contract",
        "KPIs against target",
        "Spend against profile",
        "Monitoring returns",
        "Open actions",
        "Contract meetings",
    ):
        assert heading in text
    assert "Supplier Safe Haven Trust" in text
    assert f"Whole-life value {money(pack.whole_life_value)}" in text
    kpi = pack.kpis[0]
    assert f"Contact within two days {kpi.measure} 90 % Higher is better Quarterly" in text
    assert f"{kpi.history[0][0]} 84 % 90 %" in text
    assert f"{kpi.history[1][0]} 95 % 90 %" in text
    assert "Quarterly 95 % On target" in text
    for row in pack.spend:
        if row.actual is not None:
            assert (
                f"{row.period} {money(row.profile)} {money(row.actual)} {money(row.variance)}"
                in text
            )
    assert "£29,000.25" in text
    assert f"Total {money(pack.spend_profile_total)} {money(pack.spend_actual_total)}" in text
    assert pack.spend_actual_total == Decimal("60500.25")
    assert f"{pack.returns[0].period} " in text and "Accepted" in text
    assert "Share the recruitment plan Safe Haven Trust 31 January 2030" in text
    # Shared with the supplier: the office's own risk note is not in it.
    assert "Staff shortages inside" not in text
    assert pack == selectors_pdf.contract_review_pack(contract.pk)


def test_contract_review_pack_pdf_before_any_return_says_so(officer):
    contract = ContractFactory()

    text = pdf_text(_print(ReportKind.CONTRACT_REVIEW_PACK, contract).content)

    assert "No KPIs recorded for this contract." in text
    assert "No spend has been reported against this contract's profile yet." in text.replace(
        "’", "'"
    )
