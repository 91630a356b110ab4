"""Commissioning opportunities: officers draft, publish and withdraw them; the public
sees the published ones (open, or on the closed list) and never a draft."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from reports.models import Opportunity, OpportunityStatus
from tests.reports.factories_public import OpportunityFactory, SubscriberFactory

pytestmark = pytest.mark.django_db


def _date_fields(name: str, day: datetime.date) -> dict:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def _form(**overrides) -> dict:
    closing = timezone.localdate() + datetime.timedelta(days=21)
    data = {
        "title": "Domestic abuse perpetrator programme",
        "summary": "A programme for people who harm, to make families safer.",
        "estimated_value": "£180,000",
        "how_to_take_part": "Register interest at https://procurement.example.org/123",
        **_date_fields("closing_date", closing),
    }
    data.update(overrides)
    return data


def test_an_officer_drafts_an_opportunity_that_the_public_cannot_see(officer_client, client):
    response = officer_client.post(reverse("opportunity-create"), _form())
    opportunity = Opportunity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == opportunity.get_manage_url()
    assert opportunity.status == OpportunityStatus.DRAFT
    assert str(opportunity.estimated_value) == "180000.00"
    assert opportunity.title not in client.get(reverse("opportunity-list")).content.decode()
    assert client.get(opportunity.get_absolute_url()).status_code == 404


def test_the_form_reports_each_mistake_at_its_field(officer_client):
    response = officer_client.post(
        reverse("opportunity-create"),
        _form(title="", estimated_value="lots", closing_date_0="31", closing_date_1="2"),
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in text
    assert "Enter the opportunity&#x27;s title" in text
    assert "Enter the estimated value in pounds, like 12500 or 12500.50" in text
    assert "The closing date must be a real date" in text
    assert not Opportunity.objects.exists()


def test_publishing_lists_it_publicly_and_emails_confirmed_subscribers_once(
    officer_client, client, django_capture_on_commit_callbacks
):
    confirmed = SubscriberFactory()
    SubscriberFactory(pending=True)
    SubscriberFactory(unsubscribed=True)
    opportunity = OpportunityFactory(draft=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(reverse("opportunity-publish", args=[opportunity.pk]))

    opportunity.refresh_from_db()
    assert response.status_code == 302
    assert opportunity.status == OpportunityStatus.PUBLISHED
    assert opportunity.published_at is not None
    assert [m.to for m in mail.outbox] == [[confirmed.email]]
    assert opportunity.title in mail.outbox[0].subject
    listing = client.get(reverse("opportunity-list")).content.decode()
    assert opportunity.title in listing
    assert client.get(opportunity.get_absolute_url()).status_code == 200


def test_an_opportunity_past_its_closing_date_cannot_be_published(officer_client):
    opportunity = OpportunityFactory(
        draft=True, closing_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = officer_client.get(reverse("opportunity-publish", args=[opportunity.pk]))
    assert "Its closing date has passed" in page.content.decode()

    response = officer_client.post(reverse("opportunity-publish", args=[opportunity.pk]))
    assert response.status_code == 200
    assert "The closing date has passed" in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.DRAFT


def test_closed_opportunities_move_to_the_closed_list(client):
    today = timezone.localdate()
    open_one = OpportunityFactory(title="Open for bids", closing_date=today)
    closed = OpportunityFactory(
        title="Closed last week", closing_date=today - datetime.timedelta(7)
    )
    OpportunityFactory(title="A draft", draft=True)

    listing = client.get(reverse("opportunity-list")).content.decode()
    closed_listing = client.get(reverse("opportunity-closed-list")).content.decode()

    assert open_one.title in listing and closed.title not in listing
    assert closed.title in closed_listing and open_one.title not in closed_listing
    assert "A draft" not in listing + closed_listing
    page = client.get(closed.get_absolute_url()).content.decode()
    assert "This opportunity closed on" in page


def test_a_withdrawn_opportunity_is_unlisted_and_its_page_says_why(officer_client, client):
    opportunity = OpportunityFactory()
    response = officer_client.post(
        reverse("opportunity-withdraw", args=[opportunity.pk]),
        {"withdrawn_reason": "The service will be co-commissioned by the council instead."},
    )
    assert response.status_code == 302
    assert opportunity.title not in client.get(reverse("opportunity-list")).content.decode()
    page = client.get(opportunity.get_absolute_url()).content.decode()
    assert "This opportunity was withdrawn" in page
    assert "co-commissioned by the council" in page
    assert "How to take part" not in page


def test_withdrawing_needs_a_reason(officer_client):
    opportunity = OpportunityFactory()
    response = officer_client.post(
        reverse("opportunity-withdraw", args=[opportunity.pk]), {"withdrawn_reason": " "}
    )
    assert "Enter why the opportunity is withdrawn" in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.PUBLISHED


def test_editing_a_published_opportunity_emails_nobody_again(
    officer_client, django_capture_on_commit_callbacks
):
    SubscriberFactory()
    opportunity = OpportunityFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("opportunity-edit", args=[opportunity.pk]),
            _form(title="Corrected title"),
        )
    opportunity.refresh_from_db()
    assert response.status_code == 302
    assert opportunity.title == "Corrected title"
    assert mail.outbox == []


def test_an_unknown_opportunity_answers_404(client, officer_client):
    assert client.get(reverse("opportunity-detail", args=[987654])).status_code == 404
    assert (
        officer_client.get(reverse("opportunity-manage-detail", args=[987654])).status_code == 404
    )


def test_the_public_page_shows_what_a_bidder_needs(client):
    opportunity = OpportunityFactory(estimated_value=None)
    text = client.get(opportunity.get_absolute_url()).content.decode()
    assert "Not yet known" in text
    assert "How to take part" in text
    assert opportunity.how_to_take_part in text
    assert reverse("subscription-create") in text


def test_only_editors_manage_opportunities(viewer_client, provider_client):
    opportunity = OpportunityFactory(draft=True)
    assert viewer_client.get(reverse("opportunity-manage")).status_code == 403
    assert viewer_client.post(reverse("opportunity-create"), _form()).status_code == 403
    assert provider_client.get(opportunity.get_manage_url()).status_code == 404


def test_the_staff_list_shows_drafts_and_how_many_were_emailed(officer_client):
    OpportunityFactory(title="Draft for next month", draft=True)
    text = officer_client.get(reverse("opportunity-manage")).content.decode()
    assert "Draft for next month" in text
    assert "Draft" in text


def test_administrators_read_opportunities_subscribers_and_sends_in_the_admin(
    admin_client_user,
):
    opportunity = OpportunityFactory()
    SubscriberFactory()
    for name in ("opportunity", "subscriber", "opportunityemail"):
        response = admin_client_user.get(reverse(f"admin:reports_{name}_changelist"))
        assert response.status_code == 200, name
    assert (
        admin_client_user.get(
            reverse("admin:reports_opportunity_change", args=[opportunity.pk])
        ).status_code
        == 200
    )
