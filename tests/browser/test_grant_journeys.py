"""A grant from draft to award in a real browser, every page checked with axe-core: the
officer adds it, generates its payment schedule, awards it under an approved decision, and
sees the funding stream's headroom fall by the amount awarded."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commissioning.dates import FinancialYear
from commissioning.models import OrganisationKind, Role
from decisions.models import DecisionType
from decisions.services import assessment_decide
from tests.browser.pages import choose_radio, fill_date, main, submit
from tests.factories import (
    FundingStreamFactory,
    OrganisationFactory,
    UserFactory,
    WorkstreamFactory,
    submitted_assessment,
)
from workstreams.models import CommissioningRole

pytestmark = pytest.mark.browser


def test_officer_adds_schedules_and_awards_a_grant_and_the_headroom_falls(
    page, sign_in, check_a11y, officer, manager
):
    year = FinancialYear.current()
    FundingStreamFactory(
        name="Victims' services fund", financial_year=year.start_year, amount=Decimal("200000.00")
    )
    workstream = WorkstreamFactory(
        title="Hate crime support", role=CommissioningRole.FACILITATING, lead_officer=officer
    )
    OrganisationFactory(name="Safe Haven Trust", kind=OrganisationKind.PROVIDER)
    decision = submitted_assessment(
        title="Fund Safe Haven Trust's hate crime caseworkers",
        decision_type=DecisionType.FUNDING_AWARD,
        workstream=workstream,
        author=UserFactory(role=Role.OFFICER),
    )
    assessment_decide(assessment=decision, by=manager, outcome="approved", reason="Good value.")

    sign_in(page, officer)

    # The funding stream before the grant.
    page.get_by_role("link", name="Funding streams", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Funding streams")
    check_a11y(page)
    main(page).get_by_role("link", name="Victims' services fund").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Victims' services fund")
    expect(page.locator("#money-headroom")).to_have_text("£200,000.00")
    check_a11y(page)

    # Add the grant, charged in full to the stream, with its decision and due diligence.
    page.get_by_role("link", name="Grants", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grants")
    check_a11y(page)
    main(page).get_by_role("button", name="Add a grant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a grant")
    check_a11y(page)
    page.get_by_label("Title").fill("Hate crime caseworkers")
    page.get_by_label("Purpose").fill("Two caseworkers supporting victims of hate crime.")
    page.get_by_label("Workstream").select_option(label="Hate crime support")
    page.get_by_label("Programme").select_option(label="Police and Crime Grant")
    page.get_by_label("Recipient organisation").select_option(label="Safe Haven Trust")
    page.get_by_label("Responsible officer").select_option(label=officer.full_name)
    page.get_by_label("Amount of the grant").fill("30000")
    fill_date(page, "Start date", year.start)
    fill_date(page, "End date", year.end)
    page.get_by_label("Funding stream 1").select_option(
        label=f"Victims' services fund ({year}): £200,000.00 left"
    )
    page.get_by_label("Amount charged").first.fill("30000")
    choose_radio(page, "When is each instalment paid?", "In advance")
    page.get_by_label("Number of instalments").fill("4")
    choose_radio(page, "How often does the recipient report?", "Quarterly")
    choose_radio(page, "How is the grant awarded?", "Open call for applications")
    page.get_by_label("Approving decision").select_option(label=str(decision))
    page.get_by_label("The organisation's registration and status have been checked").check()
    fill_date(page, "Date of the latest accounts seen (optional until award)", timezone.localdate())
    page.get_by_label("The organisation's safeguarding policy has been seen").check()
    choose_radio(page, "Fraud risk rating (optional until award)", "Low")
    submit(page, "Save draft grant")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^GR-\d{4}-\d{4}: Hate crime caseworkers$")
    )
    check_a11y(page)

    # Generate the payment schedule: four quarterly instalments of £7,500.
    submit(page, "Generate the payment schedule")
    expect(page.get_by_text("The payment schedule has been generated")).to_be_visible()
    schedule = main(page).get_by_role("table", name="Payments of this grant, by due date")
    expect(schedule.get_by_role("row").filter(has_text="£7,500.00")).to_have_count(4)
    check_a11y(page)

    # Award it.
    main(page).get_by_role("button", name="Award the grant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Award the grant")
    expect(main(page)).to_contain_text("Everything the award needs is in place")
    check_a11y(page)
    fill_date(page, "Award date", timezone.localdate())
    submit(page, "Award the grant")
    expect(
        page.get_by_text(re.compile(r"has been awarded: £30,000\.00 is now committed"))
    ).to_be_visible()
    expect(main(page)).to_contain_text("Awarded")
    expect(main(page).get_by_role("link", name=re.compile(decision.reference))).to_be_visible()
    check_a11y(page)

    # The funding stream's headroom has fallen by the award.
    page.get_by_role("link", name="Funding streams", exact=True).click()
    main(page).get_by_role("link", name="Victims' services fund").click()
    expect(page.locator("#money-committed")).to_have_text("£30,000.00")
    expect(page.locator("#money-headroom")).to_have_text("£170,000.00")
    check_a11y(page)
