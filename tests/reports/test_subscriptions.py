"""Signing up for opportunity emails: an email address, confirmed by an emailed link
(double opt-in), unsubscribed in one click from any email. Each confirmed subscriber is
emailed once per new opportunity, however often the job runs."""

from __future__ import annotations

import datetime
import re
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports import services_public
from reports.models import OpportunityEmail, Subscriber, SubscriberStatus
from reports.tasks_public import announce_opportunities, send_opportunity_emails
from tests.reports.factories_public import OpportunityFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+")


def _sign_up(client, email, capture):
    with capture(execute=True):
        return client.post(reverse("subscription-create"), {"email": email})


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _link(message, part: str) -> str:
    return _path(next(url for url in LINK.findall(message.body) if part in url))


# --- Signing up ---------------------------------------------------------------------------


def test_signing_up_emails_a_link_that_confirms_the_address(
    client, django_capture_on_commit_callbacks
):
    response = _sign_up(client, "Stakeholder@Example.org ", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("subscription-check-email")
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "stakeholder@example.org"
    assert subscriber.status == SubscriberStatus.PENDING
    assert [m.to for m in mail.outbox] == [["stakeholder@example.org"]]

    page = client.get(_link(mail.outbox[0], "/confirm/"))
    subscriber.refresh_from_db()
    assert page.status_code == 200
    assert "You are signed up" in page.content.decode()
    assert subscriber.status == SubscriberStatus.CONFIRMED
    assert subscriber.confirmed_at is not None


def test_the_answer_is_the_same_whether_or_not_an_address_is_subscribed(
    client, django_capture_on_commit_callbacks
):
    SubscriberFactory(email="known@example.org")
    known = _sign_up(client, "known@example.org", django_capture_on_commit_callbacks)
    unknown = _sign_up(client, "new@example.org", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    check_page = client.get(known["Location"]).content.decode()
    assert "If this address is not already signed up" in check_page
    # The confirmed address is left alone: no email tells anyone it is on the list.
    assert [m.to for m in mail.outbox] == [["new@example.org"]]


def test_a_pending_address_is_not_sent_a_flood_of_confirmations(
    client, django_capture_on_commit_callbacks
):
    for _ in range(3):
        _sign_up(client, "pending@example.org", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    subscriber = Subscriber.objects.get()
    later = subscriber.confirmation_sent_at + datetime.timedelta(minutes=20)
    with django_capture_on_commit_callbacks(execute=True):
        services_public.subscription_request(email="pending@example.org", now=later)
    assert len(mail.outbox) == 2
    assert mail.outbox[0].body == mail.outbox[1].body  # the same link, resent


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address"),
        ("not-an-email", "Enter an email address in the correct format, like name@example.com"),
        (f"{'a' * 250}@example.org", "Email address must be 254 characters or fewer"),
    ],
)
def test_a_bad_address_is_an_error_at_the_field(client, email, message):
    response = client.post(reverse("subscription-create"), {"email": email})
    text = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in text
    assert message in text
    assert 'id="id_email"' in text
    assert not Subscriber.objects.exists()


def test_an_unknown_link_answers_404(client):
    assert client.get(reverse("subscription-confirm", args=["made-up"])).status_code == 404
    assert client.get(reverse("subscription-unsubscribe", args=["made-up"])).status_code == 404


# --- Unsubscribing ------------------------------------------------------------------------


def test_one_click_on_the_emailed_link_unsubscribes(client):
    subscriber = SubscriberFactory()
    response = client.get(subscriber.unsubscribe_url())
    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert "You have unsubscribed" in response.content.decode()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED
    # Opening it again is harmless and says the same.
    assert client.get(subscriber.unsubscribe_url()).status_code == 200


def test_a_mail_programs_one_click_unsubscribe_post_works_without_a_form():
    subscriber = SubscriberFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(subscriber.unsubscribe_url(), {"List-Unsubscribe": "One-Click"})
    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_an_old_confirmation_link_does_not_sign_an_unsubscribed_address_up_again(client):
    subscriber = SubscriberFactory()
    client.get(subscriber.unsubscribe_url())
    response = client.get(subscriber.confirm_url())
    subscriber.refresh_from_db()
    assert response.status_code == 410
    assert "This link no longer works" in response.content.decode()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_signing_up_again_after_unsubscribing_needs_a_new_confirmation(
    client, django_capture_on_commit_callbacks
):
    subscriber = SubscriberFactory(unsubscribed=True)
    old_confirm, old_unsubscribe = subscriber.confirm_url(), subscriber.unsubscribe_url()
    _sign_up(client, subscriber.email, django_capture_on_commit_callbacks)
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING
    assert client.get(old_confirm).status_code == 404
    assert client.get(old_unsubscribe).status_code == 404
    client.get(_link(mail.outbox[0], "/confirm/"))
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED


# --- Emailing new opportunities -----------------------------------------------------------


def test_each_confirmed_subscriber_is_emailed_once_however_often_the_job_runs():
    confirmed = [SubscriberFactory(), SubscriberFactory()]
    SubscriberFactory(pending=True)
    SubscriberFactory(unsubscribed=True)
    opportunity = OpportunityFactory()

    send_opportunity_emails(opportunity.pk)
    send_opportunity_emails(opportunity.pk)
    announce_opportunities()

    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in confirmed)
    assert OpportunityEmail.objects.filter(sent_at__isnull=False).count() == 2


def test_the_email_describes_the_opportunity_and_unsubscribes_in_one_click(client):
    subscriber = SubscriberFactory()
    opportunity = OpportunityFactory(title="Stalking advocacy service")
    send_opportunity_emails(opportunity.pk)

    message = mail.outbox[0]
    assert message.subject == "New opportunity: Stalking advocacy service"
    assert opportunity.how_to_take_part in message.body
    assert opportunity.get_absolute_url() in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert subscriber.unsubscribe_url() in message.extra_headers["List-Unsubscribe"]
    client.get(_link(message, "/unsubscribe/"))
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED

    send_opportunity_emails(OpportunityFactory().pk)
    assert len(mail.outbox) == 1  # nothing more once unsubscribed


def test_the_sweep_sends_what_publication_did_not_and_skips_closed_and_withdrawn():
    SubscriberFactory()
    open_one = OpportunityFactory(title="Still open")
    OpportunityFactory(title="Closed", closing_date=timezone.localdate() - datetime.timedelta(1))
    OpportunityFactory(title="Withdrawn", status="withdrawn")
    OpportunityFactory(title="Draft", draft=True)

    assert announce_opportunities() == 1
    assert announce_opportunities() == 0
    assert [m.subject for m in mail.outbox] == [f"New opportunity: {open_one.title}"]


def test_someone_who_signs_up_later_is_not_sent_older_opportunities():
    opportunity = OpportunityFactory(published_at=timezone.now() - datetime.timedelta(days=3))
    SubscriberFactory(confirmed_at=timezone.now())
    assert send_opportunity_emails(opportunity.pk) == 0
    assert mail.outbox == []


def test_a_failed_send_gives_its_claim_back_so_the_retry_sends_it():
    subscriber = SubscriberFactory()
    opportunity = OpportunityFactory()
    with (
        mock.patch(
            "django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPServerDisconnected
        ),
        pytest.raises(smtplib.SMTPServerDisconnected),
    ):
        services_public.opportunity_email_send(
            opportunity_id=opportunity.pk, subscriber_id=subscriber.pk
        )
    assert not OpportunityEmail.objects.exists()

    assert services_public.opportunity_email_send(
        opportunity_id=opportunity.pk, subscriber_id=subscriber.pk
    )
    assert not services_public.opportunity_email_send(
        opportunity_id=opportunity.pk, subscriber_id=subscriber.pk
    )
    assert len(mail.outbox) == 1


def test_a_send_already_claimed_by_another_worker_is_not_sent_again():
    subscriber = SubscriberFactory()
    opportunity = OpportunityFactory()
    OpportunityEmail.objects.create(opportunity=opportunity, subscriber=subscriber)
    assert not services_public.opportunity_email_send(
        opportunity_id=opportunity.pk, subscriber_id=subscriber.pk
    )
    assert mail.outbox == []


def test_subscribers_addresses_never_appear_on_public_pages(client):
    subscriber = SubscriberFactory(email="private.person@example.org")
    opportunity = OpportunityFactory()
    send_opportunity_emails(opportunity.pk)
    for url in (
        reverse("opportunity-list"),
        opportunity.get_absolute_url(),
        reverse("open-data"),
        reverse("funding-awarded"),
    ):
        assert subscriber.email not in client.get(url).content.decode()
