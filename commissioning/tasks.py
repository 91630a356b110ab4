"""The core's background work: housekeeping that a beat schedule runs."""

from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="commissioning.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete expired sessions (safe to run twice: the second run finds none)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
