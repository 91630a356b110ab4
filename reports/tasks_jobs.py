"""Building a report job in the background: a thin Celery task around
``reports.services_jobs`` and ``reports.pdf.render_report``.

The task takes the job's id. A passing problem (the database briefly unreachable or
locked) is retried with back-off; anything else fails the job at once with a message
for the person who asked, and the error goes to the log. A build that runs past its
soft time limit fails the same way; one killed at the hard limit is noticed as stale the
next time someone asks for that report.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ObjectDoesNotExist
from django.db import InterfaceError, OperationalError

from . import services_jobs
from .pdf import render_report

__all__ = ["build_report_job"]

logger = logging.getLogger(__name__)

#: Problems that may be gone in a moment: worth another attempt.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
MAX_RETRIES = 3
SOFT_TIME_LIMIT = 240
TIME_LIMIT = 300

FAILED_MESSAGE = (
    "Something went wrong while preparing this report, so it was not made. Try again; if "
    "it fails again, contact the commissioning team and give them the report number {pk}."
)
TOO_LONG_MESSAGE = (
    "The report took too long to prepare and was stopped. Try again later; if it fails "
    "again, contact the commissioning team and give them the report number {pk}."
)
GONE_MESSAGE = "The record this report is about no longer exists, so the report could not be made."
UNAVAILABLE_MESSAGE = (
    "The portal's database could not be reached while preparing this report. Try again "
    "in a few minutes."
)


def _build(job_id: int):
    job = services_jobs.report_job_start(job_id=job_id)
    if job is None:
        return None  # built or failed already: nothing to do
    rendered = render_report(job.kind, job.params, title=job.title)
    return services_jobs.report_job_complete(job=job, rendered=rendered)


@shared_task(
    bind=True,
    name="reports.build_report_job",
    max_retries=MAX_RETRIES,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    acks_late=True,
)
def build_report_job(self, job_id: int) -> str | None:
    """Build the PDF of one report job; returns the job's status at the end."""
    try:
        job = _build(job_id)
    except TRANSIENT_ERRORS as error:
        # Run eagerly (tests, or a portal with no broker) there is no worker to retry on:
        # the person asking sees the failure and can try again.
        if not self.request.is_eager and self.request.retries < self.max_retries:
            logger.warning("Report job %s hit a passing problem, retrying: %s", job_id, error)
            services_jobs.report_job_requeue(job_id=job_id)
            raise self.retry(exc=error, countdown=5 * 2**self.request.retries) from error
        logger.exception("Report job %s failed after %s retries", job_id, self.max_retries)
        job = services_jobs.report_job_fail(job_id=job_id, message=UNAVAILABLE_MESSAGE)
    except SoftTimeLimitExceeded:
        logger.error("Report job %s ran past its time limit", job_id)
        job = services_jobs.report_job_fail(
            job_id=job_id, message=TOO_LONG_MESSAGE.format(pk=job_id)
        )
    except ObjectDoesNotExist:
        logger.warning("Report job %s is about a record that no longer exists", job_id)
        job = services_jobs.report_job_fail(job_id=job_id, message=GONE_MESSAGE)
    except Exception:
        logger.exception("Report job %s failed", job_id)
        job = services_jobs.report_job_fail(job_id=job_id, message=FAILED_MESSAGE.format(pk=job_id))
    return job.status if job is not None else None
