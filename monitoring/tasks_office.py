"""Celery tasks of the office's side of monitoring (imported by the app's tasks.py so the
worker finds them)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from . import services

__all__ = ["sync_return_schedules"]

logger = logging.getLogger(__name__)


@dataclass
class SyncResult:
    made: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def agreements_without_schedule() -> list:
    """Active grants and live contracts (gone live, not ended or terminated) that have
    no return schedule: imported ones, or ones made before monitoring existed."""
    from contracts.models import Contract
    from grants.models import Grant, GrantStatus

    today = timezone.localdate()
    grants = Grant.objects.filter(status=GrantStatus.ACTIVE, return_schedule__isnull=True)
    contracts = Contract.objects.filter(
        Q(terminated_on__isnull=True) | Q(terminated_on__gt=today),
        went_live_on__isnull=False,
        end_date__gte=today,
        return_schedule__isnull=True,
    )
    return [
        *grants.select_related("recipient").order_by("pk"),
        *contracts.select_related("supplier").order_by("pk"),
    ]


def sync_missing_schedules() -> SyncResult:
    """Make the return schedule of every agreement that should have one and hasn't.
    Idempotent: a second run finds nothing to do; an agreement another run has just
    given a schedule is skipped."""
    result = SyncResult()
    for agreement in agreements_without_schedule():
        try:
            services.schedule_sync(agreement=agreement, by=None)
        except (ValidationError, IntegrityError) as error:
            # Made at the same moment by another run, or the agreement's own data can't
            # make a schedule (reported, and the others still go ahead).
            logger.warning("No return schedule made for %s: %s", agreement, error)
            result.failed.append(str(agreement))
        else:
            result.made.append(str(agreement))
    return result


@shared_task(name="monitoring.sync_return_schedules")
def sync_return_schedules() -> int:
    """Daily: give every active grant and live contract lacking one its return schedule.
    Returns how many schedules were made."""
    return len(sync_missing_schedules().made)
