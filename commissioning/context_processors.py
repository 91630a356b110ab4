from django.conf import settings

from .freshness import cached
from .navigation import navigation_for


def portal(request):
    """The office's names and the signed-in user's navigation, for every page."""
    return {
        "service_name": settings.SERVICE_NAME,
        "office_name": settings.OFFICE_NAME,
        "office_short_name": settings.OFFICE_SHORT_NAME,
        "office_contact_email": settings.OFFICE_CONTACT_EMAIL,
        "navigation": navigation_for(request),
        "unread_notifications": _unread(request),
    }


def _unread(request) -> int:
    """The header's count of unread notifications: on every page, so a cached figure
    (``commissioning.freshness``), counted again once any notification changes."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    unread = user.notifications.filter(read_at__isnull=True)
    return cached("unread-notifications", unread.count, reads=[unread])
