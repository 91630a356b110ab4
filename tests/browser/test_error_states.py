"""Forms sent empty, in a real browser: the GOV.UK error summary is shown and focused,
each message links to its field (following the link moves focus there), nothing is
saved, and the page in its error state passes axe-core too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from decisions.models import DecisionAssessment
from grants.models import Grant
from tests.browser.pages import check_error_summary, submit
from tests.factories import WorkstreamFactory
from workstreams.models import Milestone, Workstream

pytestmark = pytest.mark.browser


def test_sign_in_sent_empty_shows_the_error_summary(page, check_a11y):
    page.goto("/account/sign-in/")
    check_a11y(page)
    submit(page, "Sign in")
    check_error_summary(page, ["Enter your email address", "Enter your password"])
    check_a11y(page)


def test_officer_forms_sent_empty_show_the_error_summary_and_save_nothing(
    page, sign_in, check_a11y, officer
):
    workstream = WorkstreamFactory(title="Restorative justice", lead_officer=officer)
    sign_in(page, officer)

    # Text inputs, a select and radios.
    page.goto("/workstreams/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a workstream")
    submit(page, "Add workstream")
    check_error_summary(
        page,
        [
            "Enter the workstream's title",
            "Select the portfolio",
            "Select the office's commissioning role",
        ],
    )
    check_a11y(page)

    # A GOV.UK date input.
    page.goto(f"/workstreams/{workstream.pk}/milestones/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a milestone")
    check_a11y(page)
    submit(page, "Add milestone")
    check_error_summary(
        page,
        [
            "Enter the milestone's title",
            "Select the kind of milestone",
            "Enter the date of the milestone",
        ],
    )
    check_a11y(page)

    # Radios that reveal further questions.
    page.goto("/decisions/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Start an assessment")
    check_a11y(page)
    submit(page, "Start the assessment")
    check_error_summary(
        page,
        [
            "Enter the title of the decision",
            "Select what kind of decision it is",
            "Select whether the decision is about an existing workstream or a new one",
        ],
    )
    check_a11y(page)

    # A form with a table of funding-stream charges beneath it.
    page.goto("/grants/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a grant")
    check_a11y(page)
    submit(page, "Save draft grant")
    check_error_summary(
        page,
        [
            "Enter the grant's title",
            "Enter what the grant is for",
            "Select the workstream",
            "Select the programme",
            "Select the recipient organisation",
            "Enter the amount of the grant in pounds",
            "Enter the start date",
            "Enter the end date",
            "Select how the grant is awarded",
            "Charge the grant to at least one funding stream",
        ],
    )
    check_a11y(page)

    assert list(Workstream.objects.values_list("title", flat=True)) == ["Restorative justice"]
    assert not Milestone.objects.exists()
    assert not DecisionAssessment.objects.exists()
    assert not Grant.objects.exists()
