"""Telling people things: an in-app notification for each recipient and, after the
transaction commits, an email sent by a Celery task. Announcing the same event twice
(same ``key``) notifies nobody twice. ``notify_all`` records many in-app-only
notifications at once (the reminder sweep's)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification, User

logger = logging.getLogger(__name__)


def notify(
    *,
    recipients: Iterable[User],
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Record a notification for each active recipient who has not had this ``key``;
    email the new ones once the surrounding transaction commits."""
    created = []
    for recipient in {user.pk: user for user in recipients if user.is_active}.values():
        try:
            with transaction.atomic():
                notification, was_created = Notification.objects.get_or_create(
                    recipient=recipient,
                    key=key,
                    defaults={"title": title, "body": body, "url": url, "email_wanted": email},
                )
        except IntegrityError:  # announced at the same moment by another process
            continue
        if was_created:
            created.append(notification)
    if email:
        from .tasks import send_notification_email

        for notification in created:
            transaction.on_commit(
                lambda pk=notification.pk: send_notification_email.delay(pk), robust=True
            )
    return created


@dataclass(frozen=True)
class Announcement:
    """One event for ``notify_all``: who should see it in the portal, and what it says."""

    recipients: Sequence[User]
    key: str
    title: str
    body: str = ""
    url: str = ""


def notify_all(*, announcements: Iterable[Announcement], batch_size: int = 1000) -> int:
    """``notify(..., email=False)`` for many events at once: an in-app notification for
    each active recipient of each announcement, written with bulk INSERTs that skip any
    (recipient, key) already recorded (the unique constraint decides, so an event
    announced at the same moment by another process is still recorded once). Sends no
    email. Returns how many notifications were offered; which of them were new is not
    known."""
    rows: dict[tuple[int, str], Notification] = {}
    for announcement in announcements:
        for user in announcement.recipients:
            if user.is_active:
                rows.setdefault(
                    (user.pk, announcement.key),
                    Notification(
                        recipient=user,
                        key=announcement.key,
                        title=announcement.title,
                        body=announcement.body,
                        url=announcement.url,
                        email_wanted=False,
                    ),
                )
    Notification.objects.bulk_create(rows.values(), batch_size=batch_size, ignore_conflicts=True)
    return len(rows)


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path.startswith("/") else path


def email_notification(notification_id: int) -> bool:
    """Send one notification's email unless it has been sent. The row is claimed first
    (an UPDATE that only one worker can win), so two workers never both send it; a
    failed send releases the claim for the retry. Returns whether an email went."""
    claimed = Notification.objects.filter(
        pk=notification_id, email_wanted=True, emailed_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    lines = [notification.body] if notification.body else []
    if notification.url:
        lines.append(f"Open it in the portal: {absolute_url(notification.url)}")
    lines.append(f"\n{settings.SERVICE_NAME}")
    try:
        send_mail(
            subject=notification.title,
            message="\n\n".join(lines),
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def notifications_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
