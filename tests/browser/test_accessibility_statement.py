"""The accessibility statement: reached from every page's footer, signed in or not, in the
shape of GOV.UK's model statement, and itself accessible."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.pages import main

pytestmark = pytest.mark.browser

SECTIONS = [
    "How accessible this portal is",
    "Feedback and contact information",
    "Reporting accessibility problems with this portal",
    "Enforcement procedure",
    "Technical information about this portal’s accessibility",
    "Compliance status",
    "Non-accessible content",
    "How we tested this portal",
    "What we’re doing to improve accessibility",
    "Preparation of this accessibility statement",
]


def test_anyone_finds_the_accessibility_statement_in_the_footer(page, check_a11y):
    page.goto("/account/sign-in/")
    page.locator("footer").get_by_role("link", name="Accessibility statement").click()
    expect(page).to_have_url(re.compile(r"/accessibility/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Accessibility statement for {settings.SERVICE_NAME}"
    )
    for section in SECTIONS:
        expect(main(page).get_by_role("heading", name=section, exact=True)).to_be_visible()
    statement = main(page)
    expect(statement).to_contain_text(settings.OFFICE_NAME)
    expect(statement).to_contain_text("partially compliant with the Web Content Accessibility")
    expect(statement).to_contain_text("version 2.2 AA standard")
    expect(statement).to_contain_text("Equality and Human Rights Commission (EHRC)")
    expect(
        statement.get_by_role("link", name="contact the Equality Advisory and Support Service")
    ).to_be_visible()
    expect(statement).to_contain_text("axe-core")
    expect(statement).to_contain_text("using only a keyboard")
    expect(statement).to_contain_text("with JavaScript switched off")
    expect(statement).to_contain_text("This statement was prepared on")
    contact = statement.get_by_role("link", name=settings.OFFICE_CONTACT_EMAIL).first
    expect(contact).to_have_attribute("href", f"mailto:{settings.OFFICE_CONTACT_EMAIL}")
    check_a11y(page)


def test_signed_in_staff_reach_the_statement_from_the_footer_too(page, sign_in, officer):
    sign_in(page, officer)
    page.locator("footer").get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accessibility statement")
    expect(page.get_by_text(f"Signed in as {officer.full_name}")).to_be_visible()
