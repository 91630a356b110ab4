"""Session lifetime: idle and absolute time-outs, and ending a deactivated user's sessions.

Sessions are rows in the database (``SESSION_ENGINE`` db): signing out deletes the row,
so a copied cookie is worthless afterwards, and Django gives the session a new key at
sign-in. ``SessionTimeoutMiddleware`` keeps two timestamps in the session — when the
user signed in and when they were last seen — and signs the user out after
``SESSION_IDLE_TIMEOUT_STAFF`` / ``SESSION_IDLE_TIMEOUT_PROVIDER`` seconds without a
request, or ``SESSION_ABSOLUTE_TIMEOUT`` seconds after signing in.

Deactivating a user (``is_active=False``, through the admin or any service) ends every
session of theirs at once: Django already refuses an inactive user's session, the
middleware deletes such a session when it is next presented, and ``end_user_sessions``
(run when a user is saved inactive) deletes them all straight away.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout, user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save
from django.utils import timezone

from .models import STAFF_ROLES

logger = logging.getLogger("commissioning.security")

SIGNED_IN_AT_KEY = "signed_in_at"
LAST_SEEN_AT_KEY = "last_seen_at"
#: Why the last session ended, shown once on the sign-in page.
SIGNED_OUT_REASON_KEY = "signed_out_reason"
#: Last-seen is written at most this often (seconds), not on every request.
LAST_SEEN_RESOLUTION = 60

SIGNED_OUT_MESSAGES = {
    "idle": "You were signed out because you had not done anything for a while. "
    "Sign in again to continue.",
    "absolute": "You were signed out because you signed in a long time ago. "
    "Sign in again to continue.",
}


def idle_timeout_for(user) -> int:
    if user.role in STAFF_ROLES:
        return settings.SESSION_IDLE_TIMEOUT_STAFF
    return settings.SESSION_IDLE_TIMEOUT_PROVIDER


def expiry_reason(session, user, now: float) -> str | None:
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    last_seen_at = session.get(LAST_SEEN_AT_KEY)
    if signed_in_at is not None and now - signed_in_at > settings.SESSION_ABSOLUTE_TIMEOUT:
        return "absolute"
    if last_seen_at is not None and now - last_seen_at > idle_timeout_for(user):
        return "idle"
    return None


def _stamp(session, now: float) -> None:
    session.setdefault(SIGNED_IN_AT_KEY, int(now))
    last_seen_at = session.get(LAST_SEEN_AT_KEY)
    if last_seen_at is None or now - last_seen_at >= LAST_SEEN_RESOLUTION:
        session[LAST_SEEN_AT_KEY] = int(now)


class SessionTimeoutMiddleware:
    """Signs out idle and old sessions; goes after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = time.time()
        user = request.user
        if user.is_authenticated:
            reason = expiry_reason(request.session, user, now)
            if reason is not None:
                logger.info("Session of user %s ended: %s time-out", user.pk, reason)
                logout(request)
                request.session[SIGNED_OUT_REASON_KEY] = reason
                return redirect_to_login(request.get_full_path())
            _stamp(request.session, now)
        elif SESSION_KEY in request.session:
            # A session whose user has been deactivated (or deleted): delete it.
            request.session.flush()

        response = self.get_response(request)

        # Signing in happened during this request: the session starts now.
        if request.user.is_authenticated and SIGNED_IN_AT_KEY not in request.session:
            _stamp(request.session, now)
        return response


def end_user_sessions(user) -> int:
    """Delete every session of ``user``; returns how many there were."""
    user_id = str(user.pk)
    ended = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == user_id
    ]
    Session.objects.filter(session_key__in=ended).delete()
    if ended:
        logger.info("Ended %d session(s) of deactivated user %s", len(ended), user.pk)
    return len(ended)


def _end_sessions_of_deactivated_user(sender, instance, **kwargs) -> None:
    if not instance.is_active:
        end_user_sessions(instance)


post_save.connect(
    _end_sessions_of_deactivated_user,
    sender=settings.AUTH_USER_MODEL,
    dispatch_uid="commissioning.sessions.end_sessions_of_deactivated_user",
)


def _stamp_at_sign_in(sender, request, user, **kwargs) -> None:
    """A session's clock starts when the user signs in, written with the sign-in itself
    (so the first page after it has nothing more to save)."""
    session = getattr(request, "session", None)
    if session is not None:
        _stamp(session, time.time())


user_logged_in.connect(_stamp_at_sign_in, dispatch_uid="commissioning.sessions.stamp_at_sign_in")
