"""Template filters for the portal's house style: £1,234.56 and 1 April 2025."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import dateformat, timezone

register = template.Library()


@register.filter
def money(value) -> str:
    """``Decimal("1234.5")`` -> ``£1,234.50``; negative amounts as ``-£1,234.50``."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


@register.filter
def ukdate(value) -> str:
    """A date or datetime as ``1 April 2025`` (in the UK's time zone for datetimes)."""
    if not value:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return dateformat.format(value, "j F Y")


@register.filter
def ukdatetime(value) -> str:
    """A datetime as ``1 April 2025 at 2:30pm``."""
    if not value:
        return ""
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    time = dateformat.format(value, "g:iA").replace(":00", "").lower()
    return f"{dateformat.format(value, 'j F Y')} at {time}"
