"""The provider's return journey twice more in a real browser: once with the keyboard
alone (Tab, Shift+Tab, Enter, Space and the arrow keys inside a radio group; at every
stop the focused element shows GOV.UK's yellow focus style), and once with JavaScript
switched off in the browser, where every page must still work."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from monitoring.models import ReturnStatus
from tests.browser.pages import (
    choose_radio,
    choose_radio_by_keyboard,
    focus_state,
    main,
    submit,
    tab_to,
)
from tests.browser.test_provider_journeys import provider_world, real_pdf, task_status
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

DONE, LATER = "Yes", "No, I’ll come back to it later"
COMPLETE = "Have you completed this section?"


def press(page: Page, key: str) -> None:
    """Presses a key on the element that has focus, which must show its focus."""
    state = focus_state(page)
    assert state["focused"] and state["visible"], f"Focus is not visible on {state['element']}"
    page.keyboard.press(key)


def type_into(page: Page, label: str, text: str, *, backwards: bool = False) -> None:
    tab_to(page, page.get_by_label(label, exact=True), backwards=backwards)
    page.keyboard.type(text)


def radio(page: Page, legend: str, label: str):
    return page.get_by_role("group", name=legend, exact=True).get_by_label(label, exact=True)


def test_provider_completes_and_submits_a_return_with_the_keyboard_alone(
    page, check_a11y, officer, tmp_path
):
    provider, _, _, monitoring_return = provider_world(officer)
    period = monitoring_return.period_label
    evidence = real_pdf(tmp_path)

    # Sign in: Tab to each field, type, Enter sends the form.
    page.goto(reverse("login"))
    type_into(page, "Email address", provider.email)
    type_into(page, "Password", DEFAULT_PASSWORD)
    press(page, "Enter")
    expect(page.get_by_text("Signed in as")).to_contain_text(provider.full_name)

    # The return due, from the dashboard's panel.
    tab_to(page, main(page).locator("#returns-due").get_by_role("link", name=period, exact=True))
    press(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{period} return")

    # Finance: "Yes" with nothing filled in, then put right from the error summary.
    tab_to(page, main(page).get_by_role("link", name="Finance", exact=True))
    press(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Finance")
    choose_radio_by_keyboard(page, COMPLETE, DONE)
    tab_to(page, main(page).get_by_role("button", name="Save and continue"))
    press(page, "Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    check_a11y(page)
    tab_to(page, summary.get_by_role("link", name="Enter the actual spend in the period"))
    press(page, "Enter")
    expect(page.get_by_label("Actual spend in the period")).to_be_focused()
    page.keyboard.type("4000.50")
    type_into(page, "Forecast spend for the whole financial year", "19500")
    type_into(page, "Explain any underspend", "A caseworker post was vacant in April.")
    # Back up with Shift+Tab to correct the forecast.
    tab_to(page, page.get_by_label("Forecast spend for the whole financial year"), backwards=True)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("19750")
    tab_to(page, radio(page, COMPLETE, DONE))
    expect(radio(page, COMPLETE, DONE)).to_be_checked()
    tab_to(page, main(page).get_by_role("button", name="Save and continue"))
    press(page, "Enter")
    expect(page.get_by_text("Finance section completed")).to_be_visible()
    expect(task_status(page, "Finance")).to_have_text("Completed")

    # Narrative.
    tab_to(page, main(page).get_by_role("link", name="Narrative", exact=True))
    press(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Narrative")
    type_into(page, "What went well", "Waiting times fell.")
    type_into(page, "Challenges", "Recruiting volunteers.")
    choose_radio_by_keyboard(page, COMPLETE, DONE)
    tab_to(page, main(page).get_by_role("button", name="Save and continue"))
    press(page, "Enter")
    expect(page.get_by_text("Narrative section completed")).to_be_visible()

    # Evidence: the file chooser opened from the keyboard.
    tab_to(page, main(page).get_by_role("link", name="Evidence", exact=True))
    press(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence")
    tab_to(page, page.get_by_label("Upload a file"))
    with page.expect_file_chooser() as chooser:
        press(page, "Space")
    chooser.value.set_files(evidence)
    type_into(page, "Describe the file (optional)", "Quarter 1 invoices")
    tab_to(page, main(page).get_by_role("button", name="Upload file"))
    press(page, "Enter")
    expect(page.get_by_text("invoices.pdf has been uploaded")).to_be_visible()
    choose_radio_by_keyboard(page, "Have you added all your evidence?", DONE)
    tab_to(page, main(page).get_by_role("button", name="Save and continue"))
    press(page, "Enter")
    expect(main(page)).to_contain_text("You have completed 3 of 3 sections.")

    # Check answers, then Shift+Tab up from the foot of the page to "Submit return".
    tab_to(page, main(page).get_by_role("button", name="Check your answers and submit"))
    press(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting the return"
    )
    expect(page.locator("#answer-actual-spend")).to_have_text("£4,000.50")
    tab_to(page, main(page).get_by_role("button", name="Submit return"), backwards=True)
    press(page, "Space")
    expect(page.get_by_text("Return submitted.")).to_be_visible()
    check_a11y(page)

    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.SUBMITTED
    assert monitoring_return.forecast_year_end == 19750
    assert monitoring_return.evidence_files.get().original_name == "invoices.pdf"


def check_a11y_of_copy(page: Page, viewer: Page, check_a11y) -> None:
    """axe-core needs JavaScript (its checks run on timers the page's own scripting
    drives), so a page seen with JavaScript off is checked as a copy: its HTML as it is
    now, scripts removed, served at the same address to a page that can run axe."""
    html = re.sub(r"<script\b.*?</script>", "", page.content(), flags=re.S | re.I)
    url = page.url.split("#", 1)[0]

    def serve(route):
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    viewer.route(url, serve)
    try:
        viewer.goto(url)
    finally:
        viewer.unroute(url, serve)
    expect(viewer.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    check_a11y(viewer)


def test_provider_completes_and_submits_a_return_without_javascript(
    open_page, check_a11y, officer, tmp_path
):
    provider, _, _, monitoring_return = provider_world(officer)
    period = monitoring_return.period_label
    page = open_page(javascript=False)
    viewer = open_page()

    def check(page):
        check_a11y_of_copy(page, viewer, check_a11y)

    page.goto(reverse("login"))
    page.get_by_label("Email address").fill(provider.email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    submit(page, "Sign in")
    expect(page.get_by_text("Signed in as")).to_contain_text(provider.full_name)
    # GOV.UK Frontend's script never ran.
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    check(page)
    main(page).locator("#returns-due").get_by_role("link", name=period, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{period} return")
    check(page)

    # An error state without JavaScript: the summary is there and its links go to the
    # fields (moving focus to them needs GOV.UK Frontend's script).
    main(page).get_by_role("link", name="Finance", exact=True).click()
    choose_radio(page, COMPLETE, DONE)
    submit(page, "Save and continue")
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter the actual spend in the period", "Enter the forecast spend for the financial year"]
    )
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#id_actual_spend")
    check(page)
    page.get_by_label("Actual spend in the period").fill("4000.50")
    choose_radio(page, COMPLETE, LATER)
    submit(page, "Save and continue")
    expect(task_status(page, "Finance")).to_have_text("In progress")

    main(page).get_by_role("link", name="Finance", exact=True).click()
    expect(page.get_by_label("Actual spend in the period")).to_have_value("4000.50")
    page.get_by_label("Forecast spend for the whole financial year").fill("19500")
    page.get_by_label("Explain any underspend").fill("A vacancy in April.")
    choose_radio(page, COMPLETE, DONE)
    submit(page, "Save and continue")
    expect(task_status(page, "Finance")).to_have_text("Completed")

    main(page).get_by_role("link", name="Narrative", exact=True).click()
    page.get_by_label("What went well").fill("Waiting times fell.")
    page.get_by_label("Challenges").fill("Recruiting volunteers.")
    choose_radio(page, COMPLETE, DONE)
    submit(page, "Save and continue")
    expect(task_status(page, "Narrative")).to_have_text("Completed")

    main(page).get_by_role("link", name="Evidence", exact=True).click()
    page.get_by_label("Upload a file").set_input_files(real_pdf(tmp_path))
    submit(page, "Upload file")
    expect(page.get_by_text("invoices.pdf has been uploaded")).to_be_visible()
    check(page)
    choose_radio(page, "Have you added all your evidence?", DONE)
    submit(page, "Save and continue")
    expect(main(page)).to_contain_text("You have completed 3 of 3 sections.")

    main(page).get_by_role("button", name="Check your answers and submit").click()
    expect(page.locator("#answer-actual-spend")).to_have_text("£4,000.50")
    check(page)
    submit(page, "Submit return")
    expect(page.get_by_text("Return submitted.")).to_be_visible()
    # The submission history is a <details>: it opens without JavaScript too.
    history = main(page).locator("#submission-1")
    history.locator("summary").click()
    expect(history.locator(".govuk-details__text")).to_be_visible()
    expect(history).to_contain_text("Actual spend")
    check(page)

    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.SUBMITTED
    assert monitoring_return.actual_spend == Decimal("4000.50")
