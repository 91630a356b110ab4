"""Notifications: one per person per event, shown in the portal and emailed once, only
after the change that caused it has been saved."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Notification, Role
from commissioning.notifications import email_notification, notify
from commissioning.tasks import send_notification_email

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def announce(recipients, key="grant-awarded:1", **kwargs):
    kwargs.setdefault("title", "Grant awarded")
    kwargs.setdefault("body", "The grant to Safe Haven Trust was awarded.")
    kwargs.setdefault("url", "/grants/1/")
    return notify(recipients=recipients, key=key, **kwargs)


# --- notify() ------------------------------------------------------------------------------


def test_announcing_the_same_event_twice_notifies_each_person_once(
    officer, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = announce([officer, manager])
    with django_capture_on_commit_callbacks(execute=True):
        second = announce([officer, manager, officer])

    assert len(first) == 2
    assert second == []
    assert Notification.objects.filter(key="grant-awarded:1").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([officer.email, manager.email])


def test_the_same_person_named_twice_in_one_announcement_gets_one(
    officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        announce([officer, officer])

    assert officer.notifications.count() == 1
    assert len(mail.outbox) == 1


def test_a_different_event_is_a_new_notification(officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        announce([officer], key="grant-awarded:1")
        announce([officer], key="grant-awarded:2")

    assert officer.notifications.count() == 2
    assert len(mail.outbox) == 2


def test_inactive_users_get_nothing(make_user, officer, django_capture_on_commit_callbacks):
    gone = make_user(Role.MANAGER, is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        created = announce([gone, officer])

    assert [n.recipient for n in created] == [officer]
    assert not gone.notifications.exists()
    assert [m.to for m in mail.outbox] == [[officer.email]]


def test_the_email_goes_only_once_the_transaction_commits(
    officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        announce([officer])

        assert officer.notifications.count() == 1
        assert mail.outbox == []

    assert len(callbacks) == 1
    assert mail.outbox == []

    callbacks[0]()

    assert len(mail.outbox) == 1
    assert officer.notifications.get().emailed_at is not None


def test_the_email_carries_the_title_the_body_and_a_full_link(
    officer, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://commissioning.example.org"

    with django_capture_on_commit_callbacks(execute=True):
        announce([officer], url="/decisions/7/")

    message = mail.outbox[0]
    assert message.to == [officer.email]
    assert message.subject == "Grant awarded"
    assert "The grant to Safe Haven Trust was awarded." in message.body
    assert "https://commissioning.example.org/decisions/7/" in message.body


def test_a_notification_without_email_is_only_shown_in_the_portal(
    officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        announce([officer], email=False)

    assert callbacks == []
    assert officer.notifications.count() == 1
    assert mail.outbox == []
    assert email_notification(officer.notifications.get().pk) is False


# --- email_notification() ------------------------------------------------------------------


def test_an_email_is_sent_at_most_once_however_often_it_is_asked_for(officer):
    [notification] = announce([officer])

    assert email_notification(notification.pk) is True
    assert email_notification(notification.pk) is False
    assert send_notification_email(notification.pk) is False

    assert len(mail.outbox) == 1


def test_a_failing_mail_server_releases_the_claim_so_a_retry_sends_it(officer, settings):
    [notification] = announce([officer])
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"

    with pytest.raises(smtplib.SMTPException):
        email_notification(notification.pk)

    notification.refresh_from_db()
    assert notification.emailed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_notification(notification.pk) is True
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert len(mail.outbox) == 1


def test_the_email_task_retries_mail_server_failures_with_back_off():
    task = send_notification_email

    assert task.name == "commissioning.send_notification_email"
    assert smtplib.SMTPException in task.autoretry_for
    assert OSError in task.autoretry_for
    assert task.retry_backoff
    assert task.retry_backoff_max >= task.retry_backoff
    assert task.retry_jitter is True
    assert task.max_retries and task.max_retries >= 3


# --- The notifications page ----------------------------------------------------------------


def test_the_page_lists_only_my_notifications_newest_first_with_new_on_unread(
    officer, officer_client, manager
):
    announce([officer], key="a", title="Older notification")
    announce([officer], key="b", title="Newer notification")
    announce([manager], key="c", title="Someone else's notification")
    officer.notifications.filter(key="a").update(read_at=timezone.now())

    response = officer_client.get(reverse("notification-list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Newer notification") < page.index("Older notification")
    assert "Someone else&#x27;s notification" not in page
    assert "Someone else's notification" not in page
    assert [n.title for n in response.context["notifications"]] == [
        "Newer notification",
        "Older notification",
    ]
    assert page.count(">New</strong>") == 1


def test_marking_all_as_read_clears_the_count_in_the_header(officer, officer_client, manager):
    announce([officer], key="a")
    announce([officer], key="b")
    announce([manager], key="c")

    before = officer_client.get(reverse("notification-list")).content.decode()
    assert '2<span class="govuk-visually-hidden"> unread</span>' in before

    response = officer_client.post(reverse("notification-read-all"), follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("notification-list")
    assert "2 notifications marked as read" in page
    assert " unread</span>" not in page
    assert ">New</strong>" not in page
    assert not officer.notifications.filter(read_at__isnull=True).exists()
    assert manager.notifications.filter(read_at__isnull=True).count() == 1


def test_marking_all_as_read_needs_a_post(officer_client):
    assert officer_client.get(reverse("notification-read-all")).status_code == 405


@pytest.mark.parametrize("who", ["provider", "viewer"])
def test_providers_and_viewers_see_their_own_notifications(who, request, officer):
    user = request.getfixturevalue(who)
    client = request.getfixturevalue(f"{who}_client")
    announce([user], key="mine", title="Your return is due")
    announce([officer], key="theirs", title="Decision needed")

    response = client.get(reverse("notification-list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your return is due" in page
    assert "Decision needed" not in page

    client.post(reverse("notification-read-all"))
    assert not user.notifications.filter(read_at__isnull=True).exists()
    assert officer.notifications.filter(read_at__isnull=True).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("notification-list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
