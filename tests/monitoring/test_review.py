"""The office's review of a submitted return: accept it, or ask for changes with
comments; the provider is told either way, and a resubmission keeps the earlier
submission. Only the agreement's officers or a manager may decide."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.models import Notification, Role
from monitoring import services
from monitoring.models import (
    MonitoringReturn,
    ReturnStatus,
    ReturnSubmission,
    SubmissionOutcome,
)
from tests.factories import OrganisationFactory, UserFactory
from tests.monitoring.factories import active_grant

pytestmark = pytest.mark.django_db


# --- Helpers (also used by the other office tests) --------------------------------------


def page(response) -> str:
    return html.unescape(response.content.decode())


def text(response) -> str:
    """The main content's words, tags removed and spaces collapsed."""
    match = re.search(r"<main.*</main>", page(response), re.DOTALL)
    body = match.group(0) if match else page(response)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def error_summary(response) -> list[str]:
    match = re.search(r'class="govuk-error-summary".*?</ul>', page(response), re.DOTALL)
    if not match:
        return []
    return [
        re.sub(r"\s+", " ", message).strip()
        for message in re.findall(r"<a href=\"#[^\"]*\">(.*?)</a>", match.group(0), re.DOTALL)
    ]


def login(client, user):
    client.force_login(user)
    return client


def provider_for(organisation, **kwargs):
    return UserFactory(role=Role.PROVIDER, organisation=organisation, **kwargs)


def fill_in(
    monitoring_return: MonitoringReturn,
    by,
    *,
    actual_spend: Decimal | None = None,
    forecast_year_end: Decimal | None = None,
    explanation: str = "",
) -> MonitoringReturn:
    """Complete every section of a grant's or contract's return (finance, narrative,
    evidence; no KPIs or outcome measures), spending the budget unless told otherwise."""
    current = MonitoringReturn.objects.get(pk=monitoring_return.pk)
    budget = current.budget
    current = services.return_save_finance(
        monitoring_return=current,
        by=by,
        version=current.version,
        complete=True,
        budget=budget,
        actual_spend=budget if actual_spend is None else actual_spend,
        forecast_year_end=(current.year_budget if forecast_year_end is None else forecast_year_end),
        underspend_explanation=explanation,
    )
    current = services.return_save_narrative(
        monitoring_return=current,
        by=by,
        version=current.version,
        complete=True,
        went_well="Referrals were seen within two days.",
        challenges="A caseworker post was vacant for a month.",
    )
    return services.return_mark_evidence(
        monitoring_return=current, by=by, version=current.version, complete=True
    )


def submit(monitoring_return: MonitoringReturn, by, **finance) -> MonitoringReturn:
    current = fill_in(monitoring_return, by, **finance)
    return services.return_submit(monitoring_return=current, by=by, version=current.version)


def submitted_return(**grant_kwargs):
    """The first return of an active grant, submitted by the recipient's provider user.
    Returns (return, provider user)."""
    grant = active_grant(**grant_kwargs)
    provider = provider_for(grant.recipient)
    first = grant.return_schedule.returns.order_by("period_start").first()
    return submit(first, provider), provider


def review(client, monitoring_return, **data):
    current = MonitoringReturn.objects.get(pk=monitoring_return.pk)
    data.setdefault("version", current.version)
    data.setdefault("comments", "")
    return client.post(reverse("return-review", args=[monitoring_return.pk]), data)


# --- The round trip ---------------------------------------------------------------------


def test_review_round_trip_keeps_both_submissions_and_tells_the_provider(client):
    monitoring_return, provider = submitted_return()
    grant = monitoring_return.schedule.grant
    officer = grant.responsible_officer
    login(client, officer)

    response = client.get(reverse("return-review", args=[monitoring_return.pk]))
    assert response.status_code == 200
    assert "Review this return" in text(response)

    response = review(
        client,
        monitoring_return,
        decision="changes",
        comments="Please explain the vacancy's effect on waiting times.",
    )
    assert response.status_code == 302
    assert response["Location"] == monitoring_return.get_absolute_url()
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.CHANGES_REQUESTED
    assert monitoring_return.review_comments.startswith("Please explain")
    changes_notice = Notification.objects.get(recipient=provider, key__startswith="return-changes")
    assert "Changes requested" in changes_notice.title
    assert changes_notice.body == "Please explain the vacancy's effect on waiting times."

    # The provider edits the narrative and submits again.
    current = services.return_save_narrative(
        monitoring_return=monitoring_return,
        by=provider,
        version=monitoring_return.version,
        complete=True,
        went_well="Referrals were seen within two days.",
        challenges="The vacancy added a week to waiting times; it is now filled.",
    )
    services.return_submit(monitoring_return=current, by=provider, version=current.version)

    submissions = list(monitoring_return.submissions.order_by("number"))
    assert [s.number for s in submissions] == [1, 2]
    assert submissions[0].outcome == SubmissionOutcome.CHANGES_REQUESTED
    assert submissions[0].comments.startswith("Please explain")
    assert "vacant for a month" in submissions[0].snapshot["narrative"]["challenges"]
    assert "now filled" in submissions[1].snapshot["narrative"]["challenges"]
    assert submissions[1].outcome == SubmissionOutcome.AWAITING

    response = client.get(monitoring_return.get_absolute_url())
    assert "Review this return" in text(response)  # the panel on the return's own page
    assert "this is submission 2" in text(response)

    response = review(client, monitoring_return, decision="accept", comments="Thank you.")
    assert response.status_code == 302
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.ACCEPTED
    assert monitoring_return.reviewed_by == officer
    assert ReturnSubmission.objects.get(monitoring_return=monitoring_return, number=2).outcome == (
        SubmissionOutcome.ACCEPTED
    )
    accepted_notice = Notification.objects.get(recipient=provider, key__startswith="return-acc")
    assert "has been accepted" in accepted_notice.title

    response = client.get(reverse("return-review", args=[monitoring_return.pk]))
    assert "nothing to review" in text(response)
    # Both submissions stay on the return's page, the first with the changes asked for.
    login(client, provider)
    response = client.get(monitoring_return.get_absolute_url())
    words = text(response)
    assert "Submission 1" in words and "Submission 2" in words
    assert "Please explain the vacancy's effect on waiting times." in words
    assert "Review this return" not in words


def test_asking_for_changes_needs_comments_and_keeps_the_choice(client):
    monitoring_return, _ = submitted_return()
    login(client, monitoring_return.schedule.grant.responsible_officer)

    response = review(client, monitoring_return, decision="changes", comments="  ")

    assert response.status_code == 200
    assert error_summary(response) == ["Enter what needs to change"]
    assert re.search(r'value="changes"\s+checked', page(response))
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.SUBMITTED


def test_a_decision_must_be_chosen(client):
    monitoring_return, _ = submitted_return()
    login(client, monitoring_return.schedule.grant.responsible_officer)

    response = review(client, monitoring_return, comments="Looks fine")

    assert error_summary(response) == ["Select whether to accept the return or ask for changes"]
    assert "Looks fine" in page(response)


def test_officer_not_on_the_team_cannot_accept(client):
    monitoring_return, provider = submitted_return()
    outsider = UserFactory(role=Role.OFFICER)
    login(client, outsider)

    response = client.get(reverse("return-review", args=[monitoring_return.pk]))
    assert "Only the agreement's officers or a manager can review this return" in text(response)
    assert 'name="decision"' not in page(response)

    response = review(client, monitoring_return, decision="accept", comments="Fine by me")

    assert response.status_code == 403
    assert error_summary(response) == [
        "Only the agreement's officers or a manager can review this return"
    ]
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.SUBMITTED
    assert not Notification.objects.filter(recipient=provider, key__startswith="return-acc")


def test_workstream_lead_officer_and_any_manager_can_accept(client):
    monitoring_return, _ = submitted_return()
    lead = monitoring_return.schedule.grant.workstream.lead_officer
    assert services.can_review(lead, monitoring_return)

    login(client, UserFactory(role=Role.MANAGER))
    response = review(client, monitoring_return, decision="accept")

    assert response.status_code == 302
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.ACCEPTED


def test_a_stale_review_is_refused_and_keeps_the_comments(client):
    monitoring_return, _ = submitted_return()
    officer = monitoring_return.schedule.grant.responsible_officer
    login(client, officer)
    opened_at = MonitoringReturn.objects.get(pk=monitoring_return.pk).version
    # Someone else reviews and the provider resubmits while this reviewer's page is open.
    services.return_request_changes(
        monitoring_return=monitoring_return, by=officer, comments="Add the figures."
    )
    provider = provider_for(monitoring_return.organisation)
    current = MonitoringReturn.objects.get(pk=monitoring_return.pk)
    services.return_submit(monitoring_return=current, by=provider, version=current.version)

    response = review(
        client,
        monitoring_return,
        decision="changes",
        comments="The spend looks low for the period.",
        version=opened_at,
    )

    assert response.status_code == 200
    assert error_summary(response) == [
        "This return was changed by someone else (or in another tab) after you opened it. "
        "Your changes have not been saved: check the return and make them again."
    ]
    assert "The spend looks low for the period." in page(response)
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.SUBMITTED
    # The form now carries the version the reviewer has seen: sending it again works.
    assert f'name="version" value="{monitoring_return.version}"' in page(response)
    response = review(client, monitoring_return, decision="accept")
    assert response.status_code == 302


def test_viewer_and_provider_cannot_review(client):
    monitoring_return, provider = submitted_return()

    login(client, UserFactory(role=Role.VIEWER))
    assert review(client, monitoring_return, decision="accept").status_code == 403
    login(client, provider)
    assert review(client, monitoring_return, decision="accept").status_code == 404
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.SUBMITTED


def test_the_review_panel_renders_on_its_own_with_the_return_in_context():
    """The return's page includes the panel with the return as `monitoring_return` or
    `object` and no form of its own."""
    from django.template.loader import render_to_string

    monitoring_return, _ = submitted_return()
    for name in ("monitoring_return", "object"):
        rendered = render_to_string(
            "monitoring/review/review_panel.html",
            {name: monitoring_return, "can_review": True},
        )
        assert f'action="{reverse("return-review", args=[monitoring_return.pk])}"' in rendered
        assert f'name="version" value="{monitoring_return.version}"' in rendered
        assert 'value="accept"' in rendered and 'value="changes"' in rendered


# --- The queue --------------------------------------------------------------------------


def queue_rows(response) -> list[str]:
    table = re.search(r'<table[^>]*id="review-queue".*?</table>', page(response), re.DOTALL)
    if not table:
        return []
    rows = re.findall(r"<tbody.*?</tbody>", table.group(0), re.DOTALL)[0]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr.*?</tr>", rows, re.DOTALL)
    ]


def test_review_queue_lists_yours_first_then_oldest(client):
    officer = UserFactory(role=Role.OFFICER, full_name="Quinn Queue")
    others = [submitted_return(recipient=OrganisationFactory(name=f"Other {n}"))[0] for n in (1, 2)]
    mine, _ = submitted_return(
        responsible_officer=officer, recipient=OrganisationFactory(name="Mine Trust")
    )
    # Not awaiting review: a due return and an accepted one.
    accepted, _ = submitted_return(recipient=OrganisationFactory(name="Done Trust"))
    services.return_accept(monitoring_return=accepted, by=UserFactory(role=Role.MANAGER))
    login(client, officer)

    response = client.get(reverse("return-review-queue"))

    assert response.status_code == 200
    rows = queue_rows(response)
    assert len(rows) == 3
    assert "Mine Trust" in rows[0] and "Yours" in rows[0]
    assert "Other 1" in rows[1] and "Other 2" in rows[2]
    assert "Done Trust" not in text(response)

    response = client.get(reverse("return-review-queue"), {"whose": "mine"})
    rows = queue_rows(response)
    assert len(rows) == 1 and "Mine Trust" in rows[0]
    assert all(r.status == ReturnStatus.SUBMITTED for r in others)


def test_review_queue_costs_the_same_for_2_or_20_returns(client):
    officer = UserFactory(role=Role.OFFICER)
    login(client, officer)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("return-review-queue"))
        assert response.status_code == 200
        return len(captured)

    for _ in range(2):
        submitted_return()
    few = count_queries()
    for _ in range(18):
        submitted_return()
    assert len(queue_rows(client.get(reverse("return-review-queue")))) == 20
    assert count_queries() == few
