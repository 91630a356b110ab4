"""A member of the public, signed out, in a real browser: they open the funding-awarded
page from the footer, follow its link to the open data and download the 360Giving file,
every page checked with axe-core."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.pages import main
from tests.factories import awarded_grant

pytestmark = pytest.mark.browser


def test_public_visitor_sees_funding_awarded_and_downloads_the_360giving_file(page, check_a11y):
    grant = awarded_grant(title="Domestic abuse outreach")

    page.goto("/accessibility/")
    page.locator("footer").get_by_role("link", name="Funding awarded").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funding awarded")
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    table = main(page).get_by_role("table")
    expect(table.get_by_role("row").filter(has_text="Domestic abuse outreach")).to_contain_text(
        grant.recipient.name
    )
    check_a11y(page)

    main(page).get_by_role("link", name="open data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    expect(main(page)).to_contain_text("1 grant awarded")
    check_a11y(page)

    link = main(page).get_by_role("link", name="/open-data/grants.json")
    with page.expect_response("**/open-data/grants.json") as response_info:
        link.click()
    response = response_info.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    package = json.loads(response.body())
    titles = [record["title"] for record in package["grants"]]
    assert titles == ["Domestic abuse outreach"]
    assert package["grants"][0]["recipientOrganization"][0]["name"] == grant.recipient.name
