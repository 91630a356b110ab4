"""A provider's monitoring return in a real browser, every page checked with axe-core:
they see it due, fill it in over two visits (signing out between; the draft is kept),
upload an evidence file, check their answers and submit. Another provider cannot open
it. The officer asks for changes on the return's page, the provider resubmits, and the
officer accepts it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from commissioning.models import Role
from monitoring.models import ReturnStatus
from tests.browser.pages import check_error_summary, choose_radio, main, submit
from tests.factories import OrganisationFactory, UserFactory
from tests.monitoring.factories import active_grant

pytestmark = pytest.mark.browser

DONE, LATER = "Yes", "No, I’ll come back to it later"
COMPLETE = "Have you completed this section?"


def real_pdf(folder: Path, name: str = "invoices.pdf") -> Path:
    """A small, well-formed one-page PDF (with a correct cross-reference table)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        None,  # the page's content stream, below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    text = b"BT /F1 18 Tf 72 760 Td (Quarter 1 invoices) Tj ET"
    objects[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text)
    body = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path = folder / name
    path.write_bytes(bytes(body))
    return path


def provider_world(officer):
    """A provider with an active grant (its quarterly returns), and a second provider."""
    provider = UserFactory(
        role=Role.PROVIDER,
        full_name="Pat Provider",
        organisation=OrganisationFactory(name="Safe Haven Trust"),
    )
    other = UserFactory(
        role=Role.PROVIDER,
        full_name="Olu Other",
        organisation=OrganisationFactory(name="Brightside Advice"),
    )
    grant = active_grant(
        title="Hate crime caseworkers",
        recipient=provider.organisation,
        responsible_officer=officer,
    )
    monitoring_return = grant.return_schedule.returns.order_by("due_date").first()
    return provider, other, grant, monitoring_return


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("Signed in as")).to_have_count(0)


def open_task(page: Page, label: str, check_a11y) -> None:
    main(page).get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(label)
    check_a11y(page)


def task_status(page: Page, label: str):
    item = (
        main(page)
        .locator(".govuk-task-list__item")
        .filter(has=page.get_by_role("link", name=label, exact=True))
    )
    return item.locator(".govuk-task-list__status")


def test_provider_completes_submits_and_resubmits_a_return_the_officer_accepts(
    page, open_page, sign_in, check_a11y, officer, tmp_path
):
    provider, other, grant, monitoring_return = provider_world(officer)
    period = monitoring_return.period_label
    evidence = real_pdf(tmp_path)

    # --- First visit: the return is due; finance is started and kept as a draft.
    sign_in(page, provider)
    panel = main(page).locator("#returns-due")
    expect(panel.get_by_role("row").filter(has_text=period)).to_contain_text(grant.reference)
    page.get_by_role("link", name="Returns", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisation’s returns")
    expect(main(page).get_by_role("table")).to_contain_text("Overdue")
    check_a11y(page)
    main(page).get_by_role("table").get_by_role("link", name=period, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{period} return")
    expect(main(page)).to_contain_text("You have completed 0 of 3 sections.")
    check_a11y(page)

    open_task(page, "Finance", check_a11y)
    # "Yes" with the figures missing: the error summary, focused, links to each field.
    choose_radio(page, COMPLETE, DONE)
    submit(page, "Save and continue")
    check_error_summary(
        page,
        ["Enter the actual spend in the period", "Enter the forecast spend for the financial year"],
    )
    check_a11y(page)
    page.get_by_label("Actual spend in the period").fill("£4,000.50")
    choose_radio(page, COMPLETE, LATER)
    submit(page, "Save and continue")
    saved = page.get_by_text("Finance section saved. You can come back to it later.")
    expect(saved).to_be_visible()
    expect(task_status(page, "Finance")).to_have_text("In progress")
    check_a11y(page)
    sign_out(page)

    # --- Second visit: the draft is still there; every section is completed.
    sign_in(page, provider)
    main(page).locator("#returns-due").get_by_role("link", name=period, exact=True).click()
    expect(task_status(page, "Finance")).to_have_text("In progress")
    open_task(page, "Finance", check_a11y)
    expect(page.get_by_label("Actual spend in the period")).to_have_value("4000.50")
    page.get_by_label("Forecast spend for the whole financial year").fill("19500")
    page.get_by_label("Explain any underspend").fill("A caseworker post was vacant in April.")
    choose_radio(page, COMPLETE, DONE)
    submit(page, "Save and continue")
    expect(page.get_by_text("Finance section completed")).to_be_visible()
    expect(task_status(page, "Finance")).to_have_text("Completed")

    open_task(page, "Narrative", check_a11y)
    page.get_by_label("What went well").fill("Waiting times for a first meeting fell.")
    page.get_by_label("Challenges").fill("Recruiting volunteers.")
    choose_radio(page, COMPLETE, DONE)
    submit(page, "Save and continue")
    expect(page.get_by_text("Narrative section completed")).to_be_visible()

    open_task(page, "Evidence", check_a11y)
    page.get_by_label("Upload a file").set_input_files(evidence)
    page.get_by_label("Describe the file (optional)").fill("Quarter 1 invoices")
    submit(page, "Upload file")
    expect(page.get_by_text("invoices.pdf has been uploaded")).to_be_visible()
    expect(main(page).locator("#evidence-files")).to_contain_text("Quarter 1 invoices")
    check_a11y(page)
    choose_radio(page, "Have you added all your evidence?", DONE)
    submit(page, "Save and continue")
    expect(page.get_by_text("Evidence section completed")).to_be_visible()
    expect(main(page)).to_contain_text("You have completed 3 of 3 sections.")
    check_a11y(page)

    main(page).get_by_role("button", name="Check your answers and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting the return"
    )
    expect(page.locator("#answer-actual-spend")).to_have_text("£4,000.50")
    expect(main(page)).to_contain_text("invoices.pdf")
    check_a11y(page)
    submit(page, "Submit return")
    expect(page.get_by_text("Return submitted.")).to_be_visible()
    expect(page.locator("#return-status")).to_contain_text("Submitted")
    check_a11y(page)
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.SUBMITTED
    assert monitoring_return.submitted_by == provider
    assert monitoring_return.evidence_files.get().file.read(5) == b"%PDF-"
    return_url = page.url

    # --- Another provider cannot open it: the portal's "Page not found".
    stranger = open_page()
    sign_in(stranger, other)
    response = stranger.goto(return_url)
    assert response.status == 404
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(stranger.get_by_text(grant.title)).to_have_count(0)
    check_a11y(stranger)

    # --- The officer asks for changes on the return's page.
    office = open_page()
    sign_in(office, officer)
    office.get_by_role("link", name="Returns", exact=True).click()
    main(office).get_by_role("link", name="Returns waiting for review").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Returns to review")
    check_a11y(office)
    main(office).get_by_role("table").get_by_role("link", name=period, exact=True).click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"{period} return")
    review = main(office).get_by_role("region", name="Review this return")
    expect(review).to_be_visible()
    check_a11y(office)
    choose_radio(office, "Your decision", "Ask for changes")
    review.get_by_label("Comments").fill("Attach the payroll report for April.")
    submit(office, "Send decision")
    expect(office.get_by_text("Changes have been asked for and the provider told")).to_be_visible()
    expect(review).to_have_count(0)
    expect(main(office).locator("#submission-1")).to_contain_text("changes requested")
    check_a11y(office)
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.CHANGES_REQUESTED

    # --- The provider changes the finance figures and submits again.
    page.reload()
    banner = main(page).get_by_role("region", name="Changes requested")
    expect(banner).to_contain_text("Attach the payroll report for April.")
    check_a11y(page)
    open_task(page, "Finance", check_a11y)
    page.get_by_label("Actual spend in the period").fill("4900")
    choose_radio(page, COMPLETE, DONE)
    submit(page, "Save and continue")
    expect(page.get_by_text("Finance section completed")).to_be_visible()
    main(page).get_by_role("button", name="Check your answers and submit").click()
    expect(page.locator("#answer-actual-spend")).to_have_text("£4,900.00")
    submit(page, "Submit return")
    expect(page.get_by_text("Return submitted.")).to_be_visible()
    expect(main(page).locator("#submission-2")).to_be_visible()
    check_a11y(page)

    # --- The officer accepts it.
    office.reload()
    expect(main(office).locator("#submission-2")).to_be_visible()
    choose_radio(office, "Your decision", "Accept the return")
    submit(office, "Send decision")
    expect(office.get_by_text("The return has been accepted and the provider told")).to_be_visible()
    expect(office.locator("#return-status")).to_contain_text("Accepted")
    check_a11y(office)
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.ACCEPTED
    assert monitoring_return.actual_spend == 4900
    assert monitoring_return.submissions.count() == 2

    # The provider sees it accepted.
    page.reload()
    expect(page.locator("#return-status")).to_contain_text("Accepted")
    expect(main(page)).to_contain_text("The return as submitted")
    check_a11y(page)


__all__ = ["provider_world", "real_pdf", "sign_out", "task_status"]
