"""Sign in, sign out and passwords: Django's auth views with GOV.UK forms and templates.

Signing in is two steps when the user has (or must have) two-factor authentication: the
password step here, then commissioning/views/mfa.py. django-axes counts failed
passwords per email address and IP address; ``SIGN_IN_IP_FAILURE_LIMIT`` locks an IP
address that fails across many addresses. Either lock-out shows the same page whether
or not the address belongs to an account.
"""

from __future__ import annotations

import logging

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from .. import mfa, sessions
from ..access import Access, PortalAccessMixin
from ..forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm, SignInForm

logger = logging.getLogger("commissioning.security")


class LockoutBackend(AxesStandaloneBackend):
    """django-axes's lock-out check for every sign-in that comes with a request (the
    sign-in page, confirming a password). A password checked with no request at all
    (a management command, a test) is not a guess over the web and is left to
    ModelBackend, where axes itself would refuse it outright."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def ip_locked_out(request) -> bool:
    """True when this IP address has failed to sign in too often, whatever the email."""
    ip_address = get_client_ip_address(request)
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(
        ip_address=ip_address, attempt_time__gte=since
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return (failures or 0) >= settings.SIGN_IN_IP_FAILURE_LIMIT


def locked_out_response(request):
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"cooloff_timedelta": settings.AXES_COOLOFF_TIME},
        status=429,
    )


class SignInView(auth_views.LoginView):
    access = Access.PUBLIC
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if ip_locked_out(request):
            logger.warning(
                "Sign-in refused: IP address %s is locked out", request.META.get("REMOTE_ADDR")
            )
            return locked_out_response(request)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        reason = self.request.session.pop(sessions.SIGNED_OUT_REASON_KEY, None)
        return super().get_context_data(
            signed_out_message=sessions.SIGNED_OUT_MESSAGES.get(reason), **kwargs
        )

    def form_valid(self, form):
        user = form.get_user()
        if mfa.has_authenticator(user):
            mfa.begin_pending(self.request, user, redirect_to=self.get_success_url())
            return redirect("sign-in-code")
        if mfa.mfa_required(user):
            mfa.begin_pending(self.request, user, redirect_to=self.get_success_url())
            return redirect("sign-in-set-up")
        response = super().form_valid(form)  # signs in; Django gives the session a new key
        mfa.mark_reauthenticated(self.request)
        return response


class SignOutView(PortalAccessMixin, auth_views.LogoutView):
    """Signing out deletes the session on the server, so the old cookie is worthless."""

    access = Access.ACCOUNT


class PasswordChangeView(PortalAccessMixin, auth_views.PasswordChangeView):
    access = Access.ACCOUNT
    form_class = PasswordChangeForm
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(PortalAccessMixin, auth_views.PasswordChangeDoneView):
    access = Access.ACCOUNT


class PasswordResetView(auth_views.PasswordResetView):
    access = Access.PUBLIC
    form_class = PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    access = Access.PUBLIC


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password does not sign anyone in (``post_reset_login`` stays False): they
    sign in afterwards, code and all, so a reset link never gets round two-factor."""

    access = Access.PUBLIC
    form_class = SetPasswordForm
    post_reset_login = False


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    access = Access.PUBLIC


def admin_sign_in(request, extra_context=None):
    """Django admin's login page: the portal's sign-in, so the admin gets two-factor too.
    Someone signed in who is sent here may not use the admin."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next", "/admin/"), reverse("login"))
