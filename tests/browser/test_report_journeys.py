"""An officer asks for a contract's review pack in a real browser, waits on its job page
until it is ready and downloads the PDF; every page is checked with axe-core. The page of
a report being prepared does not reload itself (a meta refresh fails WCAG 2.2.1): the
officer checks again when they choose."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reports.models import ReportJob, ReportStatus
from reports.tasks_jobs import build_report_job
from tests.browser.pages import main
from tests.factories import ContractFactory, KPIFactory, OrganisationFactory
from tests.reports.factories_jobs import ReportJobFactory

pytestmark = pytest.mark.browser


def test_officer_asks_for_a_contract_review_pack_and_downloads_the_pdf(
    page, sign_in, check_a11y, officer
):
    contract = ContractFactory(
        title="Independent domestic violence advisers",
        supplier=OrganisationFactory(name="Harbour Support Services"),
        responsible_officer=officer,
    )
    KPIFactory(contract=contract)

    sign_in(page, officer)
    page.get_by_role("link", name="Contracts", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contracts")
    check_a11y(page)
    main(page).get_by_role("link", name=contract.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Independent domestic violence advisers"
    )
    expect(main(page).get_by_role("heading", name="Contract review packs")).to_be_visible()
    expect(main(page)).to_contain_text("No review pack has been prepared for this contract yet")
    check_a11y(page)

    main(page).get_by_role("button", name="Ask for a contract review pack (PDF)").click()
    # Celery runs eagerly here, so the pack may be ready at once; if not, the officer
    # checks again until it is (waiting on the page's state, never a fixed time).
    expect(page.get_by_role("heading", level=1)).to_contain_text("review pack")
    check_a11y(page)
    ready = page.get_by_role("heading", name="Your report is ready")
    check_again = main(page).get_by_role("button", name="Check whether it is ready")
    expect(ready.or_(check_again)).to_be_visible()
    for _ in range(60):
        if ready.is_visible():
            break
        check_again.click()
        expect(ready.or_(check_again)).to_be_visible()
    expect(ready).to_be_visible()
    expect(main(page)).to_contain_text("Ready")
    check_a11y(page)

    download_button = main(page).get_by_role("button", name=re.compile("^Download the report"))
    with page.expect_download() as download_info:
        download_button.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    job = ReportJob.objects.get()
    assert job.status == ReportStatus.READY
    assert job.requested_by == officer

    # The pack is listed on the contract's page now.
    page.goto(contract.get_absolute_url())
    packs = main(page).get_by_role("table", name=re.compile("Review packs prepared"))
    expect(packs).to_contain_text("Ready")
    check_a11y(page)


def test_a_report_still_being_prepared_says_so_until_the_officer_finds_it_ready(
    page, sign_in, check_a11y, officer
):
    # A pack asked for a moment ago that the worker has not reached yet.
    job = ReportJobFactory(queued=True, requested_by=officer)

    sign_in(page, officer)
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    check_a11y(page)
    main(page).get_by_role("link", name=job.title).click()
    expect(main(page).get_by_role("status")).to_contain_text("This report is being prepared")
    expect(main(page).get_by_role("button", name=re.compile("^Download"))).to_have_count(0)
    check_a11y(page)

    # The page stays as it is (no reload under the officer's feet) until they check.
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)
    check_again = main(page).get_by_role("button", name="Check whether it is ready")
    check_again.click()
    expect(main(page).get_by_role("status")).to_contain_text("This report is being prepared")

    # The worker builds it; checking again shows it ready.
    build_report_job.apply(args=[job.pk])
    check_again.click()
    expect(page.get_by_role("heading", name="Your report is ready")).to_be_visible()
    check_a11y(page)
    with page.expect_download() as download_info:
        main(page).get_by_role("button", name=re.compile("^Download the report")).click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
