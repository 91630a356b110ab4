"""Issue 10, point 12: a worker killed with SIGKILL in the middle of a reminder batch
loses nothing and sends nothing twice.

A real worker (prefork, two pool processes) makes the day's reminders and starts
emailing them. Once some emails are out it is caught mid-send (see backends.py) and
killed with ``kill -9``: no warm shutdown, the deliveries it had claimed stay claimed,
the messages it had taken from Redis go with it. A new worker starts and works through
what is left in the queue; the beat's resend sweep (every 15 minutes in production)
then finds what the dead worker left unsent, once its claim's lease has run out. In the
end every recipient of every reminder has exactly one email."""

from __future__ import annotations

import datetime
import email
import email.policy
from collections import Counter
from pathlib import Path

import pytest
from django.db.models import F
from django.utils import timezone

from commissioning.models import Role
from monitoring.models import MonitoringReturn, Reminder, ReminderDelivery
from monitoring.reminders import CLAIM_LEASE, STUCK_AFTER
from monitoring.tasks_reminders import resend_stuck_deliveries, send_reminders
from tests.factories import OrganisationContactFactory, OrganisationFactory, UserFactory
from tests.faults.conftest import Workers, wait_for
from tests.monitoring.factories import active_grant

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

SEPARATOR = "\n" + "-" * 79 + "\n"  # between messages in Django's file email backend
GRANTS = 5
SENT_BEFORE_THE_KILL = 15


def emails_written(outbox: Path) -> Counter:
    """How many times each (subject, recipient) was emailed."""
    sent: Counter = Counter()
    for path in outbox.glob("*.log") if outbox.exists() else []:
        for text in path.read_text().split(SEPARATOR):
            message = email.message_from_string(text, policy=email.policy.default)
            if message["To"]:
                sent[(str(message["Subject"]), str(message["To"]))] += 1
    return sent


def idle(app, redis, worker) -> bool:
    """Nothing waiting in the queue and nothing running or reserved on the worker."""
    if redis.llen("celery"):
        return False
    inspect = app.control.inspect(destination=[worker.node], timeout=1)
    active, reserved = inspect.active() or {}, inspect.reserved() or {}
    return bool(active) and not any(active.values()) and not any(reserved.values())


def test_a_worker_killed_mid_batch_leaves_every_reminder_sent_exactly_once(
    workers, own_redis, on_broker, tmp_path
):
    app = on_broker(own_redis.url)
    redis = own_redis.client()
    outbox, blocked = tmp_path / "outbox", tmp_path / "blocked"
    for _ in range(GRANTS):
        organisation = OrganisationFactory()
        UserFactory(role=Role.PROVIDER, organisation=organisation)
        OrganisationContactFactory(organisation=organisation)
        active_grant(recipient=organisation)  # four quarterly returns
    # All of them 10 days overdue: a reminder each, to the provider's people and (as it
    # is overdue) the agreement's officers.
    MonitoringReturn.objects.update(due_date=timezone.localdate() - datetime.timedelta(days=10))

    first = workers.start(
        own_redis.url,
        app=app,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
            "EMAIL_URL": f"filemail:///{outbox}",
            "FAULT_BLOCK_AFTER": str(SENT_BEFORE_THE_KILL),
            "FAULT_BLOCKED_FLAG": str(blocked),
        },
    )
    send_reminders.delay()
    deliveries = ReminderDelivery.objects.all()
    wait_for(
        lambda: blocked.exists() and Reminder.objects.count() == GRANTS * 4,
        "the worker did not make the reminders and start sending",
        state=lambda: (
            f"{Reminder.objects.count()} reminders, {deliveries.count()} deliveries, "
            f"{deliveries.filter(sent_at__isnull=False).count()} sent, "
            f"{len(list(outbox.glob('*')))} files, flag {blocked.exists()}, "
            f"queue {redis.llen('celery')}, keys {redis.keys()}"
        ),
    )
    total = deliveries.count()
    assert total >= GRANTS * 4 * 3  # provider, contact and officers for each reminder

    Workers.kill_9(first)

    sent_before = deliveries.filter(sent_at__isnull=False).count()
    held_by_the_dead = set(
        deliveries.filter(sent_at__isnull=True, claimed_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assert SENT_BEFORE_THE_KILL <= sent_before < total
    assert held_by_the_dead, "the worker was killed while sending"

    second = workers.start(own_redis.url, app=app, env={"EMAIL_URL": f"filemail:///{outbox}"})
    wait_for(lambda: idle(app, redis, second), "the new worker did not empty the queue")
    # The deliveries the dead worker had claimed are still waiting for their lease.
    unsent = set(deliveries.filter(sent_at__isnull=True).values_list("pk", flat=True))
    assert held_by_the_dead <= unsent

    # Time passes: the dead worker's claims outlive their lease, and the beat runs the
    # resend sweep through Redis, as it does every 15 minutes.
    deliveries.filter(pk__in=held_by_the_dead).update(claimed_at=F("claimed_at") - CLAIM_LEASE)
    Reminder.objects.update(created_at=F("created_at") - STUCK_AFTER)
    resend_stuck_deliveries.delay()
    wait_for(
        lambda: not deliveries.filter(sent_at__isnull=True).exists(),
        "the resend sweep did not send what the dead worker left",
    )
    wait_for(lambda: idle(app, redis, second), "the new worker did not finish")

    written = emails_written(outbox)
    expected = {(d.reminder.title, d.email) for d in deliveries.select_related("reminder")}
    assert len(expected) == total
    assert set(written) == expected  # every reminder email went...
    assert set(written.values()) == {1}  # ...exactly once
