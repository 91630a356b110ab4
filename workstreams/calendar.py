"""The forward plan as an iCalendar feed (RFC 5545) that Outlook or Google Calendar can
subscribe to: one all-day event per milestone."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from commissioning.dates import add_months

from .models import Milestone

#: How far back the feed reaches: a month, so last month's events stay in calendars.
MONTHS_BACK = 1
#: How often a subscribing calendar should fetch the feed again.
REFRESH_INTERVAL = datetime.timedelta(hours=12)


def feed_start(today: datetime.date | None = None) -> datetime.date:
    """The earliest milestone date the feed includes."""
    return add_months(today or timezone.localdate(), -MONTHS_BACK)


def milestone_uid(milestone: Milestone) -> str:
    """A UID that stays the same for a milestone, so calendars update it in place."""
    return f"milestone-{milestone.pk}@{settings.OFFICE_ORG_ID.lower()}"


def calendar_name() -> str:
    return f"{settings.OFFICE_SHORT_NAME} forward plan"


def _summary(milestone: Milestone) -> str:
    return f"{milestone.get_kind_display()}: {milestone.title}"


def _description(milestone: Milestone) -> str:
    workstream = milestone.workstream
    if workstream is None:
        lines = ["Office-wide milestone"]
    else:
        lines = [
            f"Workstream: {workstream.title} ({workstream.get_role_display()})",
            f"Portfolio: {workstream.portfolio}",
            f"Lead officer: {workstream.lead_officer}",
        ]
    if milestone.note:
        lines += ["", milestone.note]
    return "\n".join(lines)


def build_calendar(
    milestones: Iterable[Milestone], *, absolute_url: Callable[[str], str]
) -> icalendar.Calendar:
    """The calendar for ``milestones`` (with their workstreams selected).
    ``absolute_url`` turns a path into a full address (``request.build_absolute_uri``)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.OFFICE_SHORT_NAME}//Commissioning forward plan//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name())
    calendar.add(
        "x-wr-caldesc",
        f"Milestones on the {settings.OFFICE_SHORT_NAME} commissioning forward plan",
    )
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))

    stamp = timezone.now()
    forward_plan_url = absolute_url(reverse("forward-plan"))
    for milestone in milestones:
        event = icalendar.Event()
        event.add("uid", milestone_uid(milestone))
        event.add("dtstamp", stamp)
        event.add("dtstart", milestone.date)
        event.add("dtend", milestone.date + datetime.timedelta(days=1))
        event.add("summary", _summary(milestone))
        event.add("description", _description(milestone))
        event.add("categories", [milestone.get_kind_display()])
        event.add("transp", "TRANSPARENT")
        if milestone.workstream_id:
            event.add("url", absolute_url(milestone.workstream.get_absolute_url()))
        else:
            event.add("url", forward_plan_url)
        calendar.add_component(event)
    return calendar
