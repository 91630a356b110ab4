"""The decision framework in a real browser: an officer assesses a proposed workstream
against the six questions and submits it; a manager approves it from the approval queue;
the officer sees the workstream active. Every page is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import choose_radio, main, submit

pytestmark = pytest.mark.browser

QUESTIONS = ["Rationale", "Budget", "Expertise", "Capacity", "Risk", "Impact"]


def test_officer_submits_an_assessment_and_a_manager_approves_it(
    page, open_page, sign_in, check_a11y, officer, manager
):
    sign_in(page, officer)

    # Start an assessment of a new, proposed workstream.
    page.get_by_role("link", name="Decisions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decisions")
    check_a11y(page)
    main(page).get_by_role("button", name="Start an assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start an assessment")
    check_a11y(page)
    page.get_by_label("Title of the decision").fill("Lead the re-commissioning of ISVA services")
    choose_radio(page, "What kind of decision is it?", "New workstream")
    choose_radio(page, "Which workstream is it about?", "A new proposed workstream")
    page.get_by_label("Title of the new workstream").fill("Independent sexual violence advisers")
    page.get_by_label("Portfolio").select_option(label="Victim services")
    choose_radio(page, "Commissioning role being considered", "Lead commissioner")
    page.get_by_label("Lead officer").select_option(label=officer.full_name)
    check_a11y(page)  # the revealed questions too
    submit(page, "Start the assessment")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Lead the re-commissioning of ISVA services"
    )
    expect(page.get_by_text("Answer the six questions, then submit it")).to_be_visible()
    check_a11y(page)

    # Answer the six questions and recommend proceeding.
    for number, heading in enumerate(QUESTIONS, start=1):
        question = page.get_by_role("group", name=f"{number}. {heading}")
        question.get_by_role("group", name="Rating").get_by_label("Met", exact=True).check()
        question.get_by_label("Your answer").fill(f"The {heading.lower()} case is made.")
    choose_radio(page, "What do you recommend?", "Proceed")
    choose_radio(page, "Which commissioning role should the office take?", "Lead commissioner")
    page.get_by_label("Summary of the recommendation").fill(
        "Lead the re-commissioning: the need is clear and the budget is there."
    )
    submit(page, "Save and submit for decision")
    submitted = page.get_by_text(re.compile(r"has been submitted\. The managers have been told"))
    expect(submitted).to_be_visible()
    reference = submitted.inner_text().split()[0]
    expect(main(page)).to_contain_text("Waiting for a manager’s decision")
    check_a11y(page)

    # The manager finds it in the approval queue and approves it.
    managers_page = open_page()
    sign_in(managers_page, manager)
    queue = managers_page.get_by_role("table", name="Assessments waiting for your decision")
    expect(queue).to_contain_text("Lead the re-commissioning of ISVA services")
    queue.get_by_role("link", name=f"Decide {reference}").click()
    expect(managers_page.get_by_role("heading", level=1)).to_have_text(
        "Decide: Lead the re-commissioning of ISVA services"
    )
    check_a11y(managers_page)
    choose_radio(managers_page, "Your decision", "Approve")
    managers_page.get_by_label("Reason for your decision").fill(
        "Meets every question; the office should lead."
    )
    submit(managers_page, "Record the decision")
    expect(managers_page.get_by_text(f"{reference} has been approved")).to_be_visible()
    check_a11y(managers_page)

    # The officer sees the workstream active, in the lead role.
    page.reload()
    expect(main(page)).to_contain_text("Approved")
    check_a11y(page)
    page.get_by_role("link", name="Workstreams", exact=True).click()
    page.get_by_role("link", name="Independent sexual violence advisers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Independent sexual violence advisers"
    )
    expect(page.get_by_text("Lead commissioner · Active")).to_be_visible()
    check_a11y(page)
