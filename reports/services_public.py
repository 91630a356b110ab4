"""Changes behind the public pages: opportunities drafted, published and withdrawn by
officers, stakeholder sign-ups confirmed by an emailed link and unsubscribed in one
click, and each new opportunity emailed once to each confirmed subscriber.

Every email goes after the transaction commits. Sending is idempotent: a send is an
``OpportunityEmail`` row made before the email goes (the unique constraint lets one
worker win), so running the job twice sends nothing twice.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from commissioning.models import User
from commissioning.notifications import absolute_url
from commissioning.templatetags.portal import money, ukdate

from .models import (
    Opportunity,
    OpportunityEmail,
    OpportunityStatus,
    Subscriber,
    SubscriberStatus,
    new_token,
)

logger = logging.getLogger(__name__)

#: Fields an officer fills in.
OPPORTUNITY_FIELDS = ("title", "summary", "estimated_value", "closing_date", "how_to_take_part")
#: A confirmation email is not sent again to the same address within this time (a
#: sign-up form must not become a way to flood someone's inbox).
RESEND_AFTER = datetime.timedelta(minutes=15)


def _save(instance, *, by: User | None):
    instance.full_clean()
    instance._history_user = by
    instance.save()
    return instance


def _locked(opportunity: Opportunity) -> Opportunity:
    return Opportunity.objects.select_for_update().get(pk=opportunity.pk)


# --- Opportunities ----------------------------------------------------------------------


@transaction.atomic
def opportunity_create(*, by: User, **fields: Any) -> Opportunity:
    """A draft opportunity: nobody outside the office sees it until it is published."""
    opportunity = Opportunity(
        created_by=by, **{k: v for k, v in fields.items() if k in OPPORTUNITY_FIELDS}
    )
    return _save(opportunity, by=by)


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, by: User, **fields: Any) -> Opportunity:
    """Change a draft or published opportunity (a correction is not news: nobody is
    emailed again). A withdrawn one is kept as it was."""
    opportunity = _locked(opportunity)
    if opportunity.status == OpportunityStatus.WITHDRAWN:
        raise ValidationError("This opportunity has been withdrawn, so it can't be changed")
    closing_before = opportunity.closing_date
    for name, value in fields.items():
        if name in OPPORTUNITY_FIELDS:
            setattr(opportunity, name, value)
    if (
        opportunity.status == OpportunityStatus.PUBLISHED
        and opportunity.closing_date != closing_before
        and opportunity.closing_date < timezone.localdate()
    ):
        raise ValidationError({"closing_date": "The closing date must be today or in the future"})
    return _save(opportunity, by=by)


@transaction.atomic
def opportunity_publish(*, opportunity: Opportunity, by: User) -> Opportunity:
    """Publish a draft: it is listed publicly at once and, after commit, each confirmed
    subscriber is emailed about it (once)."""
    opportunity = _locked(opportunity)
    if opportunity.status != OpportunityStatus.DRAFT:
        raise ValidationError(
            "This opportunity is %(status)s, so it can't be published",
            params={"status": opportunity.get_status_display().lower()},
            code="not_draft",
        )
    if opportunity.closing_date < timezone.localdate():
        raise ValidationError(
            {
                "closing_date": "The closing date has passed: change it to today or a "
                "later date before publishing"
            }
        )
    opportunity.status = OpportunityStatus.PUBLISHED
    opportunity.published_at = timezone.now()
    _save(opportunity, by=by)
    from .tasks_public import send_opportunity_emails

    transaction.on_commit(lambda pk=opportunity.pk: send_opportunity_emails.delay(pk), robust=True)
    return opportunity


@transaction.atomic
def opportunity_withdraw(*, opportunity: Opportunity, by: User, reason: str) -> Opportunity:
    """Withdraw a draft or published opportunity. Its public page says it was withdrawn;
    no more emails go about it."""
    opportunity = _locked(opportunity)
    if opportunity.status == OpportunityStatus.WITHDRAWN:
        raise ValidationError("This opportunity has already been withdrawn")
    if not reason.strip():
        raise ValidationError({"withdrawn_reason": "Enter why the opportunity is withdrawn"})
    opportunity.status = OpportunityStatus.WITHDRAWN
    opportunity.withdrawn_at = timezone.now()
    opportunity.withdrawn_reason = reason.strip()
    return _save(opportunity, by=by)


# --- Subscriptions ----------------------------------------------------------------------


def _send(subject: str, lines: list[str], to: str, *, unsubscribe: str = "") -> None:
    headers = {}
    if unsubscribe:
        # Mail programs offer their own one-click unsubscribe button with these (RFC 8058).
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    EmailMessage(subject=subject, body="\n\n".join(lines), to=[to], headers=headers).send(
        fail_silently=False
    )


def subscription_confirmation_send(subscriber_id: int) -> None:
    """Email a pending subscriber the link that confirms their address."""
    subscriber = Subscriber.objects.filter(
        pk=subscriber_id, status=SubscriberStatus.PENDING
    ).first()
    if subscriber is None:
        return
    _send(
        f"Confirm you want emails about {settings.OFFICE_SHORT_NAME} opportunities",
        [
            f"Someone (we hope you) asked for emails from the {settings.OFFICE_NAME} when "
            "it publishes a new commissioning opportunity.",
            f"To start getting them, confirm your email address:\n"
            f"{absolute_url(subscriber.confirm_url())}",
            "If you did not ask for this, ignore this email: you will not be sent anything else.",
            settings.SERVICE_NAME,
        ],
        subscriber.email,
    )


@transaction.atomic
def subscription_request(*, email: str, now: datetime.datetime | None = None) -> None:
    """Ask for emails about new opportunities. Whoever asks, the answer is the same (so
    the form never tells anyone whether an address is subscribed): a new or pending
    address is sent a confirmation link, an unsubscribed one starts again with a new
    link, a confirmed one is left as it is."""
    now = now or timezone.now()
    email = email.strip().lower()
    subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    if subscriber is None:
        try:
            with transaction.atomic():
                subscriber = Subscriber(email=email)
                subscriber.full_clean(validate_unique=False)  # a clash is caught below
                subscriber.save()
        except IntegrityError:  # the same address at the same moment: that one wins
            return
    elif subscriber.status == SubscriberStatus.CONFIRMED:
        return
    elif subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.PENDING
        subscriber.token = new_token()  # links from before the unsubscribe stay dead
        subscriber.confirmation_sent_at = None
        subscriber.unsubscribed_at = None
    elif subscriber.confirmation_sent_at and now - subscriber.confirmation_sent_at < RESEND_AFTER:
        return
    subscriber.confirmation_sent_at = now
    subscriber.save()
    from .tasks_public import send_subscription_confirmation

    transaction.on_commit(
        lambda pk=subscriber.pk: send_subscription_confirmation.delay(pk), robust=True
    )


@transaction.atomic
def subscription_confirm(*, subscriber: Subscriber) -> Subscriber:
    """Confirm a pending subscription (again is harmless). An unsubscribed one is not
    brought back by an old link: the caller shows that page instead."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status == SubscriberStatus.PENDING:
        subscriber.status = SubscriberStatus.CONFIRMED
        subscriber.confirmed_at = timezone.now()
        subscriber.save(update_fields=["status", "confirmed_at"])
    return subscriber


@transaction.atomic
def subscription_unsubscribe(*, subscriber: Subscriber) -> Subscriber:
    """Stop all emails to this subscriber (again is harmless)."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status != SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at"])
    return subscriber


# --- Emailing an opportunity ------------------------------------------------------------


def _opportunity_email_lines(opportunity: Opportunity, subscriber: Subscriber) -> list[str]:
    value = (
        money(opportunity.estimated_value)
        if opportunity.estimated_value is not None
        else "not yet known"
    )
    return [
        f"The {settings.OFFICE_NAME} has published a new commissioning opportunity.",
        f"{opportunity.title}\n\n{opportunity.summary}",
        f"Estimated value: {value}\nClosing date: {ukdate(opportunity.closing_date)}",
        f"How to take part:\n{opportunity.how_to_take_part}",
        f"Read it on the website: {absolute_url(opportunity.get_absolute_url())}",
        "To stop getting these emails, unsubscribe with one click: "
        f"{absolute_url(subscriber.unsubscribe_url())}",
        settings.SERVICE_NAME,
    ]


def opportunity_email_send(*, opportunity_id: int, subscriber_id: int) -> bool:
    """Email one subscriber about one opportunity unless that has been done. The send is
    claimed first (a row only one worker can insert); a failed send gives the claim back
    for the retry. Returns whether an email went."""
    opportunity = Opportunity.objects.filter(
        pk=opportunity_id, status=OpportunityStatus.PUBLISHED
    ).first()
    subscriber = Subscriber.objects.filter(
        pk=subscriber_id, status=SubscriberStatus.CONFIRMED
    ).first()
    if opportunity is None or subscriber is None or not opportunity.is_open:
        return False
    try:
        with transaction.atomic():
            claim = OpportunityEmail.objects.create(opportunity=opportunity, subscriber=subscriber)
    except IntegrityError:
        return False  # already sent, or being sent by another worker
    try:
        _send(
            f"New opportunity: {opportunity.title}",
            _opportunity_email_lines(opportunity, subscriber),
            subscriber.email,
            unsubscribe=absolute_url(subscriber.unsubscribe_url()),
        )
    except Exception:
        OpportunityEmail.objects.filter(pk=claim.pk).delete()
        raise
    OpportunityEmail.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
    return True


def opportunity_announce(*, opportunity_id: int) -> list[int]:
    """The subscribers still to be emailed about an open opportunity (their ids)."""
    from .selectors_public import subscribers_due

    opportunity = Opportunity.objects.filter(
        pk=opportunity_id, status=OpportunityStatus.PUBLISHED
    ).first()
    if opportunity is None or not opportunity.is_open:
        return []
    return list(subscribers_due(opportunity).values_list("pk", flat=True))
