"""Background work of the public pages: thin Celery wrappers around
reports/services_public.py. Each is safe to run twice: a subscriber is emailed about an
opportunity at most once, however often the jobs run."""

from __future__ import annotations

import smtplib

from celery import shared_task

from . import services_public
from .selectors_public import opportunities_to_announce

__all__ = [
    "announce_opportunities",
    "send_opportunity_email",
    "send_opportunity_emails",
    "send_subscription_confirmation",
]

RETRY = {
    "autoretry_for": (OSError, smtplib.SMTPException),
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="reports.send_subscription_confirmation", **RETRY)
def send_subscription_confirmation(subscriber_id: int) -> None:
    """Email a pending subscriber the link that confirms their sign-up."""
    services_public.subscription_confirmation_send(subscriber_id)


@shared_task(name="reports.send_opportunity_email", **RETRY)
def send_opportunity_email(opportunity_id: int, subscriber_id: int) -> bool:
    """Email one subscriber about one opportunity (at most once; retried with back-off
    if the mail server fails)."""
    return services_public.opportunity_email_send(
        opportunity_id=opportunity_id, subscriber_id=subscriber_id
    )


@shared_task(name="reports.send_opportunity_emails")
def send_opportunity_emails(opportunity_id: int) -> int:
    """Queue an email to each confirmed subscriber not yet told about the opportunity.
    Returns how many were queued."""
    due = services_public.opportunity_announce(opportunity_id=opportunity_id)
    for subscriber_id in due:
        send_opportunity_email.delay(opportunity_id, subscriber_id)
    return len(due)


@shared_task(name="reports.announce_opportunities")
def announce_opportunities() -> int:
    """The beat's sweep: any open opportunity with subscribers still to be told (an
    email queued at publication that was lost, say) is sent now. Returns how many
    emails were queued."""
    return sum(
        send_opportunity_emails(opportunity.pk)
        for opportunity in opportunities_to_announce().only("pk")
    )
