"""Writing and pruning the audit log.

``record()`` is the one way in (re-exported as ``commissioning.audit.record``). It never
breaks what it records: a failed write is logged and the caller carries on, and the
write runs in its own savepoint so a failure does not spoil the caller's transaction.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import logging
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, transaction
from django.utils import timezone

from . import events
from .models import AuditEvent

logger = logging.getLogger("audit")

DEFAULT_RETENTION_DAYS = 730


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """Where a request came from. ``REMOTE_ADDR``, unless ``AUDIT_TRUSTED_PROXIES`` says
    how many reverse proxies we run in front of the portal: then the address the
    outermost of them saw, read from X-Forwarded-For counting from the right (each proxy
    appends the address it was called from, so hops further left were written by the
    client and could be anything)."""
    if request is None:
        return None
    proxies = int(getattr(settings, "AUDIT_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            found = _valid_ip(hops[-proxies])
            if found:
                return found
    return _valid_ip(request.META.get("REMOTE_ADDR", "") or "")


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    """The details as JSON-ready values (dates, decimals and anything else as text)."""
    return json.loads(json.dumps(details, cls=_Encoder))


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def record(
    event: str,
    *,
    user=None,
    request=None,
    target=None,
    at: datetime.datetime | None = None,
    user_label: str = "",
    ip_address: str | None = None,
    **details: Any,
) -> AuditEvent | None:
    """Write one audit event: ``event`` (a name from audit/events.py), who (``user``, or
    the request's signed-in user), from where (``request``), about which record
    (``target``, any model instance) and anything else as keyword ``details``.
    Returns the event, or None when it could not be written (that is logged)."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and (not getattr(user, "is_authenticated", False) or user.pk is None):
        user = None
    if not user_label and user is not None:
        user_label = user.get_username()
    if ip_address is None:
        ip_address = client_ip(request)
    fields = {
        "event": event[:60],
        "user": user,
        "user_label": str(user_label)[:255],
        "ip_address": ip_address,
        "method": (getattr(request, "method", "") or "")[:10] if request is not None else "",
        "path": (getattr(request, "path", "") or "")[:500] if request is not None else "",
        "details": _plain(details),
    }
    if at is not None:
        fields["at"] = at
    if target is not None:
        fields["target_type"] = target._meta.label
        fields["target_id"] = str(target.pk)[:64]
        fields["target_label"] = str(target)[:255]
    try:
        with transaction.atomic():
            audit_event = AuditEvent.objects.create(**fields)
    except DatabaseError:
        logger.exception("Could not write the audit event %s for %s", event, user_label)
        return None
    logger.info(
        "%s user=%s ip=%s target=%s:%s",
        event,
        fields["user_label"] or "-",
        ip_address or "-",
        fields.get("target_type", "-"),
        fields.get("target_id", "-"),
    )
    return audit_event


def retention_days() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def prune(*, days: int | None = None, now: datetime.datetime | None = None) -> int:
    """Delete the events older than the retention period (``AUDIT_RETENTION_DAYS``);
    records that it did so. Returns how many were deleted."""
    days = retention_days() if days is None else days
    if days < 1:
        raise ValueError("The audit log's retention period must be at least one day.")
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    with transaction.atomic():
        deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
        if deleted:
            record(
                events.AUDIT_PRUNED,
                deleted=deleted,
                older_than=cutoff.astimezone(datetime.UTC).isoformat(),
                retention_days=days,
            )
    return deleted
