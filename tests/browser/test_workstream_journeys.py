"""An officer's workstream journeys in a real browser, every page checked with axe-core."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.pages import choose_radio, fill_date, main, submit

pytestmark = pytest.mark.browser


def test_officer_adds_a_lead_workstream_ticks_checklist_items_and_plans_a_milestone(
    page, sign_in, check_a11y, officer
):
    sign_in(page, officer)

    # Add the workstream, in the lead role.
    page.get_by_role("link", name="Workstreams", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workstreams")
    check_a11y(page)
    page.get_by_role("button", name="Add a workstream").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a workstream")
    check_a11y(page)
    page.get_by_label("Title").fill("Independent domestic violence advisers")
    page.get_by_label("Description").fill("Advisers for high-risk victims across the area.")
    page.get_by_label("Portfolio").select_option(label="Victim services")
    choose_radio(page, "Commissioning role", "Lead commissioner")
    choose_radio(page, "Status", "Active")
    choose_radio(page, "Cycle stage", "Understand")
    submit(page, "Add workstream")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Independent domestic violence advisers"
    )
    expect(page.get_by_text("Lead commissioner · Active")).to_be_visible()
    check_a11y(page)

    # Tick two items of the Understand checklist, each with its evidence.
    page.get_by_role("link", name="Cycle checklist", exact=True).click()
    expect(page.get_by_role("heading", name="Cycle checklist")).to_be_visible()
    check_a11y(page)
    understand = main(page).get_by_role("table", name="Understand stage checklist")
    titles = []
    for number, evidence in enumerate(
        [
            {"url": "https://example.org/needs-assessment"},
            {"file": ("stakeholder-map.csv", b"organisation,interest\nSafe Haven Trust,high\n")},
        ]
    ):
        row = understand.get_by_role("row").filter(has=page.get_by_text("To do")).first
        update = row.get_by_role("link", name=re.compile(r"^Update "))
        title = update.inner_text().removeprefix("Update").strip()
        titles.append(title)
        update.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        check_a11y(page)
        choose_radio(page, "Status", "Done")
        page.get_by_label("Note").fill(f"Done in week {number + 1}.")
        if "url" in evidence:
            page.get_by_label("Evidence link").fill(evidence["url"])
        else:
            name, content = evidence["file"]
            page.get_by_label("Evidence document").set_input_files(
                files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
            )
        submit(page, "Save")
        expect(page.get_by_role("heading", name="Cycle checklist")).to_be_visible()
        expect(page.get_by_text(f"“{title}” has been updated")).to_be_visible()
        check_a11y(page)

    first, second = (understand.get_by_role("row").filter(has_text=title) for title in titles)
    for row in (first, second):
        expect(row.get_by_role("cell").nth(1)).to_have_text("Done")
        expect(row.get_by_role("cell").nth(2)).to_contain_text(officer.full_name)
    expect(first.get_by_role("link", name=f"Evidence link for {titles[0]}")).to_have_attribute(
        "href", "https://example.org/needs-assessment"
    )
    expect(second.get_by_role("link", name="stakeholder-map.csv")).to_be_visible()

    # Add a milestone and find it on the forward plan.
    due = timezone.localdate() + datetime.timedelta(days=75)
    page.get_by_role("link", name="Milestones", exact=True).click()
    expect(page.get_by_role("heading", name="Milestones")).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Add a milestone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a milestone")
    check_a11y(page)
    page.get_by_label("Title").fill("New IDVA contract due")
    choose_radio(page, "Kind of milestone", "New contract due")
    fill_date(page, "Date", due)
    submit(page, "Add milestone")
    expect(page.get_by_text(re.compile(r"^New IDVA contract due .*has been added"))).to_be_visible()
    check_a11y(page)

    page.get_by_role("link", name="Forward plan", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forward plan")
    month = main(page).get_by_role("table", name=f"Milestones in {due:%B %Y}")
    row = month.get_by_role("row").filter(has_text="New IDVA contract due")
    expect(row).to_contain_text(f"{due.day} {due:%B %Y}")
    expect(row).to_contain_text("New contract due")
    expect(row.get_by_role("link", name="Independent domestic violence advisers")).to_be_visible()
    expect(row).to_contain_text("Lead commissioner")
    check_a11y(page)
