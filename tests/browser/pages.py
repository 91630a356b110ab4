"""Small helpers for driving the portal's GOV.UK pages as a person would: by the labels,
legends and button text they see."""

from __future__ import annotations

import datetime
import re

from playwright.sync_api import Locator, Page, expect


def main(page: Page) -> Locator:
    return page.locator("main")


def choose_radio(page: Page, legend: str, label: str) -> None:
    """Chooses ``label`` in the radios under the fieldset whose legend is ``legend``."""
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label(label, exact=True).check()


def fill_date(page: Page, legend: str, date: datetime.date) -> None:
    """Fills a GOV.UK date input (Day, Month, Year) under the fieldset ``legend``."""
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(date.day))
    group.get_by_label("Month").fill(str(date.month))
    group.get_by_label("Year").fill(str(date.year))


def submit(page: Page, label: str) -> None:
    main(page).get_by_role("button", name=label, exact=True).click()


def check_error_summary(page: Page, messages: list[str]) -> None:
    """The GOV.UK error summary after a form was sent with mistakes: it is shown with
    ``messages`` (in order) and focused, the page title says "(error)", and each message
    links to its field: following the link moves focus there."""
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(page).to_have_title(re.compile(r"\(error\)"))
    links = summary.get_by_role("link")
    expect(links).to_have_text(messages)
    for index in range(len(messages)):
        link = links.nth(index)
        target = link.get_attribute("href").removeprefix("#")
        field = page.locator(f'[id="{target}"]')
        expect(field).to_have_count(1)
        link.click()
        expect(field).to_be_focused()
        # The message is repeated at the field itself.
        message = messages[index]
        expect(page.locator(".govuk-error-message").filter(has_text=message)).not_to_have_count(0)
