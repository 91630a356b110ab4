"""Reminders on the real broker and a real Celery worker (CI provides Redis and
PostgreSQL): the daily sweep sent twice through Redis makes each reminder once and the
worker emails each recipient once."""

from __future__ import annotations

import datetime
import email
import email.policy
import time
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from commissioning.models import Role
from commissioning.tasks import clear_expired_sessions
from monitoring.models import Reminder, ReminderDelivery
from monitoring.tasks_reminders import send_reminders
from tests.factories import OrganisationContactFactory, OrganisationFactory, UserFactory
from tests.monitoring.factories import active_grant

SEPARATOR = "\n" + "-" * 79 + "\n"  # what Django's file-based email backend writes


@pytest.fixture
def outbox(tmp_path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def celery_worker_env(outbox):
    """The worker writes its emails to files in ``outbox``."""
    return {"EMAIL_URL": f"filemail:///{outbox}"}


def emails_written(outbox: Path) -> Counter:
    """(subject, recipient) of every email the worker wrote: one file per connection,
    possibly several messages a file."""
    sent: Counter = Counter()
    for path in outbox.glob("*.log") if outbox.exists() else []:
        for text in path.read_text().split(SEPARATOR):
            message = email.message_from_string(text, policy=email.policy.default)
            if message["To"]:
                sent[(str(message["Subject"]), str(message["To"]))] += 1
    return sent


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds}s"
        time.sleep(0.1)


def test_the_sweep_sent_twice_through_redis_reminds_each_person_once(celery_worker_process, outbox):
    organisation = OrganisationFactory(name="Safe Haven Trust")
    UserFactory(role=Role.PROVIDER, organisation=organisation, email="pat@safehaven.example")
    OrganisationContactFactory(organisation=organisation, email="chris@safehaven.example")
    # A short grant that ended 40 days ago: its return (two, if it crossed a quarter)
    # is between 7 and 60 days overdue today, so each gets the overdue reminder, to the
    # provider, the contact and the agreement's two officers.
    end = timezone.localdate() - datetime.timedelta(days=40)
    grant = active_grant(
        recipient=organisation, start_date=end - datetime.timedelta(days=20), end_date=end
    )
    returns = list(grant.return_schedule.returns.order_by("due_date"))
    assert len(returns) in (1, 2)
    assert all(7 <= (timezone.localdate() - r.due_date).days < 60 for r in returns)

    send_reminders.delay()
    send_reminders.delay()

    deliveries = ReminderDelivery.objects.all()
    wait_for(
        lambda: deliveries.count() == 4 * len(returns), "the worker did not make the reminders"
    )
    wait_for(
        lambda: not deliveries.filter(sent_at__isnull=True).exists(),
        "the worker did not send every reminder",
    )
    # Tasks run in the order they were sent: once a task sent after everything else
    # has run, nothing more is coming.
    store = SessionStore()
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now())
    clear_expired_sessions.delay()
    wait_for(
        lambda: not Session.objects.filter(pk=store.session_key).exists(),
        "the worker did not finish its queue",
    )

    assert Reminder.objects.count() == len(returns)
    assert set(Reminder.objects.values_list("key", flat=True)) == {
        f"return:{r.pk}:overdue-7" for r in returns
    }
    written = emails_written(outbox)
    expected = {(d.reminder.title, d.email) for d in deliveries.select_related("reminder")}
    assert set(written) == expected
    assert set(written.values()) == {1}
    assert set(deliveries.values_list("attempts", flat=True)) == {0}
