"""Reminders that go exactly once: which step goes on which day, to whom, with what
email; nothing twice under a repeated run, two runs at once, a worker dying mid-batch
or a failing mail server."""

from __future__ import annotations

import datetime
import smtplib
import threading
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from commissioning.models import Notification, Role
from commissioning.notifications import Announcement, notify, notify_all
from contracts.models import ContractMeeting, ContractNotice, NoticeKind
from decisions.models import DecisionAssessment
from monitoring import reminders, tasks_reminders
from monitoring.models import Reminder, ReminderDelivery, ReturnStatus
from monitoring.tasks_reminders import send_reminder_delivery, send_reminders
from tests.conftest import require, uses_postgres
from tests.factories import (
    ContractFactory,
    OrganisationContactFactory,
    OrganisationFactory,
    UserFactory,
    submitted_assessment,
)
from tests.monitoring.factories import active_grant

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def london(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=ZoneInfo("Europe/London"))


# --- Fixtures and helpers -------------------------------------------------------------


class FlakyBackend(EmailBackend):
    """A mail server that refuses the first ``failures`` emails, then works."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.calls = 0

    def fail(times: int):
        FlakyBackend.failures = times

    yield fail
    FlakyBackend.failures = 0


@pytest.fixture
def provider_side(db):
    """Safe Haven Trust with a provider user, a contact who gets reminders and one who
    does not, and an active grant (quarterly returns for 2025/26)."""
    organisation = OrganisationFactory(name="Safe Haven Trust")
    provider = UserFactory(
        role=Role.PROVIDER, organisation=organisation, full_name="Pat Provider",
        email="pat@safehaven.example",
    )  # fmt: skip
    contact = OrganisationContactFactory(
        organisation=organisation, name="Chris Contact", email="Chris@SafeHaven.example"
    )
    quiet = OrganisationContactFactory(
        organisation=organisation, name="Quinn Quiet", email="quinn@safehaven.example",
        receives_reminders=False,
    )  # fmt: skip
    grant = active_grant(recipient=organisation)
    first = grant.return_schedule.returns.order_by("due_date").first()
    return {
        "organisation": organisation,
        "provider": provider,
        "contact": contact,
        "quiet": quiet,
        "grant": grant,
        "return": first,
        "officers": {grant.responsible_officer.email, grant.workstream.lead_officer.email},
    }


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the sweep on a given day, sending its emails as the commit would."""

    def run(today: datetime.date):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders.sweep(today=today)

    return run


def emailed() -> Counter:
    return Counter(address.lower() for message in mail.outbox for address in message.to)


def reminder_keys() -> set[str]:
    return set(Reminder.objects.values_list("key", flat=True))


# --- Returns: which step, which day ---------------------------------------------------


@pytest.mark.parametrize(
    ("days_from_due", "step"),
    [
        (-20, None),
        (-15, None),
        (-14, "due-in-14"),
        (-4, "due-in-14"),
        (-3, "due-in-3"),
        (-1, "due-in-3"),
        (0, "due-today"),
        (6, "due-today"),
        (7, "overdue-7"),
        (40, "overdue-7"),
        (59, "overdue-7"),
        # Long overdue when first seen (an imported agreement): the dashboards show
        # it, no email months late.
        (60, None),
        (400, None),
    ],
)
def test_each_day_sends_only_the_step_whose_window_it_is_in(
    provider_side, sweep, days_from_due, step
):
    ret = provider_side["return"]

    sweep(ret.due_date + days_from_due * DAY)

    expected = {f"return:{ret.pk}:{step}"} if step else set()
    assert reminder_keys() == expected


@pytest.mark.parametrize(
    ("days_from_due", "step", "subject"),
    [
        (-14, "due-in-14", "Quarter 1 2025/26 monitoring return due in 14 days"),
        (-3, "due-in-3", "Quarter 1 2025/26 monitoring return due in 3 days"),
        (0, "due-today", "Quarter 1 2025/26 monitoring return due today"),
    ],
)
def test_before_and_on_the_due_date_the_provider_and_its_contacts_are_reminded(
    provider_side, sweep, days_from_due, step, subject
):
    ret = provider_side["return"]

    sweep(ret.due_date + days_from_due * DAY)

    reminder = Reminder.objects.get()
    assert reminder.key == f"return:{ret.pk}:{step}"
    assert reminder.monitoring_return == ret
    assert reminder.title.startswith(subject)
    assert emailed() == Counter({"pat@safehaven.example": 1, "chris@safehaven.example": 1})
    assert all(message.subject == reminder.title for message in mail.outbox)
    assert set(reminder.deliveries.values_list("email", flat=True)) == {
        "pat@safehaven.example",
        "Chris@SafeHaven.example",
    }
    assert not reminder.deliveries.filter(sent_at__isnull=True).exists()


def test_seven_days_overdue_copies_the_agreements_officers(provider_side, sweep):
    ret = provider_side["return"]

    sweep(ret.due_date + 7 * DAY)

    assert reminder_keys() == {f"return:{ret.pk}:overdue-7"}
    officers = provider_side["officers"]
    assert len(officers) == 2
    assert set(emailed()) == {"pat@safehaven.example", "chris@safehaven.example", *officers}
    assert all(count == 1 for count in emailed().values())
    assert mail.outbox[0].subject.startswith("Quarter 1 2025/26 monitoring return 7 days overdue")


def test_officers_get_no_copy_before_seven_days_overdue(provider_side, sweep):
    ret = provider_side["return"]
    for offset in (-14, -3, 0):
        sweep(ret.due_date + offset * DAY)

    assert not set(emailed()) & provider_side["officers"]
    assert not Notification.objects.filter(
        recipient__role=Role.OFFICER, key__startswith="reminder:"
    ).exists()


def test_running_every_day_sends_each_step_once_in_order(provider_side, sweep):
    ret = provider_side["return"]
    day = ret.due_date - 20 * DAY
    while day <= ret.due_date + 20 * DAY:
        sweep(day)
        day += DAY

    steps = list(Reminder.objects.order_by("pk").values_list("step", flat=True))
    assert steps == ["due-in-14", "due-in-3", "due-today", "overdue-7"]
    assert emailed()["pat@safehaven.example"] == 4
    assert emailed()["chris@safehaven.example"] == 4
    assert all(emailed()[email] == 1 for email in provider_side["officers"])


def test_a_missed_day_is_caught_up_but_a_stale_step_is_not_sent_late(provider_side, sweep):
    ret = provider_side["return"]

    sweep(ret.due_date - 2 * DAY)  # the 14-day window has passed: only the 3-day step
    sweep(ret.due_date + 10 * DAY)  # the due-date window has passed: only overdue

    assert list(Reminder.objects.order_by("pk").values_list("step", flat=True)) == [
        "due-in-3",
        "overdue-7",
    ]


@pytest.mark.parametrize("status", [ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED])
def test_nothing_is_sent_for_a_submitted_or_accepted_return(provider_side, sweep, status):
    ret = provider_side["return"]
    type(ret).objects.filter(pk=ret.pk).update(status=status)

    for offset in (-14, -3, 0, 7):
        sweep(ret.due_date + offset * DAY)

    assert reminder_keys() == set()
    assert mail.outbox == []


@pytest.mark.parametrize("status", [ReturnStatus.DRAFT, ReturnStatus.CHANGES_REQUESTED])
def test_a_return_started_or_sent_back_is_still_reminded(provider_side, sweep, status):
    ret = provider_side["return"]
    type(ret).objects.filter(pk=ret.pk).update(status=status)

    sweep(ret.due_date - 3 * DAY)

    assert reminder_keys() == {f"return:{ret.pk}:due-in-3"}


def test_contacts_who_do_not_receive_reminders_get_nothing(provider_side, sweep):
    ret = provider_side["return"]
    for offset in (-14, -3, 0, 7):
        sweep(ret.due_date + offset * DAY)

    assert "quinn@safehaven.example" not in emailed()
    assert not ReminderDelivery.objects.filter(email__iexact="quinn@safehaven.example").exists()


def test_a_contact_who_also_signs_in_gets_one_email_linked_to_their_account(provider_side, sweep):
    ret = provider_side["return"]
    OrganisationContactFactory(
        organisation=provider_side["organisation"], name="Pat", email="PAT@safehaven.example"
    )

    sweep(ret.due_date - 14 * DAY)

    assert emailed()["pat@safehaven.example"] == 1
    delivery = ReminderDelivery.objects.get(email__iexact="pat@safehaven.example")
    assert delivery.recipient == provider_side["provider"]


def test_inactive_provider_users_are_not_reminded(provider_side, sweep):
    ret = provider_side["return"]
    provider = provider_side["provider"]
    provider.is_active = False
    provider.save(update_fields=["is_active"])

    sweep(ret.due_date - 3 * DAY)

    assert set(emailed()) == {"chris@safehaven.example"}


def test_the_reminder_shows_in_the_providers_notifications(provider_side, sweep, client):
    ret = provider_side["return"]
    sweep(ret.due_date - 3 * DAY)

    notification = provider_side["provider"].notifications.get()
    assert notification.key == f"reminder:return:{ret.pk}:due-in-3"
    assert notification.url == ret.get_absolute_url()
    assert notification.email_wanted is False  # the reminder's own email went instead
    assert ukdate_text(ret.due_date) in notification.body
    client.force_login(provider_side["provider"])
    page = client.get(reverse("notification-list"))
    assert notification.title in page.content.decode()


def ukdate_text(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def test_the_email_says_what_is_due_when_where_and_why(provider_side, sweep, settings):
    ret = provider_side["return"]
    sweep(ret.due_date - 14 * DAY)

    by_address = {message.to[0].lower(): message for message in mail.outbox}
    to_contact = by_address["chris@safehaven.example"].body
    assert to_contact.startswith("Dear Chris Contact,")
    assert "Safe Haven Trust's Quarter 1 2025/26 monitoring return" in to_contact
    assert f"is due on {ukdate_text(ret.due_date)}." in to_contact
    assert settings.SITE_URL.rstrip("/") + ret.get_absolute_url() in to_contact
    assert "Why you are getting this email" in to_contact
    assert "You are a contact at Safe Haven Trust who receives reminders" in to_contact
    to_provider = by_address["pat@safehaven.example"].body
    assert "You have an account for Safe Haven Trust" in to_provider
    assert settings.OFFICE_CONTACT_EMAIL in to_provider


def test_the_officers_copy_says_why_they_get_it(provider_side, sweep):
    ret = provider_side["return"]
    sweep(ret.due_date + 7 * DAY)

    officer_email = provider_side["grant"].responsible_officer.email
    body = next(m.body for m in mail.outbox if m.to == [officer_email])
    assert "was due on" in body and "has not been submitted" in body
    assert "You are the responsible officer or the workstream lead" in body


# --- Exactly once ---------------------------------------------------------------------


def test_running_the_sweep_twice_sends_nothing_twice(provider_side, sweep):
    ret = provider_side["return"]
    today = ret.due_date + 7 * DAY

    first = sweep(today)
    sent = len(mail.outbox)
    second = sweep(today)

    assert first.made == [f"return:{ret.pk}:overdue-7"]
    assert second.made == []
    assert len(mail.outbox) == sent == 4
    assert Notification.objects.filter(key__startswith="reminder:").count() == 3


def test_the_sweep_task_makes_todays_reminders(provider_side, django_capture_on_commit_callbacks):
    ret = provider_side["return"]
    others = provider_side["grant"].return_schedule.returns.exclude(pk=ret.pk)
    others.update(status=ReturnStatus.ACCEPTED)
    type(ret).objects.filter(pk=ret.pk).update(due_date=timezone.localdate() + 3 * DAY)

    with django_capture_on_commit_callbacks(execute=True):
        result = send_reminders.delay().get()

    assert result == {"made": 1, "resent": 0}
    assert reminder_keys() == {f"return:{ret.pk}:due-in-3"}
    assert len(mail.outbox) == 2


def _race(target, count: int = 2) -> list[BaseException]:
    """Run ``target`` in ``count`` threads at the same moment, each on its own database
    connection; return what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait(timeout=10)
            target()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch", [reminders.BATCH, 3], ids=["one batch", "batches of 3"])
def test_two_sweeps_at_once_make_each_reminder_and_send_each_email_once(monkeypatch, batch):
    require(uses_postgres(), "needs PostgreSQL: SQLite cannot run two writers at once")
    monkeypatch.setattr(reminders, "BATCH", batch)
    returns = []
    for n in range(4):
        organisation = OrganisationFactory()
        UserFactory(role=Role.PROVIDER, organisation=organisation, email=f"p{n}@example.org")
        OrganisationContactFactory(organisation=organisation, email=f"c{n}@example.org")
        grant = active_grant(recipient=organisation)
        returns.append(grant.return_schedule.returns.order_by("due_date").first())
    today = returns[0].due_date + 7 * DAY  # every return of the same dates: overdue

    for _ in range(3):
        assert _race(lambda: reminders.sweep(today=today)) == []

    assert Reminder.objects.count() == 4
    assert reminder_keys() == {f"return:{r.pk}:overdue-7" for r in returns}
    deliveries = ReminderDelivery.objects.all()
    assert deliveries.count() == 16  # provider, contact and two officers, each return
    assert not deliveries.filter(sent_at__isnull=True).exists()
    sent = Counter((m.subject, m.to[0]) for m in mail.outbox)
    assert len(sent) == 16
    assert set(sent.values()) == {1}


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_one_delivery_at_once_send_one_email(provider_side):
    require(uses_postgres(), "needs PostgreSQL: SQLite cannot run two writers at once")
    ret = provider_side["return"]
    reminders.sweep(today=ret.due_date - 3 * DAY)  # autocommit: its emails go at once
    delivery = ReminderDelivery.objects.first()
    ReminderDelivery.objects.update(sent_at=None, claimed_at=None)
    mail.outbox.clear()

    for _ in range(3):
        assert _race(lambda: reminders.deliver(delivery.pk)) == []
        ReminderDelivery.objects.filter(pk=delivery.pk).update(sent_at=None, claimed_at=None)

    assert len(mail.outbox) == 3  # one per race, never two


def test_a_worker_that_died_mid_batch_leaves_nothing_unsent_and_nothing_sent_twice(
    provider_side, django_capture_on_commit_callbacks
):
    ret = provider_side["return"]
    # The sweep commits its reminders, but the emails never go: the worker that took
    # them died after claiming some, and one enqueue was lost on the way to Redis.
    reminders.sweep(today=ret.due_date + 7 * DAY)
    assert mail.outbox == []
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Reminder.objects.update(created_at=an_hour_ago)
    deliveries = list(ReminderDelivery.objects.order_by("pk"))
    assert len(deliveries) == 4
    dead, lost, live, sent = deliveries
    ReminderDelivery.objects.filter(pk=dead.pk).update(claimed_at=an_hour_ago)
    ReminderDelivery.objects.filter(pk=live.pk).update(claimed_at=timezone.now())
    ReminderDelivery.objects.filter(pk=sent.pk).update(claimed_at=an_hour_ago, sent_at=an_hour_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.resend_stuck() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.resend_stuck() == 0

    assert sorted(m.to[0] for m in mail.outbox) == sorted([dead.email, lost.email])
    # The live worker's claim goes stale only when that worker has died too.
    ReminderDelivery.objects.filter(pk=live.pk).update(claimed_at=an_hour_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.resend_stuck() == 1
    assert Counter(m.to[0] for m in mail.outbox) == Counter([dead.email, lost.email, live.email])
    assert ReminderDelivery.objects.filter(sent_at__isnull=True).count() == 0


def test_the_daily_sweep_also_sends_what_was_left_unsent(
    provider_side, django_capture_on_commit_callbacks
):
    ret = provider_side["return"]
    reminders.sweep(today=ret.due_date - 14 * DAY)  # its enqueues are lost
    Reminder.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        result = reminders.sweep(today=ret.due_date - 13 * DAY)

    assert result.made == []
    assert result.resent == 2
    assert len(mail.outbox) == 2


def test_an_email_just_made_is_not_enqueued_twice(provider_side):
    ret = provider_side["return"]
    reminders.sweep(today=ret.due_date - 14 * DAY)  # its enqueues still on their way

    assert reminders.resend_stuck() == 0


# --- A failing mail server ------------------------------------------------------------


def test_a_failed_send_releases_the_claim_and_is_sent_once_on_retry(provider_side, flaky_mail):
    ret = provider_side["return"]
    reminders.sweep(today=ret.due_date - 14 * DAY)
    delivery = ReminderDelivery.objects.get(email="pat@safehaven.example")
    flaky_mail(1)

    with pytest.raises(smtplib.SMTPServerDisconnected):
        reminders.deliver(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.claimed_at, delivery.sent_at, delivery.attempts) == (None, None, 1)
    assert "Connection unexpectedly closed" in delivery.last_error
    assert mail.outbox == []

    assert reminders.deliver(delivery.pk) is True
    assert reminders.deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.sent_at is not None
    assert delivery.attempts == 1
    assert [m.to for m in mail.outbox] == [["pat@safehaven.example"]]


def test_the_send_task_retries_a_failing_mail_server_and_sends_once(
    provider_side, flaky_mail, celery_conf
):
    ret = provider_side["return"]
    reminders.sweep(today=ret.due_date - 14 * DAY)
    delivery = ReminderDelivery.objects.get(email="pat@safehaven.example")
    flaky_mail(2)
    # Run eagerly as a worker would: a retry runs the task again (at once, eagerly).
    celery_conf(task_eager_propagates=False)

    assert send_reminder_delivery.delay(delivery.pk).get() is True

    delivery.refresh_from_db()
    assert delivery.sent_at is not None
    assert delivery.attempts == 2
    assert len(mail.outbox) == 1
    # Retries back off exponentially, with jitter, a bounded number of times.
    assert smtplib.SMTPException in send_reminder_delivery.autoretry_for
    assert send_reminder_delivery.retry_backoff and send_reminder_delivery.retry_jitter
    assert send_reminder_delivery.max_retries == 8


def test_a_delivery_that_keeps_failing_is_given_up_after_its_attempts(provider_side):
    ret = provider_side["return"]
    reminders.sweep(today=ret.due_date - 14 * DAY)
    Reminder.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    ReminderDelivery.objects.update(attempts=reminders.MAX_ATTEMPTS)

    assert reminders.resend_stuck() == 0


# --- Contract meetings, decisions, notices --------------------------------------------


@pytest.fixture
def contract(db):
    return ContractFactory()


def _meeting_keys() -> set[str]:
    return set(Reminder.objects.filter(kind="meeting").values_list("key", flat=True))


def test_a_contract_meeting_due_within_14_days_reminds_its_responsible_officer(contract, sweep):
    meeting = contract.meetings.order_by("due_date").first()

    sweep(meeting.due_date - 15 * DAY)
    assert _meeting_keys() == set()
    sweep(meeting.due_date - 14 * DAY)
    sweep(meeting.due_date - 2 * DAY)

    assert _meeting_keys() == {f"meeting:{meeting.pk}:due-in-14"}
    officer = contract.responsible_officer
    to_officer = [m for m in mail.outbox if m.to == [officer.email] and "meeting" in m.subject]
    assert len(to_officer) == 1
    assert to_officer[0].subject.startswith("Contract meeting due in 14 days")
    assert f"{contract.get_absolute_url()}#meetings" in to_officer[0].body
    assert officer.notifications.filter(key=f"reminder:meeting:{meeting.pk}:due-in-14").exists()


def test_held_meetings_and_meetings_of_terminated_contracts_are_not_reminded(contract, sweep):
    meetings = list(contract.meetings.order_by("due_date")[:2])
    ContractMeeting.objects.filter(pk=meetings[0].pk).update(held_on=meetings[0].due_date)
    sweep(meetings[0].due_date - 7 * DAY)
    type(contract).objects.filter(pk=contract.pk).update(terminated_on=meetings[0].due_date)
    sweep(meetings[1].due_date - 7 * DAY)

    assert _meeting_keys() == set()


@pytest.fixture
def managers(make_user):
    return [make_user(Role.MANAGER), make_user(Role.MANAGER)]


def _decision_keys() -> set[str]:
    return set(Reminder.objects.filter(kind="decision").values_list("key", flat=True))


def test_a_decision_waiting_more_than_5_working_days_reminds_the_managers_not_its_author(
    managers, sweep
):
    author = managers[0]
    assessment = submitted_assessment(author=author)
    monday = london(2025, 6, 2, 10, 0)
    DecisionAssessment.objects.filter(pk=assessment.pk).update(submitted_at=monday)
    mail.outbox.clear()

    sweep(datetime.date(2025, 6, 9))  # the next Monday: 5 working days, not more
    assert _decision_keys() == set()
    sweep(datetime.date(2025, 6, 10))
    sweep(datetime.date(2025, 6, 11))

    key = f"decision:{assessment.pk}:waiting-5-days:{int(monday.timestamp())}"
    assert _decision_keys() == {key}
    assert emailed() == Counter({managers[1].email: 1})
    assert mail.outbox[0].subject.startswith("Decision waiting more than 5 working days")
    assert "submitted the assessment" in mail.outbox[0].body
    assert not author.notifications.filter(key__startswith="reminder:").exists()


def test_a_resubmitted_decision_is_chased_again(managers, sweep):
    assessment = submitted_assessment(author=UserFactory(role=Role.OFFICER))
    first = london(2025, 6, 2, 10, 0)
    again = london(2025, 6, 16, 9, 0)
    DecisionAssessment.objects.filter(pk=assessment.pk).update(submitted_at=first)
    sweep(datetime.date(2025, 6, 10))
    DecisionAssessment.objects.filter(pk=assessment.pk).update(submitted_at=again)
    sweep(datetime.date(2025, 6, 20))  # resubmitted Monday 16th: 4 working days
    sweep(datetime.date(2025, 6, 24))

    assert len(_decision_keys()) == 2


def test_decided_assessments_are_not_chased(managers, sweep):
    assessment = submitted_assessment(author=UserFactory(role=Role.OFFICER))
    DecisionAssessment.objects.filter(pk=assessment.pk).update(
        status="approved", decided_by=managers[0], decided_at=timezone.now(),
        submitted_at=london(2025, 6, 2, 10, 0),
    )  # fmt: skip

    sweep(datetime.date(2025, 7, 1))

    assert _decision_keys() == set()


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [
        (datetime.date(2025, 6, 10), datetime.date(2025, 6, 3)),  # Tuesday
        (datetime.date(2025, 6, 9), datetime.date(2025, 6, 2)),  # Monday
        (datetime.date(2025, 6, 14), datetime.date(2025, 6, 6)),  # Saturday
        (datetime.date(2025, 6, 13), datetime.date(2025, 6, 6)),  # Friday
    ],
)
def test_working_days_are_monday_to_friday(today, cutoff):
    assert reminders.waiting_cutoff(today) == cutoff


def _notice_keys() -> set[str]:
    return set(Reminder.objects.filter(kind="notice").values_list("key", flat=True))


def test_a_procurement_act_notice_is_reminded_before_it_is_due_and_once_when_overdue(
    contract, sweep
):
    notice = contract.notices.get(kind=NoticeKind.CONTRACT_DETAILS)
    day = notice.due_date - 20 * DAY
    while day <= notice.due_date + 20 * DAY:
        sweep(day)
        day += DAY

    assert _notice_keys() == {f"notice:{notice.pk}:due-in-14", f"notice:{notice.pk}:overdue"}
    officer = contract.responsible_officer
    subjects = [m.subject for m in mail.outbox if m.to == [officer.email]]
    notice_subjects = [s for s in subjects if s.startswith("Contract details notice")]
    assert len(notice_subjects) == 2
    assert notice_subjects[0].startswith("Contract details notice due in 14 days")
    assert notice_subjects[1].startswith("Contract details notice overdue")


def test_a_published_notice_is_not_reminded(contract, sweep):
    notice = contract.notices.get(kind=NoticeKind.CONTRACT_DETAILS)
    ContractNotice.objects.filter(pk=notice.pk).update(published_on=notice.due_date - 20 * DAY)

    sweep(notice.due_date - 7 * DAY)
    sweep(notice.due_date + 7 * DAY)

    assert f"notice:{notice.pk}" not in " ".join(_notice_keys())


# --- A batch at a time ----------------------------------------------------------------


def _first_returns(count: int) -> list:
    """``count`` organisations, each with a provider user, a contact who gets reminders
    and an active grant; the first return of each (all due on the same day)."""
    returns = []
    for _ in range(count):
        organisation = OrganisationFactory()
        UserFactory(role=Role.PROVIDER, organisation=organisation)
        OrganisationContactFactory(organisation=organisation)
        grant = active_grant(recipient=organisation)
        returns.append(grant.return_schedule.returns.order_by("due_date").first())
    return returns


def _overdue_keys(returns) -> set[str]:
    return {f"return:{r.pk}:overdue-7" for r in returns}


def _notifications() -> Counter:
    return Counter(
        Notification.objects.filter(key__startswith="reminder:").values_list("recipient", "key")
    )


def _accounts_reminded() -> set[tuple[int, str]]:
    """(user, notification key) for every delivery that went to someone with an account."""
    return {
        (recipient, f"reminder:{key}")
        for recipient, key in ReminderDelivery.objects.filter(recipient__isnull=False).values_list(
            "recipient", "reminder__key"
        )
    }


def test_a_key_made_between_choosing_and_inserting_a_batch_leaves_the_rest_made_once(
    monkeypatch, sweep
):
    returns = _first_returns(5)
    today = returns[0].due_date + 7 * DAY
    monkeypatch.setattr(reminders, "BATCH", 2)  # batches of 2, 2 and 1
    raced = f"return:{returns[2].pk}:overdue-7"
    choose = reminders.everything_due

    def another_sweep_makes_one_meanwhile(day):
        dues = list(choose(day))  # chosen: nothing made yet
        assert {due.key for due in dues} == _overdue_keys(returns)
        assert reminders.reminder_make(next(due for due in dues if due.key == raced))
        yield from dues

    monkeypatch.setattr(reminders, "everything_due", another_sweep_makes_one_meanwhile)

    result = sweep(today)

    assert sorted(result.made) == sorted(_overdue_keys(returns) - {raced})
    assert reminder_keys() == _overdue_keys(returns)
    assert ReminderDelivery.objects.count() == 5 * 4  # provider, contact, two officers
    sent = Counter((m.subject, m.to[0]) for m in mail.outbox)
    assert len(sent) == 20
    assert set(sent.values()) == {1}
    assert not ReminderDelivery.objects.filter(sent_at__isnull=True).exists()
    assert set(_notifications()) == _accounts_reminded()
    assert set(_notifications().values()) == {1}
    assert len(_notifications()) == 5 * 3  # the provider user and the two officers


def test_each_account_gets_one_notification_per_reminder(provider_side, sweep):
    ret = provider_side["return"]
    provider = provider_side["provider"]
    grant = active_grant(recipient=provider_side["organisation"])
    second = grant.return_schedule.returns.order_by("due_date").first()
    # One already recorded, as if announced at the same moment by another process.
    notify(
        recipients=[provider],
        key=f"reminder:return:{ret.pk}:overdue-7",
        title="Recorded already",
        email=False,
    )

    sweep(ret.due_date + 7 * DAY)
    sweep(ret.due_date + 7 * DAY)

    assert reminder_keys() == _overdue_keys([ret, second])
    assert set(_notifications()) == _accounts_reminded()
    assert set(_notifications().values()) == {1}
    assert provider.notifications.filter(key__startswith="reminder:").count() == 2
    kept = provider.notifications.get(key=f"reminder:return:{ret.pk}:overdue-7")
    assert kept.title == "Recorded already"
    assert not Notification.objects.filter(email_wanted=True).exists()


def test_notify_all_records_each_active_recipient_once_per_key_and_emails_nobody(
    make_user, django_capture_on_commit_callbacks
):
    olive, oscar = make_user(Role.OFFICER), make_user(Role.OFFICER)
    gone = make_user(Role.OFFICER, is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        notify_all(
            announcements=[
                Announcement(recipients=[olive, oscar, olive, gone], key="k:1", title="One"),
                Announcement(recipients=[olive], key="k:2", title="Two", url="/two/"),
            ]
        )
        notify_all(announcements=[Announcement(recipients=[olive, oscar], key="k:1", title="1")])

    rows = Notification.objects.filter(key__startswith="k:")
    assert sorted(rows.values_list("recipient", "key", "title")) == sorted(
        [(olive.pk, "k:1", "One"), (oscar.pk, "k:1", "One"), (olive.pk, "k:2", "Two")]
    )
    assert not rows.filter(email_wanted=True).exists()
    assert mail.outbox == []


def test_making_20_reminders_costs_the_same_queries_as_making_2():
    returns = _first_returns(2)
    today = returns[0].due_date + 7 * DAY
    with CaptureQueriesContext(connection) as two:
        assert len(reminders.sweep(today=today).made) == 2
    Reminder.objects.all().delete()
    Notification.objects.filter(key__startswith="reminder:").delete()
    returns += _first_returns(18)

    with CaptureQueriesContext(connection) as twenty:
        assert len(reminders.sweep(today=today).made) == 20

    assert ReminderDelivery.objects.count() == 20 * 4
    assert len(_notifications()) == 20 * 3
    assert len(twenty) == len(two)


def test_more_reminders_than_a_batch_cost_a_few_queries_a_batch(monkeypatch):
    returns = _first_returns(6)
    today = returns[0].due_date + 7 * DAY
    monkeypatch.setattr(reminders, "BATCH", 3)
    with CaptureQueriesContext(connection) as two_batches:
        assert len(reminders.sweep(today=today).made) == 6
    Reminder.objects.all().delete()
    monkeypatch.setattr(reminders, "BATCH", 6)

    with CaptureQueriesContext(connection) as one_batch:
        assert len(reminders.sweep(today=today).made) == 6

    per_batch = len(two_batches) - len(one_batch)
    assert 0 < per_batch <= 6  # a savepoint, three INSERTs and its release: not per row


class _Broker:
    """A stand-in for the send task whose enqueue fails as asked."""

    def __init__(self, error: Exception, times: int):
        self.error, self.times, self.tried, self.queued = error, times, [], []

    def delay(self, delivery_id: int) -> None:
        self.tried.append(delivery_id)
        if len(self.tried) <= self.times:
            raise self.error
        self.queued.append(delivery_id)


@pytest.mark.parametrize(
    ("error", "tried"),
    [
        # Redis down: the rest of the batch would fail the same way, so is not tried.
        (OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."), 1),
        # Anything else (a message refused, say): the rest of the batch still goes.
        (ValueError("refused"), 4),
    ],
)
def test_a_batch_whose_enqueue_fails_is_logged_and_sent_by_the_resend_sweep(
    provider_side, sweep, monkeypatch, caplog, django_capture_on_commit_callbacks, error, tried
):
    ret = provider_side["return"]
    broker = _Broker(error, times=1)
    monkeypatch.setattr(tasks_reminders, "send_reminder_delivery", broker)

    result = sweep(ret.due_date + 7 * DAY)

    assert result.made == [f"return:{ret.pk}:overdue-7"]
    assert len(broker.tried) == tried
    assert "left for the resend sweep" in caplog.text
    monkeypatch.undo()
    Reminder.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.resend_stuck() == 4  # none was sent: each still unclaimed
    assert len(mail.outbox) == 4
    assert not ReminderDelivery.objects.filter(sent_at__isnull=True).exists()


# --- Set-based: the sweep's cost does not grow with the returns it looks at ------------


def _queries(today) -> int:
    with CaptureQueriesContext(connection) as queries:
        reminders.sweep(today=today)
    return len(queries)


def test_the_sweep_reads_returns_with_a_fixed_number_of_queries(provider_side):
    ret = provider_side["return"]
    today = ret.due_date - 14 * DAY
    reminders.sweep(today=today)
    one_grant = _queries(today)  # everything already reminded: nothing to do

    for _ in range(5):
        active_grant(recipient=provider_side["organisation"])
    reminders.sweep(today=today)
    six_grants = _queries(today)

    assert six_grants == one_grant
    assert Reminder.objects.count() == 6


# --- The beat schedule ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the scheduler closes old DB connections
def test_the_sweep_runs_daily_at_seven_and_the_resend_every_15_minutes():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from commissioning.celery import app

    DatabaseScheduler(app=app, lazy=False).setup_schedule()
    daily = PeriodicTask.objects.get(name="send-reminders")
    assert daily.task == "monitoring.send_reminders"
    assert (daily.crontab.hour, daily.crontab.minute) == ("7", "0")
    resend = PeriodicTask.objects.get(task="monitoring.resend_stuck_deliveries")
    assert resend.crontab.minute == "*/15"
