"""Issue 10, point 12: Redis restarted while tasks are queued loses none of them.

Two ways it holds, each proven here against a Redis of the test's own:

- Redis keeps its queue on disk (``--appendonly yes``, as docker-compose.yml runs it):
  report builds queued before the restart are all built after it.
- Even a Redis that keeps nothing (its queue wiped by the restart) loses no reminder:
  the deliveries are rows in the database, and the beat's resend sweep enqueues again
  every one left unsent, which the worker then sends, each exactly once.
"""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from commissioning.models import Role
from monitoring.models import MonitoringReturn, Reminder, ReminderDelivery
from monitoring.reminders import STUCK_AFTER
from monitoring.tasks_reminders import resend_stuck_deliveries, send_reminders
from reports.models import ReportJob, ReportKind, ReportStatus
from reports.services_jobs import ReportRequest, report_job_request
from tests.factories import (
    FundingStreamFactory,
    OrganisationContactFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.faults.conftest import wait_for
from tests.faults.test_worker_killed import emails_written, idle
from tests.monitoring.factories import active_grant

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

YEARS = (2023, 2024, 2025)


def test_report_builds_queued_before_a_redis_restart_are_all_built_after_it(
    workers, own_persistent_redis, on_broker
):
    on_broker(own_persistent_redis.url)
    redis = own_persistent_redis.client()
    officer = UserFactory(role=Role.OFFICER)
    OrganisationFactory()
    for year in YEARS:
        FundingStreamFactory(financial_year=year)
        report_job_request(
            request=ReportRequest(ReportKind.FUNDING_AWARDED, {"year": year}, f"Funding {year}"),
            by=officer,
        )
    assert redis.llen("celery") == len(YEARS)  # queued; no worker yet

    own_persistent_redis.restart()

    assert redis.llen("celery") == len(YEARS)  # still queued after the restart
    workers.start(own_persistent_redis.url)
    jobs = ReportJob.objects.all()
    wait_for(
        lambda: not jobs.exclude(status=ReportStatus.READY).exists(),
        "the worker did not build every report queued before the restart",
        seconds=120,
        state=lambda: list(jobs.values_list("status", "error_message")),
    )
    assert jobs.count() == len(YEARS)
    assert all(job.file for job in jobs)


def test_reminder_emails_lost_with_redis_s_queue_are_sent_by_the_resend_sweep(
    workers, own_redis, on_broker, tmp_path
):
    app = on_broker(own_redis.url)
    redis = own_redis.client()
    outbox = tmp_path / "outbox"
    organisation = OrganisationFactory()
    UserFactory(role=Role.PROVIDER, organisation=organisation)
    OrganisationContactFactory(organisation=organisation)
    active_grant(recipient=organisation)
    MonitoringReturn.objects.update(due_date=timezone.localdate() - datetime.timedelta(days=10))

    # The daily sweep runs with no worker up: its reminders are made (here, in this
    # process) and their emails queued in Redis...
    send_reminders.apply()
    deliveries = ReminderDelivery.objects.all()
    assert deliveries.count() >= 8
    assert redis.llen("celery") == deliveries.count()
    # ...and Redis restarts, keeping nothing: the queue is gone.
    own_redis.restart()
    assert redis.llen("celery") == 0

    worker = workers.start(own_redis.url, app=app, env={"EMAIL_URL": f"filemail:///{outbox}"})
    # A quarter of an hour later the beat's resend sweep runs on the worker.
    Reminder.objects.update(created_at=F("created_at") - STUCK_AFTER)
    resend_stuck_deliveries.delay()
    wait_for(
        lambda: not deliveries.filter(sent_at__isnull=True).exists(),
        "the resend sweep did not send the emails lost with the queue",
    )
    wait_for(lambda: idle(app, redis, worker), "the worker did not finish")
    written = emails_written(outbox)
    expected = {(d.reminder.title, d.email) for d in deliveries.select_related("reminder")}
    assert set(written) == expected
    assert set(written.values()) == {1}
