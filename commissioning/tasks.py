"""The core's background work: housekeeping that a beat schedule runs."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from .notifications import email_notification


@shared_task(name="commissioning.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete expired sessions (safe to run twice: the second run finds none)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(
    name="commissioning.send_notification_email",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification (at most once; retried with back-off if the mail server
    fails)."""
    return email_notification(notification_id)
