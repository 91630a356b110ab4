"""The reports about a financial year, printed: funding awarded and the annual
commissioning report. Each PDF's text carries its headings and the figures its selector
computes, formatted as the portal formats money (£1,234.56)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from commissioning.models import FundingSource, Role
from commissioning.templatetags.portal import money
from decisions.models import AssessmentStatus
from grants.models import Programme
from reports import selectors_pdf
from reports.models import ReportKind
from reports.pdf import REPORTS, render_report
from tests.factories import (
    AreaFactory,
    ContractFactory,
    FundingStreamFactory,
    MilestoneFactory,
    OrganisationFactory,
    submitted_assessment,
)
from tests.reports.factories_jobs import decided, grant_awarded_on, pdf_text
from workstreams.models import MilestoneKind

pytestmark = pytest.mark.django_db

JUNE_2025 = datetime.date(2025, 6, 1)


def _print(kind, year):
    spec = REPORTS[kind]
    from commissioning.dates import FinancialYear

    return render_report(kind, {"year": year}, title=spec.title(FinancialYear(year)))


def test_funding_awarded_pdf_prints_the_selectors_figures():
    vru = Programme.objects.get(code="vru")
    somerset = AreaFactory(name="Somerset")
    grant_awarded_on(
        JUNE_2025, amount=Decimal("12345.67"), recipient=OrganisationFactory(name="Next Link")
    )
    grant_awarded_on(
        JUNE_2025,
        amount=Decimal("8000.00"),
        programme=vru,
        beneficiary_area=somerset,
        recipient=OrganisationFactory(name="Young Somerset"),
    )

    rendered = _print(ReportKind.FUNDING_AWARDED, 2025)
    text = pdf_text(rendered.content)
    figures = selectors_pdf.funding_awarded(2025)

    assert rendered.figures == figures
    assert "Funding awarded in 2025/26" in text
    assert "1 April 2025 to 31 March 2026" in text
    for heading in ("By programme", "By beneficiary area", "By recipient"):
        assert heading in text
    assert f"{money(figures.amount)} awarded in total" in text
    assert money(figures.amount) == "£20,345.67"
    for row in [*figures.by_programme, *figures.by_area, *figures.by_recipient]:
        assert f"{row.label} {row.count} {money(row.amount)} {row.share}%" in text
    assert f"Total {figures.count} {money(figures.amount)} 100%" in text


def test_funding_awarded_pdf_for_a_year_with_no_grants_says_so():
    FundingStreamFactory(financial_year=2024)

    text = pdf_text(_print(ReportKind.FUNDING_AWARDED, 2024).content)

    assert "No grants were awarded in 2024/25." in text


def test_annual_report_pdf_prints_money_decisions_outcomes_and_the_year_ahead(make_user):
    moj = FundingStreamFactory(
        source=FundingSource.MOJ_VICTIMS_GENERAL, amount=Decimal("250000.00")
    )
    opcc = FundingStreamFactory(source=FundingSource.OPCC_BUDGET, amount=Decimal("400000.00"))
    grant_awarded_on(JUNE_2025, funding_stream=moj, amount=Decimal("19999.99"))
    ContractFactory().charges.create(funding_stream=opcc, amount=Decimal("150000.50"))
    manager = make_user(Role.MANAGER)
    decided(
        submitted_assessment(title="Regional hub"),
        outcome=AssessmentStatus.DECLINED,
        by=manager,
        on=datetime.datetime(2025, 10, 1, 12, tzinfo=datetime.UTC),
        reason="It is NHS England's to lead.",
    )
    MilestoneFactory(
        kind=MilestoneKind.CONTRACT_END,
        date=datetime.date(2026, 9, 30),
        title="Advocacy contract ends",
    )

    rendered = _print(ReportKind.ANNUAL_REPORT, 2025)
    text = pdf_text(rendered.content)
    figures = selectors_pdf.annual_report(2025)

    assert "Annual commissioning report 2025/26" in text
    for heading in (
        "The year at a glance",
        "Money by source",
        "Money by commissioning role",
        "Money by area",
        "Money by programme",
        "Outcomes reported",
        "Decisions taken and declined",
        "Forward look: 2026/27",
    ):
        assert heading in text
    assert (
        f"Total {money(figures.budget)} {money(figures.committed)} {money(figures.spent)} "
        f"{money(figures.headroom)}"
    ) in text
    assert money(figures.committed) == "£170,000.49"
    for row in figures.by_source:
        assert (
            f"{row.streams} {money(row.budget)} {money(row.committed)} {money(row.spent)} "
            f"{money(row.headroom)}"
        ) in text
    for row in figures.by_role:
        assert f"{row.label} {money(row.grants)} {money(row.contracts)} {money(row.total)}" in text
    assert (
        f"Total {money(figures.charged_grants)} {money(figures.charged_contracts)} "
        f"{money(figures.charged)}"
    ) in text
    assert "New workstream 0 1 1" in text
    assert "Regional hub" in text and "It is NHS England's to lead." in text
    assert "Advocacy contract ends" in text
    assert "Contract ends 0 1 0 0 1" in text  # July to September


def test_annual_report_pdf_prints_outcomes_reported_in_accepted_returns():
    from monitoring.models import (
        MonitoringReturn,
        OutcomeFramework,
        OutcomeMeasure,
        OutcomeResult,
        ReturnStatus,
    )
    from tests.monitoring.factories import active_grant

    grant = active_grant()
    framework = OutcomeFramework.objects.create(name="Victim services outcomes")
    measure = OutcomeMeasure.objects.create(
        framework=framework, name="Victims supported", unit="people"
    )
    first = grant.return_schedule.returns.order_by("period_start").first()
    OutcomeResult.objects.create(monitoring_return=first, measure=measure, value=Decimal("140"))
    MonitoringReturn.objects.filter(pk=first.pk).update(status=ReturnStatus.ACCEPTED)

    figures = selectors_pdf.annual_report(2025)
    text = pdf_text(_print(ReportKind.ANNUAL_REPORT, 2025).content)

    assert [(row.outcome, row.figure, row.returns) for row in figures.outcomes] == [
        ("Victims supported", Decimal("140.00"), 1)
    ]
    assert "Victim services outcomes Victims supported 1 140 people" in text
    assert f"Due in the year {figures.returns_due}" in text
    assert f"Accepted {figures.returns_accepted}" in text
