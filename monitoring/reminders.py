"""Reminders that go exactly once.

A daily sweep (``sweep``, run by the Celery beat job ``monitoring.send_reminders``)
looks in the database for what is due today — a monitoring return coming due or
overdue, a contract meeting coming up, a decision waiting for a manager, a Procurement
Act notice to publish — and makes one ``Reminder`` for each (what, which record, which
step). Nothing is scheduled ahead with a long countdown: the sweep works from the dates
as they are on the day, so a changed due date is simply picked up.

Exactly once, under every failure:

- A reminder's ``key`` (``return:42:due-in-14``) is unique. Reminders are made a batch
  at a time (``BATCH`` of them, with their email deliveries and in-app notifications, in
  one transaction of a few bulk INSERTs). If two sweeps run at once, the second insert of
  a key fails: that sweep's batch is rolled back and made again one reminder at a time
  (``reminder_make``), skipping the keys the other sweep made, so nothing is made twice
  and nothing else in the batch is lost.
- Each email is one ``ReminderDelivery``, sent by the task
  ``monitoring.send_reminder_delivery`` after the transaction commits (a batch's
  deliveries are enqueued by one on-commit callback). The task first
  claims the row with one UPDATE that only one worker can win, so two workers never
  both send it; a failed send releases the claim and Celery retries with back-off.
- Deliveries left unsent (a worker that died mid-batch, an enqueue lost on the way to
  Redis) are enqueued again by ``resend_stuck`` every 15 minutes and by the daily
  sweep; a claim older than ``CLAIM_LEASE`` belongs to a worker that has died.

Steps are chosen by windows on the due date that follow one another without gaps or
overlaps, so a day the sweep did not run is caught up the next day, and a step whose
window has passed is never sent late: only the latest applicable step goes.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from commissioning.models import OrganisationContact, Role, User
from commissioning.notifications import Announcement, absolute_url, notify, notify_all
from commissioning.templatetags.portal import ukdate

from .models import (
    OUTSTANDING_STATUSES,
    MonitoringReturn,
    Reminder,
    ReminderDelivery,
    ReminderKind,
)
from .services import active_providers, lead_officers

logger = logging.getLogger(__name__)

#: A claim older than this belongs to a worker that died (a send task is killed after
#: CELERY_TASK_TIME_LIMIT, five minutes, so no live task holds a claim this long).
CLAIM_LEASE = datetime.timedelta(minutes=10)
#: An unsent delivery this old whose claim is free or stale is enqueued again.
STUCK_AFTER = datetime.timedelta(minutes=5)
#: After this many failed sends a delivery is left alone (its last error is kept).
MAX_ATTEMPTS = 10
#: Rows read from the database at a time.
CHUNK = 500
#: Reminders made in one transaction.
BATCH = 500
#: A decision waiting longer than this many working days is chased.
DECISION_WAITING_DAYS = 5
#: How far ahead contract meetings and Procurement Act notices are reminded.
LOOK_AHEAD_DAYS = 14

DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    user: User | None = None


@dataclass
class Due:
    """One reminder the sweep has found due and not yet made."""

    kind: str
    record_id: int
    step: str
    title: str
    body: str
    url: str
    recipients: list[Recipient]
    monitoring_return: MonitoringReturn | None = None
    key_suffix: str = ""

    @property
    def key(self) -> str:
        return reminder_key(self.kind, self.record_id, self.step, self.key_suffix)


def reminder_key(kind: str, record_id: int, step: str, suffix: str = "") -> str:
    """``return:42:due-in-14``; a suffix (a decision's submission time) makes a later
    round of the same step a different reminder."""
    key = f"{kind}:{record_id}:{step}"
    return f"{key}:{suffix}" if suffix else key


def _record_id(key: str) -> int:
    return int(key.split(":")[1])


def _clip(text: str, length: int = 255) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _dedupe(people: Iterable[Recipient]) -> list[Recipient]:
    """One recipient per email address, ignoring case; the first named wins (users are
    named before contacts, so a contact who also signs in is linked to their account)."""
    seen: dict[str, Recipient] = {}
    for person in people:
        email = person.email.strip()
        if email and email.lower() not in seen:
            seen[email.lower()] = Recipient(email=email, name=person.name, user=person.user)
    return list(seen.values())


def _users(users: Iterable[User | None]) -> list[Recipient]:
    return [Recipient(u.email, u.full_name, u) for u in users if u is not None and u.is_active]


T = TypeVar("T")


def _batched(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _not_yet_made(dues: Iterable[Due]) -> Iterator[Due]:
    """Drop what already has its reminder: one indexed lookup of the keys per chunk."""
    for batch in _batched(dues):
        made = set(
            Reminder.objects.filter(key__in=[d.key for d in batch]).values_list("key", flat=True)
        )
        yield from (d for d in batch if d.key not in made)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- Monitoring returns ---------------------------------------------------------------

#: Each step and the window of due dates it covers on ``today``, as (earliest, latest)
#: offsets in days from today, the earliest excluded (None: no earliest). The windows
#: follow one another, so a return is in at most one on any day:
#:   due-in-14   due-14 <= today < due-3
#:   due-in-3    due-3  <= today < due
#:   due-today   due    <= today < due+7
#:   overdue-7   due+7  <= today < due+OVERDUE_HORIZON_DAYS (with a copy to the
#:               agreement's officers)
#: A return already long overdue when the portal first sees it (an agreement imported
#: with years of history, say) is shown on the dashboards as overdue but not emailed:
#: a reminder months late would be noise, not news.
OVERDUE_HORIZON_DAYS = 60
RETURN_STEPS: dict[str, tuple[int | None, int]] = {
    "due-in-14": (3, 14),
    "due-in-3": (0, 3),
    "due-today": (-7, 0),
    "overdue-7": (-OVERDUE_HORIZON_DAYS, -7),
}
OFFICER_COPY_STEPS = frozenset({"overdue-7"})


# A reminder's title (the email's subject) says how far off the date is on the day the
# sweep made it; its body gives the dates themselves, so an email sent late by a retry
# is still right.


def _return_title(ret: MonitoringReturn, step: str, today: datetime.date) -> str:
    days = (ret.due_date - today).days
    if days > 0:
        when = f"due in {_days(days)}"
    elif days == 0:
        when = "due today"
    else:
        when = f"{_days(-days)} overdue"
    return _clip(f"{ret.period_label} monitoring return {when}: {ret.schedule.agreement}")


def _return_body(ret: MonitoringReturn, step: str) -> str:
    whose = (
        f"{ret.organisation}'s {ret.period_label} monitoring return for {ret.schedule.agreement}"
    )
    due = ukdate(ret.due_date)
    if step in ("due-in-14", "due-in-3"):
        what = f"{whose} is due on {due}."
    elif step == "due-today":
        what = f"{whose} is due on {due} and has not been submitted yet."
    else:
        what = (
            f"{whose} was due on {due} and has not been submitted. The office's officers "
            "for the agreement have been sent a copy of this reminder."
        )
    return f"{what} It covers {ukdate(ret.period_start)} to {ukdate(ret.period_end)}."


class _Organisations:
    """Who hears about an organisation's returns: its active provider users
    (``monitoring.services.active_providers``), then its contacts who receive
    reminders. Looked up once per organisation per sweep, for a chunk of returns at a
    time: two queries a chunk, not two an organisation."""

    def __init__(self):
        self._cache: dict[int, list[Recipient]] = {}

    def load(self, organisation_ids: Iterable[int]) -> None:
        missing = set(organisation_ids) - self._cache.keys()
        if not missing:
            return
        users: dict[int, list[User]] = {pk: [] for pk in missing}
        providers = (
            active_providers().filter(organisation_id__in=missing).order_by("full_name", "pk")
        )
        for user in providers:
            users[user.organisation_id].append(user)
        contacts: dict[int, list[Recipient]] = {pk: [] for pk in missing}
        listed = OrganisationContact.objects.filter(
            organisation_id__in=missing, receives_reminders=True
        ).order_by("pk")
        for contact in listed.only("organisation_id", "email", "name"):
            contacts[contact.organisation_id].append(Recipient(contact.email, contact.name))
        for pk in missing:
            self._cache[pk] = _users(users[pk]) + contacts[pk]

    def recipients(self, organisation_id: int) -> list[Recipient]:
        self.load([organisation_id])
        return self._cache[organisation_id]


def _returns_for_step(step: str, today: datetime.date):
    earliest, latest = RETURN_STEPS[step]
    window = Q(due_date__lte=today + datetime.timedelta(days=latest))
    if earliest is not None:
        window &= Q(due_date__gt=today + datetime.timedelta(days=earliest))
    return (
        MonitoringReturn.objects.filter(window, status__in=OUTSTANDING_STATUSES)
        .filter(~Exists(Reminder.objects.filter(monitoring_return=OuterRef("pk"), step=step)))
        .select_related(
            "organisation",
            "schedule__grant__responsible_officer",
            "schedule__grant__workstream__lead_officer",
            "schedule__contract__responsible_officer",
            "schedule__contract__workstream__lead_officer",
        )
        .order_by("pk")
    )


def returns_due(today: datetime.date) -> Iterator[Due]:
    """Outstanding returns in each step's window without that step's reminder: chosen in
    SQL by due date (indexed) with NOT EXISTS, read a chunk at a time, with the chunk's
    organisations' people looked up together."""
    organisations = _Organisations()
    for step in RETURN_STEPS:
        rows = _returns_for_step(step, today).iterator(chunk_size=CHUNK)
        for chunk in _batched(rows, CHUNK):
            organisations.load(ret.organisation_id for ret in chunk)
            for ret in chunk:
                people = list(organisations.recipients(ret.organisation_id))
                if step in OFFICER_COPY_STEPS:
                    people += _users(lead_officers(ret.schedule))
                yield Due(
                    kind=ReminderKind.RETURN,
                    record_id=ret.pk,
                    step=step,
                    title=_return_title(ret, step, today),
                    body=_return_body(ret, step),
                    url=ret.get_absolute_url(),
                    recipients=_dedupe(people),
                    monitoring_return=ret,
                )


def _return_why(ret: MonitoringReturn, delivery: ReminderDelivery) -> str:
    user = delivery.recipient
    if user is None:
        return (
            f"You are a contact at {ret.organisation} who receives reminders about its "
            f"monitoring returns to the {settings.OFFICE_NAME}."
        )
    if user.role == Role.PROVIDER:
        return (
            f"You have an account for {ret.organisation} in {settings.SERVICE_NAME}, and "
            f"{ret.organisation} owes this return to the {settings.OFFICE_NAME}."
        )
    return (
        f"You are the responsible officer or the workstream lead for "
        f"{ret.schedule.agreement}. Officers get a copy when a return is 7 days overdue."
    )


# --- Contract meetings ----------------------------------------------------------------


def _meeting_title(meeting, today: datetime.date) -> str:
    days = (meeting.due_date - today).days
    when = "today" if days == 0 else f"in {_days(days)}"
    return _clip(f"Contract meeting due {when}: {meeting.contract}")


def _meeting_body(meeting, step: str) -> str:
    contract = meeting.contract
    return (
        f"The contract meeting for {contract} with {contract.supplier} is due on "
        f"{ukdate(meeting.due_date)}. Arrange it if you have not already, and record it "
        "in the portal once it has been held."
    )


def meetings_due(today: datetime.date) -> Iterator[Due]:
    """Meetings not yet held, due within the next 14 days, of contracts still running."""
    from contracts.models import ContractMeeting

    meetings = (
        ContractMeeting.objects.filter(
            held_on__isnull=True,
            due_date__gte=today,
            due_date__lte=today + datetime.timedelta(days=LOOK_AHEAD_DAYS),
            contract__end_date__gte=today,
        )
        .filter(Q(contract__terminated_on__isnull=True) | Q(contract__terminated_on__gt=today))
        .select_related("contract__supplier", "contract__responsible_officer")
        .order_by("pk")
    )
    step = "due-in-14"
    for meeting in meetings.iterator(chunk_size=CHUNK):
        yield Due(
            kind=ReminderKind.MEETING,
            record_id=meeting.pk,
            step=step,
            title=_meeting_title(meeting, today),
            body=_meeting_body(meeting, step),
            url=meeting.contract.get_absolute_url() + "#meetings",
            recipients=_users([meeting.contract.responsible_officer]),
        )


# --- Decisions waiting for approval ---------------------------------------------------


def waiting_cutoff(today: datetime.date) -> datetime.date:
    """An assessment submitted before the returned date has, by ``today``, waited more
    than DECISION_WAITING_DAYS working days (Monday to Friday, today counted).

    Bank holidays are not taken out: no maintained holiday calendar is installed, so an
    assessment waiting over a bank holiday is chased a working day early."""
    counted, day = 0, today
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted > DECISION_WAITING_DAYS:
                return day
        day -= DAY


def _decision_body(assessment, step: str) -> str:
    return (
        f"{assessment.author} submitted the assessment {assessment} for a manager's "
        f"decision on {ukdate(assessment.submitted_at)}, and it has not been decided yet. "
        "Approve it, decline it or return it for changes."
    )


def _managers() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role__in=[Role.MANAGER, Role.ADMIN]).order_by("pk")
    )


def decisions_due(today: datetime.date) -> Iterator[Due]:
    """Assessments submitted and undecided for more than 5 working days, to every
    manager who may decide them (not the author). The key carries the submission time,
    so an assessment returned and submitted again is chased again."""
    from decisions.models import AssessmentStatus, DecisionAssessment

    waiting = (
        DecisionAssessment.objects.filter(
            status=AssessmentStatus.SUBMITTED, submitted_at__lt=_midnight(waiting_cutoff(today))
        )
        .select_related("author")
        .order_by("pk")
    )
    managers = None
    step = "waiting-5-days"
    for assessment in waiting.iterator(chunk_size=CHUNK):
        if managers is None:
            managers = _managers()
        yield Due(
            kind=ReminderKind.DECISION,
            record_id=assessment.pk,
            step=step,
            key_suffix=str(int(assessment.submitted_at.timestamp())),
            title=_clip(
                f"Decision waiting more than {DECISION_WAITING_DAYS} working days: {assessment}"
            ),
            body=_decision_body(assessment, step),
            url=assessment.get_absolute_url(),
            recipients=_users(m for m in managers if m.pk != assessment.author_id),
        )


# --- Procurement Act notices ----------------------------------------------------------


def _notice_title(notice, step: str, today: datetime.date) -> str:
    kind = notice.get_kind_display()
    if step == "overdue":
        return _clip(f"{kind} overdue: {notice.contract}")
    days = (notice.due_date - today).days
    when = "today" if days == 0 else f"in {_days(days)}"
    return _clip(f"{kind} due {when}: {notice.contract}")


def _notice_body(notice, step: str) -> str:
    what = f"The {notice.get_kind_display().lower()} for {notice.contract}"
    due = ukdate(notice.due_date)
    if step == "overdue":
        what += f" was due on {due} and has not been recorded as published."
    else:
        what += f" must be published by {due}."
    return f"{what} Record the date it was published in the portal once it is out."


def notices_due(today: datetime.date) -> Iterator[Due]:
    """Unpublished notices due within the next 14 days, and once more when overdue."""
    from contracts.models import ContractNotice

    base = ContractNotice.objects.filter(published_on__isnull=True).select_related(
        "contract__responsible_officer"
    )
    steps = {
        "due-in-14": base.filter(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=LOOK_AHEAD_DAYS)
        ),
        "overdue": base.filter(
            due_date__lt=today,
            due_date__gt=today - datetime.timedelta(days=OVERDUE_HORIZON_DAYS),
        ),
    }
    for step, notices in steps.items():
        for notice in notices.order_by("pk").iterator(chunk_size=CHUNK):
            yield Due(
                kind=ReminderKind.NOTICE,
                record_id=notice.pk,
                step=step,
                title=_notice_title(notice, step, today),
                body=_notice_body(notice, step),
                url=notice.contract.get_absolute_url() + "#notices",
                recipients=_users([notice.contract.responsible_officer]),
            )


# --- What each kind is, for the email -------------------------------------------------


def _load_return(pk: int):
    return (
        MonitoringReturn.objects.select_related(
            "organisation", "schedule__grant", "schedule__contract"
        )
        .filter(pk=pk)
        .first()
    )


def _load_meeting(pk: int):
    from contracts.models import ContractMeeting

    return ContractMeeting.objects.select_related("contract__supplier").filter(pk=pk).first()


def _load_decision(pk: int):
    from decisions.models import DecisionAssessment

    return DecisionAssessment.objects.select_related("author").filter(pk=pk).first()


def _load_notice(pk: int):
    from contracts.models import ContractNotice

    return ContractNotice.objects.select_related("contract").filter(pk=pk).first()


def _officer_why(record, delivery) -> str:
    return f"You are the responsible officer for the contract {record.contract}."


def _notice_why(record, delivery) -> str:
    return (
        f"You are the responsible officer for the contract {record.contract}, and the "
        "Procurement Act 2023 requires the office to publish this notice."
    )


def _decision_why(record, delivery) -> str:
    return (
        "You are a manager who can decide assessments. Only a manager who did not write "
        "an assessment can decide it."
    )


#: For each kind: how to load its record, say what is due, say why this recipient is
#: told, and what to do at the link.
KINDS = {
    ReminderKind.RETURN: (_load_return, _return_body, _return_why, "Complete and submit it"),
    ReminderKind.MEETING: (_load_meeting, _meeting_body, _officer_why, "See the contract"),
    ReminderKind.DECISION: (_load_decision, _decision_body, _decision_why, "Decide it"),
    ReminderKind.NOTICE: (_load_notice, _notice_body, _notice_why, "See the contract"),
}


def email_message(delivery: ReminderDelivery) -> tuple[str, str]:
    """The subject and plain-text body of one delivery's email: what is due and when,
    the link, and why this person is getting it."""
    reminder = delivery.reminder
    load, body, why, action = KINDS[reminder.kind]
    record = load(_record_id(reminder.key))
    if record is None:  # the record has gone since; say what the reminder said
        what, reason = reminder.title + ".", ""
    else:
        what, reason = body(record, reminder.step), why(record, delivery)
    paragraphs = [
        f"Dear {delivery.name}," if delivery.name else "Hello,",
        what,
        f"{action} in {settings.SERVICE_NAME}:\n{absolute_url(reminder.url)}",
        "Why you are getting this email",
        (f"{reason} " if reason else "") + f"If you think you should not get these emails, contact "
        f"{settings.OFFICE_CONTACT_EMAIL}.",
        settings.SERVICE_NAME,
    ]
    return reminder.title, "\n\n".join(paragraphs)


# --- Making reminders -----------------------------------------------------------------


def _enqueue_all(delivery_ids: list[int]) -> None:
    """Send these deliveries' emails once the surrounding transaction commits, with one
    on-commit callback for the lot. A failed enqueue is logged, not raised, and the
    rest are still tried; once the broker itself is unreachable the rest are left
    alone. Either way the rows stay unsent and ``resend_stuck`` enqueues them again."""
    if not delivery_ids:
        return
    from kombu.exceptions import OperationalError as BrokerUnreachable

    from .tasks_reminders import send_reminder_delivery

    def enqueue() -> None:
        for index, delivery_id in enumerate(delivery_ids):
            try:
                send_reminder_delivery.delay(delivery_id)
            except BrokerUnreachable:
                logger.exception(
                    "Could not enqueue reminder delivery %s; it and %s more are left for "
                    "the resend sweep",
                    delivery_id,
                    len(delivery_ids) - index - 1,
                )
                return
            except Exception:
                logger.exception(
                    "Could not enqueue reminder delivery %s; it is left for the resend sweep",
                    delivery_id,
                )

    transaction.on_commit(enqueue, robust=True)


def _new_reminder(due: Due) -> Reminder:
    return Reminder(
        key=due.key,
        kind=due.kind,
        step=due.step,
        title=due.title,
        monitoring_return=due.monitoring_return,
        url=due.url,
    )


def reminder_make(due: Due) -> Reminder | None:
    """Record one reminder with its deliveries and in-app notifications, in one
    transaction; its emails are enqueued after commit. None if another sweep made the
    same reminder first."""
    try:
        with transaction.atomic():
            reminder = _new_reminder(due)
            reminder.save(force_insert=True)
            deliveries = ReminderDelivery.objects.bulk_create(
                ReminderDelivery(reminder=reminder, email=r.email, name=r.name, recipient=r.user)
                for r in due.recipients
            )
            notify(
                recipients=[r.user for r in due.recipients if r.user is not None],
                key=f"reminder:{due.key}",
                title=due.title,
                body=due.body,
                url=due.url,
                email=False,  # the reminder's own deliveries send the email
            )
            _enqueue_all([delivery.pk for delivery in deliveries])
    except IntegrityError:
        if Reminder.objects.filter(key=due.key).exists():
            return None  # another sweep got there first
        raise
    return reminder


def _insert_batch(dues: list[Due]) -> None:
    """The reminders, their deliveries and their in-app notifications of a batch, in a
    few bulk INSERTs; their emails enqueued after commit. Raises IntegrityError if any
    key has been made since the batch was chosen."""
    # Keys in one order for every sweep, so two sweeps inserting overlapping batches
    # wait for each other in the same order and never deadlock.
    dues = sorted(dues, key=lambda due: due.key)
    made = Reminder.objects.bulk_create([_new_reminder(due) for due in dues])
    if any(reminder.pk is None for reminder in made):  # a backend that cannot return ids
        ids = dict(
            Reminder.objects.filter(key__in=[due.key for due in dues]).values_list("key", "pk")
        )
        for reminder in made:
            reminder.pk = ids[reminder.key]
    deliveries = ReminderDelivery.objects.bulk_create(
        [
            ReminderDelivery(reminder=reminder, email=r.email, name=r.name, recipient=r.user)
            for reminder, due in zip(made, dues, strict=True)
            for r in due.recipients
        ],
        batch_size=2000,
    )
    delivery_ids = [delivery.pk for delivery in deliveries]
    if None in delivery_ids:
        delivery_ids = list(
            ReminderDelivery.objects.filter(reminder__in=made)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    notify_all(
        announcements=[
            Announcement(
                recipients=[r.user for r in due.recipients if r.user is not None],
                key=f"reminder:{due.key}",
                title=due.title,
                body=due.body,
                url=due.url,
            )
            for due in dues
        ]
    )
    _enqueue_all(delivery_ids)


def reminders_make(dues: list[Due]) -> list[str]:
    """Make a batch of reminders in one transaction and return their keys. If another
    sweep made one of the keys since the batch was chosen, the batch is rolled back and
    made one reminder at a time instead, so the others are still made, each once."""
    if not dues:
        return []
    try:
        with transaction.atomic():
            _insert_batch(dues)
    except IntegrityError:
        logger.info("A reminder of a batch of %s was made meanwhile: one at a time", len(dues))
        return [due.key for due in dues if reminder_make(due) is not None]
    return [due.key for due in dues]


@dataclass
class SweepResult:
    made: list[str] = field(default_factory=list)
    resent: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"made": len(self.made), "resent": self.resent}


def everything_due(today: datetime.date) -> Iterator[Due]:
    yield from returns_due(today)
    yield from _not_yet_made(meetings_due(today))
    yield from _not_yet_made(decisions_due(today))
    yield from _not_yet_made(notices_due(today))


def _with_recipients(dues: Iterable[Due]) -> Iterator[Due]:
    for due in dues:
        if due.recipients:
            yield due
        else:
            # Nobody to tell yet: made later in the step's window if someone appears.
            logger.warning("Reminder %s has no recipients", due.key)


def sweep(*, today: datetime.date | None = None) -> SweepResult:
    """Make every reminder due on ``today`` (default: today) that has not been made, a
    batch at a time, and enqueue again any email left unsent. Safe to run twice, or
    twice at once."""
    today = today or timezone.localdate()
    result = SweepResult()
    for batch in _batched(_with_recipients(everything_due(today)), BATCH):
        result.made += reminders_make(batch)
    result.resent = resend_stuck()
    return result


# --- Sending --------------------------------------------------------------------------


def _claimable(now: datetime.datetime) -> Q:
    return Q(sent_at__isnull=True) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE)
    )


def deliver(delivery_id: int) -> bool:
    """Send one delivery's email unless it is sent or another worker holds it. The row
    is claimed by one UPDATE that only one worker can win; a failed send releases the
    claim, counts the attempt and keeps the error, and raises for Celery to retry.
    Returns whether an email went.

    (A worker killed between the mail server accepting the email and marking it sent
    would leave a stale claim and the email would go again: no mail protocol can make
    that window disappear, only keep it as short as this.)"""
    now = timezone.now()
    claimed = ReminderDelivery.objects.filter(_claimable(now), pk=delivery_id).update(
        claimed_at=now
    )
    if not claimed:
        return False
    delivery = ReminderDelivery.objects.select_related("reminder", "recipient").get(pk=delivery_id)
    try:
        subject, body = email_message(delivery)
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[delivery.email])
    except Exception as error:
        ReminderDelivery.objects.filter(pk=delivery_id, claimed_at=now).update(
            claimed_at=None,
            attempts=F("attempts") + 1,
            last_error=_clip(f"{type(error).__name__}: {error}"),
        )
        raise
    ReminderDelivery.objects.filter(pk=delivery_id).update(sent_at=timezone.now())
    return True


def resend_stuck(*, now: datetime.datetime | None = None) -> int:
    """Enqueue again every delivery not sent, whose claim is free or stale, made more
    than a few minutes ago (so not one whose first send is still on its way). The claim
    makes sure none is sent twice however often this runs."""
    now = now or timezone.now()
    stuck = (
        ReminderDelivery.objects.filter(
            _claimable(now),
            attempts__lt=MAX_ATTEMPTS,
            reminder__created_at__lt=now - STUCK_AFTER,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = 0
    for delivery_ids in _batched(stuck.iterator(chunk_size=CHUNK), CHUNK):
        _enqueue_all(delivery_ids)
        count += len(delivery_ids)
    return count
