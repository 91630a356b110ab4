"""Celery tasks for reminders: thin wrappers around monitoring.reminders (imported by
the app's tasks.py so the worker finds them). The beat schedule in settings runs the
sweep daily and the resend every 15 minutes."""

from __future__ import annotations

import smtplib

from celery import shared_task

from . import reminders


@shared_task(
    name="monitoring.send_reminders",
    # A long sweep must not be killed by the default limit, and must finish well within
    # the broker's visibility timeout (an hour) so Redis does not hand it out again.
    soft_time_limit=1800,
    time_limit=1900,
)
def send_reminders() -> dict:
    """Make today's reminders (each once, ever) and enqueue any email left unsent."""
    return reminders.sweep().as_dict()


@shared_task(
    name="monitoring.send_reminder_delivery",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def send_reminder_delivery(delivery_id: int) -> bool:
    """Email one recipient of one reminder, at most once; retried with back-off and
    jitter while the mail server fails."""
    return reminders.deliver(delivery_id)


@shared_task(name="monitoring.resend_stuck_deliveries")
def resend_stuck_deliveries() -> int:
    """Enqueue again the reminder emails a dead worker or a lost message left unsent."""
    return reminders.resend_stuck()


__all__ = ["resend_stuck_deliveries", "send_reminder_delivery", "send_reminders"]
